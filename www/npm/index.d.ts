/** The version shared by the widget, the script tag's loader and this package. */
export const version: string;

/** Who the visitor is, when the host page knows. */
export interface Visitor {
  email?: string;
  name?: string;
  /** The host site's id for them. */
  user_id?: string;
  /** HMAC-SHA256 of `user_id` with the site's identity secret, for identity verification. */
  user_hash?: string;
}

/** Everything `mount` accepts. */
export interface Options {
  /** The agent to talk to. */
  agent: string;
  /** The bridge's base URL, such as `https://chat.example.com`. */
  endpoint: string;
  /** Render in the element without a launcher, always open. */
  inline?: boolean;
  /** Which bottom corner the launcher sits in. */
  position?: "right" | "left";
  /** Light or dark colours. */
  theme?: "light" | "dark";
  /** The accent colour, as `#rgb` or `#rrggbb`. */
  accentColor?: string;
  /** The language, such as `fr`; the page's `<html lang>` when absent. */
  locale?: string;
  visitor?: Visitor;
  /** Take keyboard focus once rendered: the launcher, or the message box when open. */
  focus?: boolean;
  /** The dashboard's preview key (`GET /v1/admin/agents/{id}/preview-key`): conversations are tests. */
  preview?: string;
  /**
   * Where to fetch the widget's wasm from; by default beside this module, which Vite and webpack
   * emit on their own. With esbuild or Rollup, import `baton-widget/widget.wasm` as a file URL.
   */
  wasmUrl?: string | URL;
}

/** What a listener receives for `message`: a finished answer or a teammate's message. */
export interface MessageDetail {
  author: "agent" | "teammate";
  text: string;
}

/** A mounted widget. */
export interface Chat {
  open(): void;
  close(): void;
  /** Tells the bridge who the visitor is; fields left out keep their value. */
  identify(visitor: Visitor): void;
  /** The id of the visitor's conversation on the bridge, once their first message started one. */
  conversationId(): string | null;
  /** Forgets the conversation and shows an empty one; the next message starts a new one. */
  restart(): void;
  on(event: "message", listener: (detail: MessageDetail) => void): void;
  on(event: "open" | "close" | "handoff", listener: () => void): void;
  /** Removes the widget and every listener, timer and stream it holds. */
  destroy(): void;
  /** Forgets the visitor (e.g. on logout), then destroys. */
  shutdown(): void;
}

/** Renders the widget into `element`, in its own Shadow DOM. */
export function mount(element: Element, options: Options): Promise<Chat>;
