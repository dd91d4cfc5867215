//! Leases in SQLite. A SQLite file has one bridge, so the leases live ones are this process's
//! memory: a claim, a renewal or a release is a map lookup under a lock, not a write (the turn of
//! every message took two). Only settled work, which must stay done across restarts, is a row
//! (`leases.settled`, its holder and expiry unused here). A restarted process starts with no
//! live lease, as the one before it would have released them all: what was unfinished (answers
//! in flight, from their checkpoints; pending handoffs) is found in the file and claimed anew.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rusqlite::params;

use super::{Sqlite, Store};
use crate::store::{BridgeId, Leases, StoreError, Work};

/// Who holds a piece of work, until when.
#[derive(Debug)]
struct Held {
    holder: BridgeId,
    until: Instant,
}

/// The live leases on this process's file. A std mutex: nothing is awaited while it is held.
#[derive(Debug, Default)]
pub(super) struct LiveLeases {
    held: Mutex<HashMap<Work, Held>>,
}

impl LiveLeases {
    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<Work, Held>> {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes `work` for `holder` unless a lease on it is live; true if taken.
    fn take(&self, work: &Work, holder: &BridgeId, term: Duration) -> bool {
        let now = Instant::now();
        let mut held = self.held();
        if held.get(work).is_some_and(|lease| lease.until > now) {
            return false;
        }
        held.insert(work.clone(), Held { holder: holder.clone(), until: now + term });
        true
    }

    /// Extends `holder`'s lease on `work`; false if it is not `holder`'s (any more).
    fn extend(&self, work: &Work, holder: &BridgeId, term: Duration) -> bool {
        match self.held().get_mut(work) {
            Some(lease) if lease.holder == *holder => {
                lease.until = Instant::now() + term;
                true
            }
            _ => false,
        }
    }

    /// Lets `work` go if `holder` holds it.
    fn drop_held(&self, work: &Work, holder: &BridgeId) {
        let mut held = self.held();
        if held.get(work).is_some_and(|lease| lease.holder == *holder) {
            held.remove(work);
        }
    }

    /// Forgets whoever holds `work`: it is settled.
    fn forget(&self, work: &Work) {
        self.held().remove(work);
    }
}

impl Store {
    fn settled(&self, work: &Work) -> Result<bool, StoreError> {
        let settled = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM leases WHERE conversation_id = ?1 AND job = ?2 AND settled)",
            )?
            .query_row(params![work.conversation.0, work.job], |row| row.get(0))?;
        Ok(settled)
    }

    fn settle(&mut self, work: &Work) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO leases (conversation_id, job, holder, expires_at, settled) VALUES (?1, ?2, '', 0, 1)
                 ON CONFLICT (conversation_id, job) DO UPDATE SET settled = 1",
            )?
            .execute(params![work.conversation.0, work.job])?;
        Ok(())
    }
}

#[async_trait]
impl Leases for Sqlite {
    async fn claim(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        if !self.leases.take(work, holder, term) {
            return Ok(false);
        }
        if !work.can_settle() {
            return Ok(true);
        }
        // Taken before the read, so no other claim of `work` can win while it runs; settled
        // work is never claimed again.
        let settled = {
            let work = work.clone();
            self.readers.read(move |store| store.settled(&work)).await
        };
        match settled {
            Ok(false) => Ok(true),
            Ok(true) => {
                self.leases.drop_held(work, holder);
                Ok(false)
            }
            Err(error) => {
                self.leases.drop_held(work, holder);
                Err(error)
            }
        }
    }

    async fn renew(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        Ok(self.leases.extend(work, holder, term))
    }

    async fn release(&self, work: &Work, holder: &BridgeId) -> Result<(), StoreError> {
        self.leases.drop_held(work, holder);
        Ok(())
    }

    async fn settle(&self, work: &Work) -> Result<(), StoreError> {
        debug_assert!(work.can_settle(), "{} is claimed without looking for its settled row", work.job);
        let stored = work.clone();
        self.writer.write(move |store, _| store.settle(&stored)).await?;
        // Only once the row is committed: until then a claim finds the lease live, after it the
        // settled row.
        self.leases.forget(work);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_taken_once_until_it_lapses_or_its_holder_lets_it_go() {
        let leases = LiveLeases::default();
        let work = Work::relay(&baton_protocol::ConversationId::from("c"));
        let (a, b) = (BridgeId::from("a"), BridgeId::from("b"));
        let long = Duration::from_secs(600);
        assert!(leases.take(&work, &a, Duration::ZERO));
        assert!(leases.take(&work, &b, long), "a lapsed lease is taken over");
        assert!(!leases.extend(&work, &a, long), "a has lost it");
        assert!(!leases.take(&work, &a, long));
        leases.drop_held(&work, &a);
        assert!(!leases.take(&work, &a, long), "only its holder lets it go");
        leases.drop_held(&work, &b);
        assert!(leases.held().is_empty(), "nothing is kept for work nobody holds");
        assert!(leases.take(&work, &a, long));
    }
}
