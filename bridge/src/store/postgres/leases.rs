//! Leases on PostgreSQL, timed by the database's clock (the one clock every bridge shares). A
//! claim is one `INSERT … ON CONFLICT DO UPDATE … WHERE` the lease expired: the row's lock
//! orders concurrent claims, and the second re-checks the condition against the first's lease,
//! so exactly one wins.

use std::time::Duration;

use async_trait::async_trait;

use super::Postgres;
use crate::store::leases::millis;
use crate::store::{BridgeId, Leases, StoreError, Work};

/// The database's clock in Unix milliseconds; `clock_timestamp`, not the transaction's start.
const NOW: &str = "(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT";

#[async_trait]
impl Leases for Postgres {
    async fn claim(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        let sql = format!(
            "INSERT INTO leases (conversation_id, job, holder, expires_at) VALUES ($1, $2, $3, {NOW} + $4)
             ON CONFLICT (conversation_id, job) DO UPDATE
                 SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE NOT leases.settled AND leases.expires_at <= {NOW}"
        );
        let changed =
            self.execute(&sql, &[&work.conversation.0, &work.job, &holder.0, &millis(term)]).await?;
        Ok(changed == 1)
    }

    async fn renew(&self, work: &Work, holder: &BridgeId, term: Duration) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE leases SET expires_at = {NOW} + $4
             WHERE conversation_id = $1 AND job = $2 AND holder = $3 AND NOT settled"
        );
        let changed =
            self.execute(&sql, &[&work.conversation.0, &work.job, &holder.0, &millis(term)]).await?;
        Ok(changed == 1)
    }

    async fn release(&self, work: &Work, holder: &BridgeId) -> Result<(), StoreError> {
        self.execute(
            "UPDATE leases SET expires_at = 0 WHERE conversation_id = $1 AND job = $2 AND holder = $3",
            &[&work.conversation.0, &work.job, &holder.0],
        )
        .await?;
        Ok(())
    }

    async fn settle(&self, work: &Work) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO leases (conversation_id, job, holder, expires_at, settled) VALUES ($1, $2, '', 0, TRUE)
             ON CONFLICT (conversation_id, job) DO UPDATE SET settled = TRUE",
            &[&work.conversation.0, &work.job],
        )
        .await?;
        Ok(())
    }
}
