//! The bridge's `LISTEN` connection: each notification of a commit (`<seq> <conversation>`)
//! makes the publisher publish that conversation's new events, if someone listens to it here.
//! A lost connection is made again, and then every listened conversation catches up from the
//! table, so nothing committed while it was down is skipped.

use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};

use super::publisher::Publisher;
use super::{ANSWER_NOTICE, CHANNEL};
use baton_protocol::{ConversationId, Seq};

/// The first wait before connecting again, doubled up to [`MOST_BACKOFF`].
const LEAST_BACKOFF: Duration = Duration::from_millis(50);
const MOST_BACKOFF: Duration = Duration::from_secs(5);

/// The name the connection shows in `pg_stat_activity`.
pub(super) const APPLICATION: &str = "baton-bridge-listen";

/// Starts listening; the task runs until aborted.
pub(super) fn spawn(mut config: tokio_postgres::Config, publisher: Publisher) -> JoinHandle<()> {
    config.application_name(APPLICATION);
    tokio::spawn(async move {
        let mut backoff = LEAST_BACKOFF;
        loop {
            match listen(&config, &publisher).await {
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
async fn listen(config: &tokio_postgres::Config, publisher: &Publisher) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
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
    while let Some(notification) = notified.recv().await {
        if let Some(notice) = notification.payload().strip_prefix(ANSWER_NOTICE) {
            // This bridge streamed its own answers' pieces as they came.
            if let Some((instance, id)) = notice.split_once(' ') {
                if instance != &*publisher.instance {
                    publisher.answer_checkpointed(&ConversationId(id.to_owned())).await;
                }
            }
            continue;
        }
        let Some((seq, id)) = notification.payload().split_once(' ') else { continue };
        let Ok(seq) = seq.parse() else { continue };
        publisher.committed(&ConversationId(id.to_owned()), Seq(seq), None).await;
    }
    match driver.await {
        Ok(result) => result,
        Err(_) => Ok(()),
    }
}
