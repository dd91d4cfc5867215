//! The buckets of the rate limits, kept by the engine so that every bridge on one database draws
//! from the same bucket: a visitor whose requests land on N bridges gets the limit once, not N
//! times. Each bucket allows its whole minute's worth in a burst, then refills evenly (the
//! generic cell rate algorithm). One process owns a SQLite database, so [`MemoryBuckets`] keep
//! its buckets in memory; PostgreSQL keeps them in a table.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::StoreError;

/// Rate-limit buckets, by key.
#[async_trait]
pub trait Buckets {
    /// Takes one request from the bucket `key`, which holds `per_minute` and refills that many a
    /// minute: `None` when taken, or how long until the bucket has one again.
    async fn take(&self, key: &str, per_minute: NonZeroU32) -> Result<Option<Duration>, StoreError>;

    /// Forgets buckets that are full again, so what is kept follows recent traffic only.
    async fn forget_full_buckets(&self) -> Result<(), StoreError>;
}

/// Buckets in this process's memory: for an engine only one process uses.
#[derive(Debug, Default)]
pub struct MemoryBuckets {
    /// One keyed limiter per size of bucket.
    limiters: Mutex<HashMap<NonZeroU32, Arc<DefaultKeyedRateLimiter<String>>>>,
}

impl MemoryBuckets {
    fn limiter(&self, per_minute: NonZeroU32) -> Arc<DefaultKeyedRateLimiter<String>> {
        let mut limiters = self.limiters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(
            limiters
                .entry(per_minute)
                .or_insert_with(|| Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute)))),
        )
    }
}

#[async_trait]
impl Buckets for MemoryBuckets {
    async fn take(&self, key: &str, per_minute: NonZeroU32) -> Result<Option<Duration>, StoreError> {
        Ok(self
            .limiter(per_minute)
            .check_key(&key.to_owned())
            .err()
            .map(|not_until| not_until.wait_time_from(DefaultClock::default().now())))
    }

    async fn forget_full_buckets(&self) -> Result<(), StoreError> {
        let limiters = self.limiters.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        limiters.values().for_each(|limiter| limiter.retain_recent());
        Ok(())
    }
}
