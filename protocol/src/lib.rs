//! The one wire vocabulary of Baton, used by the widget and the bridge alike, so the two can never
//! disagree about a field name. Requests are commands, events are facts in the past tense.
//!
//! # Layout
//! - [`ids`]: newtypes for every identifier that crosses the wire.
//! - [`api`]: request and response bodies of the widget API, and the error shape.
//! - [`event`]: the events of a conversation's append-only log, as the event stream carries them.
//! - [`read`], [`write`]: the widget's small reader of the JSON the bridge writes, and writer of
//!   the bodies it sends (no serde in the widget).

pub mod api;
pub mod event;
pub mod ids;
pub mod read;
pub mod write;

pub use api::*;
pub use event::*;
pub use ids::*;
