//! Files visitors attach to their messages: what a file is by its first bytes (never by its
//! name or the type the browser claims), and the signed, expiring addresses that serve it to
//! whoever holds one (Intercom fetching an attachment, the visitor's own `<img>`), since neither
//! can present the conversation's token.
//!
//! # Layout
//! - [`kind`]: the types accepted, recognised by their magic bytes.
//! - [`signing`]: the HMAC-signed addresses and their check.

pub mod kind;
pub mod signing;

pub use kind::FileKind;
pub use signing::{SignatureError, UrlSigner};
