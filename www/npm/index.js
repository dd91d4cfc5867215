// The npm package's entry point: a thin wrapper over the wasm-bindgen glue in ./pkg. Importing it
// touches no browser global (safe in server-side rendering); `mount` loads the glue and the wasm,
// both from this package, so a bundler emits them beside the app and no CDN is involved. Bundlers
// that do not emit `new URL(…, import.meta.url)` assets (esbuild, Rollup) copy the wasm through the
// `baton-widget/widget.wasm` export and pass its URL as `wasmUrl`.

/** The version shared by the widget, the script tag's loader and this package. */
export const version = "0.0.0-dev";

const EVENTS = ["open", "close", "message", "handoff"];

/**
 * Renders the widget into `element` (in its Shadow DOM) and resolves to its handle.
 * @param {Element} element
 * @param {import("./index.js").Options} options
 */
export async function mount(element, options) {
  const { wasmUrl, ...settings } = options;
  const widget = await import("./pkg/baton_widget.js");
  await widget.default({ module_or_path: wasmUrl ?? new URL("./pkg/baton_widget_bg.wasm", import.meta.url) });
  let chat = widget.mount(element, settings);
  const live = () => {
    if (!chat) throw new Error("baton: this widget was destroyed");
    return chat;
  };
  return {
    open: () => live().open(),
    close: () => live().close(),
    identify: (visitor) => live().identify(visitor),
    conversationId: () => live().conversationId() ?? null,
    restart: () => live().restart(),
    on(event, listener) {
      if (!EVENTS.includes(event)) throw new Error(`baton: no event named ${event}`);
      live().on(event, listener);
    },
    destroy() {
      chat?.destroy();
      chat?.free();
      chat = null;
    },
    shutdown() {
      chat?.shutdown();
      chat?.free();
      chat = null;
    },
  };
}
