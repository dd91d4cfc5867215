// The Intercom connection card: which workspace handoffs go to and how the bridge holds its
// token, with Reconnect and Disconnect (a token from the bridge's settings cannot be removed from
// here, and the card says why); "Authorize access", which leaves for Intercom's consent page; and
// the workspace's admins and teams that the configuration screen chooses from. Also where a
// handed-off conversation can be opened, which depends on whether the bridge talks to real
// Intercom or to the sandbox.
import { api } from "./api.js";
import { byId, el } from "./dom.js";

const REAL_INTERCOM = /^https:\/\/api(\.[a-z]+)?\.intercom\.io\/?$/;
const EMPTY_DIRECTORY = { admins: [], teams: [] };
/** Where the agent waiting for the OAuth flow is kept while the browser is at Intercom. */
const RETURN_KEY = "baton:intercom-return";

/**
 * The connection as the bridge reports it: `{status, directory}`, `status` null when Intercom
 * is not configured on the bridge. Shows it on the card. Never throws.
 */
export async function loadIntercom() {
  const details = byId("intercom-details");
  const message = byId("intercom-message");
  const error = byId("intercom-error");
  details.replaceChildren();
  byId("reconnect").hidden = true;
  byId("disconnect").hidden = true;
  message.textContent = "";
  error.textContent = "";
  let status;
  try {
    status = await api.intercom();
  } catch (failure) {
    // The bridge serves the Intercom routes only when Intercom is configured.
    if (failure.status === 404) {
      message.textContent = "Intercom is not configured on this bridge: add an [intercom] section to " +
        "baton.toml, or set BATON_INTERCOM_TOKEN (and BATON_INTERCOM_CLIENT_ID and " +
        "BATON_INTERCOM_CLIENT_SECRET to connect with OAuth). Until then handoffs have no inbox to go to.";
    } else if (failure.status !== 401) {
      error.textContent = `The connection could not be read: ${failure.message}`;
    }
    return { status: null, directory: EMPTY_DIRECTORY };
  }
  showStatus(details, status);
  if (status.source === "config") {
    message.textContent = "Connected with the access token in the bridge's settings (BATON_INTERCOM_TOKEN " +
      "or access_token in baton.toml), so it cannot be disconnected here: remove the token there and " +
      "restart the bridge.";
  } else {
    byId("reconnect").hidden = false;
    byId("disconnect").hidden = !status.connected;
    if (!status.connected) message.textContent = "No workspace is connected: handoffs wait until one is.";
  }
  if (!status.connected) return { status, directory: EMPTY_DIRECTORY };
  try {
    return { status, directory: await api.directory() };
  } catch (failure) {
    if (failure.status !== 401) error.textContent = `The workspace's admins and teams could not be read: ${failure.message}`;
    return { status, directory: EMPTY_DIRECTORY };
  }
}

function showStatus(details, status) {
  const source = { config: "the access token in the bridge's settings", oauth: "Authorize access (OAuth)" };
  const rows = [
    ["Workspace", status.connected ? workspaceName(status) : null],
    ["Status", status.connected ? `Connected, with ${source[status.source] ?? "a token"}` : "Not connected"],
    ["Region", status.region],
    ["API", REAL_INTERCOM.test(status.api_base) ? status.api_base : `${status.api_base} (sandbox)`],
    ["Webhooks", status.webhooks_verified ? "Signatures verified with the client secret" : "Not verified: no client secret"],
  ];
  for (const [term, value] of rows) {
    if (value) details.append(el("dt", { text: term }), el("dd", { text: value }));
  }
}

/** The workspace's name as the card and the pop-up say it. */
export function workspaceName(status) {
  if (!status?.workspace_name) return status?.source === "config" ? "The workspace of the configured token" : "Your workspace";
  return [status.workspace_name, status.workspace_id && `(${status.workspace_id})`].filter(Boolean).join(" ");
}

/** Forgets the OAuth connection. Resolves to whether it was forgotten; errors go on the card. */
export async function disconnectIntercom() {
  const error = byId("intercom-error");
  error.textContent = "";
  try {
    await api.disconnectIntercom();
    return true;
  } catch (failure) {
    if (failure.status !== 401) error.textContent = `Not disconnected: ${failure.message}`;
    return false;
  }
}

/**
 * Sends the browser to Intercom's consent page, remembering that `agent` waits for the
 * connection. `error` is where a failure to start is said.
 */
export async function authorizeIntercom(agent, error) {
  error.textContent = "";
  try {
    const { authorize_url: url } = await api.authorizeIntercom();
    sessionStorage.setItem(RETURN_KEY, agent);
    location.href = url;
  } catch (failure) {
    if (failure.status !== 401) error.textContent = `Authorization could not start: ${failure.message}`;
  }
}

/**
 * The agent whose handoff was being added when the browser left for Intercom, if it just came
 * back connected (`?intercom=connected`); the address is cleaned up either way.
 */
export function returnedFromIntercom() {
  const url = new URL(location.href);
  if (url.searchParams.get("intercom") !== "connected") return null;
  url.searchParams.delete("intercom");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
  const agent = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return agent ?? "";
}

/** Where a teammate opens Intercom conversation `id`, or null when it cannot be linked. */
export function inboxUrl(status, id) {
  if (!status || !id) return null;
  const real = REAL_INTERCOM.test(status.api_base);
  const base = real ? "https://app.intercom.com/a/inbox/_/inbox/conversation/" : `${status.api_base.replace(/\/$/, "")}/inbox/`;
  const url = new URL(base + encodeURIComponent(id));
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
}
