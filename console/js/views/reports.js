// Reports: first-response distribution, SLA compliance by team and by agent over time, breaches by
// level, satisfaction — as charts, with the figures underneath.
import { query } from "../api.js";
import { bars, colour, lines } from "../charts.js";
import { field, h, select, toast } from "../ui.js";

export async function render(root, ctx) {
  const days = select([["1", "Last 24 hours"], ["7", "Last 7 days"], ["30", "Last 30 days"]], "7", { dataset: { testid: "report-days" } });
  const body = h("div", { class: "report", dataset: { testid: "report" } });
  root.replaceChildren(h("div", { class: "toolbar" }, h("h1", {}, "Reports"), field("Period", days),
    h("span", { class: "muted" }, `teams: ${ctx.session.teams.join(", ")}`)), body);
  days.onchange = load;

  async function load() {
    const to = new Date();
    const from = new Date(to.getTime() - Number(days.value) * 86_400_000);
    try {
      const report = await ctx.api.get(`/reports/desk${query({ teams: ctx.session.teams.join(","), from: from.toISOString(), to: to.toISOString() })}`);
      draw(report);
    } catch (error) {
      toast(error.reason || error.message, "error");
    }
  }

  function draw(r) {
    const pct = (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 100)}%`);
    const series = (cells) => {
      const byKey = new Map();
      for (const c of cells) {
        if (!byKey.has(c.key)) byKey.set(c.key, []);
        byKey.get(c.key).push({ day: c.day, value: c.rate, met: c.met, decided: c.decided });
      }
      return [...byKey].map(([name, points]) => ({ name, points }));
    };
    const levels = Object.entries(r.breaches_by_level);
    const scores = Object.entries(r.csat.by_score);
    body.replaceChildren(
      h("div", { class: "kpis" },
        kpi("Tickets", r.tickets), kpi("Answered", r.answered), kpi("Warned", r.warned), kpi("Breached", r.breached),
        kpi("Satisfaction", r.csat.average === null ? "—" : `${r.csat.average} / 5`, `${r.csat.answered} of ${r.csat.sent} surveys answered`)),
      h("div", { class: "charts" },
        bars(r.first_response_distribution.map((b) => ({ label: b.label, value: b.count })), { title: "First response time", testid: "chart-first-response" }),
        lines(series(r.compliance_by_team), { title: "SLA compliance by team, per day", testid: "chart-team" }),
        lines(series(r.compliance_by_agent), { title: "SLA compliance by agent, per day", testid: "chart-agent" }),
        bars(levels.length ? levels.map(([name, n], i) => ({ label: name, value: n, colour: colour(i + 1) })) : [{ label: "none", value: 0 }],
          { title: "Breaches by escalation level", testid: "chart-breaches" }),
        bars(scores.map(([score, n]) => ({ label: `${score}★`, value: n, colour: colour(2) })), { title: "Satisfaction scores", testid: "chart-csat" }),
      ),
      h("table", { class: "queue" },
        h("thead", {}, h("tr", {}, ["Team", "Tickets", "Answered", "p50 first response", "p90", "Compliance", "Breached", "Still waiting"].map((c) => h("th", {}, c)))),
        h("tbody", {}, r.per_team.map((t) => h("tr", {},
          h("td", {}, t.team), h("td", { class: "num" }, t.tickets), h("td", { class: "num" }, t.answered),
          h("td", { class: "num" }, t.first_response_p50_minutes === null ? "—" : `${t.first_response_p50_minutes} min`),
          h("td", { class: "num" }, t.first_response_p90_minutes === null ? "—" : `${t.first_response_p90_minutes} min`),
          h("td", { class: "num" }, pct(t.compliance)), h("td", { class: "num" }, t.breached), h("td", { class: "num" }, t.still_waiting))))),
    );
  }

  await load();
  return null;
}

function kpi(label, value, hint) {
  return h("div", { class: "card kpi" }, h("span", { class: "kpi-label" }, label), h("strong", {}, String(value)), hint ? h("small", { class: "muted" }, hint) : null);
}
