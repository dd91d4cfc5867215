//! The rate limits' buckets on PostgreSQL: one row per bucket holding its theoretical arrival
//! time (`tat`, the generic cell rate algorithm), moved by one conditional upsert, so every
//! bridge draws from the same bucket and two bridges taking at once cannot both take the last
//! request. The database's clock is the only clock, so the bridges' clocks need not agree.

use std::num::NonZeroU32;
use std::time::Duration;

use async_trait::async_trait;

use super::Postgres;
use crate::store::{Buckets, StoreError};

/// A bucket allows its whole minute in a burst: a request is taken while the arrival time it
/// would push to stays within a minute from now.
const TAKE: &str = "
INSERT INTO rate_buckets (key, tat) VALUES ($1, now() + make_interval(secs => $2))
ON CONFLICT (key) DO UPDATE SET tat = greatest(rate_buckets.tat, now()) + make_interval(secs => $2)
    WHERE greatest(rate_buckets.tat, now()) + make_interval(secs => $2) <= now() + interval '1 minute'
RETURNING tat";

/// Seconds until the bucket has one request again, after a refusal.
const WAIT: &str = "
SELECT extract(epoch FROM tat + make_interval(secs => $2) - interval '1 minute' - now())::float8
FROM rate_buckets WHERE key = $1";

#[async_trait]
impl Buckets for Postgres {
    async fn take(&self, key: &str, per_minute: NonZeroU32) -> Result<Option<Duration>, StoreError> {
        let interval = 60.0 / f64::from(per_minute.get());
        let client = self.client().await?;
        if client.query_opt(TAKE, &[&key, &interval]).await?.is_some() {
            return Ok(None);
        }
        let wait = match client.query_opt(WAIT, &[&key, &interval]).await? {
            Some(row) => row.try_get::<_, f64>(0)?,
            // Forgotten in between: full again, so the next take is allowed.
            None => 0.0,
        };
        Ok(Some(Duration::from_secs_f64(wait.clamp(0.0, 60.0))))
    }

    async fn forget_full_buckets(&self) -> Result<(), StoreError> {
        self.execute("DELETE FROM rate_buckets WHERE tat < now()", &[]).await?;
        Ok(())
    }
}
