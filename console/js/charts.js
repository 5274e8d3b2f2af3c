// Charts as inline SVG drawn here (no library): bars, grouped lines over days, a legend.
import { h, svg } from "./ui.js";

const PALETTE = ["#2453d4", "#e07b00", "#1a9e63", "#c2185b", "#6a4bc4", "#00838f", "#8d6e63", "#5c6bc0"];

export function colour(i) { return PALETTE[i % PALETTE.length]; }

/** Vertical bars: [{label, value}] with the value on top of each bar. */
export function bars(items, { width = 520, height = 220, title = "", format = (v) => String(v), testid } = {}) {
  const pad = { l: 36, r: 12, t: 20, b: 42 };
  const w = width - pad.l - pad.r, hgt = height - pad.t - pad.b;
  const max = Math.max(1, ...items.map((i) => i.value));
  const slot = w / Math.max(1, items.length);
  const g = svg("g", { transform: `translate(${pad.l},${pad.t})` });
  g.append(...axisY(max, hgt, w, format));
  items.forEach((item, i) => {
    const bh = (item.value / max) * hgt;
    const x = i * slot + slot * 0.15;
    g.append(
      svg("rect", { x, y: hgt - bh, width: slot * 0.7, height: Math.max(bh, 0.5), fill: item.colour || colour(0), rx: 2 },
        svg("title", {}, `${item.label}: ${format(item.value)}`)),
      svg("text", { x: x + slot * 0.35, y: hgt - bh - 4, "text-anchor": "middle", class: "v" }, format(item.value)),
      svg("text", { x: x + slot * 0.35, y: hgt + 16, "text-anchor": "middle", class: "l" }, item.label),
    );
  });
  return figure(title, svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title, "data-testid": testid }, g));
}

/** Lines over days: series = [{name, points: [{day, value}]}], values 0..1 shown as percentages. */
export function lines(series, { width = 520, height = 240, title = "", testid } = {}) {
  const pad = { l: 40, r: 12, t: 16, b: 40 };
  const w = width - pad.l - pad.r, hgt = height - pad.t - pad.b;
  const days = [...new Set(series.flatMap((s) => s.points.map((p) => p.day)))].sort();
  const x = (day) => (days.length <= 1 ? w / 2 : (days.indexOf(day) / (days.length - 1)) * w);
  const y = (v) => hgt - v * hgt;
  const g = svg("g", { transform: `translate(${pad.l},${pad.t})` });
  g.append(...axisY(1, hgt, w, (v) => `${Math.round(v * 100)}%`));
  days.forEach((day) => g.append(svg("text", { x: x(day), y: hgt + 16, "text-anchor": "middle", class: "l" }, day.slice(5))));
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.value !== null && p.value !== undefined);
    if (pts.length > 1) {
      g.append(svg("polyline", { points: pts.map((p) => `${x(p.day)},${y(p.value)}`).join(" "), fill: "none", stroke: colour(i), "stroke-width": 2 }));
    }
    for (const p of pts) {
      g.append(svg("circle", { cx: x(p.day), cy: y(p.value), r: 3.5, fill: colour(i) },
        svg("title", {}, `${s.name} ${p.day}: ${Math.round(p.value * 100)}% (${p.met}/${p.decided})`)));
    }
  });
  if (!days.length) {
    g.append(svg("text", { x: w / 2, y: hgt / 2, "text-anchor": "middle", class: "l" }, "No first response decided in this period yet"));
  }
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title, "data-testid": testid }, g);
  return figure(title, chart, legend(series.map((s) => s.name)));
}

function axisY(max, hgt, w, format) {
  const out = [];
  for (const f of [0, 0.5, 1]) {
    const yy = hgt - f * hgt;
    out.push(svg("line", { x1: 0, x2: w, y1: yy, y2: yy, class: "grid" }),
      svg("text", { x: -6, y: yy + 4, "text-anchor": "end", class: "l" }, format(max === 1 ? f : Math.round(f * max))));
  }
  return out;
}

function legend(names) {
  return h("div", { class: "legend" }, names.map((name, i) => h("span", {}, h("i", { class: `swatch c${i % PALETTE.length}` }), name)));
}

function figure(title, chart, extra) {
  return h("figure", { class: "card chart-card" }, h("figcaption", {}, title), chart, extra || null);
}
