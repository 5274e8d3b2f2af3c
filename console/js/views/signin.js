// Sign-in: the dev sign-in under make serve (pick a name, teams and a role), or the IdP deployed.
import { devSignIn, oidcSignIn } from "../auth.js";
import { button, field, h, select, toast } from "../ui.js";

export async function render(root, { config, onSignedIn }) {
  if (config.mode === "oidc") {
    root.replaceChildren(h("section", { class: "signin card" },
      h("h1", {}, "SocialDesk"),
      h("p", {}, "Sign in with your company account to work your team's queue."),
      button("Sign in", () => oidcSignIn(config.oidc).catch((e) => toast(e.message, "error")), { class: "primary", dataset: { testid: "signin" } }),
    ));
    return;
  }
  const { teams, roles } = await (await fetch("/_local/teams")).json();
  const subject = h("input", { name: "subject", value: "ann", autocomplete: "username", required: true, pattern: "[a-z0-9][a-z0-9._\\-]*" });
  const role = select(roles.map((r) => [r, r]), "agent", { name: "role" });
  const boxes = teams.map((team) => h("label", { class: "check" },
    h("input", { type: "checkbox", name: "team", value: team, checked: team === "customer-care" }), team));
  const form = h("form", { class: "signin card", dataset: { testid: "signin-form" } },
    h("h1", {}, "SocialDesk"),
    h("p", { class: "muted" }, "Local desk: pick who you are. The token is minted with the dev key (never deployed)."),
    field("Name", subject),
    field("Role", role, "leads manage canned responses and see the policy; admins see every team"),
    h("fieldset", {}, h("legend", {}, "Teams"), h("div", { class: "checks" }, boxes)),
    h("button", { type: "submit", class: "primary", dataset: { testid: "signin" } }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
    try {
      await devSignIn(subject.value.trim(), chosen, role.value);
      onSignedIn();
    } catch (error) {
      toast(error.message, "error");
    }
  });
  root.replaceChildren(form);
}
