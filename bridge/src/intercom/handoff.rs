//! Delivering a handoff to Intercom: find or create the contact, create the conversation from
//! it, and post the whole transcript as an internal note. Each step is recorded as it completes,
//! and a step that may have happened without being recorded (a creation that timed out, a crash
//! in between) is looked for in Intercom before it is tried again: one Baton conversation, one
//! Intercom conversation, one note.

use baton_protocol::{Author, ConversationId, Seq, TranscriptEntry, Visitor};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;

use super::client::{AdminReply, Assignee, IntercomClient, IntercomError};
use super::model::{Contact, Id};
use super::note::{opening_message, transcript_note, NOTE_MARK};
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
        let link = self.conversations.open_link(id, handoff).await?;

        let contact = match link.contact {
            Some((contact, role)) => Contact { id: Id(contact), role, ..Contact::default() },
            None => {
                let contact = self.find_or_create_contact(&client, &request.visitor, id).await?;
                let change = LinkChange::Contact { id: contact.id.0.clone(), role: contact.role.clone() };
                self.conversations.change_link(id, change).await?;
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
                        self.conversations.change_link(id, LinkChange::Creating(now)).await?;
                        // A contact's message is text ("HTML is not supported"): sent as written.
                        client.create_conversation(&contact, &opening).await?
                    }
                };
                self.conversations.change_link(id, LinkChange::Created(intercom_id.0.clone())).await?;
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
                    let files = self.visitor_files(id, covered).await?;
                    let note = transcript_note(request, self.verified(&request.visitor), &files);
                    let urls = self.inbox_urls(files.iter().map(|(_, file)| file));
                    let updated = client
                        .reply_as_admin_with_files(&intercom_id, &admin, AdminReply::Note, &note, &urls)
                        .await?;
                    updated.newest_part(|part| part.part_type == "note")
                }
            };
            if let Some(part) = note_part {
                self.conversations.remember_part(&part.0, id, true).await?;
            }
            let covered = covered.unwrap_or(Seq(0));
            self.conversations.change_link(id, LinkChange::Noted(covered)).await?;
        }

        let routed = self.conversations.handoff(handoff).await?.and_then(|record| record.route);
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
            self.conversations.handoff_routed(handoff, &record).await?;
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
        let directory = match self.people(false).await {
            Ok(people) => people.directory(),
            // Routing is a refinement: a directory Intercom writes in a shape the bridge cannot
            // read leaves the conversation unassigned rather than the handoff undelivered.
            Err(SyncError::Intercom(error @ IntercomError::Decode(_))) => {
                let why = format!("The workspace's admins and teams could not be read ({error}).");
                return Ok(RouteRecord { target: None, why });
            }
            Err(error) => return Err(error),
        };
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

/// Whether Intercom's `body` (HTML) says `text`.
fn same_text(body: &str, text: &str) -> bool {
    super::sync::says_same(body, text)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let leasing = crate::leases::Leasing::new(conversations.clone(), crate::leases::DEFAULT_TERM);
        let context = crate::inbox::InboxContext {
            conversations,
            agents,
            tasks: Default::default(),
            signer: crate::files::UrlSigner::new(&crate::secret::SecretKey::generate()),
            leasing,
        };
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
}
