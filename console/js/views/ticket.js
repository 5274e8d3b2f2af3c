// One ticket: the customer's conversation (their messages, others' as context, the brand's replies and
// where each was delivered), classification, audit trail, and everything an agent does to it.
import { query } from "../api.js";
import {
  CHANNEL_NAMES, ago, button, channelIcon, customerName, empty, field, h, pill, priorityPill, select, showSla, toast, when,
} from "../ui.js";
import { outreachDialog } from "./outreach.js";

const REFRESH_MS = 5_000;

export async function render(root, ctx, ticketId) {
  const { api, session } = ctx;
  const path = `/tickets/${encodeURIComponent(ticketId)}`;
  const header = h("div", { class: "ticket-head" });
  const timeline = h("ol", { class: "timeline", dataset: { testid: "timeline" } });
  const side = h("aside", { class: "side" });
  const composer = h("section", { class: "composer card" });
  let view = null;
  let roster = [];
  let lastCorrection = null;

  root.replaceChildren(
    h("div", { class: "ticket" },
      h("div", { class: "conversation" }, header, timeline, composer),
      side),
  );

  async function load() {
    view = await api.get(path);
    try { roster = (await api.get(`/agents?team=${encodeURIComponent(view.ticket.team)}`)).agents; } catch { roster = []; }
    drawHeader();
    drawTimeline();
    drawSide();
  }

  async function act(promise, done) {
    try {
      const result = await promise;
      if (done) toast(done);
      await load();
      return result;
    } catch (error) {
      toast(error.reason || error.message, "error");
      return null;
    }
  }

  // -- header -------------------------------------------------------------------------------------------
  const sla = h("span", { class: "sla", dataset: { testid: "ticket-sla" } });
  function drawHeader() {
    const t = view.ticket;
    header.replaceChildren(
      h("a", { href: "#/queue", class: "back" }, "← Queue"),
      h("h1", {}, channelIcon(t.channel), " ", customerLabel(t), h("small", { class: "muted" }, ` ${CHANNEL_NAMES[t.channel] || t.channel} · ${t.ticket_id}`)),
      h("div", { class: "badges" },
        priorityPill(t.priority), pill(t.status, `status-${t.status}`, ), t.private ? pill("private", "muted") : pill("public", "muted"),
        t.incident_id ? h("a", { href: `#/incidents/${encodeURIComponent(t.incident_id)}` }, pill("incident", "incident")) : null,
        t.merged_into ? h("a", { href: `#/tickets/${encodeURIComponent(t.merged_into)}` }, pill(`merged into ${t.merged_into}`, "muted")) : null,
        sla),
    );
    tickSla();
  }
  function tickSla() {
    if (view) showSla(sla, view.ticket);
  }

  // -- the conversation ------------------------------------------------------------------------------
  function drawTimeline() {
    const items = [
      ...view.messages.map((m) => ({ at: m.created_at, node: message(m) })),
      ...view.replies.map((r) => ({ at: r.created_at, node: reply(r) })),
      ...view.notes.map((n) => ({ at: n.created_at, node: note(n) })),
    ].sort((a, b) => new Date(a.at) - new Date(b.at));
    timeline.replaceChildren(...(items.length ? items.map((i) => i.node) : [empty("No messages.")]));
  }

  function message(m) {
    const kind = m.role === "customer" ? "customer" : m.role === "brand" ? "brand" : "context";
    const label = kind === "context" ? "context — someone else in the thread, not this customer" : kind === "brand" ? "the brand, on the platform" : "customer";
    return h("li", { class: `msg ${kind}`, dataset: { testid: `msg-${kind}`, ref: m.external_id } },
      h("div", { class: "meta" }, h("strong", {}, m.author || "unknown"), " ", pill(label, `role-${kind}`), " ",
        h("time", { datetime: m.created_at, title: m.created_at }, when(m.created_at)),
        m.permalink ? h("a", { href: m.permalink, target: "_blank", rel: "noopener noreferrer" }, " open") : null),
      h("p", { class: "text" }, m.deleted ? h("em", {}, "deleted by its author") : m.text || h("em", {}, "(no text)")),
      m.attachments ? h("small", { class: "muted" }, `${m.attachments} attachment(s)`) : null,
    );
  }

  function reply(r) {
    const where = r.endpoint ? `delivered: ${r.endpoint}` : r.status === "failed" ? `failed: ${r.last_error || ""}` : r.status;
    const kind = r.kind && r.kind !== "reply" ? pill(r.kind, "tag") : null;
    return h("li", { class: `msg reply ${r.status}`, dataset: { testid: "reply", status: r.status } },
      h("div", { class: "meta" }, h("strong", {}, r.author), " ", pill(r.private ? "private reply" : "public reply", "role-brand"), " ", kind,
        h("time", { datetime: r.created_at }, when(r.created_at)),
        r.in_reply_to ? h("span", { class: "muted" }, ` · answers ${r.in_reply_to}`) : null,
        r.recipient_label ? h("span", { class: "muted" }, ` · to ${r.recipient_label}`) : null),
      h("p", { class: "text" }, r.text),
      h("small", { class: `delivery ${r.status}`, dataset: { testid: "delivery" } }, where),
    );
  }

  function note(n) {
    return h("li", { class: "msg note", dataset: { testid: "note" } },
      h("div", { class: "meta" }, h("strong", {}, n.author), " ", pill("internal note — never sent", "role-note"), " ", h("time", {}, when(n.created_at))),
      h("p", { class: "text" }, n.text));
  }

  // -- composer: reply (public / private, the channel's limit, canned responses) and internal notes ---------
  async function drawComposer() {
    const limits = view.reply_limits;
    const modes = [["public", limits.public], ["private", limits.private]].filter(([, limit]) => limit);
    const defaultMode = view.ticket.private || !limits.public ? "private" : "public";
    const mode = select(modes.map(([m, limit]) => [m, `${m} (max ${limit})`]), defaultMode, { dataset: { testid: "reply-mode" } });
    const text = h("textarea", { rows: 4, placeholder: "Write a reply to the customer…", dataset: { testid: "reply-text" } });
    const counter = h("span", { class: "counter", dataset: { testid: "counter" } });
    const canned = select([["", "Canned responses…"]], "", { dataset: { testid: "canned" } });
    const limitOf = () => (mode.value === "private" ? limits.private : limits.public);
    const count = () => {
      const n = text.value.length, limit = limitOf();
      counter.textContent = `${n} / ${limit}`;
      counter.classList.toggle("over", n > limit);
    };
    text.oninput = count;
    mode.onchange = count;
    try {
      const list = await api.get(`${path}/canned-responses`);
      for (const c of list.responses) canned.append(h("option", { value: c.text }, c.title));
    } catch { /* none */ }
    canned.onchange = () => { if (canned.value) { text.value = canned.value; canned.value = ""; count(); text.focus(); } };
    // one idempotency key per draft: sending the same draft again (after an error) can never post twice
    let draft = null;
    const send = button("Send reply", async () => {
      if (!text.value.trim()) return;
      send.disabled = true;
      const body = { text: text.value, private: mode.value === "private" };
      if (!draft || draft.text !== body.text || draft.private !== body.private) draft = { ...body, key: crypto.randomUUID() };
      const outcome = await act(api.postOnce(`${path}/replies`, body, draft.key));
      send.disabled = false;
      if (outcome) {
        draft = null;
        text.value = "";
        count();
        toast(outcome.status === "sent" ? "Reply sent" : `Reply ${outcome.status}: ${outcome.error || "will retry"}`, outcome.status === "sent" ? "info" : "error");
      }
    }, { class: "primary", dataset: { testid: "send-reply" } });
    count();

    const noteText = h("textarea", { rows: 3, placeholder: "Internal note for the team (never sent to the customer)…", dataset: { testid: "note-text" } });
    const addNote = button("Add note", async () => {
      if (!noteText.value.trim()) return;
      const added = await act(api.post(`${path}/notes`, { text: noteText.value }), "Note added");
      if (added) {
        noteText.value = "";
        view.notes = [...view.notes.filter((n) => n.note_id !== added.note_id), added];
        drawTimeline();
      }
    }, { class: "secondary", dataset: { testid: "add-note" } });

    const replyPane = h("div", { class: "pane" }, h("div", { class: "row" }, field("Send as", mode), field("Insert", canned)), text,
      h("div", { class: "actions" }, counter, send));
    const notePane = h("div", { class: "pane", hidden: true }, noteText, h("div", { class: "actions" }, addNote));
    const replyTab = button("Reply", () => { replyPane.hidden = false; notePane.hidden = true; replyTab.classList.add("active"); noteTab.classList.remove("active"); }, { class: "active", dataset: { testid: "tab-reply" } });
    const noteTab = button("Internal note", () => { replyPane.hidden = true; notePane.hidden = false; noteTab.classList.add("active"); replyTab.classList.remove("active"); }, { dataset: { testid: "tab-note" } });
    composer.replaceChildren(h("div", { class: "tabs" }, replyTab, noteTab), replyPane, notePane);
  }

  // -- the side panel: details, actions, audit --------------------------------------------------------
  async function drawSide() {
    const t = view.ticket;
    const details = h("dl", { class: "details" },
      row("Status", t.status + (t.close_reason ? ` (${t.close_reason})` : "")),
      row("Team", t.team), row("Priority", t.priority), row("Assignee", t.assignee || "unassigned"),
      row("Customer", customerLabel(t)),
      row("Classified", [t.intent, t.topic && `about ${t.topic}`, t.language].filter(Boolean).join(", ") || "—"),
      row("Sentiment", t.sentiment === null || t.sentiment === undefined ? "—" : t.sentiment.toFixed(2)),
      row("Reach · engagement", `${t.reach || "—"} · ${t.engagement}`),
      row("Routed by rule", t.rule || "—"),
      row("Why", t.why.length ? h("ul", { class: "why" }, t.why.map((w) => h("li", {}, w))) : "—"),
      row("Tags", t.tags.length ? t.tags.map((tag) => pill(tag, "tag")) : "—"),
      row("First response", t.first_response_at ? `${when(t.first_response_at)} by ${t.first_response_by || "the brand"}` : "not yet"),
      row("Satisfaction", t.csat ? (t.csat.score ? `${t.csat.score} / 5` : `survey sent ${ago(t.csat.requested_at)}`) : "—"),
      t.outreach ? row("Started by the desk", t.outreach) : null,
    );
    side.replaceChildren(
      h("section", { class: "card" }, h("h2", {}, "Details"), details),
      h("section", { class: "card actions-card" }, h("h2", {}, "Actions"), ...(await actions(t))),
      correctionCard(t),
      h("section", { class: "card" }, h("h2", {}, "Audit trail"), h("ol", { class: "audit", dataset: { testid: "audit" } },
        [...view.events].reverse().map((e) => h("li", {},
          h("strong", {}, e.type), " ", h("span", { class: "muted" }, `${e.actor || ""} · ${when(e.at)}`),
          summary(e) ? h("div", { class: "small" }, summary(e)) : null)))),
    );
  }

  async function actions(t) {
    const active = t.status === "open" || t.status === "pending";
    const out = [];
    if (active) {
      out.push(button("Assign to me", () => act(api.post(`${path}/assign`, { assignee: session.subject }), "Assigned to you"),
        { class: "secondary", dataset: { testid: "assign-me" }, disabled: t.assignee === session.subject }));
      const agentSel = select([["", "an agent…"], ...roster.map((a) => [a.subject, `${a.subject} (${a.availability}, ${a.open_tickets} open)`])], "", { dataset: { testid: "assign-agent" } });
      out.push(h("div", { class: "inline" }, agentSel, button("Assign", () => agentSel.value && act(api.post(`${path}/assign`, { assignee: agentSel.value }), `Assigned to ${agentSel.value}`))));
      const teamSel = select([["", "another team…"], ...ctx.teams.teams.filter((x) => x !== t.team).map((x) => [x, x])], "", { dataset: { testid: "move-team" } });
      out.push(h("div", { class: "inline" }, teamSel, button("Move", () => teamSel.value && act(api.post(`${path}/assign`, { team: teamSel.value }), `Moved to ${teamSel.value}`).then(() => ctx.navigate("#/queue")))));
      const resolution = select([["answered", "answered"], ["no_reply_needed", "no reply needed"], ["duplicate", "duplicate"], ["other", "other"]], "answered", { dataset: { testid: "resolution" } });
      const survey = h("input", { type: "checkbox", checked: true, dataset: { testid: "survey" } });
      out.push(h("div", { class: "inline" }, resolution,
        h("label", { class: "check", title: "Send the satisfaction survey where the channel allows" }, survey, "survey"),
        button("Resolve", () => act(api.post(`${path}/resolve`, { resolution: resolution.value, survey: survey.checked }), "Resolved"), { class: "primary", dataset: { testid: "resolve" } })));
      out.push(await mergeControl(t));
    } else if (!t.merged_into) {
      out.push(button("Reopen", () => act(api.post(`${path}/reopen`), "Reopened"), { class: "secondary", dataset: { testid: "reopen" } }));
    }
    if (t.private || t.channel === "generic") {
      out.push(button("Follow up later…", () => outreachDialog(ctx, {
        channel: t.channel, customer_id: t.customer.id || "", brand_account: t.brand_account === "default" ? "" : t.brand_account, team: t.team,
      }), { class: "link" }));
    }
    return out;
  }

  // -- correct routing: a labelled example for the next refit (the ticket itself does not change) ----------
  function correctionCard(t) {
    const intents = ["complaint", "question", "praise", "spam", "other"];
    const intentSel = select(intents.map((i) => [i, i]), intents.includes(t.intent) ? t.intent : "complaint", { dataset: { testid: "correct-intent" } });
    const teamSel = select([["", "the right team…"], ...ctx.teams.teams.map((x) => [x, x])], "", { dataset: { testid: "correct-team" } });
    const send = async (body, what) => {
      try {
        const stored = await api.post(`${path}/corrections`, body);
        lastCorrection = `${what} (by ${stored.agent})`;
        toast("Correction saved: the next refit learns from it");
        await load();
      } catch (error) {
        toast(error.reason || error.message, "error");
      }
    };
    return h("section", { class: "card correct-card", dataset: { testid: "correct-routing" } },
      h("h2", {}, "Correct routing"),
      h("p", { class: "small muted" }, "Teaches the routing model; this ticket stays as it is (use Move to hand it over)."),
      h("div", { class: "inline" }, intentSel,
        button("Save intent", () => send({ kind: "intent", intent: intentSel.value }, `intent → ${intentSel.value}`), { class: "secondary", dataset: { testid: "correct-intent-save" } })),
      h("div", { class: "inline" }, teamSel,
        button("Save team", () => teamSel.value && send({ kind: "team", team: teamSel.value }, `team → ${teamSel.value}`), { class: "secondary", dataset: { testid: "correct-team-save" } })),
      h("div", { class: "inline" },
        button("Spam", () => send({ kind: "spam" }, "spam"), { class: "secondary", dataset: { testid: "correct-spam" } }),
        button("Not spam", () => send({ kind: "not_spam" }, "not spam"), { class: "secondary", dataset: { testid: "correct-not-spam" } })),
      lastCorrection ? h("small", { class: "muted", dataset: { testid: "correction-saved" } }, `Saved: ${lastCorrection}`) : null,
    );
  }

  async function mergeControl(t) {
    // the same customer's other tickets in my teams are the likely targets; any id can be typed in
    const candidates = [];
    for (const team of session.teams) {
      for (const status of ["open", "pending"]) {
        try {
          const page = await api.get(`/tickets${query({ team, status, limit: 100 })}`);
          candidates.push(...page.tickets.filter((o) => o.ticket_id !== t.ticket_id && o.channel === t.channel
            && (o.customer.id || o.customer.handle) === (t.customer.id || t.customer.handle)));
        } catch { /* a team we cannot list */ }
      }
    }
    const input = h("input", { list: "merge-candidates", placeholder: "ticket id to merge into", dataset: { testid: "merge-into" } });
    const list = h("datalist", { id: "merge-candidates" }, candidates.map((c) => h("option", { value: c.ticket_id }, `${c.intent || ""} ${when(c.created_at)}`)));
    if (candidates.length) input.value = candidates[0].ticket_id;
    const go = button("Merge", async () => {
      const into = input.value.trim();
      if (!into) return;
      try {
        await api.post(`${path}/merge`, { into });
        toast(`Merged into ${into}`);
        ctx.navigate(`#/tickets/${encodeURIComponent(into)}`);
      } catch (error) {
        toast(error.reason || error.message, "error");
      }
    }, { dataset: { testid: "merge" } });
    return h("div", { class: "merge" }, h("span", { class: "small muted" },
      candidates.length ? `This customer has ${candidates.length} other open ticket(s).` : "Merge into another ticket of this customer:"),
      h("div", { class: "inline" }, input, list, go));
  }

  await load();
  await drawComposer();
  const refresher = setInterval(() => load().catch(() => {}), REFRESH_MS);
  const ticker = setInterval(tickSla, 1000);
  return () => { clearInterval(refresher); clearInterval(ticker); };
}

function row(label, value) {
  return [h("dt", {}, label), h("dd", {}, value)];
}

function customerLabel(t) {
  return customerName(t.customer, t.channel);
}

function summary(event) {
  const d = event.details || {};
  switch (event.type) {
    case "TicketRouted": return `→ ${d.team}, ${d.priority} (rule ${d.rule})`;
    case "TicketMoved": return `${d.from_team} → ${d.to_team}${d.reason ? ` (${d.reason})` : ""}`;
    case "TicketAssigned": return `→ ${d.assignee || "nobody"}${d.reason ? ` (${d.reason})` : ""}`;
    case "TicketEscalated": return `level ${d.level} ${d.name}${d.assignee ? ` → ${d.assignee}` : ""}`;
    case "NoteAdded": return d.text;
    case "TicketMerged": return `took in ${d.from}`;
    case "TicketMergedInto": return `→ ${d.into}`;
    case "CsatAnswered": return `score ${d.score}`;
    case "TicketResolved": return d.resolution;
    default: return "";
  }
}
