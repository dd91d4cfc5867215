//! Leases on PostgreSQL, timed by the database's clock (the one clock every bridge shares). A
//! claim is one `INSERT … ON CONFLICT DO UPDATE … WHERE` the lease expired: the row's lock
//! orders concurrent claims, and the second re-checks the condition against the first's lease,
//! so exactly one wins. Each is a write of the writer's round (group commit).

use std::time::Duration;

use async_trait::async_trait;

use super::writer::Param;
use super::Postgres;
use crate::store::leases::millis;
use crate::store::{BridgeId, Leases, StoreError, Work};

/// The database's clock in Unix milliseconds; `clock_timestamp`, not the transaction's start
/// (a round of the writer is one transaction, and leases expire within it too).
macro_rules! now {
    () => {
        "(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT"
    };
}

/// A claim: one row per piece of work, taken when it is new or its lease expired.
const CLAIM: &str = concat!(
    "INSERT INTO leases (conversation_id, job, holder, expires_at) VALUES ($1, $2, $3, ",
    now!(),
    " + $4)
     ON CONFLICT (conversation_id, job) DO UPDATE
         SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE NOT leases.settled AND leases.expires_at <= ",
    now!(),
    " RETURNING 1"
);

/// A renewal, by the holder only.
const RENEW: &str = concat!(
    "UPDATE leases SET expires_at = ",
    now!(),
    " + $4 WHERE conversation_id = $1 AND job = $2 AND holder = $3 AND NOT settled RETURNING 1"
);

/// The parameters of a statement on `work`'s lease: `$1` its conversation, `$2` its job, then
/// `$3` the holder and `$4` the term in milliseconds, if the statement takes them.
fn lease_params(work: &Work, holder: Option<&BridgeId>, term: Option<Duration>) -> Vec<Param> {
    let mut params: Vec<Param> = vec![Box::new(work.conversation.0.clone()), Box::new(work.job.clone())];
    params.extend(holder.map(|holder| Box::new(holder.0.clone()) as Param));
    params.extend(term.map(|term| Box::new(millis(term)) as Param));
    params
}

#[async_trait]
impl Leases for Postgres {
    async fn claim(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        Ok(self.write_one(&work.conversation, CLAIM, lease_params(work, Some(holder), Some(term))).await?
            == 1)
    }

    async fn renew(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        Ok(self.write_one(&work.conversation, RENEW, lease_params(work, Some(holder), Some(term))).await?
            == 1)
    }

    async fn release(&self, work: &Work, holder: &BridgeId) -> Result<(), StoreError> {
        let sql = "UPDATE leases SET expires_at = 0 WHERE conversation_id = $1 AND job = $2 AND holder = $3";
        self.write_one(&work.conversation, sql, lease_params(work, Some(holder), None)).await?;
        Ok(())
    }

    async fn settle(&self, work: &Work) -> Result<(), StoreError> {
        let sql = "INSERT INTO leases (conversation_id, job, holder, expires_at, settled) VALUES ($1, $2, '', 0, TRUE)
             ON CONFLICT (conversation_id, job) DO UPDATE SET settled = TRUE";
        self.write_one(&work.conversation, sql, lease_params(work, None, None)).await?;
        Ok(())
    }
}
