//! Rate limits: per client IP for starting conversations and for sending messages, and per
//! conversation for messages, so neither a script nor one runaway tab can flood the agent or the
//! store. Answers over a limit carry `Retry-After`.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use baton_protocol::ConversationId;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

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

/// The live limiters.
#[derive(Debug)]
pub struct RateLimits {
    conversations_per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    messages_per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    messages_per_conversation: Option<DefaultKeyedRateLimiter<ConversationId>>,
}

impl RateLimits {
    /// Limiters for `settings`. Each allows its whole minute's worth in a burst, then refills evenly.
    pub fn new(settings: LimitSettings) -> Self {
        fn limiter<K: std::hash::Hash + Eq + Clone>(
            per_minute: Option<NonZeroU32>,
        ) -> Option<DefaultKeyedRateLimiter<K>> {
            per_minute.map(|n| RateLimiter::keyed(Quota::per_minute(n)))
        }
        Self {
            conversations_per_ip: limiter(settings.conversations_per_ip),
            messages_per_ip: limiter(settings.messages_per_ip),
            messages_per_conversation: limiter(settings.messages_per_conversation),
        }
    }

    /// May `ip` start another conversation?
    pub fn check_new_conversation(&self, ip: IpAddr) -> Result<(), ApiError> {
        check(self.conversations_per_ip.as_ref(), &ip)
    }

    /// May `ip` send another message to conversation `id`?
    pub fn check_message(&self, ip: IpAddr, id: &ConversationId) -> Result<(), ApiError> {
        check(self.messages_per_ip.as_ref(), &ip)?;
        check(self.messages_per_conversation.as_ref(), id)
    }

    /// Forgets keys whose buckets are full again, so memory follows recent traffic only.
    pub fn forget_idle(&self) {
        self.conversations_per_ip.iter().for_each(|l| l.retain_recent());
        self.messages_per_ip.iter().for_each(|l| l.retain_recent());
        self.messages_per_conversation.iter().for_each(|l| l.retain_recent());
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), ApiError> {
    let Some(limiter) = limiter else { return Ok(()) };
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::RateLimited { retry_after_secs: retry_after(wait) }
    })
}

/// Whole seconds to wait, rounded up and at least one: `Retry-After: 0` invites a hot loop.
fn retry_after(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after(Duration::ZERO), 1);
        assert_eq!(retry_after(Duration::from_millis(10)), 1);
        assert_eq!(retry_after(Duration::from_secs(2)), 2);
        assert_eq!(retry_after(Duration::from_millis(2_100)), 3);
    }

    #[test]
    fn a_limit_refuses_past_its_burst_and_only_for_that_key() {
        let limits = RateLimits::new(LimitSettings {
            conversations_per_ip: NonZeroU32::new(2),
            ..LimitSettings::default()
        });
        let (a, b): (IpAddr, IpAddr) = ([127, 0, 0, 1].into(), [127, 0, 0, 2].into());
        assert!(limits.check_new_conversation(a).is_ok());
        assert!(limits.check_new_conversation(a).is_ok());
        let refused = limits.check_new_conversation(a);
        assert!(
            matches!(refused, Err(ApiError::RateLimited { retry_after_secs }) if (1..=30).contains(&retry_after_secs))
        );
        assert!(limits.check_new_conversation(b).is_ok(), "another IP is unaffected");
    }

    #[test]
    fn a_switched_off_limit_never_refuses() {
        let limits = RateLimits::new(LimitSettings {
            messages_per_ip: None,
            messages_per_conversation: None,
            ..LimitSettings::default()
        });
        let ip: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..1_000 {
            assert!(limits.check_message(ip, &ConversationId::from("c")).is_ok());
        }
    }
}
