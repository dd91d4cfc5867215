//! The widget's Yew components, from the root that owns the state down to one message bubble.

mod attachments;
mod composer;
mod email_form;
mod launcher;
mod message_list;
mod message_view;
mod panel;
mod rating;
mod rich_text;
mod widget;

pub use attachments::{attachments_view, dropped_files, picked_view, use_picking, Draft, Picked, Picking};
pub use composer::{composer, use_writing, Writing};
pub use email_form::email_form;
pub use launcher::{launcher, LauncherProps};
pub use message_list::{message_list, use_log_state, ChunkView, ChunkViewProps, LogState};
pub use message_view::{ai_author, avatar, message_view};
pub use panel::{panel, PanelProps};
pub use rating::rating_form;
pub use rich_text::rich_text;
pub use widget::{Widget, WidgetProps};
