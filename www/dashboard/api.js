// Every call the dashboard makes to the bridge goes through here, so the admin token rides on
// each one and a refused token sends the page back to sign-in from a single place.

const TOKEN_KEY = "baton:admin-token";

/** A call the bridge refused or could not answer; `code` is the bridge's error code. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorized = () => {};

/** Runs `handler(error)` whenever the bridge answers 401: the token is wrong or admin is off. */
export function whenUnauthorized(handler) {
  unauthorized = handler;
}

/** The token this tab signed in with, if any. */
export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps `token` for this tab. */
export function keepToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Forgets the token. */
export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function call(method, path, body) {
  const headers = { authorization: `Bearer ${savedToken() ?? ""}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "unreachable", "The bridge cannot be reached. Is it running?");
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  const error = new ApiError(
    response.status,
    data?.error?.code ?? `http_${response.status}`,
    data?.error?.message ?? `The bridge answered ${response.status} ${response.statusText}.`,
  );
  if (response.status === 401) {
    forgetToken();
    unauthorized(error);
  }
  throw error;
}

const segment = encodeURIComponent;

/** The admin API, one function per call. */
export const api = {
  agents: () => call("GET", "/v1/admin/agents"),
  saveAgent: (id, settings) => call("PUT", `/v1/admin/agents/${segment(id)}`, settings),
  intercom: () => call("GET", "/v1/admin/intercom"),
  authorizeIntercom: () => call("POST", "/v1/admin/intercom/authorize"),
  directory: () => call("GET", "/v1/admin/intercom/directory"),
  decisions: (conversation) => call("GET", `/v1/admin/conversations/${segment(conversation)}/decisions`),
  handoffReasons: (agent, period) => {
    const query = new URLSearchParams(Object.entries(period).filter(([, value]) => value));
    return call("GET", `/v1/agents/${segment(agent)}/analytics/handoff-reasons?${query}`);
  },
};
