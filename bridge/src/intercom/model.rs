//! Intercom's JSON, as much of it as the bridge reads and writes (API version 2.16). Ids arrive
//! as strings in some places and numbers in others (`admin_assignee_id` is an integer, admin
//! ids elsewhere strings), so every id is read through [`Id`], which takes both.

use serde::{Deserialize, Deserializer, Serialize};

/// An Intercom id, kept as the string form whether it came as a string or a number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(u64),
        }
        Ok(match Raw::deserialize(deserializer)? {
            Raw::Text(text) => Id(text),
            Raw::Number(number) => Id(number.to_string()),
        })
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `GET /me`: the admin the token acts as, and its workspace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Me {
    /// The admin's id.
    pub id: Id,
    /// The admin's name.
    #[serde(default)]
    pub name: String,
    /// The workspace.
    pub app: Option<App>,
}

/// A workspace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct App {
    /// The workspace id (`id_code`).
    pub id_code: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Where its data lives: `US`, `EU` or `AU`.
    #[serde(default)]
    pub region: Option<String>,
}

/// A teammate. Only the id is required: every other field is read leniently, so a workspace
/// that writes one differently (or leaves it `null`) costs that field, never the directory.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Admin {
    /// Its id.
    pub id: Id,
    /// Its name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: String,
    /// Its email.
    #[serde(default, deserialize_with = "lenient")]
    pub email: Option<String>,
    /// Whether it is away.
    #[serde(default, deserialize_with = "lenient")]
    pub away_mode_enabled: bool,
    /// Its picture.
    #[serde(default, deserialize_with = "lenient")]
    pub avatar: Option<Avatar>,
}

/// An admin's picture. 2.16 writes it two ways: `{"type": "avatar", "image_url": "…"}`
/// (`admin_with_app`, and `GET /admins` in practice) and a bare URI string (the `admin` schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Avatar {
    /// Where it is.
    pub image_url: Option<String>,
}

impl<'de> Deserialize<'de> for Avatar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Uri(String),
            Object {
                #[serde(default, deserialize_with = "lenient")]
                image_url: Option<String>,
            },
        }
        let image_url = match Raw::deserialize(deserializer)? {
            Raw::Uri(url) => Some(url),
            Raw::Object { image_url } => image_url,
        };
        Ok(Avatar { image_url: image_url.filter(|url| !url.trim().is_empty()) })
    }
}

/// An optional field read as its default when it is `null` or has a shape the bridge does not
/// expect.
fn lenient<'de, D: Deserializer<'de>, T: Default + serde::de::DeserializeOwned>(
    deserializer: D,
) -> Result<T, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).unwrap_or_default())
}

/// `GET /admins`.
#[derive(Debug, Clone, Deserialize)]
pub struct AdminList {
    /// Every admin.
    #[serde(default)]
    pub admins: Vec<Admin>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Team {
    /// Its id.
    pub id: Id,
    /// Its name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: String,
    /// Its members.
    #[serde(default, deserialize_with = "lenient")]
    pub admin_ids: Vec<Id>,
}

/// `GET /teams`.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamList {
    /// Every team.
    #[serde(default)]
    pub teams: Vec<Team>,
}

/// A contact: a `user` (identified) or a `lead` (anonymous).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Contact {
    /// Its id.
    pub id: Id,
    /// `user` or `lead`.
    #[serde(default, deserialize_with = "lenient")]
    pub role: String,
    /// Its email.
    #[serde(default, deserialize_with = "lenient")]
    pub email: Option<String>,
    /// Its name.
    #[serde(default, deserialize_with = "lenient")]
    pub name: Option<String>,
}

/// `PUT /contacts/{id}` (`update_contact_request`): only the fields that change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContactUpdate {
    /// The new email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ContactUpdate {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.name.is_none()
    }
}

/// A list of contacts (search results).
#[derive(Debug, Clone, Deserialize)]
pub struct ContactList {
    /// The contacts.
    #[serde(default)]
    pub data: Vec<Contact>,
}

/// `POST /contacts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewContact {
    /// `user` or `lead`.
    pub role: &'static str,
    /// The site's own id for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `POST /conversations` answers with the message it created; the conversation's id is
/// `conversation_id`, not `id`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedMessage {
    /// The conversation.
    pub conversation_id: Id,
}

/// A conversation with its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Conversation {
    /// Its id.
    pub id: Id,
    /// When it was created, in Unix seconds.
    #[serde(default)]
    pub created_at: i64,
    /// `open`, `closed` or `snoozed`.
    #[serde(default)]
    pub state: Option<String>,
    /// The first message.
    #[serde(default)]
    pub source: Option<Source>,
    /// The assigned admin, if any (an integer in Intercom's JSON).
    #[serde(default)]
    pub admin_assignee_id: Option<Id>,
    /// Everything after the first message.
    #[serde(default)]
    pub conversation_parts: Option<PartList>,
    /// Whether a teammate read it since the contact last wrote.
    #[serde(default)]
    pub read: Option<bool>,
}

impl Conversation {
    /// Its parts, oldest first.
    pub fn parts(&self) -> &[Part] {
        self.conversation_parts.as_ref().map_or(&[], |list| &list.conversation_parts)
    }

    /// The newest part `is` describes: what a reply just posted, as Intercom's answer to it shows.
    pub fn newest_part(&self, is: impl Fn(&Part) -> bool) -> Option<Id> {
        self.parts().iter().rev().find(|part| is(part)).map(|part| part.id.clone())
    }
}

/// A conversation's first message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Source {
    /// Its body (HTML).
    #[serde(default)]
    pub body: Option<String>,
    /// Who wrote it.
    #[serde(default)]
    pub author: Option<Author>,
}

/// `conversation_parts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PartList {
    /// The parts.
    #[serde(default)]
    pub conversation_parts: Vec<Part>,
}

/// One event of a conversation after its first message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Part {
    /// Its id.
    pub id: Id,
    /// `comment`, `note`, `assignment`, `close`, `open`, …
    #[serde(default)]
    pub part_type: String,
    /// Its body: HTML from the REST API, text in webhooks.
    #[serde(default)]
    pub body: Option<String>,
    /// When, in Unix seconds.
    #[serde(default)]
    pub created_at: i64,
    /// Who.
    #[serde(default)]
    pub author: Option<Author>,
    /// To whom it was assigned, for assignments.
    #[serde(default)]
    pub assigned_to: Option<Reference>,
    /// Files attached to it.
    #[serde(default)]
    pub attachments: Vec<PartAttachment>,
}

/// A file attached to a part (`part_attachment`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PartAttachment {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Where Intercom keeps it.
    #[serde(default)]
    pub url: String,
    /// Its type.
    #[serde(default)]
    pub content_type: String,
    /// Its size in bytes.
    #[serde(default)]
    pub filesize: u64,
}

impl PartAttachment {
    /// The attachment as the widget shows it; `None` without an address to show it from.
    pub fn to_attachment(&self) -> Option<baton_protocol::Attachment> {
        let url = self.url.trim();
        // Only web addresses reach the widget's `<img src>` and `<a href>`.
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return None;
        }
        Some(baton_protocol::Attachment {
            name: if self.name.is_empty() { "attachment".into() } else { self.name.clone() },
            content_type: self.content_type.clone(),
            size: self.filesize,
            url: url.to_owned(),
        })
    }
}

/// Who wrote a part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Author {
    /// `admin`, `user`, `lead`, `bot`, `team`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Its id.
    #[serde(default)]
    pub id: Id,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its email.
    #[serde(default)]
    pub email: Option<String>,
}

/// A typed reference: `{"type": "admin", "id": "…"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Reference {
    /// `admin`, `team`, `nobody_admin`…
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Its id.
    #[serde(default)]
    pub id: Option<Id>,
}

/// `{"type": "error.list", "errors": [{"code", "message"}]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorList {
    /// The errors.
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

/// One error of an [`ErrorList`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorItem {
    /// Its code, such as `conflict` or `rate_limit_exceeded`.
    #[serde(default)]
    pub code: String,
    /// What it says.
    #[serde(default)]
    pub message: String,
}

/// A webhook notification.
#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    /// Its id, the same on a redelivery.
    pub id: String,
    /// `conversation.admin.replied`, …
    pub topic: String,
    /// What it is about.
    pub data: NotificationData,
}

/// A notification's payload.
#[derive(Debug, Clone, Deserialize)]
pub struct NotificationData {
    /// The conversation, with the new parts.
    pub item: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_strings_and_numbers() {
        let conversation: Conversation =
            serde_json::from_str(r#"{"id": "147", "admin_assignee_id": 991001, "conversation_parts":
                {"conversation_parts": [{"id": 5, "part_type": "comment", "author": {"type": "admin", "id": "991001"}}]}}"#)
                .expect("parses");
        assert_eq!(conversation.id, Id("147".into()));
        assert_eq!(conversation.admin_assignee_id, Some(Id("991001".into())));
        assert_eq!(conversation.parts()[0].id, Id("5".into()));
        assert_eq!(conversation.parts()[0].author.as_ref().map(|a| a.id.clone()), Some(Id("991001".into())));
    }

    #[test]
    fn an_admins_picture_is_read_in_both_forms_and_an_odd_field_costs_only_itself() {
        let admins: AdminList = serde_json::from_str(
            r#"{"type": "admin.list", "admins": [
                {"id": "1", "name": "Ana", "avatar": {"type": "avatar", "image_url": "https://x.example/a.png"}},
                {"id": "2", "name": "Ben", "avatar": "https://x.example/b.png"},
                {"id": "3", "name": null, "avatar": null, "away_mode_enabled": null, "email": 7},
                {"id": 4, "avatar": {"image_url": null}},
                {"id": "5", "avatar": 12}
            ]}"#,
        )
        .expect("parses");
        let urls: Vec<Option<&str>> = admins
            .admins
            .iter()
            .map(|admin| admin.avatar.as_ref().and_then(|avatar| avatar.image_url.as_deref()))
            .collect();
        assert_eq!(
            urls,
            [Some("https://x.example/a.png"), Some("https://x.example/b.png"), None, None, None]
        );
        assert_eq!(admins.admins[2].name, "");
        assert_eq!(admins.admins[3].id, Id("4".into()));
    }
}
