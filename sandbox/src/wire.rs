//! Intercom's JSON for everything the sandbox stores, field for field as the 2.16 spec's
//! schemas and examples have it. The REST API shows bodies as HTML; webhooks carry them as
//! plain text (the spec: "In webhook payloads for API version 2.15+, this field returns plain
//! text").

use serde_json::{json, Value};

use crate::body;
use crate::contact::Contact;
use crate::conversation::{Author, Part};
use crate::seed::{self, Admin, Team, APP};
use crate::workspace::View;

/// How bodies are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    /// As stored: the REST API.
    Html,
    /// As text: webhooks.
    Text,
}

/// Which parts a conversation carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// None, and no `conversation_parts` at all: list items.
    Omitted,
    /// Every part: `GET /conversations/{id}` and the answers to changes.
    All,
    /// The last `n`: a webhook's new parts.
    Last(usize),
}

/// The workspace (`app`).
pub fn app() -> Value {
    json!({
        "type": "app",
        "id_code": APP.id_code,
        "name": APP.name,
        "created_at": APP.created_at,
        "secure": false,
        "identity_verification": false,
        "timezone": APP.timezone,
        "region": APP.region,
    })
}

/// How an admin's picture is written. Intercom answers `{"type": "avatar", "image_url": …}`
/// (`admin_with_app`, and what the API sends in practice), but 2.16 describes the `admin` of
/// `GET /admins` with a bare URI string; a client must read both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AvatarForm {
    /// `{"type": "avatar", "image_url": "…"}`.
    #[default]
    Object,
    /// `"https://…"`, as the `admin` schema types it.
    Uri,
}

/// An admin with its picture as `form` says, or none; `base` is the sandbox's own address,
/// where avatars are served.
pub fn admin_with_avatar(admin: &Admin, base: &str, form: Option<AvatarForm>) -> Value {
    let url = format!("{base}/avatars/{}.svg", admin.id);
    let mut value = self::admin(admin, base);
    match form {
        Some(AvatarForm::Object) => {}
        Some(AvatarForm::Uri) => value["avatar"] = json!(url),
        None => {
            if let Some(fields) = value.as_object_mut() {
                fields.remove("avatar");
            }
        }
    }
    value
}

/// An admin; `base` is the sandbox's own address, where avatars are served.
pub fn admin(admin: &Admin, base: &str) -> Value {
    json!({
        "type": "admin",
        "id": admin.id.to_string(),
        "name": admin.name,
        "email": admin.email,
        "job_title": admin.job_title,
        "away_mode_enabled": admin.away,
        "away_mode_reassign": false,
        "away_status_reason_id": null,
        "has_inbox_seat": true,
        "team_ids": admin.team_ids(),
        "avatar": {"type": "avatar", "image_url": format!("{base}/avatars/{}.svg", admin.id)},
    })
}

/// `GET /me`: the token's admin with its workspace (`admin_with_app`).
pub fn me(base: &str) -> Value {
    let mut me = seed::admin(&seed::ME.to_string()).map_or(Value::Null, |me| admin(me, base));
    me["email_verified"] = json!(true);
    me["app"] = app();
    me
}

/// `GET /admins`: pictures only when asked for (`display_avatar=true`), in `form`.
pub fn admin_list(base: &str, avatars: Option<AvatarForm>) -> Value {
    let admins: Vec<Value> = seed::ADMINS.iter().map(|a| admin_with_avatar(a, base, avatars)).collect();
    json!({"type": "admin.list", "admins": admins})
}

/// A team.
pub fn team(team: &Team) -> Value {
    json!({
        "type": "team",
        "id": team.id.to_string(),
        "name": team.name,
        "admin_ids": team.admin_ids,
        "admin_priority_level": null,
        "assignment_limit": null,
        "distribution_method": "round_robin",
    })
}

/// `GET /teams`.
pub fn team_list() -> Value {
    json!({"type": "team.list", "teams": seed::TEAMS.iter().map(team).collect::<Vec<_>>()})
}

/// A contact, with the empty lists and nulls a new one has in Intercom.
pub fn contact(contact: &Contact) -> Value {
    let list = |what: &str| json!({"type": "list", "data": [], "url": format!("/contacts/{}/{what}", contact.id), "total_count": 0, "has_more": false});
    let mut item = json!({
        "type": "contact",
        "id": contact.id,
        "workspace_id": APP.id_code,
        "external_id": contact.external_id,
        "role": contact.role.as_str(),
        "email": contact.email,
        "email_domain": contact.email_domain(),
        "phone": contact.phone,
        "name": contact.name,
        "avatar": contact.avatar.as_ref().map(|url| json!({"type": "avatar", "image_url": url})),
        "owner_id": contact.owner_id,
        "social_profiles": {"type": "list", "data": []},
        "has_hard_bounced": false,
        "marked_email_as_spam": false,
        "unsubscribed_from_emails": contact.unsubscribed_from_emails,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
        "signed_up_at": contact.signed_up_at,
        "last_seen_at": contact.last_seen_at,
        "location": {"type": "location", "country": null, "region": null, "city": null, "country_code": null, "continent_code": null},
        "custom_attributes": contact.custom_attributes,
        "tags": list("tags"),
        "notes": list("notes"),
        "companies": list("companies"),
        "opted_out_subscription_types": list("subscriptions"),
        "opted_in_subscription_types": list("subscriptions"),
    });
    for field in NEVER_KNOWN {
        item[field] = Value::Null;
    }
    item
}

/// Contact fields the sandbox never learns (email activity, browsers, devices, campaigns):
/// always null, as on a contact that has done none of that.
const NEVER_KNOWN: [&str; 28] = [
    "last_replied_at",
    "last_contacted_at",
    "last_email_opened_at",
    "last_email_clicked_at",
    "language_override",
    "browser",
    "browser_version",
    "browser_language",
    "os",
    "android_app_name",
    "android_app_version",
    "android_device",
    "android_os_version",
    "android_sdk_version",
    "android_last_seen_at",
    "ios_app_name",
    "ios_app_version",
    "ios_device",
    "ios_os_version",
    "ios_sdk_version",
    "ios_last_seen_at",
    "utm_campaign",
    "utm_content",
    "utm_medium",
    "utm_source",
    "utm_term",
    "referrer",
    "enabled_push_messaging",
];

/// The answer to `POST /conversations`: the message, whose `id` is not the conversation's.
pub fn message(view: &View) -> Value {
    let conversation = &view.conversation;
    json!({
        "type": "user_message",
        "id": conversation.source.id,
        "created_at": conversation.created_at,
        "body": conversation.source.sent_body,
        "message_type": "inapp",
        "conversation_id": conversation.id,
    })
}

/// A conversation. `admin_assignee_id` and `team_assignee_id` are integers, and 0 when nobody
/// is assigned, as the 2.16 schema says (while admin ids elsewhere are strings).
pub fn conversation(view: &View, parts: Parts, bodies: Bodies) -> Value {
    let conversation = &view.conversation;
    let show = |html: &str| match bodies {
        Bodies::Html => html.to_owned(),
        Bodies::Text => body::to_text(html),
    };
    let mut teammates: Vec<&str> = Vec::new();
    for part in conversation.parts.iter().filter(|part| part.author.kind == "admin") {
        if !teammates.contains(&part.author.id.as_str()) {
            teammates.push(&part.author.id);
        }
    }
    let mut item = json!({
        "type": "conversation",
        "id": conversation.id,
        "title": null,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "waiting_since": conversation.waiting_since,
        "snoozed_until": null,
        "source": {
            "type": "conversation",
            "id": conversation.source.id,
            "delivered_as": "customer_initiated",
            "subject": "",
            "body": show(&conversation.source.body),
            "author": author(&conversation.source.author),
            "attachments": [],
            "url": null,
            "redacted": false,
        },
        "contacts": {"type": "contact.list", "contacts": [
            {"type": "contact", "id": view.contact.id, "external_id": view.contact.external_id},
        ]},
        "first_contact_reply": {"created_at": conversation.created_at, "type": "conversation", "url": null},
        "admin_assignee_id": conversation.admin_assignee_id.unwrap_or(0),
        "team_assignee_id": conversation.team_assignee_id.unwrap_or(0),
        "open": conversation.state.as_str() == "open",
        "state": conversation.state.as_str(),
        "read": conversation.read,
        "tags": {"type": "tag.list", "tags": []},
        "priority": "none",
        "sla_applied": null,
        "statistics": null,
        "conversation_rating": null,
        "teammates": {"type": "admin.list", "teammates": teammates.iter().map(|id| json!({"type": "admin", "id": id})).collect::<Vec<_>>()},
        "custom_attributes": {},
        "topics": {},
        "ticket": null,
        "linked_objects": {"type": "list", "data": [], "total_count": 0, "has_more": false},
        "ai_agent": null,
        "ai_agent_participated": false,
    });
    let shown = match parts {
        Parts::Omitted => return item,
        Parts::All => &conversation.parts[..],
        Parts::Last(n) => &conversation.parts[conversation.parts.len().saturating_sub(n)..],
    };
    item["conversation_parts"] = json!({
        "type": "conversation_part.list",
        "conversation_parts": shown.iter().map(|p| part(p, &show)).collect::<Vec<_>>(),
        "total_count": shown.len(),
    });
    item
}

fn part(part: &Part, show: &dyn Fn(&str) -> String) -> Value {
    json!({
        "type": "conversation_part",
        "id": part.id,
        "part_type": part.part_type,
        "body": part.body.as_deref().map(show),
        "created_at": part.created_at,
        "updated_at": part.created_at,
        "notified_at": part.created_at,
        "assigned_to": part.assigned_to.as_ref().map(|(kind, id)| json!({"type": kind, "id": id})),
        "author": author(&part.author),
        "attachments": part.attachments.iter().map(|file| json!({
            "type": "upload",
            "name": file.name,
            "url": file.url,
            "content_type": file.content_type,
            "filesize": file.filesize,
        })).collect::<Vec<_>>(),
        "external_id": null,
        "redacted": false,
        "metadata": {},
        "email_message_metadata": null,
        "state": part.state.as_str(),
        "tags": [],
        "event_details": null,
        "app_package_code": null,
    })
}

fn author(author: &Author) -> Value {
    json!({"id": author.id, "type": author.kind, "name": author.name, "email": author.email})
}
