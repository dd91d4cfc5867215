//! The Intercom contact a handed-off conversation comes from: found or created at the handoff,
//! named from what the visitor gave so teammates can tell conversations apart in the inbox
//! list, and kept up to date when the visitor gives more later (an email left in the widget
//! while waiting for the team).

use std::sync::Arc;

use baton_protocol::{ConversationId, Visitor};

use super::client::{IntercomClient, IntercomError};
use super::model::{Contact, ContactUpdate, Id, NewContact};
use super::{Intercom, SyncError};

/// How an anonymous visitor's contact is named, before the conversation's short id.
const ANONYMOUS: &str = "Website visitor";

impl Intercom {
    /// Brings the contact of conversation `id` up to date with what the visitor has given since
    /// the handoff, in the background. Before the contact exists there is nothing to do: the
    /// handoff creates it from what is known by then.
    pub fn update_contact(self: &Arc<Self>, id: ConversationId) {
        let intercom = Arc::clone(self);
        self.tasks.spawn(async move {
            if let Err(error) = intercom.refresh_contact(&id).await {
                tracing::warn!(conversation = %id, %error, "the Intercom contact was not updated");
            }
        });
    }

    async fn refresh_contact(&self, id: &ConversationId) -> Result<(), SyncError> {
        let _turn = self.turns.take(id).await;
        let Some((contact, _)) = self.conversations.link(id).await?.and_then(|link| link.contact) else {
            return Ok(());
        };
        let Some(record) = self.conversations.get(id).await? else { return Ok(()) };
        let client = self.client()?;
        let current = client.contact(&Id(contact)).await?;
        self.bring_up_to_date(&client, current, &record.visitor).await?;
        Ok(())
    }

    /// The contact for this visitor. A verified identity is a `user`, found by external id or
    /// email; anyone else is a `lead`, reusing the lead with the same email if there is one, so
    /// an unverified visitor can never speak as someone else's user. A contact found is given
    /// what it lacks of the visitor's name and email.
    pub(super) async fn find_or_create_contact(
        &self,
        client: &IntercomClient,
        visitor: &Visitor,
        conversation: &ConversationId,
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
                return self.bring_up_to_date(client, found, visitor).await;
            }
        }
        let new = NewContact {
            role,
            external_id,
            email: visitor.email.clone(),
            name: Some(contact_name(visitor, conversation)),
        };
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

    /// `contact` with what the visitor has given that it lacks, updated in Intercom if need be.
    async fn bring_up_to_date(
        &self,
        client: &IntercomClient,
        contact: Contact,
        visitor: &Visitor,
    ) -> Result<Contact, SyncError> {
        let update = contact_update(&contact, visitor);
        if update.is_empty() {
            return Ok(contact);
        }
        Ok(client.update_contact(&contact.id, &update).await?)
    }
}

/// The name a new contact gets: the visitor's, else their email, else a name unique to the
/// conversation — never Intercom's "Visitor" that every lead shares.
pub fn contact_name(visitor: &Visitor, conversation: &ConversationId) -> String {
    let given =
        |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    given(&visitor.name).or_else(|| given(&visitor.email)).unwrap_or_else(|| {
        let short: String = conversation.0.chars().take(4).collect();
        format!("{ANONYMOUS} {short}")
    })
}

/// What `contact` should be told of `visitor`. A lead takes the email the visitor gave, and
/// their name; a user (a verified identity) keeps its own email and name, and is only named
/// when it has no name yet. A name the bridge made up (from the email, or for an anonymous
/// visitor) gives way to a better one.
pub fn contact_update(contact: &Contact, visitor: &Visitor) -> ContactUpdate {
    let lead = contact.role != "user";
    let same =
        |a: &str, b: &Option<String>| b.as_deref().is_some_and(|b| a.trim().eq_ignore_ascii_case(b.trim()));
    let email = visitor
        .email
        .clone()
        .filter(|email| lead && !email.trim().is_empty() && !same(email, &contact.email));
    let made_up = contact.name.as_deref().is_none_or(|name| {
        name.trim().is_empty() || name.starts_with(ANONYMOUS) || same(name, &contact.email)
    });
    let wanted = visitor.name.clone().filter(|name| !name.trim().is_empty());
    let wanted =
        if made_up { wanted.or_else(|| email.clone().or_else(|| contact.email.clone())) } else { wanted };
    let name = wanted.filter(|name| {
        (made_up || lead) && contact.name.as_deref().is_none_or(|current| current.trim() != name.trim())
    });
    ContactUpdate { email, name }
}

/// The id in Intercom's "A contact matching those details already exists with id=…".
fn conflicting_id(error: &IntercomError) -> Option<Id> {
    let IntercomError::Status { message, .. } = error else { return None };
    let (_, rest) = message.split_once("id=")?;
    let id: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
    (!id.is_empty()).then_some(Id(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(role: &str, email: Option<&str>, name: Option<&str>) -> Contact {
        Contact {
            id: Id("c".into()),
            role: role.into(),
            email: email.map(Into::into),
            name: name.map(Into::into),
        }
    }

    fn visitor(email: Option<&str>, name: Option<&str>) -> Visitor {
        Visitor { email: email.map(Into::into), name: name.map(Into::into), ..Visitor::default() }
    }

    #[test]
    fn a_contact_is_named_from_what_the_visitor_gave() {
        let id = ConversationId("3f2a9c".into());
        assert_eq!(contact_name(&visitor(Some("ada@example.com"), Some(" Ada ")), &id), "Ada");
        assert_eq!(contact_name(&visitor(Some("ada@example.com"), None), &id), "ada@example.com");
        assert_eq!(contact_name(&visitor(None, Some("  ")), &id), "Website visitor 3f2a");
    }

    #[test]
    fn an_email_left_later_reaches_a_lead_and_replaces_a_made_up_name() {
        let anonymous = contact("lead", None, Some("Website visitor 3f2a"));
        assert_eq!(
            contact_update(&anonymous, &visitor(Some("ada@example.com"), None)),
            ContactUpdate { email: Some("ada@example.com".into()), name: Some("ada@example.com".into()) }
        );
        let named = contact("lead", None, Some("Ada"));
        assert_eq!(
            contact_update(&named, &visitor(Some("ada@example.com"), Some("Ada"))),
            ContactUpdate { email: Some("ada@example.com".into()), name: None }
        );
        let up_to_date = contact("lead", Some("ADA@example.com"), Some("Ada"));
        assert!(contact_update(&up_to_date, &visitor(Some("ada@example.com"), Some("Ada"))).is_empty());
    }

    #[test]
    fn a_users_own_email_and_name_are_never_overwritten() {
        let user = contact("user", Some("ada@example.com"), Some("Ada Lovelace"));
        assert!(contact_update(&user, &visitor(Some("someone@else.example"), Some("Eve"))).is_empty());
        let unnamed = contact("user", Some("ada@example.com"), None);
        assert_eq!(
            contact_update(&unnamed, &visitor(None, Some("Ada"))),
            ContactUpdate { email: None, name: Some("Ada".into()) }
        );
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
