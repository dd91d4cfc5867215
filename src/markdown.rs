//! The widget's side of the markdown subset (the `baton-markdown` crate parses it, for the
//! bridge's Intercom HTML too): messages are parsed with the widget's link rule — `http`,
//! `https` and `mailto` — into the tree that `components::rich_text` renders as elements and
//! text nodes. Nothing is ever handed to the browser as HTML.

use baton_markdown::Links;
pub use baton_markdown::{Block, Inline};

/// The links a message may make live in the widget.
const LINKS: Links = Links::WebAndMail;

/// Parses a message into blocks, its soft line breaks joined.
pub fn parse(text: &str) -> Vec<Block> {
    baton_markdown::parse(text, LINKS)
}

/// `url` if it is an `http`, `https` or `mailto` URL with nothing a browser would reinterpret.
pub fn safe_href(url: &str) -> Option<String> {
    LINKS.allow(url)
}
