// api.js: talking to the daemon's /v1 API from the page: JSON requests with the bearer token
// (kept in sessionStorage for this tab only, sent in the Authorization header, never in a URL),
// and the token's form for the WebSocket, where a browser cannot set that header.

const TOKEN_KEY = "voice-sidecar.token";

export const token = {
  get() {
    return sessionStorage.getItem(TOKEN_KEY) || "";
  },
  set(value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

// A 401: the daemon wants a (different) token.
export class Unauthorized extends Error {}

// Any other refusal, with the daemon's own sentence ({"error": "..."}) as the message.
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// The headers every request carries: the token, when there is one.
export function authHeaders(extra = {}) {
  const t = token.get();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : { ...extra };
}

// GET or POST `path`; a POST always sends a JSON body (the daemon takes application/json only).
// Resolves to the parsed JSON answer; rejects with Unauthorized, ApiError or a network TypeError.
export async function api(path, { method = "GET", body } = {}) {
  const init = { method, cache: "no-store", headers: authHeaders() };
  if (method !== "GET") {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body ?? {});
  }
  const reply = await fetch(path, init);
  if (reply.status === 401) throw new Unauthorized("the daemon needs a token");
  const text = await reply.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!reply.ok) {
    const sentence = data && typeof data.error === "string" ? data.error : text || reply.statusText;
    throw new ApiError(sentence, reply.status);
  }
  return data;
}

// The token as a WebSocket subprotocol: "bearer." + base64url(UTF-8 token), no padding.
export function bearerProtocol() {
  const t = token.get();
  if (!t) return null;
  let binary = "";
  for (const byte of new TextEncoder().encode(t)) binary += String.fromCharCode(byte);
  return "bearer." + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
