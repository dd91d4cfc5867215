//! Rate limits: per client IP for starting conversations and for sending messages, and per
//! conversation for messages, so neither a script nor one runaway tab can flood the agent or the
//! store. Answers over a limit carry `Retry-After`. The buckets are the engine's, so the limits
//! hold across every bridge on one database.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use baton_protocol::ConversationId;

use crate::error::ApiError;
use crate::store::Buckets;

/// How many requests per minute each limit allows; `None` switches a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Conversations one IP may start.
    pub conversations_per_ip: Option<NonZeroU32>,
    /// Messages one IP may send, over all its conversations.
    pub messages_per_ip: Option<NonZeroU32>,
    /// Messages one conversation may receive.
    pub messages_per_conversation: Option<NonZeroU32>,
}

impl Default for LimitSettings {
    /// Generous for people, tight for scripts: 20 new conversations, 120 messages per IP and
    /// 30 messages per conversation, each per minute.
    fn default() -> Self {
        Self {
            conversations_per_ip: NonZeroU32::new(20),
            messages_per_ip: NonZeroU32::new(120),
            messages_per_conversation: NonZeroU32::new(30),
        }
    }
}

/// The limits in force, checked against the engine's [`Buckets`] (shared by every bridge on
/// one database), counting what they refuse.
#[derive(Debug, Default)]
pub struct RateLimits {
    settings: LimitSettings,
    refused: AtomicU64,
}

impl RateLimits {
    /// The limits of `settings`.
    pub fn new(settings: LimitSettings) -> Self {
        Self { settings, refused: AtomicU64::new(0) }
    }

    /// May `ip` start another conversation?
    pub async fn check_new_conversation(
        &self,
        buckets: &(impl Buckets + Sync + ?Sized),
        ip: IpAddr,
    ) -> Result<(), ApiError> {
        self.take(buckets, &format!("conversations/ip/{ip}"), self.settings.conversations_per_ip).await
    }

    /// May `ip` send another message to conversation `id`?
    pub async fn check_message(
        &self,
        buckets: &(impl Buckets + Sync + ?Sized),
        ip: IpAddr,
        id: &ConversationId,
    ) -> Result<(), ApiError> {
        self.take(buckets, &format!("messages/ip/{ip}"), self.settings.messages_per_ip).await?;
        self.take(
            buckets,
            &format!("messages/conversation/{}", id.0),
            self.settings.messages_per_conversation,
        )
        .await
    }

    /// Requests refused so far, for `/metrics`.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    async fn take(
        &self,
        buckets: &(impl Buckets + Sync + ?Sized),
        key: &str,
        per_minute: Option<NonZeroU32>,
    ) -> Result<(), ApiError> {
        let Some(per_minute) = per_minute else { return Ok(()) };
        match buckets.take(key, per_minute).await? {
            None => Ok(()),
            Some(wait) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                Err(ApiError::RateLimited { retry_after_secs: retry_after(wait) })
            }
        }
    }
}

/// Whole seconds to wait, rounded up and at least one: `Retry-After: 0` invites a hot loop.
fn retry_after(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryBuckets;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after(Duration::ZERO), 1);
        assert_eq!(retry_after(Duration::from_millis(10)), 1);
        assert_eq!(retry_after(Duration::from_secs(2)), 2);
        assert_eq!(retry_after(Duration::from_millis(2_100)), 3);
    }

    #[tokio::test]
    async fn a_limit_refuses_past_its_burst_and_only_for_that_key() {
        let buckets = MemoryBuckets::default();
        let limits = RateLimits::new(LimitSettings {
            conversations_per_ip: NonZeroU32::new(2),
            ..LimitSettings::default()
        });
        let (a, b): (IpAddr, IpAddr) = ([127, 0, 0, 1].into(), [127, 0, 0, 2].into());
        assert!(limits.check_new_conversation(&buckets, a).await.is_ok());
        assert!(limits.check_new_conversation(&buckets, a).await.is_ok());
        let refused = limits.check_new_conversation(&buckets, a).await;
        assert!(
            matches!(refused, Err(ApiError::RateLimited { retry_after_secs }) if (1..=30).contains(&retry_after_secs))
        );
        assert_eq!(limits.refused(), 1);
        assert!(limits.check_new_conversation(&buckets, b).await.is_ok(), "another IP is unaffected");
    }

    #[tokio::test]
    async fn a_switched_off_limit_never_refuses() {
        let buckets = MemoryBuckets::default();
        let limits = RateLimits::new(LimitSettings {
            messages_per_ip: None,
            messages_per_conversation: None,
            ..LimitSettings::default()
        });
        let ip: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..1_000 {
            assert!(limits.check_message(&buckets, ip, &ConversationId::from("c")).await.is_ok());
        }
    }
}
