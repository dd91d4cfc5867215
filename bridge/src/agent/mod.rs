//! The AI agent behind a conversation, as the rest of the bridge sees it: something that, given
//! the transcript, streams an answer piece by piece.

mod builtin;

pub use builtin::BuiltinAgent;

use baton_protocol::TranscriptEntry;
use futures::stream::BoxStream;

/// Answers visitors.
pub trait Agent: Send + Sync + std::fmt::Debug {
    /// Streams the answer to the last visitor message of `transcript`, as pieces of text in order.
    fn answer(&self, transcript: &[TranscriptEntry]) -> BoxStream<'static, String>;
}
