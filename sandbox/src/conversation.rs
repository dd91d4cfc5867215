//! Conversations as the sandbox keeps them: the contact's first message (the `source`), then
//! parts in order. Every change is one pure step, [`Conversation::apply`], that appends the
//! part and names the webhook topic it calls for; the caller sends the webhook.

use crate::attachments::Attachment;
use crate::contact::{Contact, Role};
use crate::seed::Admin;

/// Open or closed (the sandbox does not snooze).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for someone.
    Open,
    /// Done.
    Closed,
}

impl State {
    /// Its name in Intercom's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }
}

/// Who wrote a message or part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// `admin`, `user` or `lead`.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its email.
    pub email: Option<String>,
}

impl Author {
    /// The contact, as the author of what it wrote.
    pub fn contact(contact: &Contact) -> Self {
        let kind = match contact.role {
            Role::User => "user",
            Role::Lead => "lead",
        };
        Self { kind, id: contact.id.clone(), name: contact.name.clone(), email: contact.email.clone() }
    }

    /// A teammate, as the author of what it did.
    pub fn admin(admin: &Admin) -> Self {
        Self {
            kind: "admin",
            id: admin.id.to_string(),
            name: Some(admin.name.to_owned()),
            email: Some(admin.email.to_owned()),
        }
    }
}

/// Who a conversation is assigned to by an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    /// This admin.
    Admin(u64),
    /// This team.
    Team(u64),
    /// No admin any more (`assignee_id` "0" with `type` admin).
    NoAdmin,
    /// No team any more (`assignee_id` "0" with `type` team).
    NoTeam,
}

/// What happened to a conversation, with everything already checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The contact wrote (HTML body).
    ContactReply {
        /// The body.
        body: String,
    },
    /// A teammate replied to the contact or, for a note, to the team only.
    AdminReply {
        /// Who.
        admin: &'static Admin,
        /// A note rather than a reply.
        note: bool,
        /// The body.
        body: String,
    },
    /// A teammate assigned the conversation.
    Assign {
        /// Who did.
        admin: &'static Admin,
        /// To whom.
        to: Assignee,
        /// An optional message with it.
        body: Option<String>,
    },
    /// A teammate closed it.
    Close {
        /// Who.
        admin: &'static Admin,
        /// An optional message with it.
        body: Option<String>,
    },
    /// A teammate reopened it.
    Open {
        /// Who.
        admin: &'static Admin,
    },
}

/// The webhook topics the sandbox sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// A contact started a conversation.
    UserCreated,
    /// A contact replied.
    UserReplied,
    /// A teammate replied.
    AdminReplied,
    /// A teammate added a note.
    AdminNoted,
    /// A teammate assigned a conversation.
    AdminAssigned,
    /// A teammate closed a conversation.
    AdminClosed,
    /// A teammate reopened a conversation.
    AdminOpened,
}

impl Topic {
    /// Its name, as in the notification's `topic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "conversation.user.created",
            Self::UserReplied => "conversation.user.replied",
            Self::AdminReplied => "conversation.admin.replied",
            Self::AdminNoted => "conversation.admin.noted",
            Self::AdminAssigned => "conversation.admin.assigned",
            Self::AdminClosed => "conversation.admin.closed",
            Self::AdminOpened => "conversation.admin.opened",
        }
    }
}

/// The first message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The message id: not the conversation's.
    pub id: String,
    /// The body as HTML.
    pub body: String,
    /// The body as it was sent, which `POST /conversations` echoes.
    pub sent_body: String,
    /// The contact.
    pub author: Author,
}

/// One event after the first message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Unique among all parts.
    pub id: String,
    /// `comment`, `note`, `assignment`, `close` or `open`.
    pub part_type: &'static str,
    /// HTML, for comments and notes and the optional message of the others.
    pub body: Option<String>,
    /// When.
    pub created_at: i64,
    /// For assignments: `(type, id)` of the new assignee; `("nobody_admin", None)` when
    /// unassigned.
    pub assigned_to: Option<(&'static str, Option<String>)>,
    /// Who.
    pub author: Author,
    /// The conversation's state once this part was added.
    pub state: State,
    /// Files attached to it (`attachment_urls`).
    pub attachments: Vec<Attachment>,
}

/// One conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// A numeric string.
    pub id: String,
    /// When the contact started it.
    pub created_at: i64,
    /// When anything last happened.
    pub updated_at: i64,
    /// Since when the contact has waited for a teammate's reply.
    pub waiting_since: Option<i64>,
    /// The contact's id.
    pub contact_id: String,
    /// The first message.
    pub source: Source,
    /// The assigned admin.
    pub admin_assignee_id: Option<u64>,
    /// The assigned team.
    pub team_assignee_id: Option<u64>,
    /// Open or closed.
    pub state: State,
    /// Everything after the first message, oldest first.
    pub parts: Vec<Part>,
    /// Whether a teammate has read it since the contact last wrote: set when the inbox page
    /// shows it to a person, cleared by the contact's reply. As in Intercom, no webhook says
    /// so; the next one's conversation carries it.
    pub read: bool,
}

impl Conversation {
    /// A conversation `contact` starts with `source`.
    pub fn start(id: String, contact: &Contact, source: Source, now: i64) -> Self {
        Self {
            id,
            created_at: now,
            updated_at: now,
            waiting_since: Some(now),
            contact_id: contact.id.clone(),
            source,
            admin_assignee_id: None,
            team_assignee_id: None,
            state: State::Open,
            parts: Vec::new(),
            read: false,
        }
    }

    /// Applies `action`, by `contact` when it is the contact's, as part `part_id` at `now`;
    /// answers the topic to notify. A contact's reply reopens a closed conversation, as in
    /// Intercom; a teammate's reply or note leaves the state alone.
    pub fn apply(&mut self, action: Action, contact: &Contact, part_id: String, now: i64) -> Topic {
        let (part_type, body, author, assigned_to, topic) = match action {
            Action::ContactReply { body } => {
                self.read = false;
                self.state = State::Open;
                self.waiting_since = self.waiting_since.or(Some(now));
                ("comment", Some(body), Author::contact(contact), None, Topic::UserReplied)
            }
            Action::AdminReply { admin, note: true, body } => {
                ("note", Some(body), Author::admin(admin), None, Topic::AdminNoted)
            }
            Action::AdminReply { admin, note: false, body } => {
                self.waiting_since = None;
                ("comment", Some(body), Author::admin(admin), None, Topic::AdminReplied)
            }
            Action::Assign { admin, to, body } => {
                let assigned_to = match to {
                    Assignee::Admin(id) => {
                        self.admin_assignee_id = Some(id);
                        ("admin", Some(id.to_string()))
                    }
                    Assignee::Team(id) => {
                        self.team_assignee_id = Some(id);
                        ("team", Some(id.to_string()))
                    }
                    Assignee::NoAdmin => {
                        self.admin_assignee_id = None;
                        ("nobody_admin", None)
                    }
                    Assignee::NoTeam => {
                        self.team_assignee_id = None;
                        ("team", None)
                    }
                };
                ("assignment", body, Author::admin(admin), Some(assigned_to), Topic::AdminAssigned)
            }
            Action::Close { admin, body } => {
                self.state = State::Closed;
                ("close", body, Author::admin(admin), None, Topic::AdminClosed)
            }
            Action::Open { admin } => {
                self.state = State::Open;
                ("open", None, Author::admin(admin), None, Topic::AdminOpened)
            }
        };
        self.updated_at = now;
        self.parts.push(Part {
            id: part_id,
            part_type,
            body,
            created_at: now,
            assigned_to,
            author,
            state: self.state,
            attachments: Vec::new(),
        });
        topic
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::NewContact;
    use crate::seed::ADMINS;

    fn started() -> (Conversation, Contact) {
        let request = NewContact { email: Some("ada@example.com".into()), ..NewContact::default() };
        let contact = request.into_contact("c".repeat(24), 1).expect("valid");
        let source = Source {
            id: "10".into(),
            body: "<p>Hi</p>".into(),
            sent_body: "Hi".into(),
            author: Author::contact(&contact),
        };
        (Conversation::start("1000".into(), &contact, source, 1), contact)
    }

    #[test]
    fn the_contacts_reply_makes_a_read_conversation_unread_and_the_api_never_reads_it() {
        let (mut conversation, contact) = started();
        let ana = &ADMINS[0];
        assert!(!conversation.read, "nobody has looked yet");
        conversation.apply(
            Action::AdminReply { admin: ana, note: true, body: "transcript".into() },
            &contact,
            "1".into(),
            2,
        );
        assert!(!conversation.read, "a note posted through the API is no teammate reading");
        conversation.read = true;
        conversation.apply(
            Action::ContactReply { body: "<p>Still there?</p>".into() },
            &contact,
            "2".into(),
            3,
        );
        assert!(!conversation.read, "the contact wrote since");
    }

    #[test]
    fn each_action_appends_one_part_and_names_its_topic() {
        let (mut conversation, contact) = started();
        let ana = &ADMINS[0];
        let steps = [
            (Action::ContactReply { body: "<p>Hello?</p>".into() }, "comment", Topic::UserReplied),
            (Action::AdminReply { admin: ana, note: true, body: "hmm".into() }, "note", Topic::AdminNoted),
            (
                Action::AdminReply { admin: ana, note: false, body: "Hi!".into() },
                "comment",
                Topic::AdminReplied,
            ),
            (
                Action::Assign { admin: ana, to: Assignee::Team(881001), body: None },
                "assignment",
                Topic::AdminAssigned,
            ),
            (Action::Close { admin: ana, body: None }, "close", Topic::AdminClosed),
            (Action::Open { admin: ana }, "open", Topic::AdminOpened),
        ];
        for (at, (action, part_type, topic)) in steps.into_iter().enumerate() {
            assert_eq!(conversation.apply(action, &contact, at.to_string(), 5), topic);
            assert_eq!(conversation.parts.len(), at + 1);
            assert_eq!(conversation.parts[at].part_type, part_type);
        }
        assert_eq!(conversation.team_assignee_id, Some(881001));
        assert_eq!(conversation.state, State::Open);
    }

    #[test]
    fn replies_move_waiting_since_and_a_contact_reply_reopens() {
        let (mut conversation, contact) = started();
        let ana = &ADMINS[0];
        conversation.apply(
            Action::AdminReply { admin: ana, note: false, body: "Hi".into() },
            &contact,
            "1".into(),
            2,
        );
        assert_eq!(conversation.waiting_since, None);
        conversation.apply(Action::Close { admin: ana, body: None }, &contact, "2".into(), 3);
        conversation.apply(
            Action::ContactReply { body: "<p>One more thing</p>".into() },
            &contact,
            "3".into(),
            4,
        );
        assert_eq!((conversation.state, conversation.waiting_since), (State::Open, Some(4)));
    }

    #[test]
    fn assigning_to_nobody_clears_the_assignee() {
        let (mut conversation, contact) = started();
        let ana = &ADMINS[0];
        conversation.apply(
            Action::Assign { admin: ana, to: Assignee::Admin(991002), body: None },
            &contact,
            "1".into(),
            2,
        );
        assert_eq!(conversation.admin_assignee_id, Some(991002));
        conversation.apply(
            Action::Assign { admin: ana, to: Assignee::NoAdmin, body: None },
            &contact,
            "2".into(),
            3,
        );
        assert_eq!(conversation.admin_assignee_id, None);
        assert_eq!(conversation.parts[1].assigned_to, Some(("nobody_admin", None)));
    }
}
