//! Leases on background work, so that with several bridges on one database each piece of work
//! (a handoff to deliver, a conversation's visitor messages to relay) is done by one bridge at a
//! time, and by another once that bridge stops renewing. A lease is claimed for a term, renewed
//! while the work runs, released when the work stops unfinished, and settled when it is done: a
//! settled piece of work is never claimed again.

use std::time::Duration;

use async_trait::async_trait;
use baton_protocol::ConversationId;
use serde::Serialize;

use super::{HandoffId, StoreError};

/// Claims on background work, kept in the database every bridge shares.
#[async_trait]
pub trait Leases {
    /// Claims `work` for `holder` for `term`: true when no lease on it is live (anyone's,
    /// `holder`'s own included) and it is not settled, so exactly one of several claimants wins.
    async fn claim(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError>;

    /// Extends `holder`'s lease on `work` by `term` from now; false if `holder` no longer holds
    /// it (another bridge took it over) or it is settled.
    async fn renew(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError>;

    /// Gives `holder`'s lease on unfinished `work` up, so any bridge may claim it at once.
    async fn release(&self, work: &Work, holder: &BridgeId) -> Result<(), StoreError>;

    /// Marks `work` done: it is never claimed again.
    async fn settle(&self, work: &Work) -> Result<(), StoreError>;
}

/// The job of a handoff's delivery, before its id.
const HANDOFF: &str = "handoff";

/// A piece of background work, named alike by every bridge, and owned by a conversation (so
/// it goes with it when the conversation is erased).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Work {
    /// The conversation it is for.
    pub conversation: ConversationId,
    /// What it is, within the conversation: `handoff 12`, `relay`, `sync`, `turn`.
    pub job: String,
}

impl Work {
    /// Delivering the handoff `handoff` of `conversation`.
    pub fn handoff(conversation: &ConversationId, handoff: HandoffId) -> Self {
        Self { conversation: conversation.clone(), job: format!("{HANDOFF} {}", handoff.0) }
    }

    /// Whether the work is ever settled: only a handoff's delivery is done for good. A turn, a
    /// relay or a sync is claimed again whenever there is more to do, so a claim of one need not
    /// look for a settled row.
    pub fn can_settle(&self) -> bool {
        self.job.starts_with(HANDOFF)
    }

    /// The agent's turn in `conversation`: answering, or finishing an answer in flight.
    pub fn turn(conversation: &ConversationId) -> Self {
        Self { conversation: conversation.clone(), job: "turn".into() }
    }

    /// Relaying what happened in the inbox's copy of `conversation` back into it.
    pub fn sync(conversation: &ConversationId) -> Self {
        Self { conversation: conversation.clone(), job: "sync".into() }
    }

    /// Posting `conversation`'s visitor messages to the inbox.
    pub fn relay(conversation: &ConversationId) -> Self {
        Self { conversation: conversation.clone(), job: "relay".into() }
    }
}

/// One bridge process, as the holder of leases: random, new at every start.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct BridgeId(pub String);

impl BridgeId {
    /// A fresh id for this process.
    pub fn generate() -> Self {
        Self(hex::encode(rand::random::<[u8; 8]>()))
    }
}

impl From<&str> for BridgeId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

impl std::fmt::Display for BridgeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A term in milliseconds, as PostgreSQL adds it to its clock.
pub(super) fn millis(term: Duration) -> i64 {
    i64::try_from(term.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_handoffs_delivery_can_be_settled() {
        let id = ConversationId::from("c");
        assert!(Work::handoff(&id, HandoffId(7)).can_settle());
        for work in [Work::turn(&id), Work::relay(&id), Work::sync(&id)] {
            assert!(!work.can_settle(), "{}", work.job);
        }
    }
}
