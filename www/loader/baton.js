// The script tag's loader: shows a launcher at once and loads the WebAssembly widget only when it
// is needed (a click, `Baton('open')`, or the browser idle after the page's own load), so a page
// that embeds Baton loses nothing in its own load time. Plain JS, no inline styles, no eval: it
// runs under a strict Content-Security-Policy. Built by scripts/build-widget.sh into pkg/baton.js,
// with BATON_VERSION defined as the workspace version.
(() => {
  const earlier = window.Baton;
  // A second tag, or the same tag run twice, must not make a second widget.
  if (earlier?.version) return;
  const script = document.currentScript;
  if (!script?.dataset.agent) {
    console.error("baton: no data-agent");
    return;
  }
  const data = script.dataset;
  const base = new URL(".", script.src);
  const options = { agent: data.agent, endpoint: (data.endpoint || base.origin).replace(/\/$/, "") };
  for (const name of ["position", "theme", "accentColor", "locale"]) if (data[name]) options[name] = data[name];
  const storageKey = `baton:${options.endpoint}:${options.agent}`;
  const EVENTS = ["open", "close", "message", "handoff"];
  const COMMANDS = ["open", "close", "identify"];

  const listeners = [];
  let queue = [];
  let chat = null;
  let loading = null;
  let stub = null;
  let holder = null;

  /**
   * An element of our own to hold a shadow root, at the end of the body. Its own tag name, so the
   * page's rules for `div` and the like never reach it.
   */
  function element() {
    const created = document.createElement("baton-chat");
    created.dataset.baton = "";
    document.body.append(created);
    return created;
  }

  /** The launcher until the widget arrives: the widget's own look, in its own shadow root. */
  function showStub() {
    stub = element();
    const root = stub.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    const accent = /^#([0-9a-f]{3}){1,2}$/i.test(data.accentColor) ? data.accentColor : "#3b2f8f";
    const side = data.position === "left" ? "left" : "right";
    // Text black or white, whichever contrasts more with the accent, as the widget chooses
    // (src/contrast.rs), decided by CSS at no cost in bytes: CIE lightness 49.44 is relative
    // luminance 0.179, where both contrast alike; below it white (lightness 100), above it
    // black. A browser without relative colours keeps white.
    sheet.replaceSync(`:host{all:initial!important}button{all:initial;position:fixed;${side}:20px;bottom:20px;z-index:2147483647;width:56px;height:56px;border-radius:50%;cursor:pointer;background:${accent};color:#fff;color:lch(from ${accent} calc((49.44 - l) * infinity) 0 0);box-shadow:0 6px 20px #0004;font:24px/56px sans-serif;text-align:center}button:focus-visible{outline:2px solid #fff;box-shadow:0 0 0 4px #1d1d24}@media (max-width:480px){button{bottom:12px;${side}:12px}}`);
    root.adoptedStyleSheets = [sheet];
    const button = document.createElement("button");
    // The widget's own name for it (src/i18n.rs), in the language the widget will speak.
    const locale = data.locale || document.documentElement.lang || navigator.language;
    button.ariaLabel = /^fr([-_]|$)/i.test(locale) ? "Ouvrir le chat" : "Open chat";
    button.ariaExpanded = "false";
    button.textContent = "💬";
    button.addEventListener("click", () => run("open"));
    root.append(button);
  }

  /** Loads and mounts the widget once; a failed load is tried again on the next call. */
  function load() {
    loading ||= import(`${base}baton_widget.js`).then(
      async (widget) => {
        await widget.default();
        holder = element();
        // A keyboard user on the stub is taken to the launcher that replaces it.
        options.focus = document.activeElement == stub;
        chat = widget.mount(holder, options);
        listeners.forEach((args) => chat.on(...args));
        stub.remove();
        const waiting = queue;
        queue = [];
        for (const args of waiting) {
          // One bad call (an invalid visitor, say) must not stop the ones after it.
          try {
            run(...args);
          } catch (error) {
            console.error(error);
          }
        }
      },
      (error) => {
        loading = null;
        console.error("baton: load failed", error);
      },
    );
  }

  /** One call of the global: runs now if the widget is mounted, else after it is. */
  function run(command, ...args) {
    if (command === "version") return BATON_VERSION;
    if (command === "on") {
      if (!EVENTS.includes(args[0])) return console.error("baton: no event", args[0]);
      listeners.push(args);
      if (chat) chat.on(...args);
      return;
    }
    if (command === "shutdown") {
      forget();
      return;
    }
    if (!chat) {
      queue.push([command, ...args]);
      if (command === "open") load();
      return;
    }
    if (COMMANDS.includes(command)) chat[command](args[0]);
    else console.error("baton: no command", command);
  }

  /** Forgets the visitor and starts over with a fresh launcher, for the next one. */
  function forget() {
    queue = [];
    if (chat) {
      chat.shutdown();
      holder.remove();
      chat = null;
      loading = null;
      showStub();
      schedule();
    } else {
      try {
        localStorage.removeItem(storageKey);
        localStorage.removeItem(`${storageKey}:seen`);
      } catch {
        // Blocked storage holds no visitor to forget.
      }
    }
  }

  /** Loads the widget when the browser is idle after the page's own load. */
  function schedule() {
    const idle = () => (window.requestIdleCallback || setTimeout)(load, { timeout: 5000 });
    if (document.readyState === "complete") idle();
    // `load` and `DOMContentLoaded` fire once: a listener left behind is never called again.
    else window.addEventListener("load", idle);
  }

  run.version = BATON_VERSION;
  window.Baton = run;

  const start = () => {
    showStub();
    // Calls the page queued before this script ran, as if made now: an early open loads at once.
    earlier?.q?.forEach((args) => run(...args));
    schedule();
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
