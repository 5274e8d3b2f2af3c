// Small DOM helpers: elements built with textContent only (never innerHTML), icons, formatting.

const SVG = "http://www.w3.org/2000/svg";

/** h("div", {class: "x", onclick: fn, dataset: {testid: "y"}}, child, "text", [more]) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const CHANNEL_PATHS = {
  x: ["M5 4l14 16M19 4L5 20"],
  facebook: ["M14 8h3V4h-3a4 4 0 0 0-4 4v3H7v4h3v7h4v-7h3l1-4h-4V8z"],
  messenger: ["M12 3C7 3 3 6.7 3 11.3c0 2.6 1.3 4.9 3.4 6.4V21l3.1-1.7c.8.2 1.6.3 2.5.3 5 0 9-3.7 9-8.3S17 3 12 3z", "M7 13l3-3 3 2 4-4"],
  instagram: ["M7 3h10a4 4 0 0 1 4 4v10a4 4 0 0 1-4 4H7a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4z", "M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7z", "M17.5 6.5h.01"],
  whatsapp: ["M4 20l1.3-4A8 8 0 1 1 8 18.7z", "M9 9c0 3 3 6 6 6l1-1.5-2-1-1 .8c-1-.5-2-1.5-2.4-2.4l.8-1-1-2z"],
  generic: ["M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18z", "M3 12h18M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9c-2.5-2.5-3.5-5.5-3.5-9s1-6.5 3.5-9z"],
};
export const CHANNEL_NAMES = {
  x: "X", facebook: "Facebook", messenger: "Messenger", instagram: "Instagram", whatsapp: "WhatsApp", generic: "Web",
};

export function channelIcon(channel) {
  const paths = CHANNEL_PATHS[channel] || CHANNEL_PATHS.generic;
  const icon = svg("svg", { viewBox: "0 0 24 24", class: `icon ch-${channel}`, role: "img", "aria-label": CHANNEL_NAMES[channel] || channel },
    svg("title", {}, CHANNEL_NAMES[channel] || channel),
    paths.map((d) => svg("path", { d })));
  return icon;
}

export function pill(text, kind = "") {
  return h("span", { class: `pill ${kind}` }, text);
}

export function priorityPill(priority) {
  return pill(priority, `prio-${priority}`);
}

/** "3m 05s", "1h 12m", "2d 4h" */
export function duration(ms) {
  const s = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${hr}h`;
  if (hr) return `${hr}h ${String(m).padStart(2, "0")}m`;
  return `${m}m ${String(s % 60).padStart(2, "0")}s`;
}

export function when(iso) {
  if (!iso) return "";
  const t = new Date(iso);
  return t.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function ago(iso) {
  if (!iso) return "";
  const ms = Date.now() - new Date(iso).getTime();
  return ms < 60_000 ? "just now" : `${duration(ms).split(" ")[0]} ago`;
}

/**
 * The SLA state of a ticket's running response clock: {label, state: ok|warning|breach|none}.
 * Amber from the warning (80% of the target, or once the escalation run warned), red at the breach.
 */
export function slaState(ticket, now = Date.now()) {
  // seconds: how long until the deadline (negative once breached), for titles and tests
  const clock = ticket.response;
  if (!clock) return { label: ticket.status === "pending" ? "answered" : "—", state: "none", seconds: null };
  const start = new Date(clock.started_at).getTime();
  const deadline = new Date(clock.deadline).getTime();
  const warnAt = start + 0.8 * (deadline - start);
  const left = deadline - now;
  const seconds = Math.round(left / 1000);
  if (left <= 0) return { label: `${duration(left)} over`, state: "breach", seconds };
  const state = now >= warnAt || (clock.level || 0) >= 1 ? "warning" : "ok";
  return { label: `${duration(left)} left`, state, seconds };
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control, hint ? h("small", {}, hint) : null);
}

export function select(options, value, props = {}) {
  return h("select", props, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

export function button(text, onclick, props = {}) {
  return h("button", { type: "button", onclick, ...props }, text);
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}

/** Show an SLA state on an element: its text, its colour class, and data-state / data-seconds. */
export function showSla(el, ticket) {
  const { label, state, seconds } = slaState(ticket);
  el.textContent = label;
  el.className = `sla ${state}`;
  el.dataset.state = state;
  el.dataset.seconds = seconds === null ? "" : String(seconds);
  el.title = state === "none" ? "no response clock running" : `due ${new Date(ticket.response.deadline).toLocaleString()}`;
}

/** "@handle", a name, or "<Channel> user …1234" when the platform gave only an id. */
export function customerName(customer, channel) {
  if (customer.handle) return `@${customer.handle}`;
  if (customer.name) return customer.name;
  return customer.id ? `${CHANNEL_NAMES[channel] || channel} user …${customer.id.slice(-4)}` : "a customer";
}
