//! Baton's chat widget: a launcher and chat panel in Yew, compiled to WebAssembly, talking to the
//! bridge over its widget API and event stream.
//!
//! # Layout
//! - [`conversation`]: the pure reducer of what the visitor sees, its [`message`]s kept in a
//!   [`transcript`] of shared chunks; [`options`]: what the host page configures; [`contrast`]:
//!   the text colour readable on its accent.
//! - [`follow`]: when the log follows the conversation; [`preview`]: what the closed launcher
//!   previews of an unread message.
//! - [`i18n`]: every visible string, per language; [`time`]: when messages were written.
//! - [`markdown`]: the safe markdown subset of messages.
//! - [`attachment`]: which files may be sent (JSON is read and written by `baton_protocol`'s
//!   `read` and `write`, without serde).
//! - [`api`]: typed calls to the bridge; [`session`]: the remembered conversation; [`outbox`]:
//!   in-order delivery of the visitor's messages; [`stream`]: the event stream as a hook;
//!   [`viewport`]: the visible area, for phones' on-screen keyboards.
//! - [`components`]: the Yew components, rooted at [`components::Widget`]; [`hooks`]: its
//!   smaller effects.
//! - [`mount`]: the JavaScript entry point, rendering into a Shadow DOM; [`host`]: the host
//!   page's commands and listeners.
//! - `bench` (feature `bench` only): the streaming benchmark's entry point.

pub mod api;
pub mod attachment;
#[cfg(feature = "bench")]
pub mod bench;
pub mod components;
pub mod contrast;
pub mod conversation;
pub mod follow;
pub mod hooks;
pub mod host;
pub mod i18n;
pub mod markdown;
pub mod message;
pub mod mount;
pub mod options;
pub mod outbox;
pub mod preview;
pub mod session;
pub mod stream;
pub mod time;
pub mod transcript;
pub mod viewport;
