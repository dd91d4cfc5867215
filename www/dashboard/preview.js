// The preview: the real widget, mounted inline on this page and talking to this bridge, so the
// agent answers with the settings just saved. It is mounted with the agent's preview key, so the
// conversations it starts are tests: marked in the support inbox and left out of Analytics. The
// widget's handle names its conversation, which is how the decisions panel finds what to show.
// This is the one place the widget's wasm is loaded, and only when the Preview tab opens.
import { api } from "./api.js";
import { byId, el } from "./dom.js";

let widget = null;

/** The widget module, loaded and initialised once. */
function loadWidget() {
  widget ??= import("/pkg/baton_widget.js").then(async (module) => {
    await module.default();
    return module;
  });
  return widget;
}

/** The preview panel. Calls are queued, so a quick succession of them never mounts twice. */
export function createPreview() {
  const frame = byId("preview-frame");
  const error = byId("preview-error");
  const endpoint = location.origin;
  let agent = null;
  let chat = null;
  let queue = Promise.resolve();
  // Agents whose settings changed while their preview was not shown.
  const stale = new Set();

  function unmount() {
    chat?.destroy();
    chat?.free();
    chat = null;
    frame.replaceChildren();
  }

  async function remount() {
    unmount();
    error.textContent = "";
    let mount;
    let preview;
    try {
      ({ key: preview } = await api.previewKey(agent));
    } catch (failure) {
      if (failure.status !== 401) error.textContent = `The preview could not start: ${failure.message}`;
      return;
    }
    try {
      ({ mount } = await loadWidget());
    } catch {
      error.textContent = "The widget could not be loaded from /pkg: build it with scripts/build-widget.sh.";
      return;
    }
    // A shadow root cannot be taken off an element, so each mount gets a fresh host.
    const host = el("div", { class: "preview-host" });
    frame.replaceChildren(host);
    try {
      chat = mount(host, { agent, endpoint, inline: true, preview });
    } catch (failure) {
      error.textContent = `The widget could not start: ${failure.message}`;
    }
  }

  const queued = (task) => (queue = queue.then(task, task));

  return {
    /** Shows the widget for `agentId`, continuing its conversation if there is one. */
    show: (agentId) =>
      queued(async () => {
        if (chat && agent === agentId) return;
        agent = agentId;
        await remount();
        if (chat && stale.delete(agentId)) {
          chat.restart();
          await remount();
        }
      }),
    /** Forgets the conversation and mounts the widget again, empty, with the agent's settings as saved. */
    restart: (agentId = agent) =>
      queued(() => {
        if (!chat || agentId !== agent) {
          // Not on the page: the next time it is, it starts over.
          stale.add(agentId);
          return undefined;
        }
        chat.restart();
        return remount();
      }),
    /** Takes the widget off the page. */
    hide: () => queued(unmount),
    /** The id of the preview's conversation, once the widget has started one. */
    conversationId: () => chat?.conversationId() ?? null,
  };
}
