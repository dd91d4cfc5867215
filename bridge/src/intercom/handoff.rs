//! Delivering a handoff to Intercom: find or create the contact, create the conversation from
//! it, and post the whole transcript as an internal note. Each step is recorded as it completes,
//! and a step that may have happened without being recorded (a creation that timed out, a crash
//! in between) is looked for in Intercom before it is tried again: one Baton conversation, one
//! Intercom conversation, one note.

use baton_protocol::{Author, ConversationId, Seq, TranscriptEntry, Visitor};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use super::client::{AdminReply, Assignee, IntercomClient, IntercomError};
use super::model::{Contact, Id, NewContact};
use super::{Intercom, SyncError};
use crate::agent::Agent;
use crate::handoff::{Delivered, HandoffRequest};
use crate::routing::{self, Criteria, Target, TargetKind, Visit};
use crate::settings::RoutingSettings;
use crate::store::{LinkChange, StoreError};

/// How a conversation was routed, as the handoff record and the preview show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RouteRecord {
    /// The team or admin, if a mapping or criterion matched.
    pub target: Option<Target>,
    /// Why.
    pub why: String,
}

/// Words in every transcript note, to recognise one already posted.
const NOTE_MARK: &str = "Baton conversation";

/// A refusal retrying cannot fix. A rejected token is not one: the workspace can be
/// reconnected, and the handoff then completes.
pub(super) fn refused(error: &IntercomError) -> bool {
    matches!(error, IntercomError::Status { status, .. } if (400..500).contains(status) && ![401, 403, 408, 429].contains(status))
        || matches!(error, IntercomError::Decode(_))
}

impl Intercom {
    pub(super) async fn deliver_handoff(&self, request: &HandoffRequest) -> Result<Delivered, SyncError> {
        let client = self.client()?;
        let id = &request.conversation;
        let _turn = self.turns.take(id).await;
        let handoff = request.handoff;
        let link = self.conversations.write(|store| store.open_link(id, handoff))?;

        let contact = match link.contact {
            Some((contact, role)) => Contact { id: Id(contact), role, email: None },
            None => {
                let contact = self.find_or_create_contact(&client, &request.visitor).await?;
                let change = LinkChange::Contact { id: &contact.id.0, role: &contact.role };
                self.conversations.write(|store| store.change_link(id, change))?;
                contact
            }
        };

        let opening = opening_message(request);
        let (intercom_id, fresh) = match link.intercom_id {
            Some(existing) => (Id(existing), false),
            None => {
                let made_before = match link.creating_since {
                    Some(since) => {
                        client.conversations_of(&contact.id, since).await?.into_iter().find(|found| {
                            found
                                .source
                                .as_ref()
                                .and_then(|s| s.body.as_deref())
                                .is_some_and(|body| same_text(body, &opening))
                        })
                    }
                    None => None,
                };
                let intercom_id = match made_before {
                    Some(found) => found.id,
                    None => {
                        let now = OffsetDateTime::now_utc().unix_timestamp();
                        self.conversations.write(|store| store.change_link(id, LinkChange::Creating(now)))?;
                        client.create_conversation(&contact, &html_escape::encode_text(&opening)).await?
                    }
                };
                self.conversations
                    .write(|store| store.change_link(id, LinkChange::Created(&intercom_id.0)))?;
                // The note is posted only after the conversation is recorded: none exists yet.
                (intercom_id, true)
            }
        };

        if !link.noted {
            let covered =
                request.transcript.iter().filter(|m| m.author == Author::Visitor).map(|m| m.seq).max();
            let already = if fresh { None } else { self.find_note(&client, &intercom_id, id).await? };
            let note_part = match already {
                Some(part) => Some(part),
                None => {
                    let admin = self.acting_admin(&client).await?;
                    let note = transcript_note(request, self.verified(&request.visitor));
                    let updated =
                        client.reply_as_admin(&intercom_id, &admin, AdminReply::Note, &note).await?;
                    updated
                        .parts()
                        .iter()
                        .rev()
                        .find(|part| part.part_type == "note")
                        .map(|part| part.id.clone())
                }
            };
            if let Some(part) = note_part {
                self.conversations.write(|store| store.remember_part(&part.0, id, true))?;
            }
            let covered = covered.unwrap_or(Seq(0));
            self.conversations.write(|store| store.change_link(id, LinkChange::Noted(covered)))?;
        }

        let routed = self.conversations.read(|store| store.handoff(handoff))?.and_then(|record| record.route);
        if routed.is_none() {
            let visit = Visit {
                email: request.visitor.email.as_deref(),
                email_trusted: request.email_given || self.verified(&request.visitor),
            };
            let agent = self.agents.get(&request.agent).map(|entry| entry.agent);
            let route = self
                .assign(&client, &intercom_id, visit, &request.transcript, &request.routing, agent.as_deref())
                .await?;
            let record = serde_json::to_string(&route).map_err(StoreError::from)?;
            self.conversations.write(|store| store.handoff_routed(handoff, &record))?;
        }
        Ok(Delivered {
            external_id: intercom_id.0,
            expected_reply_minutes: self.settings.expected_reply_minutes,
        })
    }

    /// Routes an Intercom conversation as `routing` says and assigns it: to the team, then to
    /// the admin when the route names one. What was decided, for the record.
    pub(crate) async fn assign(
        &self,
        client: &IntercomClient,
        intercom_id: &Id,
        visit: Visit<'_>,
        transcript: &[TranscriptEntry],
        routing: &RoutingSettings,
        agent: Option<&dyn Agent>,
    ) -> Result<RouteRecord, SyncError> {
        if routing.mappings.is_empty() && routing.criteria.trim().is_empty() {
            return Ok(RouteRecord { target: None, why: "No routing is configured.".into() });
        }
        let directory = self.people(false).await?.directory();
        let criteria = Criteria::parse(&routing.criteria);
        let chosen = match agent.filter(|_| !routing.criteria.trim().is_empty()) {
            Some(agent) => {
                agent.classify(&routing.criteria, transcript, &routing::target_names(&directory)).await
            }
            None => None,
        };
        let messages: Vec<&str> =
            transcript.iter().filter(|m| m.author == Author::Visitor).map(|m| m.text.as_str()).collect();
        let Some(route) =
            routing::route(visit, &messages, &routing.mappings, &criteria, chosen.as_deref(), &directory)
        else {
            return Ok(RouteRecord {
                target: None,
                why: "No mapping or assignment criterion matched.".into(),
            });
        };
        let admin = self.acting_admin(client).await?;
        let team = match route.target.kind {
            TargetKind::Team => Some(route.target.id.clone()),
            TargetKind::Admin => route.target.team_id.clone(),
        };
        if let Some(team) = team {
            client.assign(intercom_id, &admin, &Assignee::Team(Id(team))).await?;
        }
        if route.target.kind == TargetKind::Admin {
            client.assign(intercom_id, &admin, &Assignee::Admin(Id(route.target.id.clone()))).await?;
        }
        Ok(RouteRecord { target: Some(route.target), why: route.why })
    }

    /// The note of this conversation, if an earlier try posted it.
    async fn find_note(
        &self,
        client: &IntercomClient,
        intercom_id: &Id,
        id: &ConversationId,
    ) -> Result<Option<Id>, SyncError> {
        let mark = format!("{NOTE_MARK} {id}");
        let conversation = client.conversation(intercom_id).await?;
        Ok(conversation
            .parts()
            .iter()
            .find(|part| {
                part.part_type == "note" && part.body.as_deref().is_some_and(|body| body.contains(&mark))
            })
            .map(|part| part.id.clone()))
    }

    /// The contact for this visitor. A verified identity is a `user`, found by external id or
    /// email; anyone else is a `lead`, reusing the lead with the same email if there is one, so
    /// an unverified visitor can never speak as someone else's user.
    async fn find_or_create_contact(
        &self,
        client: &IntercomClient,
        visitor: &Visitor,
    ) -> Result<Contact, SyncError> {
        let verified = self.verified(visitor);
        let (role, external_id) = if verified { ("user", visitor.user_id.clone()) } else { ("lead", None) };
        let lookup = match (&external_id, &visitor.email) {
            (Some(external), _) => Some(("external_id", external.as_str())),
            (None, Some(email)) => Some(("email", email.as_str())),
            (None, None) => None,
        };
        if let Some((field, value)) = lookup {
            if let Some(found) = client.search_contacts(field, value, Some(role)).await?.into_iter().next() {
                return Ok(found);
            }
        }
        let new = NewContact { role, external_id, email: visitor.email.clone(), name: visitor.name.clone() };
        match client.create_contact(&new).await {
            Ok(contact) => Ok(contact),
            // It exists after all (made since the search): Intercom names it in the message.
            Err(error) if error.is_conflict() => match conflicting_id(&error) {
                Some(existing) => {
                    let found = client.contact(&existing).await?;
                    if found.role == role {
                        return Ok(found);
                    }
                    // The details belong to a contact of another role — for a lead, someone's
                    // user — which is never adopted: the contact is made without the email, and
                    // the note still shows the email the visitor claimed.
                    let anonymous = NewContact { email: None, ..new };
                    Ok(client.create_contact(&anonymous).await?)
                }
                None => Err(error.into()),
            },
            Err(error) => Err(error.into()),
        }
    }

    /// Whether the visitor's `user_hash` proves their identity: HMAC-SHA256 of the user id (or
    /// the email) with the identity secret, as Intercom's identity verification computes it.
    pub fn verified(&self, visitor: &Visitor) -> bool {
        let (Some(secret), Some(hash)) = (&self.settings.identity_secret, &visitor.user_hash) else {
            return false;
        };
        let Some(subject) = visitor.user_id.as_ref().or(visitor.email.as_ref()) else { return false };
        let Ok(expected) = hex::decode(hash.trim()) else { return false };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) else { return false };
        mac.update(subject.as_bytes());
        mac.verify_slice(&expected).is_ok()
    }
}

/// The id in Intercom's "A contact matching those details already exists with id=…".
fn conflicting_id(error: &IntercomError) -> Option<Id> {
    let IntercomError::Status { message, .. } = error else { return None };
    let (_, rest) = message.split_once("id=")?;
    let id: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
    (!id.is_empty()).then_some(Id(id))
}

/// The conversation's first message, from the contact: what the visitor last asked.
fn opening_message(request: &HandoffRequest) -> String {
    request.transcript.iter().rev().find(|message| message.author == Author::Visitor).map_or_else(
        || "(The visitor asked for help in the website chat.)".to_owned(),
        |message| message.text.clone(),
    )
}

/// Whether Intercom's `body` (HTML) says `text`.
fn same_text(body: &str, text: &str) -> bool {
    super::sync::html_to_text(body).trim() == text.trim()
}

/// The internal note a teammate reads first: the handoff, why, who, where, and every message.
pub fn transcript_note(request: &HandoffRequest, verified: bool) -> String {
    use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
    let visitor = &request.visitor;
    let mut who: Vec<String> = Vec::new();
    if let Some(name) = &visitor.name {
        who.push(text(name).into_owned());
    }
    if let Some(email) = &visitor.email {
        who.push(text(email).into_owned());
    }
    if let Some(user_id) = &visitor.user_id {
        who.push(format!("user id {}", text(user_id)));
    }
    let who = if who.is_empty() { "anonymous visitor".to_owned() } else { who.join(", ") };
    let identity = if verified { "verified" } else { "not verified" };
    let mut note = format!("<p><b>{}</b> (handoff from the website chat)</p>", text(&request.name));
    note.push_str(&format!("<p><b>Reason:</b> {}", text(&request.reason)));
    if let Some(clause) = &request.clause {
        note.push_str(&format!("<br><b>Trigger:</b> “{}”", text(clause)));
    }
    note.push_str(&format!("</p><p><b>Visitor:</b> {who} ({identity})"));
    if let Some(url) = &request.page_url {
        let title = request.page_title.as_deref().unwrap_or(url);
        if is_web_link(url) {
            note.push_str(&format!("<br><b>Page:</b> <a href=\"{}\">{}</a>", attribute(url), text(title)));
        } else {
            note.push_str(&format!("<br><b>Page:</b> {} ({})", text(title), text(url)));
        }
    }
    if let Some(locale) = &request.locale {
        note.push_str(&format!("<br><b>Locale:</b> {}", text(locale)));
    }
    note.push_str("</p><p><b>Transcript</b></p>");
    for message in &request.transcript {
        let speaker = match &message.author {
            Author::Visitor => "Visitor".to_owned(),
            Author::Agent if request.agent_name.is_empty() => "AI agent".to_owned(),
            Author::Agent => format!("AI agent ({})", text(&request.agent_name)),
            Author::Teammate { name } => format!("Teammate ({})", text(name)),
        };
        let lines = text(&message.text).replace('\n', "<br>");
        note.push_str(&format!("<p><b>{speaker}</b> · {}<br>{lines}</p>", when(message.at)));
    }
    note.push_str(&format!("<p><i>{NOTE_MARK} {}</i></p>", text(&request.conversation.0)));
    note
}

/// Whether the page's address may be a link a teammate clicks: only `http` and `https` pages,
/// so a `javascript:` or `data:` address the page claimed stays text. The address is parsed as a
/// browser parses a link (surrounding spaces, tabs and newlines ignored), so the scheme checked
/// is the one a click would follow.
fn is_web_link(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https"))
}

/// A stored time (Unix milliseconds) as a teammate reads it.
fn when(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at / 1000)
        .ok()
        .and_then(|at| at.format(&Rfc2822).ok())
        .unwrap_or_else(|| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::HandoffId;
    use baton_protocol::{AgentId, TranscriptEntry};

    fn request() -> HandoffRequest {
        let entry = |seq, author, text: &str| TranscriptEntry {
            seq: Seq(seq),
            at: 1_795_600_000_000,
            author,
            text: text.into(),
        };
        HandoffRequest {
            handoff: HandoffId(1),
            conversation: ConversationId("c1".into()),
            agent: AgentId::from("demo"),
            agent_name: "Juniper".into(),
            name: "Escalate to support".into(),
            reason: "Topic: billing".into(),
            clause: Some("the issue involves billing".into()),
            visitor: Visitor {
                email: Some("ada@example.com".into()),
                name: Some("<b>Ada</b>".into()),
                ..Visitor::default()
            },
            email_given: false,
            routing: Default::default(),
            page_url: Some("https://lumen.example/\"><script>".into()),
            page_title: Some("Plans".into()),
            locale: Some("en-GB".into()),
            transcript: vec![
                entry(1, Author::Visitor, "Hi <script>alert(1)</script>"),
                entry(5, Author::Agent, "Hello!\nHow can I help?"),
                entry(6, Author::Visitor, "I was charged twice"),
            ],
        }
    }

    #[test]
    fn the_note_holds_everything_in_order_and_escapes_what_visitors_wrote() {
        let note = transcript_note(&request(), false);
        for expected in [
            "<b>Escalate to support</b>",
            "<b>Reason:</b> Topic: billing",
            "“the issue involves billing”",
            "&lt;b&gt;Ada&lt;/b&gt;, ada@example.com (not verified)",
            "<b>Locale:</b> en-GB",
            "Hi &lt;script&gt;alert(1)&lt;/script&gt;",
            "<b>AI agent (Juniper)</b>",
            "Hello!<br>How can I help?",
            "Baton conversation c1",
        ] {
            assert!(note.contains(expected), "{expected} missing from {note}");
        }
        assert!(!note.contains("<script>"), "{note}");
        assert!(note.contains("href=\"https://lumen.example/&quot;&gt;&lt;script&gt;\""), "{note}");
        let first = note.find("Hi &lt;script").expect("first");
        let second = note.find("Hello!").expect("second");
        let third = note.find("I was charged twice").expect("third");
        assert!(first < second && second < third, "in order");
        assert_eq!(opening_message(&request()), "I was charged twice");
    }

    #[test]
    fn only_http_pages_become_links_in_the_note() {
        for (url, linked) in [
            ("https://lumen.example/plans", true),
            ("HTTP://lumen.example/", true),
            ("javascript:alert(document.domain)", false),
            (" JavaScript:alert(1)", false),
            ("java\tscript:alert(1)", false),
            ("data:text/html,<script>alert(1)</script>", false),
            ("/relative/page", false),
        ] {
            let note = transcript_note(&HandoffRequest { page_url: Some(url.into()), ..request() }, false);
            assert_eq!(note.contains("<a href"), linked, "{url}: {note}");
            assert!(note.contains("Plans"), "the page is still named: {note}");
        }
    }

    #[test]
    fn only_a_user_hash_made_with_the_identity_secret_verifies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let conversations =
            crate::conversations::Conversations::open(&dir.path().join("t.db")).expect("store");
        let settings =
            super::super::IntercomSettings { identity_secret: Some("s3cret".into()), ..Default::default() };
        let agents = std::sync::Arc::new(
            crate::agents::Registry::new(
                crate::settings::SettingsFile::default(),
                None,
                std::time::Duration::ZERO,
            )
            .expect("registry"),
        );
        let context = crate::inbox::InboxContext { conversations, agents, tasks: Default::default() };
        let intercom = Intercom::new(settings, context).expect("builds");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").expect("any key");
        mac.update(b"user-42");
        let hash = hex::encode(mac.finalize().into_bytes());
        let visitor = |user_hash: &str| Visitor {
            user_id: Some("user-42".into()),
            user_hash: Some(user_hash.into()),
            ..Visitor::default()
        };
        assert!(intercom.verified(&visitor(&hash)));
        assert!(!intercom.verified(&visitor(&"0".repeat(64))));
        assert!(!intercom.verified(&visitor("not hex")));
        assert!(!intercom.verified(&Visitor { user_hash: None, ..visitor(&hash) }));
    }

    #[test]
    fn the_conflicting_contact_id_is_read_from_intercoms_message() {
        let error = IntercomError::Status {
            status: 409,
            code: "conflict".into(),
            message: "A contact matching those details already exists with id=6762f0a61bb69f9f2193bb4f"
                .into(),
        };
        assert_eq!(conflicting_id(&error), Some(Id("6762f0a61bb69f9f2193bb4f".into())));
    }
}
