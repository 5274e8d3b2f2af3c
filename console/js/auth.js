// Sign-in: the local dev sign-in (make serve), or OpenID Connect (authorization code + PKCE) deployed.
// The session lives in sessionStorage (a tab's lifetime); the API sees only the bearer token.

const KEY = "socialdesk.session";
const PENDING = "socialdesk.oidc";

export function claimsOf(token) {
  const part = token.split(".")[1] || "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
}

function teamsOf(claim) {
  if (Array.isArray(claim)) return claim;
  if (typeof claim === "string" && claim.startsWith("[")) {
    try { return JSON.parse(claim); } catch { return claim.slice(1, -1).split(/\s+/).filter(Boolean); }
  }
  return typeof claim === "string" ? [claim] : [];
}

export function sessionFrom(token, mode) {
  const claims = claimsOf(token);
  return { token, mode, subject: claims.sub, teams: teamsOf(claims.teams), role: claims.role || "agent", exp: claims.exp };
}

export function currentSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (session && session.exp * 1000 > Date.now() + 30_000) return session;
  } catch { /* no session */ }
  return null;
}

export function remember(session) { sessionStorage.setItem(KEY, JSON.stringify(session)); }
export function forget() { sessionStorage.removeItem(KEY); }

export async function devSignIn(subject, teams, role) {
  const response = await fetch("/_local/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ subject, teams, role }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.reason || "sign-in failed");
  const session = sessionFrom(body.token, "dev");
  remember(session);
  return session;
}

// -- OpenID Connect, authorization code with PKCE (a public client: no secret in the page) -----------------
function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString() { return base64url(crypto.getRandomValues(new Uint8Array(32))); }

async function discover(issuer) {
  const response = await fetch(issuer.replace(/\/?$/, "/") + ".well-known/openid-configuration");
  if (!response.ok) throw new Error(`the IdP's discovery document failed (${response.status})`);
  return response.json();
}

function redirectUri() { return window.location.origin + "/"; }

export async function oidcSignIn(oidc) {
  const metadata = await discover(oidc.issuer);
  const verifier = randomString();
  const state = randomString();
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, tokenEndpoint: metadata.token_endpoint }));
  const url = new URL(metadata.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: oidc.scope || "openid profile email",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
  }).toString();
  window.location.assign(url.toString());
}

/** Back from the IdP with ?code=&state=: exchange the code; null when this is not a redirect. */
export async function completeOidc(oidc) {
  const params = new URLSearchParams(window.location.search);
  if (!params.get("code")) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  window.history.replaceState(null, "", "/");
  if (!pending || pending.state !== params.get("state")) throw new Error("the sign-in answer does not match this tab");
  const response = await fetch(pending.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri(),
      client_id: oidc.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const tokens = await response.json();
  if (!response.ok) throw new Error(tokens.error_description || tokens.error || "the token exchange failed");
  const token = tokens[oidc.token || "id_token"];
  if (!token) throw new Error(`the IdP returned no ${oidc.token || "id_token"}`);
  const session = sessionFrom(token, "oidc");
  remember(session);
  return session;
}
