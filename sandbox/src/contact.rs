//! Contacts: the users and leads conversations come from, created through the API
//! (`create_contact_request`) and found again by search.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::IntercomError;
use crate::search::{Field, Searchable};

/// `user` (identified by the site) or `lead` (anonymous).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An identified user.
    User,
    /// An anonymous lead.
    Lead,
}

impl Role {
    /// Its name in Intercom's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Lead => "lead",
        }
    }
}

/// One contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    /// 24 hex digits.
    pub id: String,
    /// User or lead.
    pub role: Role,
    /// The site's own id for the user.
    pub external_id: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Picture URL.
    pub avatar: Option<String>,
    /// The admin who owns the contact.
    pub owner_id: Option<String>,
    /// When the user signed up on the site.
    pub signed_up_at: Option<i64>,
    /// When the contact was last seen.
    pub last_seen_at: Option<i64>,
    /// Whether it is unsubscribed from emails.
    pub unsubscribed_from_emails: bool,
    /// Custom attributes, as given.
    pub custom_attributes: Map<String, Value>,
    /// When it was created.
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
}

/// `create_contact_request`: at least one of `email`, `external_id` or `role`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewContact {
    /// `user` (default) or `lead`.
    pub role: Option<String>,
    /// The site's own id for the user.
    pub external_id: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Picture URL.
    pub avatar: Option<String>,
    /// The admin who owns the contact.
    pub owner_id: Option<String>,
    /// When the user signed up on the site.
    pub signed_up_at: Option<i64>,
    /// When the contact was last seen.
    pub last_seen_at: Option<i64>,
    /// Whether it is unsubscribed from emails.
    pub unsubscribed_from_emails: Option<bool>,
    /// Custom attributes.
    pub custom_attributes: Option<Map<String, Value>>,
}

impl NewContact {
    /// The contact this request describes, with id `id`, created at `now`.
    pub fn into_contact(self, id: String, now: i64) -> Result<Contact, IntercomError> {
        let blank = |value: &Option<String>| value.as_deref().is_none_or(|text| text.trim().is_empty());
        if blank(&self.email) && blank(&self.external_id) && blank(&self.role) {
            return Err(IntercomError::ParameterNotFound("email, external_id or role is required".into()));
        }
        let role = match self.role.as_deref().map(str::trim) {
            None | Some("user") => Role::User,
            Some("lead") => Role::Lead,
            Some(other) => {
                return Err(IntercomError::ParameterInvalid(format!(
                    "{other} is not a valid role: use user or lead"
                )))
            }
        };
        let non_blank =
            |value: Option<String>| value.map(|text| text.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(Contact {
            id,
            role,
            external_id: non_blank(self.external_id),
            email: non_blank(self.email),
            phone: non_blank(self.phone),
            name: non_blank(self.name),
            avatar: non_blank(self.avatar),
            owner_id: non_blank(self.owner_id),
            signed_up_at: self.signed_up_at,
            last_seen_at: self.last_seen_at,
            unsubscribed_from_emails: self.unsubscribed_from_emails.unwrap_or(false),
            custom_attributes: self.custom_attributes.unwrap_or_default(),
            created_at: now,
            updated_at: now,
        })
    }
}

/// `update_contact_request`: the fields given change, the others stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContactChanges {
    /// `user` or `lead`.
    pub role: Option<String>,
    /// The site's own id for the user.
    pub external_id: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Picture URL.
    pub avatar: Option<String>,
}

impl Contact {
    /// Applies `changes` made at `now`; a blank value clears the field.
    pub fn apply(&mut self, changes: ContactChanges, now: i64) -> Result<(), IntercomError> {
        if let Some(role) = changes.role.as_deref().map(str::trim) {
            self.role = match role {
                "user" => Role::User,
                "lead" => Role::Lead,
                other => {
                    return Err(IntercomError::ParameterInvalid(format!(
                        "{other} is not a valid role: use user or lead"
                    )))
                }
            };
        }
        let set = |field: &mut Option<String>, value: Option<String>| {
            if let Some(value) = value {
                *field = Some(value.trim().to_owned()).filter(|text| !text.is_empty());
            }
        };
        set(&mut self.external_id, changes.external_id);
        set(&mut self.email, changes.email);
        set(&mut self.phone, changes.phone);
        set(&mut self.name, changes.name);
        set(&mut self.avatar, changes.avatar);
        self.updated_at = now;
        Ok(())
    }

    /// Whether `other`, a user, would duplicate this one: Intercom keeps one user per email and
    /// per external id (leads may share them).
    pub fn clashes_with(&self, other: &Contact) -> bool {
        let same = |a: &Option<String>, b: &Option<String>, ignore_case: bool| match (a, b) {
            (Some(a), Some(b)) if ignore_case => a.eq_ignore_ascii_case(b),
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        self.role == Role::User
            && other.role == Role::User
            && (same(&self.email, &other.email, true) || same(&self.external_id, &other.external_id, false))
    }

    /// The name to show for it: its name, else its email, else "Visitor".
    pub fn display_name(&self) -> &str {
        self.name.as_deref().or(self.email.as_deref()).unwrap_or("Visitor")
    }

    /// The domain of its email.
    pub fn email_domain(&self) -> Option<&str> {
        self.email.as_deref().and_then(|email| email.rsplit_once('@')).map(|(_, domain)| domain)
    }
}

impl Searchable for Contact {
    const FIELDS: &'static [&'static str] =
        &["id", "role", "email", "email_domain", "external_id", "name", "phone", "created_at", "updated_at"];

    fn field(&self, name: &str) -> Field<'_> {
        match name {
            "id" => Field::Text(Some(&self.id)),
            "role" => Field::Text(Some(self.role.as_str())),
            "email" => Field::Text(self.email.as_deref()),
            "email_domain" => Field::Text(self.email_domain()),
            "external_id" => Field::Text(self.external_id.as_deref()),
            "name" => Field::Text(self.name.as_deref()),
            "phone" => Field::Text(self.phone.as_deref()),
            "created_at" => Field::Number(Some(self.created_at)),
            _ => Field::Number(Some(self.updated_at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str) -> Contact {
        let request = NewContact { email: Some(email.into()), ..NewContact::default() };
        request.into_contact("0".repeat(24), 1).expect("valid")
    }

    #[test]
    fn a_contact_needs_an_email_an_external_id_or_a_role() {
        let empty = NewContact::default().into_contact("x".into(), 1);
        assert!(matches!(empty, Err(IntercomError::ParameterNotFound(_))));
        let lead = NewContact { role: Some("lead".into()), ..NewContact::default() };
        assert_eq!(lead.into_contact("x".into(), 1).map(|c| c.role), Ok(Role::Lead));
        let bad = NewContact { role: Some("admin".into()), ..NewContact::default() };
        assert!(matches!(bad.into_contact("x".into(), 1), Err(IntercomError::ParameterInvalid(_))));
    }

    #[test]
    fn users_clash_on_email_whatever_its_case_and_leads_never() {
        assert!(user("ada@example.com").clashes_with(&user("ADA@example.com")));
        assert!(!user("ada@example.com").clashes_with(&user("bob@example.com")));
        let mut lead = user("ada@example.com");
        lead.role = Role::Lead;
        assert!(!lead.clashes_with(&user("ada@example.com")));
    }
}
