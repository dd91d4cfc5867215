// The Intercom connection card: which workspace handoffs go to and how the bridge holds its
// token, "Authorize access" when none is connected, and the workspace's admins and teams that
// the form's "Reply as" and "Assign to" choose from. Also where a handed-off conversation can be
// opened, which depends on whether the bridge talks to real Intercom or to the sandbox.
import { api } from "./api.js";
import { byId, el } from "./dom.js";

const REAL_INTERCOM = /^https:\/\/api(\.[a-z]+)?\.intercom\.io\/?$/;
const EMPTY_DIRECTORY = { admins: [], teams: [] };

/** Loads the connection and, when connected, the directory; shows both. Never throws. */
export async function loadIntercom() {
  const details = byId("intercom-details");
  const authorize = byId("authorize");
  const message = byId("intercom-message");
  const error = byId("intercom-error");
  details.replaceChildren();
  authorize.hidden = true;
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
  if (!status.connected) {
    authorize.hidden = false;
    message.textContent = "No workspace is connected: handoffs wait until one is.";
    return { status, directory: EMPTY_DIRECTORY };
  }
  try {
    return { status, directory: await api.directory() };
  } catch (failure) {
    if (failure.status !== 401) error.textContent = `The workspace's admins and teams could not be read: ${failure.message}`;
    return { status, directory: EMPTY_DIRECTORY };
  }
}

function showStatus(details, status) {
  const source = { config: "an access token in the bridge's settings", oauth: "OAuth (Authorize access)" };
  const rows = [
    ["Status", status.connected ? `Connected, with ${source[status.source] ?? "a token"}` : "Not connected"],
    ["Workspace", [status.workspace_name, status.workspace_id && `(${status.workspace_id})`].filter(Boolean).join(" ")],
    ["Region", status.region],
    ["API", REAL_INTERCOM.test(status.api_base) ? status.api_base : `${status.api_base} (sandbox)`],
    ["Webhooks", status.webhooks_verified ? "Signatures verified with the client secret" : "Not verified: no client secret"],
  ];
  for (const [term, value] of rows) {
    if (value) details.append(el("dt", { text: term }), el("dd", { text: value }));
  }
}

/** Sends the browser to Intercom's consent page. */
export async function authorizeIntercom() {
  const error = byId("intercom-error");
  error.textContent = "";
  try {
    const { authorize_url: url } = await api.authorizeIntercom();
    location.href = url;
  } catch (failure) {
    if (failure.status !== 401) error.textContent = `Authorization could not start: ${failure.message}`;
  }
}

/** Where a teammate opens Intercom conversation `id`, or null when it cannot be linked. */
export function inboxUrl(status, id) {
  if (!status || !id) return null;
  const real = REAL_INTERCOM.test(status.api_base);
  const base = real ? "https://app.intercom.com/a/inbox/_/inbox/conversation/" : `${status.api_base.replace(/\/$/, "")}/inbox/`;
  const url = new URL(base + encodeURIComponent(id));
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
}
