//! Leases in SQLite: each claim, renewal and release is one statement run by the writer thread,
//! the one writer of the file, so two claims of the same work are ordered and only the first
//! wins. A SQLite file has one bridge: the leases a stopped process left are released when the
//! file is opened again.

use std::time::Duration;

use async_trait::async_trait;
use rusqlite::params;

use super::{Sqlite, Store};
use crate::conversations::now_millis;
use crate::store::leases::millis;
use crate::store::{BridgeId, Leases, StoreError, Work};

impl Store {
    /// Claims `work` for `holder` until `at + term` unless a lease on it is live or it is settled.
    fn claim(&mut self, work: &Work, holder: &BridgeId, at: i64, term: i64) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "INSERT INTO leases (conversation_id, job, holder, expires_at) VALUES (?1, ?2, ?3, ?4 + ?5)
             ON CONFLICT (conversation_id, job) DO UPDATE
                 SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE NOT leases.settled AND leases.expires_at <= ?4",
            )?
            .execute(params![work.conversation.0, work.job, holder.0, at, term])?;
        Ok(changed == 1)
    }

    fn renew(&mut self, work: &Work, holder: &BridgeId, at: i64, term: i64) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE leases SET expires_at = ?4 + ?5
             WHERE conversation_id = ?1 AND job = ?2 AND holder = ?3 AND NOT settled",
            )?
            .execute(params![work.conversation.0, work.job, holder.0, at, term])?;
        Ok(changed == 1)
    }

    fn release(&mut self, work: &Work, holder: &BridgeId) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "UPDATE leases SET expires_at = 0 WHERE conversation_id = ?1 AND job = ?2 AND holder = ?3",
            )?
            .execute(params![work.conversation.0, work.job, holder.0])?;
        Ok(())
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

    /// Releases every lease: the process that held them is gone.
    pub(super) fn release_all_leases(&mut self) -> Result<(), StoreError> {
        self.conn.execute("UPDATE leases SET expires_at = 0 WHERE expires_at > 0", [])?;
        Ok(())
    }
}

#[async_trait]
impl Leases for Sqlite {
    async fn claim(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        let (work, holder) = (work.clone(), holder.clone());
        self.writer.write(move |store, _| store.claim(&work, &holder, now_millis(), millis(term))).await
    }

    async fn renew(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        let (work, holder) = (work.clone(), holder.clone());
        self.writer.write(move |store, _| store.renew(&work, &holder, now_millis(), millis(term))).await
    }

    async fn release(&self, work: &Work, holder: &BridgeId) -> Result<(), StoreError> {
        let (work, holder) = (work.clone(), holder.clone());
        self.writer.write(move |store, _| store.release(&work, &holder)).await
    }

    async fn settle(&self, work: &Work) -> Result<(), StoreError> {
        let work = work.clone();
        self.writer.write(move |store, _| store.settle(&work)).await
    }
}
