//! How long conversations are kept: with a retention of N days, a conversation idle for longer
//! is deleted with everything it holds, once at start and then every hour. Off by default.

use std::time::Duration;

use crate::conversations::{now_millis, Conversations};
use crate::store::StoreError;
use crate::tasks::Tasks;

/// How often the sweep runs after the first.
const EVERY: Duration = Duration::from_secs(3600);

const DAY_MILLIS: i64 = 24 * 3600 * 1000;

/// A retention period, in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    days: u32,
}

impl Retention {
    /// Keeps conversations `days` days after their last activity; none when `days` is 0 (keep
    /// everything).
    pub fn days(days: u32) -> Option<Self> {
        (days > 0).then_some(Self { days })
    }

    /// The last activity, Unix milliseconds, before which a conversation is deleted at `now`.
    pub fn cutoff(self, now: i64) -> i64 {
        now.saturating_sub(i64::from(self.days) * DAY_MILLIS)
    }
}

/// Deletes what is past `retention` at `now` (Unix milliseconds); how many conversations went.
pub async fn sweep(
    conversations: &Conversations,
    retention: Retention,
    now: i64,
) -> Result<usize, StoreError> {
    let deleted = conversations.delete_older_than(retention.cutoff(now)).await?;
    if !deleted.is_empty() {
        tracing::info!(conversations = deleted.len(), days = retention.days, "deleted past the retention");
    }
    Ok(deleted.len())
}

/// Sweeps now and then every hour until the bridge stops, as tracked background work.
pub fn keep(conversations: Conversations, retention: Retention, tasks: &Tasks) {
    let waiter = tasks.clone();
    tasks.spawn(async move {
        loop {
            if let Err(error) = sweep(&conversations, retention, now_millis()).await {
                tracing::error!(%error, "the retention sweep failed; retrying in an hour");
            }
            if !waiter.sleep(EVERY).await {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConversationRecord;
    use baton_protocol::{AgentId, ConversationId, EventKind, Seq};

    #[test]
    fn zero_days_is_no_retention() {
        assert_eq!(Retention::days(0), None);
        assert_eq!(Retention::days(30).map(|kept| kept.cutoff(31 * DAY_MILLIS)), Some(DAY_MILLIS));
    }

    #[tokio::test]
    async fn a_sweep_deletes_idle_conversations_and_ends_their_streams() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conversations = Conversations::open(&dir.path().join("baton.db")).expect("opens");
        let id = ConversationId::from("c1");
        let record = ConversationRecord::new(id.clone(), AgentId::from("demo"), "00".into());
        conversations.create(&record).await.expect("creates");
        conversations.append(&id, EventKind::HandoffRequested).await.expect("appends");
        let mut live = conversations.subscribe(&id, Seq(0)).await.expect("subscribes").live;
        let retention = Retention::days(30).expect("on");
        let now = now_millis();
        assert_eq!(sweep(&conversations, retention, now + 29 * DAY_MILLIS).await.expect("sweeps"), 0);
        assert!(conversations.get(&id).await.expect("reads").is_some(), "29 days idle is kept");
        assert_eq!(sweep(&conversations, retention, now + 31 * DAY_MILLIS).await.expect("sweeps"), 1);
        assert!(conversations.get(&id).await.expect("reads").is_none());
        assert!(live.recv().await.is_err(), "the open stream ended");
        let late = conversations.subscribe(&id, Seq(0)).await;
        assert!(matches!(late, Err(StoreError::Missing(_))), "no new stream on a deleted conversation");
    }
}
