//! Everything the sandbox stores, in memory: contacts and conversations. Its methods check a
//! request against the stored data and apply it; sending webhooks is the caller's business
//! (see [`crate::Sandbox::change`]), so this stays plain synchronous code.

use crate::attachments::Attachment;
use crate::body;
use crate::contact::{Contact, ContactChanges, NewContact, Role};
use crate::conversation::{Action, Author, Conversation, Source, Topic};
use crate::error::IntercomError;
use crate::ids::{self, Counters};
use crate::requests::{ContactKey, NewConversation, Reply, ReplyRequest};
use crate::search::{Field, Query, Searchable};

/// A conversation with its contact: what rendering one needs.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The conversation.
    pub conversation: Conversation,
    /// Its contact.
    pub contact: Contact,
}

/// A change that calls for a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The topic.
    pub topic: Topic,
    /// The conversation as it now is.
    pub view: View,
    /// How many of its last parts are new (0 for a new conversation).
    pub new_parts: usize,
}

/// The stored contacts and conversations.
#[derive(Debug)]
pub struct Workspace {
    contacts: Vec<Contact>,
    conversations: Vec<Conversation>,
    counters: Counters,
}

impl Workspace {
    /// An empty workspace, started at `now`.
    pub fn new(now: i64) -> Self {
        Self { contacts: Vec::new(), conversations: Vec::new(), counters: Counters::starting_at(now) }
    }

    /// Forgets every contact and conversation. Id counters go on, so no id is ever reused.
    pub fn clear(&mut self) {
        self.contacts.clear();
        self.conversations.clear();
    }

    /// `POST /contacts`.
    pub fn create_contact(&mut self, request: NewContact, now: i64) -> Result<Contact, IntercomError> {
        let contact = request.into_contact(ids::contact_id(), now)?;
        if let Some(existing) = self.contacts.iter().find(|existing| existing.clashes_with(&contact)) {
            return Err(IntercomError::ContactExists(existing.id.clone()));
        }
        self.contacts.push(contact.clone());
        Ok(contact)
    }

    /// `PUT /contacts/{id}`: a change that would make it a second user with another's email or
    /// external id is refused.
    pub fn update_contact(
        &mut self,
        id: &str,
        changes: ContactChanges,
        now: i64,
    ) -> Result<Contact, IntercomError> {
        let mut updated = self.contact(id)?.clone();
        updated.apply(changes, now)?;
        let clash = self.contacts.iter().find(|other| other.id != updated.id && other.clashes_with(&updated));
        if let Some(existing) = clash {
            return Err(IntercomError::ContactExists(existing.id.clone()));
        }
        if let Some(stored) = self.contacts.iter_mut().find(|contact| contact.id == id) {
            *stored = updated.clone();
        }
        Ok(updated)
    }

    /// The contact `id`.
    pub fn contact(&self, id: &str) -> Result<&Contact, IntercomError> {
        self.contacts.iter().find(|contact| contact.id == id).ok_or(IntercomError::UserNotFound)
    }

    /// The user whose external id is `external_id` (leads are not found this way).
    pub fn user_by_external_id(&self, external_id: &str) -> Result<&Contact, IntercomError> {
        self.contacts
            .iter()
            .find(|contact| contact.role == Role::User && contact.external_id.as_deref() == Some(external_id))
            .ok_or(IntercomError::UserNotFound)
    }

    /// The contacts matching `query`, oldest first.
    pub fn search_contacts(&self, query: &Query) -> Vec<Contact> {
        self.contacts.iter().filter(|contact| query.matches(*contact)).cloned().collect()
    }

    /// `POST /conversations`: the contact starts a conversation.
    pub fn start_conversation(
        &mut self,
        request: NewConversation,
        now: i64,
    ) -> Result<Change, IntercomError> {
        let contact = self.contact(&request.from.id.into_string())?.clone();
        let role_fits = match request.from.kind.as_str() {
            "user" => contact.role == Role::User,
            "lead" => contact.role == Role::Lead,
            "contact" => true,
            other => {
                return Err(IntercomError::ParameterInvalid(format!(
                    "{other} is not a valid from type: use user, lead or contact"
                )))
            }
        };
        if !role_fits {
            return Err(IntercomError::UserNotFound);
        }
        if request.body.trim().is_empty() {
            return Err(IntercomError::missing("body"));
        }
        let source = Source {
            id: self.counters.message(),
            body: body::from_text(&request.body),
            sent_body: request.body,
            author: Author::contact(&contact),
        };
        let conversation = Conversation::start(self.counters.conversation(), &contact, source, now);
        self.conversations.push(conversation.clone());
        Ok(Change { topic: Topic::UserCreated, view: View { conversation, contact }, new_parts: 0 })
    }

    /// `POST /conversations/{id}/reply`.
    pub fn reply(
        &mut self,
        id: &str,
        request: ReplyRequest,
        attachments: Vec<Attachment>,
        now: i64,
    ) -> Result<Change, IntercomError> {
        self.find(id)?;
        let action = match request.read()? {
            Reply::Admin(action) => action,
            Reply::Contact { who, body } => {
                let contact = match who {
                    ContactKey::Id(id) => self.contact(&id)?,
                    ContactKey::Email(email) => self
                        .contacts
                        .iter()
                        .find(|contact| {
                            contact.email.as_deref().is_some_and(|known| known.eq_ignore_ascii_case(&email))
                        })
                        .ok_or(IntercomError::UserNotFound)?,
                    ContactKey::ExternalId(external_id) => self.user_by_external_id(&external_id)?,
                };
                if self.find(id)?.contact_id != contact.id {
                    return Err(IntercomError::ParameterInvalid(
                        "That contact is not a participant of this conversation".into(),
                    ));
                }
                Action::ContactReply { body }
            }
        };
        self.act_with(id, action, attachments, now)
    }

    /// Applies a checked action to conversation `id` (`/parts`, and the inbox page's forms).
    pub fn act(&mut self, id: &str, action: Action, now: i64) -> Result<Change, IntercomError> {
        self.act_with(id, action, Vec::new(), now)
    }

    /// Applies a checked action to conversation `id`, its part carrying `attachments`.
    pub fn act_with(
        &mut self,
        id: &str,
        action: Action,
        attachments: Vec<Attachment>,
        now: i64,
    ) -> Result<Change, IntercomError> {
        let at = self.conversations.iter().position(|conversation| conversation.id == id);
        let at = at.ok_or(IntercomError::NotFound)?;
        let contact = self.contact(&self.conversations[at].contact_id)?.clone();
        let part_id = self.counters.part();
        let conversation = &mut self.conversations[at];
        let topic = conversation.apply(action, &contact, part_id, now);
        if let Some(part) = conversation.parts.last_mut() {
            part.attachments = attachments;
        }
        Ok(Change { topic, view: View { conversation: conversation.clone(), contact }, new_parts: 1 })
    }

    /// A teammate read conversation `id` (the inbox page showed it to them).
    pub fn mark_read(&mut self, id: &str) {
        if let Some(conversation) = self.conversations.iter_mut().find(|conversation| conversation.id == id) {
            conversation.read = true;
        }
    }

    /// The conversation `id` with its contact.
    pub fn conversation(&self, id: &str) -> Result<View, IntercomError> {
        let conversation = self.find(id)?;
        Ok(View {
            conversation: conversation.clone(),
            contact: self.contact(&conversation.contact_id)?.clone(),
        })
    }

    /// The conversations matching `query` (all without one), most recently updated first.
    pub fn conversations(&self, query: Option<&Query>) -> Vec<View> {
        let mut found: Vec<View> = self
            .conversations
            .iter()
            .filter(|conversation| query.is_none_or(|query| query.matches(*conversation)))
            .filter_map(|conversation| self.conversation(&conversation.id).ok())
            .collect();
        let order =
            |view: &View| (view.conversation.updated_at, view.conversation.id.parse::<u64>().unwrap_or(0));
        found.sort_by_key(|view| std::cmp::Reverse(order(view)));
        found
    }

    fn find(&self, id: &str) -> Result<&Conversation, IntercomError> {
        self.conversations.iter().find(|conversation| conversation.id == id).ok_or(IntercomError::NotFound)
    }
}

impl Searchable for Conversation {
    const FIELDS: &'static [&'static str] = &[
        "id",
        "contact_ids",
        "created_at",
        "updated_at",
        "waiting_since",
        "state",
        "open",
        "admin_assignee_id",
        "team_assignee_id",
        "source.id",
        "source.author.id",
        "source.author.type",
        "source.author.email",
    ];

    fn field(&self, name: &str) -> Field<'_> {
        let id = |id: Option<u64>| Field::Number(Some(id.map_or(0, |id| id as i64)));
        match name {
            "id" => Field::Text(Some(&self.id)),
            "contact_ids" => Field::Texts(vec![&self.contact_id]),
            "created_at" => Field::Number(Some(self.created_at)),
            "updated_at" => Field::Number(Some(self.updated_at)),
            "waiting_since" => Field::Number(self.waiting_since),
            "state" => Field::Text(Some(self.state.as_str())),
            "open" => Field::Bool(self.state.as_str() == "open"),
            "admin_assignee_id" => id(self.admin_assignee_id),
            "team_assignee_id" => id(self.team_assignee_id),
            "source.id" => Field::Text(Some(&self.source.id)),
            "source.author.id" => Field::Text(Some(&self.source.author.id)),
            "source.author.type" => Field::Text(Some(self.source.author.kind)),
            _ => Field::Text(self.source.author.email.as_deref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::parse;

    fn workspace_with_user() -> (Workspace, Contact) {
        let mut workspace = Workspace::new(1_750_000_000);
        let request = NewContact { email: Some("ada@example.com".into()), ..NewContact::default() };
        let contact = workspace.create_contact(request, 1).expect("created");
        (workspace, contact)
    }

    #[test]
    fn a_second_user_with_the_same_email_conflicts_with_the_first() {
        let (mut workspace, ada) = workspace_with_user();
        let again = NewContact { email: Some("ada@example.com".into()), ..NewContact::default() };
        assert_eq!(workspace.create_contact(again, 2), Err(IntercomError::ContactExists(ada.id)));
    }

    #[test]
    fn conversations_start_reply_and_are_found_by_contact() {
        let (mut workspace, ada) = workspace_with_user();
        let start: NewConversation =
            parse(json!({"from": {"type": "user", "id": ada.id}, "body": "Hi"}).to_string().as_bytes())
                .expect("valid");
        let created = workspace.start_conversation(start, 10).expect("started");
        let id = created.view.conversation.id.clone();
        assert_ne!(id, created.view.conversation.source.id);
        let reply: ReplyRequest = parse(
            json!({"type": "user", "message_type": "comment", "intercom_user_id": ada.id, "body": "Still there?"})
                .to_string()
                .as_bytes(),
        )
        .expect("valid");
        let replied = workspace.reply(&id, reply, Vec::new(), 11).expect("replied");
        assert_eq!((replied.topic, replied.new_parts), (Topic::UserReplied, 1));
        let query = Query::parse::<Conversation>(&json!({"operator": "AND", "value": [
            {"field": "contact_ids", "operator": "=", "value": ada.id},
            {"field": "created_at", "operator": ">", "value": 9},
        ]}))
        .expect("valid query");
        assert_eq!(workspace.conversations(Some(&query)).len(), 1);
        assert_eq!(workspace.conversation("nope"), Err(IntercomError::NotFound));
    }

    #[test]
    fn a_lead_cannot_write_as_a_user() {
        let mut workspace = Workspace::new(1);
        let lead = NewContact { role: Some("lead".into()), ..NewContact::default() };
        let lead = workspace.create_contact(lead, 1).expect("created");
        let start: NewConversation =
            parse(json!({"from": {"type": "user", "id": lead.id}, "body": "Hi"}).to_string().as_bytes())
                .expect("valid");
        assert_eq!(workspace.start_conversation(start, 2).map(|_| ()), Err(IntercomError::UserNotFound));
    }
}
