// Proactive follow-up: start a conversation where the customer's platform allows it (refused with why).
import { CHANNEL_NAMES, button, field, h, select, toast } from "../ui.js";

export function outreachDialog(ctx, defaults = {}) {
  const channel = select(Object.entries(CHANNEL_NAMES), defaults.channel || "whatsapp", { name: "channel" });
  const customer = h("input", { name: "customer_id", value: defaults.customer_id || "", required: true });
  const account = h("input", { name: "brand_account", value: defaults.brand_account || "" });
  const source = h("input", { name: "source", value: defaults.source || "" });
  const reason = select([["order_delivered", "Order delivered"], ["incident_fixed", "Incident fixed"], ["follow_up", "Follow-up"]],
    defaults.reason || "follow_up", { name: "reason" });
  const text = h("textarea", { name: "text", rows: 3, maxlength: 2000 }, defaults.text || "");
  const template = h("input", { name: "template", placeholder: "e.g. order_delivered (WhatsApp, outside 24 h)" });
  const params = h("input", { name: "parameters", placeholder: "comma-separated body parameters" });
  const problem = h("p", { class: "problem", role: "alert", dataset: { testid: "outreach-problem" } });
  const team = select(ctx.session.teams.map((t) => [t, t]), defaults.team || ctx.session.teams[0], { name: "team" });
  const dialog = h("dialog", { class: "dialog", dataset: { testid: "outreach-dialog" } });
  const form = h("form", { method: "dialog" },
    h("h2", {}, "Start a conversation"),
    h("p", { class: "muted" }, "WhatsApp takes only approved templates outside the 24-hour window; Messenger and Instagram "
      + "allow 24 hours (7 days as a human agent); X needs an existing DM conversation; comments cannot start one."),
    h("div", { class: "grid2" },
      field("Channel", channel), field("Team", team),
      field("Customer id", customer, "X user id, PSID, Instagram id, wa_id, or the source's customer id"),
      field("Brand account", account, "X user id, Page id, WhatsApp phone number id"),
      field("Generic source", source, "generic only, e.g. reviews"), field("Why", reason)),
    field("Message", text),
    h("div", { class: "grid2" }, field("WhatsApp template", template), field("Template parameters", params)),
    problem,
    h("div", { class: "actions" },
      button("Cancel", () => dialog.close(), { class: "link" }),
      h("button", { type: "submit", class: "primary", dataset: { testid: "outreach-send" } }, "Send")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.textContent = "";
    const body = {
      channel: channel.value, customer_id: customer.value.trim(), team: team.value, reason: reason.value,
      brand_account: account.value.trim() || undefined, source: source.value.trim() || undefined,
      text: text.value.trim() || undefined,
    };
    if (template.value.trim()) {
      body.template = { name: template.value.trim(), parameters: params.value.split(",").map((p) => p.trim()).filter(Boolean) };
    }
    try {
      const outcome = await ctx.api.post("/outreach", body);
      dialog.close();
      toast(`Queued on ticket ${outcome.ticket_id}${outcome.tag ? ` (${outcome.tag})` : ""}`);
      ctx.navigate(`#/tickets/${encodeURIComponent(outcome.ticket_id)}`);
    } catch (error) {
      problem.textContent = error.reason || error.message;
    }
  });
  dialog.append(form);
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
}
