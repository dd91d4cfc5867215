// Every call the dashboard makes to the bridge goes through here, so the admin token rides on
// each one and a refused token sends the page back to sign-in from a single place.

const TOKEN_KEY = "baton:admin-token";

/**
 * A call the bridge refused or could not answer; `code` is the bridge's error code, `field` the
 * setting it is about (such as `routing.mappings[1].match`) when it names one.
 */
class ApiError extends Error {
  constructor(status, code, message, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
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
    data?.error?.field ?? null,
  );
  if (response.status === 401) {
    forgetToken();
    unauthorized(error);
  }
  throw error;
}

const segment = encodeURIComponent;
const query = (params) => new URLSearchParams(Object.entries(params).filter(([, value]) => value));

/** The admin API, one function per call. */
export const api = {
  signIn: () => call("GET", "/v1/admin/sign-in"),
  agents: () => call("GET", "/v1/admin/agents"),
  saveAgent: (id, settings) => call("PUT", `/v1/admin/agents/${segment(id)}`, settings),
  previewKey: (id) => call("GET", `/v1/admin/agents/${segment(id)}/preview-key`),
  intercom: () => call("GET", "/v1/admin/intercom"),
  disconnectIntercom: () => call("DELETE", "/v1/admin/intercom"),
  authorizeIntercom: () => call("POST", "/v1/admin/intercom/authorize"),
  directory: () => call("GET", "/v1/admin/intercom/directory"),
  decisions: (conversation) => call("GET", `/v1/admin/conversations/${segment(conversation)}/decisions`),
  handoffReasons: (agent, period) =>
    call("GET", `/v1/agents/${segment(agent)}/analytics/handoff-reasons?${query(period)}`),
  reasonConversations: (agent, reason, period) =>
    call("GET", `/v1/agents/${segment(agent)}/analytics/handoff-reasons/conversations?${query({ reason, ...period })}`),
  ratings: (agent, period) => call("GET", `/v1/agents/${segment(agent)}/analytics/ratings?${query(period)}`),
};
