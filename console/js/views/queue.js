// The queue: my teams' tickets, most urgent first then the earliest deadline, with live SLA countdowns.
import { query } from "../api.js";
import {
  CHANNEL_NAMES, button, channelIcon, customerName, empty, field, h, pill, priorityPill, select, showSla, toast,
} from "../ui.js";
import { outreachDialog } from "./outreach.js";

const REFRESH_MS = 10_000;
const filters = { team: null, status: "open", channel: "", assignee: "" };

export async function render(root, ctx) {
  const { api, session } = ctx;
  const myTeams = session.role === "admin" && !session.teams.length ? ctx.teams.teams : session.teams;
  filters.team = myTeams.includes(filters.team) ? filters.team : myTeams[0];
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const statusSel = select([["open", "Open"], ["pending", "Pending"], ["resolved", "Resolved"]], filters.status, { dataset: { testid: "filter-status" } });
  const channelSel = select([["", "All channels"], ...Object.entries(CHANNEL_NAMES)], filters.channel, { dataset: { testid: "filter-channel" } });
  const assigneeSel = select([["", "Anyone"], ["me", "Me"], ["none", "Unassigned"]], filters.assignee, { dataset: { testid: "filter-assignee" } });
  const rows = h("tbody", { dataset: { testid: "queue-rows" } });
  const stamp = h("span", { class: "muted small" });
  const counts = h("span", { class: "counts" });
  let tickets = [];
  let roster = [];

  for (const team of myTeams) {
    tabs.append(button(team, () => { filters.team = team; load(); }, { role: "tab", dataset: { team } }));
  }
  statusSel.onchange = () => { filters.status = statusSel.value; load(); };
  channelSel.onchange = () => { filters.channel = channelSel.value; draw(); };
  assigneeSel.onchange = () => { filters.assignee = assigneeSel.value; draw(); };

  const table = h("table", { class: "queue", dataset: { testid: "queue" } },
    h("thead", {}, h("tr", {},
      ["", "Priority", "Customer", "What", "Reach", "Engagement", "Assignee", "SLA"].map((c) => h("th", {}, c)))),
    rows);
  root.replaceChildren(
    h("div", { class: "toolbar" },
      h("h1", {}, "Queue"), tabs,
      h("div", { class: "filters" }, field("Status", statusSel), field("Channel", channelSel), field("Assignee", assigneeSel)),
      h("div", { class: "spacer" }), counts, stamp,
      button("Start a conversation", () => outreachDialog(ctx, { team: filters.team }), { class: "secondary", dataset: { testid: "outreach-open" } }),
    ),
    table,
  );

  async function load() {
    for (const tab of tabs.children) tab.classList.toggle("active", tab.dataset.team === filters.team);
    try {
      const [page, team] = await Promise.all([
        api.get(`/tickets${query({ team: filters.team, status: filters.status, limit: 100 })}`),
        api.get(`/agents?team=${encodeURIComponent(filters.team)}`),
      ]);
      tickets = page.tickets;
      roster = team.agents;
      stamp.textContent = `updated ${new Date().toLocaleTimeString()}`;
      draw();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function visible() {
    return tickets.filter((t) => (!filters.channel || t.channel === filters.channel)
      && (!filters.assignee
        || (filters.assignee === "me" && t.assignee === session.subject)
        || (filters.assignee === "none" && !t.assignee)
        || t.assignee === filters.assignee));
  }

  function draw() {
    const known = new Set([...roster.map((a) => a.subject), ...tickets.map((t) => t.assignee).filter(Boolean)]);
    const options = [["", "Anyone"], ["me", "Me"], ["none", "Unassigned"], ...[...known].sort().map((a) => [a, a])];
    assigneeSel.replaceChildren(...options.map(([v, text]) => h("option", { value: v, selected: v === filters.assignee }, text)));
    const shown = visible();
    counts.textContent = `${shown.length} of ${tickets.length} ${filters.status}`;
    rows.replaceChildren(...(shown.length ? shown.map(row) : [h("tr", {}, h("td", { colspan: 8 }, empty("Nothing here. Nice.")))]));
    tick();
  }

  function row(t) {
    const link = `#/tickets/${encodeURIComponent(t.ticket_id)}`;
    const what = [t.intent, t.topic && `about ${t.topic}`].filter(Boolean).join(" ") || "message";
    return h("tr", { class: "row", dataset: { ticket: t.ticket_id, testid: "queue-row" }, onclick: () => ctx.navigate(link) },
      h("td", { class: "channel" }, channelIcon(t.channel)),
      h("td", {}, priorityPill(t.priority)),
      h("td", {}, h("a", { href: link }, customerName(t.customer, t.channel)),
        t.incident_id ? pill("incident", "incident") : null,
        t.merged_from && t.merged_from.length ? pill(`+${t.merged_from.length} merged`, "muted") : null),
      h("td", {}, what, t.tags.filter((tag) => tag !== "proactive").map((tag) => pill(tag, "tag"))),
      h("td", {}, t.reach || "—"),
      h("td", { class: "num" }, String(t.engagement || 0)),
      h("td", {}, t.assignee || h("span", { class: "muted" }, "unassigned")),
      h("td", {}, h("span", { class: "sla", dataset: { testid: "sla" } })),
    );
  }

  function tick() {
    const byId = new Map(tickets.map((t) => [t.ticket_id, t]));
    for (const tr of rows.querySelectorAll("tr[data-ticket]")) {
      showSla(tr.querySelector("span.sla"), byId.get(tr.dataset.ticket));
    }
  }

  await load();
  const refresher = setInterval(load, REFRESH_MS);
  const ticker = setInterval(tick, 1000);
  return () => { clearInterval(refresher); clearInterval(ticker); };
}
