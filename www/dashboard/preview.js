// The preview: the real widget, mounted inline on this page and talking to this bridge, so the
// agent answers with the settings just saved. The widget's handle names its conversation, which is
// how the decisions panel finds what to show.
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
      chat = mount(host, { agent, endpoint, inline: true });
    } catch (failure) {
      error.textContent = `The widget could not start: ${failure.message}`;
    }
  }

  const queued = (task) => (queue = queue.then(task, task));

  return {
    /** Shows the widget for `agentId`, continuing its conversation if there is one. */
    show: (agentId) =>
      queued(() => {
        agent = agentId;
        return remount();
      }),
    /** Forgets the conversation and mounts the widget again, empty, with the agent's settings as saved. */
    restart: () =>
      queued(() => {
        chat?.restart();
        return remount();
      }),
    /** Takes the widget off the page. */
    hide: () => queued(unmount),
    /** The id of the preview's conversation, once the widget has started one. */
    conversationId: () => chat?.conversationId() ?? null,
  };
}
