//! The seam's operations on SQLite: writes go to the writer thread (stamped with the time they
//! run there, publishing what they append once committed), reads to a reader thread.

use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use baton_protocol::{
    AgentId, Attachment, ClientId, ConversationId, Event, EventKind, FileId, MessageId, Rating, Seq,
    TranscriptEntry, Visitor,
};

use super::Sqlite;
use crate::conversations::now_millis;
use crate::metrics::AppendMeter;
use crate::store::{
    Appended, Backlog, Buckets, ConversationExport, ConversationLog, ConversationRecord, Copilot, Decisions,
    Engine, EngineMetrics, HandoffId, HandoffRecord, HandoffStatus, Handoffs, InboxLink, InboxLinks,
    InterruptedAnswer, Lifecycle, LinkChange, PendingHandoff, Rated, RatingReport, Ratings,
    ReasonConversation, ReasonCount, Span, StoreError, Upload, UploadInfo, Uploads, Workspace,
    WorkspaceConnection,
};

impl Engine for Sqlite {
    fn metrics(&self) -> EngineMetrics {
        self.writer.metrics()
    }

    fn appends(&self) -> &AppendMeter {
        &self.appends
    }

    fn shared(&self) -> bool {
        false
    }
}

#[async_trait]
impl Buckets for Sqlite {
    async fn take(&self, key: &str, per_minute: NonZeroU32) -> Result<Option<Duration>, StoreError> {
        self.buckets.take(key, per_minute).await
    }

    async fn forget_full_buckets(&self) -> Result<(), StoreError> {
        self.buckets.forget_full_buckets().await
    }
}

#[async_trait]
impl ConversationLog for Sqlite {
    async fn create(&self, record: &ConversationRecord) -> Result<(), StoreError> {
        let record = record.clone();
        self.writer.write(move |store, _| store.create_conversation(&record, now_millis())).await
    }

    async fn get(&self, id: &ConversationId) -> Result<Option<ConversationRecord>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.conversation(&id)).await
    }

    async fn update_visitor(
        &self,
        id: &ConversationId,
        visitor: &Visitor,
        by_visitor: bool,
    ) -> Result<(), StoreError> {
        let (id, visitor) = (id.clone(), visitor.clone());
        self.writer.write(move |store, _| store.update_visitor(&id, &visitor, by_visitor)).await
    }

    async fn append(&self, id: &ConversationId, kind: EventKind) -> Result<Event, StoreError> {
        let (id, started) = (id.clone(), Instant::now());
        let event = self
            .writer
            .write(move |store, effects| {
                let event = store.append(&id, now_millis(), kind)?;
                effects.publish(&id, &event);
                Ok(event)
            })
            .await?;
        self.appends.appended(started, 1);
        Ok(event)
    }

    async fn append_visitor_message(
        &self,
        id: &ConversationId,
        client_id: ClientId,
        text: String,
        attachments: Vec<Attachment>,
    ) -> Result<Appended, StoreError> {
        let (id, started) = (id.clone(), Instant::now());
        let appended = self
            .writer
            .write(move |store, effects| {
                let appended =
                    store.append_visitor_message(&id, now_millis(), client_id, text, attachments)?;
                if let Appended::New(event) = &appended {
                    effects.publish(&id, event);
                }
                Ok(appended)
            })
            .await?;
        self.appends.appended(started, u64::from(matches!(appended, Appended::New(_))));
        Ok(appended)
    }

    async fn events_after(&self, id: &ConversationId, after: Seq) -> Result<Vec<Event>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.events_after(&id, after)).await
    }

    async fn backlog(&self, id: &ConversationId, after: Seq) -> Result<Option<Backlog>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.backlog(&id, after)).await
    }

    async fn checkpoint_answer(
        &self,
        id: &ConversationId,
        message_id: &MessageId,
        text: &str,
    ) -> Result<(), StoreError> {
        let (id, message_id, text) = (id.clone(), message_id.clone(), text.to_owned());
        // One more write in the writer's batch: the checkpoint shares its commit (and fsync) with
        // whatever else is pending.
        self.writer
            .write(move |store, _| store.checkpoint_answer(&id, &message_id, now_millis(), &text))
            .await
    }

    async fn transcript(&self, id: &ConversationId) -> Result<Vec<TranscriptEntry>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.transcript(&id)).await
    }

    async fn with_transcript(
        &self,
        id: &ConversationId,
    ) -> Result<Option<(ConversationRecord, Vec<TranscriptEntry>)>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.with_transcript(&id)).await
    }

    async fn interrupted_answers(&self) -> Result<Vec<InterruptedAnswer>, StoreError> {
        self.readers.read(|store| store.interrupted_answers()).await
    }
}

#[async_trait]
impl Handoffs for Sqlite {
    async fn begin_handoff(
        &self,
        id: &ConversationId,
        agent: &AgentId,
        name: &str,
        reason: &str,
        clause: Option<&str>,
    ) -> Result<HandoffId, StoreError> {
        let (id, agent, name, reason) = (id.clone(), agent.clone(), name.to_owned(), reason.to_owned());
        let (clause, started) = (clause.map(str::to_owned), Instant::now());
        let handoff = self
            .writer
            .write(move |store, effects| {
                let (handoff, event) =
                    store.begin_handoff(&id, &agent, now_millis(), &name, &reason, clause.as_deref())?;
                effects.publish(&id, &event);
                Ok(handoff)
            })
            .await?;
        self.appends.appended(started, 1);
        Ok(handoff)
    }

    async fn pending_handoffs(&self) -> Result<Vec<PendingHandoff>, StoreError> {
        self.readers.read(|store| store.pending_handoffs()).await
    }

    async fn handoff(&self, handoff: HandoffId) -> Result<Option<HandoffRecord>, StoreError> {
        self.readers.read(move |store| store.handoff(handoff)).await
    }

    async fn handoffs_of(&self, id: &ConversationId) -> Result<Vec<HandoffRecord>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.handoffs_of(&id)).await
    }

    async fn handoff_attempt_failed(
        &self,
        handoff: HandoffId,
        error: &str,
        tell: bool,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let error = error.to_owned();
        self.writer
            .write(move |store, effects| {
                if let Some((id, event)) =
                    store.handoff_attempt_failed(handoff, now_millis(), &error, tell, give_up)?
                {
                    effects.publish(&id, &event);
                }
                Ok(())
            })
            .await
    }

    async fn handoff_connected(
        &self,
        handoff: HandoffId,
        external_id: &str,
        expected_reply_minutes: Option<u32>,
    ) -> Result<(), StoreError> {
        let (external_id, started) = (external_id.to_owned(), Instant::now());
        self.writer
            .write(move |store, effects| {
                let (id, event) =
                    store.handoff_connected(handoff, now_millis(), &external_id, expected_reply_minutes)?;
                effects.publish(&id, &event);
                Ok(())
            })
            .await?;
        self.appends.appended(started, 1);
        Ok(())
    }

    async fn handoff_routed(&self, handoff: HandoffId, route: &str) -> Result<(), StoreError> {
        let route = route.to_owned();
        self.writer.write(move |store, _| store.handoff_routed(handoff, &route)).await
    }

    async fn handoff_counts(&self) -> Result<Vec<(HandoffStatus, u64)>, StoreError> {
        self.readers.read(|store| store.handoff_counts()).await
    }

    async fn reason_counts(&self, agent: &AgentId, span: Span) -> Result<Vec<ReasonCount>, StoreError> {
        let agent = agent.clone();
        self.readers.read(move |store| store.reason_counts(&agent, span)).await
    }

    async fn reason_conversations(
        &self,
        agent: &AgentId,
        reason: &str,
        span: Span,
        limit: u32,
    ) -> Result<Vec<ReasonConversation>, StoreError> {
        let (agent, reason) = (agent.clone(), reason.to_owned());
        self.readers.read(move |store| store.reason_conversations(&agent, &reason, span, limit)).await
    }
}

#[async_trait]
impl Decisions for Sqlite {
    async fn record_decision(
        &self,
        id: &ConversationId,
        visitor_seq: Seq,
        body: &str,
    ) -> Result<(), StoreError> {
        let (id, body) = (id.clone(), body.to_owned());
        self.writer.write(move |store, _| store.record_decision(&id, visitor_seq, now_millis(), &body)).await
    }

    async fn decisions(&self, id: &ConversationId, after: Seq) -> Result<Vec<String>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.decisions(&id, after)).await
    }

    /// One write: the completion, the checkpoint's removal and the decision in one savepoint.
    async fn complete_answer(
        &self,
        id: &ConversationId,
        completion: EventKind,
        decision: Option<(Seq, String)>,
    ) -> Result<Event, StoreError> {
        let (id, started) = (id.clone(), Instant::now());
        let event = self
            .writer
            .write(move |store, effects| {
                let at = now_millis();
                let event = store.append(&id, at, completion)?;
                if let Some((visitor_seq, body)) = decision {
                    store.record_decision(&id, visitor_seq, at, &body)?;
                }
                effects.publish(&id, &event);
                Ok(event)
            })
            .await?;
        self.appends.appended(started, 1);
        Ok(event)
    }
}

#[async_trait]
impl InboxLinks for Sqlite {
    async fn open_link(&self, id: &ConversationId, handoff: HandoffId) -> Result<InboxLink, StoreError> {
        let id = id.clone();
        self.writer.write(move |store, _| store.open_link(&id, handoff)).await
    }

    async fn link(&self, id: &ConversationId) -> Result<Option<InboxLink>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.link(&id)).await
    }

    async fn link_by_inbox_id(&self, inbox_id: &str) -> Result<Option<InboxLink>, StoreError> {
        let inbox_id = inbox_id.to_owned();
        self.readers.read(move |store| store.link_by_intercom_id(&inbox_id)).await
    }

    async fn created_links(&self) -> Result<Vec<InboxLink>, StoreError> {
        self.readers.read(|store| store.created_links()).await
    }

    async fn change_link(&self, id: &ConversationId, change: LinkChange) -> Result<(), StoreError> {
        let id = id.clone();
        self.writer.write(move |store, _| store.change_link(&id, &change)).await
    }

    async fn remember_part(&self, part: &str, id: &ConversationId, ours: bool) -> Result<bool, StoreError> {
        let (part, id) = (part.to_owned(), id.clone());
        self.writer.write(move |store, _| store.remember_part(&part, &id, ours)).await
    }

    async fn relay_part(
        &self,
        part: &str,
        id: &ConversationId,
        events: Vec<EventKind>,
    ) -> Result<bool, StoreError> {
        let (part, id) = (part.to_owned(), id.clone());
        self.writer
            .write(move |store, effects| {
                let Some(appended) = store.relay_part(&part, &id, now_millis(), events)? else {
                    return Ok(false);
                };
                for event in &appended {
                    effects.publish(&id, event);
                }
                Ok(true)
            })
            .await
    }

    async fn remember_notification(&self, notification: &str, at: i64) -> Result<bool, StoreError> {
        let notification = notification.to_owned();
        self.writer.write(move |store, _| store.remember_notification(&notification, at)).await
    }
}

#[async_trait]
impl Copilot for Sqlite {
    async fn remember_copilot(&self, part: &str, posted: bool) -> Result<bool, StoreError> {
        let part = part.to_owned();
        self.writer.write(move |store, _| store.remember_copilot(&part, posted)).await
    }

    async fn copilot_posted(&self, part: &str) -> Result<bool, StoreError> {
        let part = part.to_owned();
        self.readers.read(move |store| store.copilot_posted(&part)).await
    }
}

#[async_trait]
impl Workspace for Sqlite {
    async fn save_oauth_state(&self, state: &str, at: i64) -> Result<(), StoreError> {
        let state = state.to_owned();
        self.writer.write(move |store, _| store.save_oauth_state(&state, at)).await
    }

    async fn take_oauth_state(&self, state: &str, not_before: i64) -> Result<bool, StoreError> {
        let state = state.to_owned();
        self.writer.write(move |store, _| store.take_oauth_state(&state, not_before)).await
    }

    async fn save_connection(&self, connection: &WorkspaceConnection, at: i64) -> Result<(), StoreError> {
        let connection = connection.clone();
        self.writer.write(move |store, _| store.save_connection(&connection, at)).await
    }

    async fn connection(&self) -> Result<Option<WorkspaceConnection>, StoreError> {
        self.readers.read(|store| store.connection()).await
    }

    async fn forget_connection(&self) -> Result<bool, StoreError> {
        self.writer.write(|store, _| store.forget_connection()).await
    }
}

#[async_trait]
impl Uploads for Sqlite {
    async fn save_upload(&self, file: Upload) -> Result<(), StoreError> {
        self.writer.write(move |store, _| store.save_upload(&file)).await
    }

    async fn upload(&self, id: &FileId) -> Result<Option<Upload>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.upload(&id)).await
    }

    async fn upload_info(&self, id: &FileId) -> Result<Option<UploadInfo>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.upload_info(&id)).await
    }
}

#[async_trait]
impl Lifecycle for Sqlite {
    async fn export(&self, id: &ConversationId) -> Result<Option<ConversationExport>, StoreError> {
        let id = id.clone();
        self.readers.read(move |store| store.export_conversation(&id)).await
    }

    async fn erase(&self, id: &ConversationId) -> Result<bool, StoreError> {
        let id = id.clone();
        self.writer
            .write(move |store, effects| {
                let erased = store.erase_conversation(&id)?;
                effects.close(&id);
                effects.truncate_log();
                Ok(erased)
            })
            .await
    }

    async fn delete_older_than(&self, cutoff: i64) -> Result<Vec<ConversationId>, StoreError> {
        self.writer
            .write(move |store, effects| {
                let deleted = store.delete_older_than(cutoff)?;
                for id in &deleted {
                    effects.close(id);
                }
                if !deleted.is_empty() {
                    effects.truncate_log();
                }
                Ok(deleted)
            })
            .await
    }
}

#[async_trait]
impl Ratings for Sqlite {
    async fn rate(
        &self,
        id: &ConversationId,
        rating: Rating,
        comment: Option<&str>,
    ) -> Result<Rated, StoreError> {
        let (id, comment) = (id.clone(), comment.map(str::to_owned));
        self.writer
            .write(move |store, effects| {
                let rated = store.rate(&id, now_millis(), rating, comment.as_deref())?;
                if let Rated::New(event) = &rated {
                    effects.publish(&id, event);
                }
                Ok(rated)
            })
            .await
    }

    async fn ratings(&self, agent: &AgentId, span: Span, limit: u32) -> Result<RatingReport, StoreError> {
        let agent = agent.clone();
        self.readers.read(move |store| store.ratings(&agent, span, limit)).await
    }
}
