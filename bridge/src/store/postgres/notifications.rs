//! The bridge's `LISTEN` connection: notifications of other bridges' commits (`<seq> <bridge>
//! <conversation>`) make the publisher publish those conversations' new events, if someone
//! listens to them here. They are handled in batches: whatever has arrived is taken at once, and
//! the publisher reads the new events of all its conversations in one query (while it reads,
//! the connection's driver, a task of its own, goes on queueing the next ones). A bridge's own
//! commits are published by the bridge itself. A lost connection is made again, and then every
//! listened conversation catches up from the table, so nothing committed while it was down is
//! skipped. A settings save's notification, and each (re)connection, bumps the settings watch,
//! so the agents are re-read from the database.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_postgres::AsyncMessage;

use super::publisher::Publisher;
use super::tls::Connector;
use super::{ANSWER_NOTICE, CHANNEL, SETTINGS_NOTICE};
use baton_protocol::{ConversationId, Seq};

/// The first wait before connecting again, doubled up to [`MOST_BACKOFF`].
const LEAST_BACKOFF: Duration = Duration::from_millis(50);
const MOST_BACKOFF: Duration = Duration::from_secs(5);

/// The most notifications handled in one batch.
const MAX_BATCH: usize = 4_096;

/// The name the connection shows in `pg_stat_activity`.
pub(super) const APPLICATION: &str = "baton-bridge-listen";

/// Starts listening, with the same TLS as the pool; the task runs until aborted.
pub(super) fn spawn(
    mut config: tokio_postgres::Config,
    tls: Connector,
    publisher: Publisher,
    settings: watch::Sender<u64>,
) -> JoinHandle<()> {
    config.application_name(APPLICATION);
    tokio::spawn(async move {
        let mut backoff = LEAST_BACKOFF;
        loop {
            match listen(&config, &tls, &publisher, &settings).await {
                Ok(()) => backoff = LEAST_BACKOFF,
                Err(error) => {
                    tracing::warn!(%error, "the database's notifications are not reaching this bridge")
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MOST_BACKOFF);
        }
    })
}

/// One connection's life: listens, catches up, then publishes for each notification until the
/// connection is lost.
async fn listen(
    config: &tokio_postgres::Config,
    tls: &Connector,
    publisher: &Publisher,
    settings: &watch::Sender<u64>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tls.clone()).await?;
    let (notify, mut notified) = mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    if notify.send(notification).is_err() {
                        return Ok(());
                    }
                }
                Ok(_) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    // Listening from here on: what was committed before is in the table.
    publisher.catch_up().await;
    // A save while the connection was down was announced to nobody here.
    settings.send_modify(|count| *count += 1);
    while let Some(first) = notified.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match notified.try_recv() {
                Ok(notification) => batch.push(notification),
                Err(_) => break,
            }
        }
        let (mut commits, mut answers, mut saved) = (Vec::new(), Vec::new(), false);
        for notification in &batch {
            match Notice::parse(notification.payload(), &publisher.instance) {
                Some(Notice::Commit(id, seq)) => commits.push((id, seq)),
                Some(Notice::Answer(id)) => answers.push(id),
                Some(Notice::Settings) => saved = true,
                None => {}
            }
        }
        if saved {
            settings.send_modify(|count| *count += 1);
        }
        // The events first: a checkpoint notified after an answer's start follows the start.
        publisher.committed_elsewhere(commits).await;
        publisher.answers_checkpointed(answers).await;
    }
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}

/// A notification another bridge (or a settings save) sent, as this bridge acts on it.
#[derive(Debug, PartialEq, Eq)]
enum Notice {
    /// Another bridge committed the conversation's events up to this seq.
    Commit(ConversationId, Seq),
    /// Another bridge checkpointed the conversation's answer in flight.
    Answer(ConversationId),
    /// The shared settings were saved.
    Settings,
}

impl Notice {
    /// What `payload` asks of the bridge `own`: nothing for its own commits and checkpoints (it
    /// published those itself) or a payload it does not know.
    fn parse(payload: &str, own: &str) -> Option<Notice> {
        if payload.starts_with(SETTINGS_NOTICE) {
            return Some(Notice::Settings);
        }
        if let Some(notice) = payload.strip_prefix(ANSWER_NOTICE) {
            let (bridge, id) = notice.split_once(' ')?;
            return (bridge != own).then(|| Notice::Answer(ConversationId(id.to_owned())));
        }
        let (seq, rest) = payload.split_once(' ')?;
        let (bridge, id) = rest.split_once(' ')?;
        (bridge != own).then_some(())?;
        Some(Notice::Commit(ConversationId(id.to_owned()), Seq(seq.parse().ok()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bridge_acts_on_the_others_notifications_and_skips_its_own() {
        let id = || ConversationId::from("c 1");
        assert_eq!(Notice::parse("12 b2 c 1", "b1"), Some(Notice::Commit(id(), Seq(12))));
        assert_eq!(Notice::parse("12 b1 c 1", "b1"), None, "published by the bridge itself");
        assert_eq!(Notice::parse("answer b2 c 1", "b1"), Some(Notice::Answer(id())));
        assert_eq!(Notice::parse("answer b1 c 1", "b1"), None);
        assert_eq!(Notice::parse("settings 4", "b1"), Some(Notice::Settings));
        assert_eq!(Notice::parse("x b2 c", "b1"), None);
        assert_eq!(Notice::parse("12", "b1"), None);
    }
}
