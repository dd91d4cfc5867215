//! The live relay both ways. Visitor messages sent after the handoff are posted to Intercom as
//! the contact's replies, and the visitor's rating of the closed conversation as a note, in
//! order, each recorded once posted (one that may have been posted before a crash is looked for
//! first). From Intercom, a webhook is only a nudge: the bridge
//! fetches the conversation and relays every part it has not seen, in Intercom's order, so
//! duplicated, reordered or missed deliveries all end the same, on whichever bridge they land
//! (each part is remembered with its events in one transaction). Notes never reach the visitor,
//! and the bridge's own posts never come back. A conversation a teammate read tells the visitor
//! so ([`seen`](super::seen)). Of several bridges, one at a time relays a conversation's
//! messages, under its relay lease.

use std::sync::Arc;
use std::time::Duration;

use baton_protocol::{Attachment, ConversationId, EventKind, Seq, Teammate, MAX_ATTACHMENTS};

use super::client::AdminReply;
use super::note::{rating_note, RATING_MARK};
use super::seen::newly_seen;

use super::model::{Conversation, Id, Part, PartAttachment};
use super::{Intercom, SyncError};
use crate::backoff::Backoff;
use crate::conversations::now_millis;
use crate::leases::{Finish, Lease};
use crate::store::{InboxLink, LinkChange, StoreError, Work};

/// Tries to post a visitor message before leaving it for the next nudge or restart.
const POST_ATTEMPTS: u32 = 8;
/// The wait between those tries: 1 s doubling to 32 s.
const RELAY_RETRY: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(32));
/// How long the address of a visitor's file handed to Intercom stays good: Intercom downloads
/// it when the reply is posted; a day leaves room for its retries.
const INBOX_URL_SECS: i64 = 24 * 3600;
/// How often a relay or sync another bridge (or task) holds is claimed again.
const LEASE_WAIT: Duration = Duration::from_millis(100);

impl Intercom {
    /// Posts, in the background, the visitor messages of `id` that Intercom does not have yet.
    /// One bridge at a time does, under the conversation's relay lease: a bridge that finds it
    /// held waits for it, since the holder may have read the messages before this one came.
    pub fn relay_visitor_messages(self: &Arc<Self>, id: ConversationId) {
        let intercom = Arc::clone(self);
        self.tasks.spawn(async move {
            let lease = match intercom.claim_waiting(Work::relay(&id)).await {
                Ok(Some(lease)) => lease,
                Ok(None) => return,
                Err(error) => {
                    tracing::error!(conversation = %id, %error, "visitor messages left for later");
                    return;
                }
            };
            lease.run(intercom.relay(&id)).await;
        });
    }

    /// Posts until done, or until it is left for the next nudge or restart.
    async fn relay(&self, id: &ConversationId) -> Finish {
        let mut failures = 0;
        loop {
            match self.post_visitor_messages(id).await {
                Ok(()) => return Finish::Release,
                Err(SyncError::Intercom(error)) if error.is_temporary() && failures < POST_ATTEMPTS => {
                    failures += 1;
                    tracing::warn!(conversation = %id, %error, failures, "visitor message not posted yet");
                    if !self.tasks.sleep(RELAY_RETRY.after(failures)).await {
                        // Stopping: the next start posts what is left.
                        return Finish::Release;
                    }
                }
                Err(error) => {
                    tracing::error!(conversation = %id, %error, "visitor messages left for later");
                    return Finish::Release;
                }
            }
        }
    }

    /// Picks up, at start, what a stopped process left: the workspace an earlier OAuth flow
    /// connected, and messages not posted yet.
    pub async fn resume(self: &Arc<Self>) -> Result<(), SyncError> {
        self.load_stored_connection().await?;
        for link in self.conversations.created_links().await? {
            self.relay_visitor_messages(link.conversation);
        }
        Ok(())
    }

    async fn post_visitor_messages(&self, id: &ConversationId) -> Result<(), SyncError> {
        let _turn = self.turns.take(id).await;
        let Some(link) = self.conversations.link(id).await? else { return Ok(()) };
        let (Some(intercom_id), Some((contact, _)), true) = (&link.intercom_id, &link.contact, link.noted)
        else {
            return Ok(());
        };
        let (intercom_id, contact) = (Id(intercom_id.clone()), Id(contact.clone()));
        let pending: Vec<(Seq, Post)> = self
            .conversations
            .events_after(id, link.relayed)
            .await?
            .into_iter()
            .filter_map(|event| match event.kind {
                EventKind::VisitorMessage { text, attachments, .. } => {
                    Some((event.seq, Post::Reply(text, attachments)))
                }
                EventKind::ConversationRated { rating, comment } => {
                    Some((event.seq, Post::Note(rating_note(rating, comment.as_deref()))))
                }
                _ => None,
            })
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let client = self.client()?;
        let mut already_posted = self.posted_before_a_crash(&link, &pending).await?;
        for (seq, post) in pending {
            if already_posted.take() == Some(seq) {
                self.conversations.change_link(id, LinkChange::Relayed(seq)).await?;
                continue;
            }
            self.conversations.change_link(id, LinkChange::Posting(seq)).await?;
            let posted = match &post {
                // A contact's words are text to Intercom (it takes no HTML from them): sent as
                // typed, so a teammate never reads `&lt;` for `<`.
                Post::Reply(text, attachments) => {
                    let (body, urls) = self.with_files(text, attachments);
                    let updated = client.reply_as_contact(&intercom_id, &contact, &body, &urls).await?;
                    updated.newest_part(is_from_contact)
                }
                Post::Note(note) => {
                    let admin = self.acting_admin(&client).await?;
                    let updated = client.reply_as_admin(&intercom_id, &admin, AdminReply::Note, note).await?;
                    updated.newest_part(|part| part.part_type == "note")
                }
            };
            if let Some(part) = posted {
                self.conversations.remember_part(&part.0, id, true).await?;
            }
            self.conversations.change_link(id, LinkChange::Relayed(seq)).await?;
        }
        Ok(())
    }

    /// A visitor message as Intercom takes it: a body (the files' names when the visitor wrote
    /// nothing, since a reply needs one) and the files' addresses, signed anew to be good for
    /// [`INBOX_URL_SECS`] from now, however long ago the message was sent.
    fn with_files(&self, text: &str, attachments: &[Attachment]) -> (String, Vec<String>) {
        let urls = self.inbox_urls(attachments);
        let body = if text.trim().is_empty() {
            attachments.iter().map(|file| file.name.as_str()).collect::<Vec<_>>().join(", ")
        } else {
            text.to_owned()
        };
        (body, urls)
    }

    /// The addresses of visitors' files for Intercom to download: signed anew to be good for
    /// [`INBOX_URL_SECS`] from now, at most the [`MAX_ATTACHMENTS`] Intercom takes at once.
    pub(super) fn inbox_urls<'a>(&self, files: impl IntoIterator<Item = &'a Attachment>) -> Vec<String> {
        let expires = now_millis() / 1000 + INBOX_URL_SECS;
        files
            .into_iter()
            .filter_map(|file| self.signer.renew(&file.url, expires))
            .take(MAX_ATTACHMENTS)
            .collect()
    }

    /// The visitor's files sent up to `through` (all when `None`), by the seq of their message.
    pub(super) async fn visitor_files(
        &self,
        id: &ConversationId,
        through: Option<Seq>,
    ) -> Result<Vec<(Seq, Attachment)>, SyncError> {
        let events = self.conversations.events_after(id, Seq(0)).await?;
        Ok(events
            .into_iter()
            .filter(|event| through.is_none_or(|through| event.seq <= through))
            .flat_map(|event| match event.kind {
                EventKind::VisitorMessage { attachments, .. } => {
                    attachments.into_iter().map(|file| (event.seq, file)).collect()
                }
                _ => Vec::new(),
            })
            .collect())
    }

    /// The post a stopped process began, if Intercom shows it arrived: the contact's last
    /// reply says the same, or (a conversation is rated once) a rating note is there.
    async fn posted_before_a_crash(
        &self,
        link: &InboxLink,
        pending: &[(Seq, Post)],
    ) -> Result<Option<Seq>, SyncError> {
        let Some(posting) = link.posting else { return Ok(None) };
        let Some((_, post)) = pending.iter().find(|(seq, _)| *seq == posting) else { return Ok(None) };
        let Some(intercom_id) = &link.intercom_id else { return Ok(None) };
        let conversation = self.client()?.conversation(&Id(intercom_id.clone())).await?;
        let body = |part: &&Part| part.body.as_deref().unwrap_or("").to_owned();
        let last = match post {
            Post::Reply(..) => conversation.parts().iter().rev().find(|part| is_from_contact(part)),
            Post::Note(_) => conversation
                .parts()
                .iter()
                .rev()
                .find(|part| part.part_type == "note" && body(part).contains(RATING_MARK)),
        };
        let arrived = last.is_some_and(|part| match post {
            Post::Reply(text, attachments) => says_same(&body(&part), &self.with_files(text, attachments).0),
            Post::Note(_) => true,
        });
        if let Some(part) = last.filter(|_| arrived) {
            self.conversations.remember_part(&part.id.0, &link.conversation, true).await?;
        }
        Ok(arrived.then_some(posting))
    }

    /// Relays what happened in Intercom conversation `intercom_id` since the bridge last looked.
    /// `delivered` is the webhook's copy, used only when Intercom cannot be asked.
    pub async fn sync_from_intercom(
        &self,
        intercom_id: &Id,
        delivered: Option<Conversation>,
    ) -> Result<(), SyncError> {
        let Some(link) = self.conversations.link_by_inbox_id(&intercom_id.0).await? else {
            return Ok(());
        };
        let _turn = self.turns.take(&link.conversation).await;
        // One bridge at a time, so parts are relayed in Intercom's order.
        let Some(lease) = self.claim_waiting(Work::sync(&link.conversation)).await? else {
            return Ok(());
        };
        let synced = async { (Finish::Release, self.sync_parts(link, intercom_id, delivered).await) };
        lease.run_for(synced).await.unwrap_or(Ok(()))
    }

    /// The lease on `work`, waiting while another bridge (or task) holds it; `None` if the
    /// bridge stops first.
    async fn claim_waiting(&self, work: Work) -> Result<Option<Lease>, StoreError> {
        loop {
            if let Some(lease) = self.leasing.claim(work.clone()).await? {
                return Ok(Some(lease));
            }
            if !self.tasks.sleep(LEASE_WAIT).await {
                return Ok(None);
            }
        }
    }

    async fn sync_parts(
        &self,
        link: InboxLink,
        intercom_id: &Id,
        delivered: Option<Conversation>,
    ) -> Result<(), SyncError> {
        let id = link.conversation.clone();
        let client = self.client()?;
        let conversation = match (client.conversation(intercom_id).await, delivered) {
            (Ok(conversation), _) => conversation,
            (Err(error), Some(delivered)) if error.is_temporary() => {
                tracing::warn!(conversation = %id, %error, "using the webhook's copy of the conversation");
                delivered
            }
            (Err(error), _) => return Err(error.into()),
        };
        let admins = self.people(false).await.map(|people| people.admins).unwrap_or_default();
        let teammate = |admin: &Id, name: Option<&str>| {
            let known = admins.iter().find(|candidate| candidate.id == *admin);
            Teammate {
                name: known
                    .map(|a| a.name.clone())
                    .or_else(|| name.map(str::to_owned))
                    .unwrap_or_else(|| "Support".into()),
                avatar_url: known.and_then(|a| a.avatar.as_ref()).and_then(|avatar| avatar.image_url.clone()),
            }
        };
        let mut joined = link.joined_admin.clone();
        for part in conversation.parts() {
            let mut events = Vec::new();
            // Who joined as this part has it, kept only if the part is relayed now.
            let mut joined_here = joined.clone();
            match part.part_type.as_str() {
                "comment" if is_from_teammate(part) => {
                    let author = part.author.clone().unwrap_or_default();
                    if joined_here.as_deref() != Some(author.id.0.as_str()) {
                        events.push(EventKind::TeammateJoined {
                            teammate: teammate(&author.id, author.name.as_deref()),
                        });
                        joined_here = Some(author.id.0.clone());
                    }
                    let text = html_to_text(part.body.as_deref().unwrap_or(""));
                    let attachments: Vec<_> =
                        part.attachments.iter().filter_map(PartAttachment::to_attachment).collect();
                    if !text.trim().is_empty() || !attachments.is_empty() {
                        events.push(EventKind::TeammateMessage {
                            teammate: teammate(&author.id, author.name.as_deref()),
                            text,
                            attachments,
                        });
                    }
                }
                "assignment" | "default_assignment" | "assign_and_reopen" => {
                    let assigned = part
                        .assigned_to
                        .as_ref()
                        .filter(|to| to.kind == "admin")
                        .and_then(|to| to.id.clone());
                    if let Some(admin) =
                        assigned.filter(|admin| joined_here.as_deref() != Some(admin.0.as_str()))
                    {
                        events.push(EventKind::TeammateJoined { teammate: teammate(&admin, None) });
                        joined_here = Some(admin.0);
                    }
                }
                "close" => events.push(EventKind::ConversationClosed),
                "open" => events.push(EventKind::ConversationReopened),
                // Notes are for teammates; the contact's own replies are the visitor's messages.
                _ => {}
            }
            // The part is remembered with its events, in one transaction: relayed once, by
            // whichever bridge gets there first, and not lost to a crash in between.
            if self.conversations.relay_part(&part.id.0, &id, events).await? {
                joined = joined_here;
            }
        }
        if joined != link.joined_admin {
            if let Some(admin) = &joined {
                self.conversations.change_link(&id, LinkChange::Joined(admin.clone())).await?;
            }
        }
        if conversation.read == Some(true) {
            self.relay_seen(&id).await?;
        }
        Ok(())
    }

    /// Tells the visitor a teammate read their messages, up to the newest Intercom has. The
    /// point is remembered as a part of its own, so it is told once, whichever bridge gets there.
    async fn relay_seen(&self, id: &ConversationId) -> Result<(), SyncError> {
        let Some(link) = self.conversations.link(id).await? else { return Ok(()) };
        let events = self.conversations.events_after(id, Seq(0)).await?;
        if let Some(up_to) = newly_seen(&events, link.relayed) {
            let part = format!("seen:{id}:{up_to}");
            self.conversations.relay_part(&part, id, vec![EventKind::MessagesSeen { up_to }]).await?;
        }
        Ok(())
    }
}

/// What the relay posts for one event of the log.
enum Post {
    /// A visitor message and its files, as the contact's reply.
    Reply(String, Vec<Attachment>),
    /// A note from the bridge (HTML), such as the visitor's rating.
    Note(String),
}

fn is_from_contact(part: &Part) -> bool {
    part.part_type == "comment"
        && part.author.as_ref().is_some_and(|a| matches!(a.kind.as_str(), "user" | "lead" | "contact"))
}

fn is_from_teammate(part: &Part) -> bool {
    part.author.as_ref().is_some_and(|a| matches!(a.kind.as_str(), "admin" | "bot" | "team"))
}

/// Whether Intercom's `html` says `text`, however either breaks its lines.
pub fn says_same(html: &str, text: &str) -> bool {
    html_to_text(html).split_whitespace().eq(text.split_whitespace())
}

/// Intercom's HTML as the widget's text: paragraphs and line breaks kept, tags dropped,
/// entities decoded. What comes out is shown as text by the widget, never as HTML.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            text.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim_start_matches('/').to_ascii_lowercase();
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        match name {
            // A forced break, in the markdown the widget renders: a lone `\n` would be a space.
            "br" => text.push_str("  \n"),
            "p" | "div" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "blockquote" | "pre"
                if !text.ends_with("\n\n") && !text.is_empty() =>
            {
                text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
            }
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    html_escape::decode_html_entities(text.trim()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intercoms_html_becomes_plain_text() {
        assert_eq!(
            html_to_text("<p>Hi <b>Ada</b>,</p><p>Refund sent &amp; done.</p>"),
            "Hi Ada,\n\nRefund sent & done."
        );
        assert_eq!(html_to_text("one<br>two<br/>three"), "one  \ntwo  \nthree");
        assert_eq!(html_to_text("plain text from a webhook"), "plain text from a webhook");
        assert_eq!(html_to_text("<script>alert(1)</script>"), "alert(1)");
        assert_eq!(html_to_text("a < b"), "a < b");
    }
}
