//! What the bridge remembers of the inbox a conversation was handed to: the link from a Baton
//! conversation to the inbox's conversation (and how far its creation got, so a retry or a
//! restart never makes a second one), which visitor messages are already posted there, and which
//! conversation parts and webhook notifications were already handled.

use async_trait::async_trait;
use baton_protocol::{ConversationId, EventKind, Seq};

use super::{HandoffId, StoreError};

/// The inbox's links, parts and notifications.
#[async_trait]
pub trait InboxLinks {
    /// Starts (or finds) the link of a conversation being handed off.
    async fn open_link(&self, id: &ConversationId, handoff: HandoffId) -> Result<InboxLink, StoreError>;

    /// The conversation's link, if it was handed off.
    async fn link(&self, id: &ConversationId) -> Result<Option<InboxLink>, StoreError>;

    /// The link of the inbox's conversation `inbox_id`.
    async fn link_by_inbox_id(&self, inbox_id: &str) -> Result<Option<InboxLink>, StoreError>;

    /// Every link whose inbox conversation exists, for relaying what was left pending.
    async fn created_links(&self) -> Result<Vec<InboxLink>, StoreError>;

    /// Records how the link moved on.
    async fn change_link(&self, id: &ConversationId, change: LinkChange) -> Result<(), StoreError>;

    /// Remembers a conversation part; false if it was already known, or if the conversation is
    /// gone (erased while a relay was under way: nothing may be stored of it again).
    async fn remember_part(&self, part: &str, id: &ConversationId, ours: bool) -> Result<bool, StoreError>;

    /// Remembers a part of the inbox's conversation that came in (a teammate's reply, an
    /// assignment…) and appends (and publishes) the events it makes in conversation `id`, in
    /// one transaction: false, and nothing appended, if the part was known already (a bridge
    /// relayed it, whichever), or if the conversation is gone. A bridge killed in between leaves
    /// neither, so the next look relays it.
    async fn relay_part(
        &self,
        part: &str,
        id: &ConversationId,
        events: Vec<EventKind>,
    ) -> Result<bool, StoreError>;

    /// Remembers a webhook notification received at `at` (Unix milliseconds); false if it came
    /// before.
    async fn remember_notification(&self, notification: &str, at: i64) -> Result<bool, StoreError>;
}

/// A Baton conversation's place in the inbox (Intercom's conversation, contact and parts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxLink {
    /// The Baton conversation.
    pub conversation: ConversationId,
    /// The handoff that made it.
    pub handoff: i64,
    /// The contact it is from, once found or created.
    pub contact: Option<(String, String)>,
    /// When creating the Intercom conversation was first tried (Unix seconds): a creation that
    /// may have happened is looked for before trying again.
    pub creating_since: Option<i64>,
    /// The Intercom conversation, once created.
    pub intercom_id: Option<String>,
    /// Whether the transcript note is posted.
    pub noted: bool,
    /// Visitor messages up to this seq are in Intercom (in the note, or as replies).
    pub relayed: Seq,
    /// A visitor message whose posting started and did not finish.
    pub posting: Option<Seq>,
    /// The admin the visitor was last told joined.
    pub joined_admin: Option<String>,
}

/// How a link changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkChange {
    /// The contact was found or created.
    Contact {
        /// Its id.
        id: String,
        /// `user` or `lead`.
        role: String,
    },
    /// Creating the conversation is about to be tried.
    Creating(i64),
    /// The conversation exists.
    Created(String),
    /// The transcript note is posted; it covers visitor messages up to this seq.
    Noted(Seq),
    /// A visitor message is about to be posted.
    Posting(Seq),
    /// A visitor message is posted.
    Relayed(Seq),
    /// The visitor was told this admin joined.
    Joined(String),
}
