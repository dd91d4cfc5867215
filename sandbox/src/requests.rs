//! The request bodies of the conversation endpoints (`create_conversation_request`,
//! `reply_conversation_request` and the `/parts` requests), read into checked actions with the
//! errors Intercom answers for missing and wrong fields.

use serde::Deserialize;

use crate::body;
use crate::conversation::{Action, Assignee};
use crate::error::IntercomError;
use crate::seed::{self, Admin};

/// An id sent as a string or a number: the spec says string, its own examples send numbers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum IdValue {
    /// `"991001"`.
    Text(String),
    /// `991001`.
    Number(u64),
}

impl IdValue {
    /// The id as a string.
    pub fn into_string(self) -> String {
        match self {
            Self::Text(text) => text.trim().to_owned(),
            Self::Number(number) => number.to_string(),
        }
    }
}

/// `create_conversation_request`.
#[derive(Debug, Clone, Deserialize)]
pub struct NewConversation {
    /// The contact writing.
    pub from: From,
    /// The first message, plain text ("HTML is not supported").
    pub body: String,
}

/// The `from` of a [`NewConversation`].
#[derive(Debug, Clone, Deserialize)]
pub struct From {
    /// `user`, `lead` or `contact` (either).
    #[serde(rename = "type")]
    pub kind: String,
    /// The contact's id.
    pub id: IdValue,
}

/// How a contact reply names its contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKey {
    /// `intercom_user_id`: the contact's id.
    Id(String),
    /// `email`.
    Email(String),
    /// `user_id`: the contact's external id.
    ExternalId(String),
}

/// `reply_conversation_request`: a contact's reply or an admin's reply or note.
#[derive(Debug, Clone, Deserialize)]
pub struct ReplyRequest {
    /// `user` or `admin`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `comment`, or `note` for admins.
    pub message_type: String,
    /// The body.
    pub body: Option<String>,
    /// The admin replying.
    pub admin_id: Option<IdValue>,
    /// The contact replying, by id.
    pub intercom_user_id: Option<IdValue>,
    /// The contact replying, by email.
    pub email: Option<String>,
    /// The contact replying, by external id.
    pub user_id: Option<IdValue>,
    /// Addresses of files to attach, downloaded before the reply is accepted.
    #[serde(default)]
    pub attachment_urls: Vec<String>,
}

/// A reply, once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The contact so named writes `body` (HTML).
    Contact {
        /// Who.
        who: ContactKey,
        /// What.
        body: String,
    },
    /// An admin's reply or note.
    Admin(Action),
}

impl ReplyRequest {
    /// The reply this request asks for.
    pub fn read(self) -> Result<Reply, IntercomError> {
        let text = self.body.filter(|body| !body.trim().is_empty());
        match (self.kind.as_str(), self.message_type.as_str()) {
            ("user", "comment") => {
                let who = match (self.intercom_user_id, self.email, self.user_id) {
                    (Some(id), _, _) => ContactKey::Id(id.into_string()),
                    (None, Some(email), _) => ContactKey::Email(email.trim().to_owned()),
                    (None, None, Some(external)) => ContactKey::ExternalId(external.into_string()),
                    (None, None, None) => {
                        return Err(IntercomError::ParameterNotFound(
                            "intercom_user_id, email or user_id is required".into(),
                        ))
                    }
                };
                let body = body::from_text(&text.ok_or_else(|| IntercomError::missing("body"))?);
                Ok(Reply::Contact { who, body })
            }
            ("admin", "comment" | "note") => {
                let admin = admin(self.admin_id)?;
                let body = body::from_html_or_text(&text.ok_or_else(|| IntercomError::missing("body"))?);
                Ok(Reply::Admin(Action::AdminReply { admin, note: self.message_type == "note", body }))
            }
            ("user" | "admin", other) => Err(unsupported_message_type(other)),
            (other, _) => Err(IntercomError::ParameterInvalid(format!(
                "{other} is not a valid type: use user or admin"
            ))),
        }
    }
}

/// The `/parts` requests: `assign_conversation_request`, `close_conversation_request` and
/// `open_conversation_request`.
#[derive(Debug, Clone, Deserialize)]
pub struct PartsRequest {
    /// `assignment`, `close` or `open`.
    pub message_type: String,
    /// `admin` or `team` for assignments, `admin` for closing.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The admin acting.
    pub admin_id: Option<IdValue>,
    /// The new assignee; "0" for nobody.
    pub assignee_id: Option<IdValue>,
    /// A message to go with it.
    pub body: Option<String>,
}

impl PartsRequest {
    /// The action this request asks for.
    pub fn read(self) -> Result<Action, IntercomError> {
        let body =
            self.body.filter(|body| !body.trim().is_empty()).map(|body| body::from_html_or_text(&body));
        match self.message_type.as_str() {
            "assignment" => {
                let kind = self.kind.ok_or_else(|| IntercomError::missing("type"))?;
                let admin = admin(self.admin_id)?;
                let assignee =
                    self.assignee_id.ok_or_else(|| IntercomError::missing("assignee_id"))?.into_string();
                let to = match (kind.as_str(), assignee.as_str()) {
                    ("admin", "0") => Assignee::NoAdmin,
                    ("team", "0") => Assignee::NoTeam,
                    ("admin", id) => {
                        Assignee::Admin(seed::admin(id).ok_or(IntercomError::AssigneeNotFound)?.id)
                    }
                    ("team", id) => Assignee::Team(seed::team(id).ok_or(IntercomError::AssigneeNotFound)?.id),
                    (other, _) => {
                        return Err(IntercomError::ParameterInvalid(format!(
                            "{other} is not a valid type: use admin or team"
                        )))
                    }
                };
                Ok(Action::Assign { admin, to, body })
            }
            "close" => {
                if self.kind.is_none() {
                    return Err(IntercomError::missing("type"));
                }
                Ok(Action::Close { admin: admin(self.admin_id)?, body })
            }
            "open" => Ok(Action::Open { admin: admin(self.admin_id)? }),
            other => Err(unsupported_message_type(other)),
        }
    }
}

fn admin(id: Option<IdValue>) -> Result<&'static Admin, IntercomError> {
    let id = id.ok_or_else(|| IntercomError::missing("admin_id"))?.into_string();
    seed::admin(&id).ok_or(IntercomError::AdminNotFound)
}

fn unsupported_message_type(message_type: &str) -> IntercomError {
    IntercomError::ParameterInvalid(format!("message_type {message_type} is not supported by the sandbox"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::parse;

    fn reply(body: serde_json::Value) -> Result<Reply, IntercomError> {
        parse::<ReplyRequest>(body.to_string().as_bytes())?.read()
    }

    fn parts(body: serde_json::Value) -> Result<Action, IntercomError> {
        parse::<PartsRequest>(body.to_string().as_bytes())?.read()
    }

    #[test]
    fn contact_replies_name_their_contact_one_of_three_ways() {
        let read = reply(json!({"type": "user", "message_type": "comment", "email": "a@b.c", "body": "Hi"}));
        assert_eq!(
            read,
            Ok(Reply::Contact { who: ContactKey::Email("a@b.c".into()), body: "<p>Hi</p>".into() })
        );
        let missing = reply(json!({"type": "user", "message_type": "comment", "body": "Hi"}));
        assert!(matches!(missing, Err(IntercomError::ParameterNotFound(_))));
    }

    #[test]
    fn admin_ids_may_be_numbers_and_must_exist() {
        let note =
            reply(json!({"type": "admin", "message_type": "note", "admin_id": 991002, "body": "<b>x</b>"}));
        assert!(matches!(note, Ok(Reply::Admin(Action::AdminReply { note: true, .. }))));
        let stranger =
            reply(json!({"type": "admin", "message_type": "comment", "admin_id": "1", "body": "x"}));
        assert_eq!(stranger, Err(IntercomError::AdminNotFound));
        let silent = reply(json!({"type": "admin", "message_type": "comment", "admin_id": "991001"}));
        assert_eq!(silent, Err(IntercomError::missing("body")));
    }

    #[test]
    fn assignments_check_their_assignee() {
        let to_team = parts(
            json!({"message_type": "assignment", "type": "team", "admin_id": "991001", "assignee_id": "881002"}),
        );
        assert!(matches!(to_team, Ok(Action::Assign { to: Assignee::Team(881002), .. })));
        let nobody = parts(
            json!({"message_type": "assignment", "type": "admin", "admin_id": "991001", "assignee_id": "0"}),
        );
        assert!(matches!(nobody, Ok(Action::Assign { to: Assignee::NoAdmin, .. })));
        let ghost = parts(
            json!({"message_type": "assignment", "type": "admin", "admin_id": "991001", "assignee_id": "5"}),
        );
        assert_eq!(ghost, Err(IntercomError::AssigneeNotFound));
        let typeless = parts(json!({"message_type": "close", "admin_id": "991001"}));
        assert_eq!(typeless, Err(IntercomError::missing("type")));
        assert!(matches!(
            parts(json!({"message_type": "open", "admin_id": 991003})),
            Ok(Action::Open { .. })
        ));
    }
}
