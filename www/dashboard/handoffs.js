// The Handoffs tab, step by step as the product brief words it: the agent's handoffs and
// "+ Add Handoff" → choose Intercom and "Connect" → what Baton will access and "Authorize access"
// (off to Intercom's consent page and back) → a pop-up saying what happens next → the
// configuration screen. The Intercom connection card stays on top throughout.
import { byId, el } from "./dom.js";
import { authorizeIntercom, disconnectIntercom, workspaceName } from "./intercom.js";

const STEPS = ["step-list", "step-target", "step-authorize", "settings"];

/**
 * The tab. `intercom()` is the connection as last loaded (`status` null when the bridge has no
 * Intercom), `reloadIntercom()` loads it again, `form` the configuration screen.
 */
export function createHandoffs({ intercom, reloadIntercom, form }) {
  const dialog = byId("connected-dialog");
  let agent = null;
  let settings = null;

  const base = () => `#/agents/${encodeURIComponent(agent)}/handoffs`;

  function step(id) {
    for (const other of STEPS) byId(other).hidden = other !== id;
  }

  function showList() {
    step("step-list");
    const configured = Boolean(settings.handoff?.when?.trim());
    const items = configured
      ? [
          el(
            "li",
            { class: "handoff-item" },
            el("p", {}, el("strong", { text: settings.handoff.name }), " → Intercom"),
            el("p", { class: "hint", text: `When to trigger: ${settings.handoff.when}` }),
            el("a", { href: `${base()}/edit`, text: "Edit handoff" }),
          ),
        ]
      : [];
    byId("handoff-list").replaceChildren(...items);
    byId("handoff-none").hidden = configured;
    byId("add-handoff").hidden = configured;
    byId("handoff-one").hidden = !configured;
  }

  function showTarget() {
    step("step-target");
    byId("target-error").textContent = "";
    byId("target-cancel").href = base();
    byId("target-intercom").checked = true;
  }

  /** "Connect": straight to the configuration when a workspace is connected, else the consent step. */
  function connect() {
    const target = byId("target-intercom");
    if (!target.checked) {
      byId("target-error").textContent = "Choose where conversations go.";
      target.focus();
      return;
    }
    const { status } = intercom();
    if (!status) {
      byId("target-error").textContent = "Intercom is not configured on this bridge: see the connection card above.";
      return;
    }
    location.hash = status.connected ? `${base()}/edit` : `${base()}/intercom`;
  }

  function showAuthorize() {
    step("step-authorize");
    byId("authorize-error").textContent = "";
    byId("authorize-cancel").href = base();
    byId("authorize").focus();
  }

  function showConfig() {
    step("settings");
    form.fill(settings);
    byId("settings-back").href = base();
    byId("handoff-name").focus();
  }

  /** The pop-up after "Authorize access", over the configuration screen. */
  function welcome() {
    const { status } = intercom();
    byId("connected-workspace").textContent = `Handoffs will go to ${workspaceName(status)}.`;
    dialog.showModal();
    byId("connected-continue").focus();
  }
  dialog.addEventListener("close", () => byId("handoff-name").focus());

  byId("add-handoff").addEventListener("click", () => {
    location.hash = `${base()}/new`;
  });
  byId("connect").addEventListener("click", connect);
  byId("authorize").addEventListener("click", () => authorizeIntercom(agent, byId("authorize-error")));
  byId("reconnect").addEventListener("click", () => authorizeIntercom(agent, byId("intercom-error")));
  byId("disconnect").addEventListener("click", async () => {
    if (await disconnectIntercom()) {
      await reloadIntercom();
      byId("reconnect").focus();
    }
  });

  return {
    /** Shows step `sub` (`""`, `new`, `intercom` or `edit`) of `agentId`'s handoffs. */
    show(agentId, agentSettings, sub) {
      agent = agentId;
      settings = agentSettings;
      if (sub === "new") showTarget();
      else if (sub === "intercom") showAuthorize();
      else if (sub === "edit") showConfig();
      else showList();
    },
    /** Keeps the settings just saved, for the steps shown next. */
    saved(agentSettings) {
      settings = agentSettings;
    },
    welcome,
  };
}
