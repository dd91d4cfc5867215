// The dashboard's entry point: signs in with the admin token, then shows one view at a time from
// the address's fragment — Your Agents (#/agents), and an agent's Handoffs, Preview and Analytics
// (#/agents/ID/handoffs, …/preview, …/analytics). Each part lives in its own module; this one
// holds what they share (the agents, the Intercom connection), the routes, and the guard that
// keeps unsaved edits from being lost by leaving.
import { createAgentsView } from "./agents.js";
import { api, forgetToken, keepToken, savedToken, whenUnauthorized } from "./api.js";
import { createDecisions } from "./decisions.js";
import { byId } from "./dom.js";
import { createSettingsForm } from "./form.js";
import { createHandoffs } from "./handoffs.js";
import { inboxUrl, loadIntercom, returnedFromIntercom } from "./intercom.js";
import { createPreview } from "./preview.js";
import { createReport } from "./report.js";

const LEAVE = "You have unsaved changes to this handoff. Leave without saving them?";
const TABS = ["handoffs", "preview", "analytics"];

let agents = {};
let intercom = { status: null, directory: { admins: [], teams: [] } };
let route = null;

const preview = createPreview();
const report = createReport({ inboxUrl: (id) => inboxUrl(intercom.status, id) });
const decisions = createDecisions({
  conversationId: () => preview.conversationId(),
  inboxUrl: (id) => inboxUrl(intercom.status, id),
});
const form = createSettingsForm({
  async save(settings) {
    const id = route.agent;
    const saved = await api.saveAgent(id, settings);
    agents[id] = saved;
    handoffs.saved(saved);
    // The preview starts over so that everything it shows ran on the saved settings.
    preview.restart(id);
    return saved;
  },
});
const handoffs = createHandoffs({ intercom: () => intercom, reloadIntercom, form });
const agentsView = createAgentsView({
  agents: () => agents,
  async create(id, settings) {
    agents[id] = await api.saveAgent(id, settings);
  },
});

async function reloadIntercom() {
  intercom = await loadIntercom();
  form.setDirectory(intercom.directory);
  decisions.redraw();
}

/** `#/agents/ID/TAB/SUB` as `{agent, tab, sub}`; anything else is the agents list. */
function parse(hash) {
  const [, agent, tab, sub] = /^#\/agents\/([^/]+)(?:\/([a-z]+)(?:\/([a-z]+))?)?/.exec(hash) ?? [];
  if (!agent) return { agent: null, tab: null, sub: "" };
  return { agent: decodeURIComponent(agent), tab: TABS.includes(tab) ? tab : "handoffs", sub: sub ?? "" };
}

function show(next) {
  route = next;
  const agent = next.agent && agents[next.agent];
  byId("view-agents").hidden = Boolean(agent);
  byId("view-agent").hidden = !agent;
  if (!agent) {
    preview.hide();
    decisions.stop();
    agentsView.show();
    document.title = "Baton · Your Agents";
    return;
  }
  const base = `#/agents/${encodeURIComponent(next.agent)}`;
  byId("agent-heading").textContent = `${agent.name} · ${agent.company}`;
  for (const tab of TABS) {
    const link = byId(`tab-${tab}`);
    link.href = `${base}/${tab}`;
    if (tab === next.tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
    byId(`panel-${tab}`).hidden = tab !== next.tab;
  }
  document.title = `Baton · ${agent.name} · ${next.tab[0].toUpperCase()}${next.tab.slice(1)}`;
  if (next.tab === "preview") {
    preview.show(next.agent);
    decisions.start();
  } else {
    preview.hide();
    decisions.stop();
  }
  if (next.tab === "handoffs") handoffs.show(next.agent, agent, next.sub);
  if (next.tab === "analytics") report.show(next.agent);
}

// In-app navigation changes the fragment: leaving unsaved edits asks first, and staying puts
// the address back. The page itself going away asks through the browser (beforeunload).
window.addEventListener("hashchange", () => {
  const next = parse(location.hash);
  if (route && hashOf(next) === hashOf(route)) return;
  if (form.isDirty() && !confirm(LEAVE)) {
    history.replaceState(null, "", hashOf(route));
    return;
  }
  show(next);
});
window.addEventListener("beforeunload", (event) => {
  if (!form.isDirty()) return;
  event.preventDefault();
  // Browsers before the standard preventDefault() ask only when returnValue is set.
  event.returnValue = "";
});

function hashOf({ agent, tab, sub }) {
  if (!agent) return "#/agents";
  return `#/agents/${encodeURIComponent(agent)}/${tab}${sub ? `/${sub}` : ""}`;
}

async function showSignIn(message = "") {
  decisions.stop();
  preview.hide();
  byId("app").hidden = true;
  byId("sign-out").hidden = true;
  byId("sign-in").hidden = false;
  byId("sign-in-error").textContent = message;
  const input = byId("admin-token");
  input.value = "";
  input.focus();
  // The token is printed only when it is the demo's (which the README prints anyway).
  const hint = byId("demo-token");
  try {
    const { demo_token: token } = await api.signIn();
    hint.hidden = !token;
    hint.textContent = token ? `This bridge runs as the demo (make demo): its token is ${token}.` : "";
  } catch {
    hint.hidden = true;
  }
}

whenUnauthorized((error) =>
  showSignIn(
    error.code === "admin_disabled"
      ? "The bridge's admin API is off: start the bridge with --admin-token or BATON_ADMIN_TOKEN."
      : "The bridge refused this admin token. Enter it again.",
  ),
);

/** Loads the agents and the connection, then shows the view the address names. */
async function start() {
  let list;
  try {
    ({ agents: list } = await api.agents());
  } catch (failure) {
    if (failure.status !== 401) showSignIn(`The agents could not be read: ${failure.message}`);
    return;
  }
  agents = list;
  byId("sign-in").hidden = true;
  byId("app").hidden = false;
  byId("sign-out").hidden = false;
  await reloadIntercom();
  const waiting = returnedFromIntercom();
  if (waiting !== null && agents[waiting]) {
    location.replace(`#/agents/${encodeURIComponent(waiting)}/handoffs/edit`);
    show(parse(location.hash));
    handoffs.welcome();
    return;
  }
  if (!location.hash.startsWith("#/agents")) {
    const ids = Object.keys(agents);
    // One agent: its page at once; several (or none): the list to choose from.
    location.replace(ids.length === 1 ? `#/agents/${encodeURIComponent(ids[0])}/handoffs` : "#/agents");
  }
  show(parse(location.hash));
}

byId("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = byId("admin-token").value.trim();
  if (!token) {
    byId("sign-in-error").textContent = "Enter the admin token.";
    return;
  }
  keepToken(token);
  byId("sign-in-error").textContent = "";
  await start();
});
byId("sign-out").addEventListener("click", () => {
  if (form.isDirty() && !confirm(LEAVE)) return;
  forgetToken();
  showSignIn();
});
byId("new-conversation").addEventListener("click", () => preview.restart());

if (savedToken()) start();
else showSignIn();
