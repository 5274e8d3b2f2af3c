// The agent API client: bearer token, JSON in and out, errors as {status, error, reason}.

export class ApiError extends Error {
  constructor(status, error, reason) {
    super(reason || error || `HTTP ${status}`);
    this.status = status;
    this.error = error;
    this.reason = reason;
  }
}

export class Api {
  constructor(base, session, onUnauthorized) {
    this.base = base.replace(/\/$/, "");
    this.session = session;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body, { key } = {}) {
    const headers = { authorization: `Bearer ${this.session.token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (key) headers["idempotency-key"] = key;
    const response = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (response.status === 401) this.onUnauthorized();
    if (!response.ok) {
      throw new ApiError(response.status, data && (data.error || data.message), data && (data.reason || data.message));
    }
    return data;
  }

  // A POST under an idempotency key, repeated while the outcome is unknown: a 503 (the reply may
  // already be recorded), a 409 "in_progress" (an earlier attempt still holds the key) or a lost
  // connection. The same key makes every repeat safe: the desk answers the first outcome again.
  async postOnce(path, body, key, { patience = 30_000, wait = (ms) => new Promise((r) => setTimeout(r, ms)) } = {}) {
    const deadline = Date.now() + patience;
    for (let delay = 500; ; delay = Math.min(delay * 2, 4_000)) {
      try {
        return await this.request("POST", path, body, { key });
      } catch (error) {
        const unknown = !(error instanceof ApiError) || error.status === 503 || error.error === "in_progress";
        if (!unknown || Date.now() + delay > deadline) throw error;
      }
      await wait(delay * (0.5 + Math.random() / 2));
    }
  }

  get(path) { return this.request("GET", path); }
  post(path, body = {}, options) { return this.request("POST", path, body, options); }
  put(path, body = {}) { return this.request("PUT", path, body); }
  del(path) { return this.request("DELETE", path); }
}

export function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return pairs.length ? "?" + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&") : "";
}
