// The dashboard's entry point: signs in with the admin token, then wires the Intercom
// configuration form beside the live preview, what the agent decided, and the Handoff Reasons
// report. Each part lives in its own module; this one holds what they share (the agents, the
// one being configured, the Intercom connection) and the order things load in.
import { api, forgetToken, keepToken, savedToken, whenUnauthorized } from "./api.js";
import { createDecisions } from "./decisions.js";
import { byId, el } from "./dom.js";
import { createSettingsForm } from "./form.js";
import { authorizeIntercom, inboxUrl, loadIntercom } from "./intercom.js";
import { createPreview } from "./preview.js";
import { createReport } from "./report.js";

let agents = {};
let agent = null;
let intercom = null;

const preview = createPreview();
const report = createReport();
const decisions = createDecisions({
  conversationId: () => preview.conversationId(),
  inboxUrl: (id) => inboxUrl(intercom, id),
  onHandoff: () => report.refresh(),
});
const form = createSettingsForm({
  async save(settings) {
    const saved = await api.saveAgent(agent, settings);
    agents[agent] = saved;
    // The preview starts over so that everything it shows ran on the saved settings.
    preview.restart();
    return saved;
  },
});

function showSignIn(message = "") {
  decisions.stop();
  preview.hide();
  byId("app").hidden = true;
  byId("sign-out").hidden = true;
  byId("sign-in").hidden = false;
  byId("sign-in-error").textContent = message;
  const input = byId("admin-token");
  input.value = "";
  input.focus();
}

whenUnauthorized((error) =>
  showSignIn(
    error.code === "admin_disabled"
      ? "The bridge's admin API is off: start the bridge with --admin-token or BATON_ADMIN_TOKEN."
      : "The bridge refused this admin token. Enter it again.",
  ),
);

/** Loads the agents and shows the dashboard for the first one (or the one chosen before). */
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
  const ids = Object.keys(agents);
  showAgents(ids);
  if (!ids.length) return;
  selectAgent(ids.includes(agent) ? agent : ids[0]);
  // Focus the form as it is filled, not after the slower Intercom calls below: by then the person
  // may be typing somewhere else, and focus must not jump out from under them.
  byId("handoff-name").focus();
  decisions.start();
  const loaded = await loadIntercom();
  intercom = loaded.status;
  form.setDirectory(loaded.directory);
  decisions.redraw();
}

function showAgents(ids) {
  const label = (id) => `${agents[id].name} (${id}), for ${agents[id].company}`;
  const single = byId("agent-single");
  single.hidden = ids.length > 1;
  single.textContent = ids.length === 1 ? label(ids[0]) : "";
  byId("agent-choice").hidden = ids.length < 2;
  byId("agent").replaceChildren(...ids.map((id) => el("option", { value: id, text: label(id) })));
  byId("agents-error").textContent = ids.length ? "" : "This bridge has no agents yet.";
}

function selectAgent(id) {
  agent = id;
  byId("agent").value = id;
  form.fill(agents[id]);
  preview.show(id);
  report.show(id);
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
  forgetToken();
  showSignIn();
});
byId("agent").addEventListener("change", (event) => selectAgent(event.target.value));
byId("authorize").addEventListener("click", authorizeIntercom);
byId("new-conversation").addEventListener("click", () => preview.restart());

if (savedToken()) start();
else showSignIn();
