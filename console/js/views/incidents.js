// Incidents: open surges with their tickets; one reply to every linked customer; resolve them all.
import {
  button, channelIcon, empty, field, h, pill, toast, when,
} from "../ui.js";

export async function render(root, ctx, incidentId) {
  if (incidentId) return renderOne(root, ctx, incidentId);
  const { incidents } = await ctx.api.get("/incidents");
  root.replaceChildren(
    h("div", { class: "toolbar" }, h("h1", {}, "Incidents"), h("span", { class: "muted" }, `${incidents.length} open`)),
    incidents.length
      ? h("div", { class: "cards" }, incidents.map((i) => h("a", { class: "card incident-card", href: `#/incidents/${encodeURIComponent(i.incident_id)}`, dataset: { testid: "incident" } },
        h("h2", {}, i.topic), h("p", {}, `${i.ticket_count} tickets · team ${i.team}`),
        h("small", { class: "muted" }, `since ${when(i.opened_at)}, last ${when(i.last_seen)}`))))
      : empty("No open incidents."),
  );
  return null;
}

async function renderOne(root, ctx, incidentId) {
  const path = `/incidents/${encodeURIComponent(incidentId)}`;
  const view = await ctx.api.get(path);
  const text = h("textarea", { rows: 3, maxlength: 2000, placeholder: "One message to every customer of this incident, each on their own channel…", dataset: { testid: "incident-text" } });
  let draft = null; // one idempotency key per draft, as for a ticket's reply
  const send = button("Reply to all", async () => {
    if (!text.value.trim()) return;
    if (!draft || draft.text !== text.value) draft = { text: text.value, key: crypto.randomUUID() };
    try {
      const outcome = await ctx.api.postOnce(`${path}/replies`, { text: text.value }, draft.key);
      draft = null;
      const skipped = Object.keys(outcome.skipped || {}).length;
      toast(`Queued ${outcome.queued} replies${outcome.already ? `, ${outcome.already} already sent` : ""}${skipped ? `, ${skipped} skipped` : ""}`);
      text.value = "";
    } catch (error) {
      toast(error.reason || error.message, "error");
    }
  }, { class: "primary", dataset: { testid: "incident-reply" } });
  const resolve = button("Resolve incident and its tickets", async () => {
    try {
      await ctx.api.post(`${path}/resolve`, { resolution: "answered" });
      toast("Incident resolved");
      ctx.navigate("#/incidents");
    } catch (error) {
      toast(error.reason || error.message, "error");
    }
  }, { class: "secondary" });
  const i = view.incident;
  root.replaceChildren(
    h("a", { href: "#/incidents", class: "back" }, "← Incidents"),
    h("h1", {}, `Incident: ${i.topic} `, pill(i.status, `status-${i.status}`)),
    h("p", { class: "muted" }, `${i.ticket_count} tickets · ${Object.entries(view.by_channel).map(([c, n]) => `${c} ${n}`).join(", ")} · first ${when(view.first_seen)}, last ${when(view.last_seen)}`),
    h("section", { class: "card" }, field("Reply to every customer", text), h("div", { class: "actions" }, resolve, send)),
    h("table", { class: "queue" },
      h("thead", {}, h("tr", {}, ["", "Customer", "Team", "Priority", "Status"].map((c) => h("th", {}, c)))),
      h("tbody", {}, view.tickets.map((t) => h("tr", { class: "row", onclick: () => ctx.navigate(`#/tickets/${encodeURIComponent(t.ticket_id)}`) },
        h("td", {}, channelIcon(t.channel)), h("td", {}, t.customer), h("td", {}, t.team), h("td", {}, pill(t.priority, `prio-${t.priority}`)), h("td", {}, t.status))))),
  );
  return null;
}
