//! Identifiers that cross the wire. Each is its own type so a conversation id can never be passed
//! where an agent id is expected; on the wire they are plain strings or numbers.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

string_id!(
    /// An agent as configured on the bridge, named in the script tag's `data-agent`.
    AgentId
);
string_id!(
    /// A conversation between one visitor and the bridge.
    ConversationId
);
string_id!(
    /// The id the widget gives a message before sending it, so a retried send is stored once.
    ClientId
);
string_id!(
    /// One agent answer, shared by its started, delta and completed events.
    MessageId
);
string_id!(
    /// A file a visitor uploaded to a conversation, to attach to a message.
    FileId
);

/// The position of an event in its conversation's log: 1 for the first event, then one more for each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
