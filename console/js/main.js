// The console's shell: configuration, sign-in, navigation, and the screen for the current #route.
import { Api } from "./api.js";
import { completeOidc, currentSession, forget } from "./auth.js";
import { button, h, toast } from "./ui.js";
import * as incidents from "./views/incidents.js";
import * as queue from "./views/queue.js";
import * as reports from "./views/reports.js";
import * as signin from "./views/signin.js";
import * as ticket from "./views/ticket.js";

const ROUTES = [
  [/^#\/tickets\/([^/]+)$/, ticket],
  [/^#\/incidents\/([^/]+)$/, incidents],
  [/^#\/incidents$/, incidents],
  [/^#\/reports$/, reports],
  [/^#\/queue$/, queue],
];

const app = document.getElementById("app");
let cleanup = null;
let ctx = null;

async function boot() {
  const config = await (await fetch("/config.json")).json();
  let session = currentSession();
  if (!session && config.mode === "oidc") {
    try {
      session = await completeOidc(config.oidc);
    } catch (error) {
      toast(`Sign-in failed: ${error.message}`, "error");
    }
  }
  if (!session) {
    signin.render(app, { config, onSignedIn: () => boot() });
    return;
  }
  const api = new Api(config.apiBase || "", session, () => signOut("Your session ended; sign in again."));
  let teams;
  const availability = { api, session };
  try {
    [teams] = await Promise.all([api.get("/teams"), loadAvailability(availability)]);
  } catch (error) {
    forget();
    toast(`Could not reach the API: ${error.message}`, "error");
    signin.render(app, { config, onSignedIn: () => boot() });
    return;
  }
  ctx = { api, config, session, teams, availability: availability.availability, navigate: (hash) => { window.location.hash = hash; } };
  shell();
  window.onhashchange = route;
  if (!window.location.hash || window.location.hash === "#") window.location.hash = "#/queue";
  else route();
}

async function loadAvailability(context) {
  // an agent takes new tickets only once they go online (the header's toggle); until then, away
  try {
    const roster = await context.api.get(`/agents?team=${encodeURIComponent(context.session.teams[0])}`);
    const me = roster.agents.find((a) => a.subject === context.session.subject);
    context.availability = me ? me.availability : "away";
  } catch {
    context.availability = "away";
  }
}

function signOut(message) {
  forget();
  if (cleanup) cleanup();
  window.onhashchange = null;
  window.location.hash = "";
  if (message) toast(message);
  boot();
}

function shell() {
  const { session } = ctx;
  const availability = button(ctx.availability === "away" ? "Away" : "Online", toggleAvailability, {
    class: `availability ${ctx.availability}`, dataset: { testid: "availability" }, title: "Take new tickets or not",
  });
  async function toggleAvailability() {
    const next = ctx.availability === "away" ? "online" : "away";
    try {
      const changed = await ctx.api.put("/agents/me/availability", { status: next });
      ctx.availability = next;
      availability.textContent = next === "away" ? "Away" : "Online";
      availability.className = `availability ${next}`;
      const handed = Object.keys(changed.reassigned || {}).length;
      toast(next === "away"
        ? `You are away${handed ? `; ${handed} open tickets handed over` : ""}`
        : `You are online${handed ? `; ${handed} waiting tickets assigned` : ""}`);
    } catch (error) {
      toast(error.message, "error");
    }
  }
  const nav = h("nav", { class: "nav" },
    h("a", { href: "#/queue", dataset: { nav: "queue" } }, "Queue"),
    h("a", { href: "#/incidents", dataset: { nav: "incidents" } }, "Incidents"),
    h("a", { href: "#/reports", dataset: { nav: "reports" } }, "Reports"),
  );
  const header = h("header", { class: "top" },
    h("a", { class: "brand", href: "#/queue" }, h("span", { class: "logo" }, "◆"), "SocialDesk"),
    nav,
    h("div", { class: "who" },
      availability,
      h("span", { class: "me", dataset: { testid: "me" } }, `${session.subject} · ${session.role} · ${session.teams.join(", ")}`),
      button("Sign out", () => signOut(), { class: "link" }),
    ),
  );
  app.replaceChildren(header, h("main", { id: "screen" }));
}

async function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  const hash = window.location.hash;
  const screen = document.getElementById("screen");
  for (const link of document.querySelectorAll(".nav a")) {
    link.classList.toggle("active", hash.startsWith(`#/${link.dataset.nav}`) || (link.dataset.nav === "queue" && hash.startsWith("#/tickets")));
  }
  for (const [pattern, view] of ROUTES) {
    const match = hash.match(pattern);
    if (match) {
      screen.replaceChildren(h("p", { class: "loading" }, "Loading…"));
      try {
        cleanup = (await view.render(screen, ctx, match[1] ? decodeURIComponent(match[1]) : undefined)) || null;
      } catch (error) {
        screen.replaceChildren(h("div", { class: "error-box" }, h("h2", {}, "Something went wrong"), h("p", {}, error.message)));
      }
      return;
    }
  }
  window.location.hash = "#/queue";
}

boot();
