//! Copilot ("AI assist"): on every new customer message in the workspace's Intercom
//! (`conversation.user.created`, `conversation.user.replied`), the agent drafts a reply from the
//! conversation so far and its knowledge, and posts it as an internal note for a teammate to
//! review ("Leave note instead of replying", the default) or as a reply from the chosen admin.
//! It drafts once per customer message, never on notes or on its own posts (those arrive as
//! admin topics), stays out of a conversation a teammate answered moments ago, and says nothing
//! when the agent has nothing useful to say. New conversations are also routed.

use std::time::Duration;

use baton_protocol::{Author, ConversationId, Seq, TranscriptEntry};
use time::OffsetDateTime;

use super::client::AdminReply;
use super::model::{Conversation, Id, Part};
use super::{Intercom, SyncError};
use crate::agents::AgentEntry;
use crate::routing::Visit;

/// A teammate who answered this recently has the conversation in hand.
const TEAMMATE_QUIET: Duration = Duration::from_secs(10);

impl Intercom {
    /// Reacts to a customer message in Intercom conversation `intercom_id`.
    pub async fn copilot(&self, topic: &str, intercom_id: &Id) -> Result<(), SyncError> {
        let created = match topic {
            "conversation.user.created" => true,
            "conversation.user.replied" => false,
            _ => return Ok(()),
        };
        let link = self.conversations.link_by_inbox_id(&intercom_id.0).await?;
        let entry = match &link {
            Some(link) => {
                let agent = self.conversations.get(&link.conversation).await?.map(|record| record.agent);
                agent.and_then(|agent| self.agents.get(&agent))
            }
            None => self.agents.current().copilot().cloned(),
        };
        let Some(entry) = entry.filter(|entry| entry.copilot.enabled) else { return Ok(()) };
        let _turn = self.turns.take(&ConversationId(format!("intercom:{intercom_id}"))).await;
        let client = self.client()?;
        let conversation = client.conversation(intercom_id).await?;
        if created && link.is_none() {
            self.route_new(&client, &conversation, &entry).await?;
        }
        let Some(key) = self.message_to_answer(&conversation).await? else { return Ok(()) };
        if !self.conversations.remember_copilot(&key, false).await? {
            return Ok(());
        }
        let Some(draft) = entry.agent.draft(&transcript(&conversation)).await else { return Ok(()) };
        let draft = super::html::from_markdown(&draft);
        let updated = if entry.copilot.leave_note {
            let author = match &entry.copilot.reply_as {
                Some(admin) => Id(admin.clone()),
                None => self.acting_admin(&client).await?,
            };
            let note = format!("<p><b>Copilot draft</b> (review before sending)</p>{draft}");
            client.reply_as_admin(intercom_id, &author, AdminReply::Note, &note).await?
        } else {
            let Some(admin) = &entry.copilot.reply_as else { return Ok(()) };
            client.reply_as_admin(intercom_id, &Id(admin.clone()), AdminReply::Comment, &draft).await?
        };
        if let Some(posted) = updated.parts().last() {
            self.conversations.remember_copilot(&posted.id.0, true).await?;
        }
        Ok(())
    }

    /// The customer message to draft for: the newest part, if it is the customer's, and no
    /// teammate answered in the last few seconds. Its key: the part id, or the conversation's
    /// for its first message.
    async fn message_to_answer(&self, conversation: &Conversation) -> Result<Option<String>, SyncError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let spoken: Vec<&Part> =
            conversation.parts().iter().filter(|part| part.part_type == "comment").collect();
        for part in spoken.iter().rev().filter(|part| from_teammate(part)) {
            if self.conversations.copilot_posted(&part.id.0).await? {
                continue;
            }
            if now - part.created_at < TEAMMATE_QUIET.as_secs() as i64 {
                return Ok(None);
            }
            break;
        }
        Ok(match spoken.last() {
            None => Some(format!("source:{}", conversation.id)),
            Some(last) if !from_teammate(last) => Some(last.id.0.clone()),
            Some(_) => None,
        })
    }

    /// Routes a conversation a customer started in Intercom, as the agent's routing says.
    async fn route_new(
        &self,
        client: &super::client::IntercomClient,
        conversation: &Conversation,
        entry: &AgentEntry,
    ) -> Result<(), SyncError> {
        let email = conversation
            .source
            .as_ref()
            .and_then(|source| source.author.as_ref())
            .and_then(|a| a.email.clone());
        // The contact wrote in with this address themselves.
        let visit = Visit { email: email.as_deref(), email_trusted: true };
        let route = self
            .assign(
                client,
                &conversation.id,
                visit,
                &transcript(conversation),
                &entry.routing,
                Some(entry.agent.as_ref()),
            )
            .await?;
        tracing::info!(conversation = %conversation.id, why = %route.why, "routed a new Intercom conversation");
        Ok(())
    }
}

fn from_teammate(part: &Part) -> bool {
    part.author.as_ref().is_some_and(|author| matches!(author.kind.as_str(), "admin" | "bot" | "team"))
}

/// The conversation as the agent reads it: the customer's messages and the teammates'
/// replies, without notes.
fn transcript(conversation: &Conversation) -> Vec<TranscriptEntry> {
    let entry = |at: i64, author: Author, html: &str| TranscriptEntry {
        seq: Seq(0),
        at: at.saturating_mul(1000),
        author,
        text: super::sync::html_to_text(html),
    };
    let source = conversation.source.as_ref().and_then(|source| source.body.as_deref());
    let first = source.map(|body| entry(conversation.created_at, Author::Visitor, body));
    let rest = conversation.parts().iter().filter(|part| part.part_type == "comment").map(|part| {
        let author = if from_teammate(part) {
            Author::Teammate { name: part.author.as_ref().and_then(|a| a.name.clone()).unwrap_or_default() }
        } else {
            Author::Visitor
        };
        entry(part.created_at, author, part.body.as_deref().unwrap_or(""))
    });
    first.into_iter().chain(rest).collect()
}
