//! How much a page may say about itself: the page's address and title, the visitor's locale and
//! a message's client id are stored and repeated (in every replay, in the handoff note), so each
//! has a bound and anything past it is refused with 400, never truncated.

use baton_protocol::{ClientId, CreateConversation, MAX_CLIENT_ID_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS};

use crate::error::ApiError;

/// The longest language tag accepted: RFC 5646's advice for what implementations should keep.
pub const MAX_LOCALE_CHARS: usize = 35;

/// Refuses a new conversation whose page, title or locale is out of bounds.
pub fn check_conversation(body: &CreateConversation) -> Result<(), ApiError> {
    let too_long =
        |value: &Option<String>, limit: usize| value.as_ref().is_some_and(|v| v.chars().count() > limit);
    if too_long(&body.page_url, MAX_URL_CHARS) {
        return Err(ApiError::BadRequest(format!(
            "`page_url` can be at most {MAX_URL_CHARS} characters long."
        )));
    }
    if too_long(&body.page_title, MAX_TITLE_CHARS) {
        return Err(ApiError::BadRequest(format!(
            "`page_title` can be at most {MAX_TITLE_CHARS} characters long."
        )));
    }
    if body.locale.as_deref().is_some_and(|locale| !is_language_tag(locale)) {
        return Err(ApiError::BadRequest("`locale` must be a language tag such as en-GB.".into()));
    }
    Ok(())
}

/// Refuses a client id that is empty, too long, or not printable ASCII.
pub fn check_client_id(id: &ClientId) -> Result<(), ApiError> {
    let fits = (1..=MAX_CLIENT_ID_CHARS).contains(&id.0.len()) && id.0.bytes().all(|b| b.is_ascii_graphic());
    if fits {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "`client_id` must be 1 to {MAX_CLIENT_ID_CHARS} printable ASCII characters (a UUID fits)."
        )))
    }
}

/// Whether `tag` has the shape of a BCP 47 language tag: a language of 2 to 8 letters, then
/// subtags of 1 to 8 letters or digits, separated by `-`. Whether each subtag is registered is
/// not checked: the locale is only shown to teammates.
pub fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let language_ok = subtags.next().is_some_and(|language| {
        (2..=8).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_alphabetic())
    });
    language_ok
        && tag.len() <= MAX_LOCALE_CHARS
        && subtags.all(|subtag| {
            (1..=8).contains(&subtag.len()) && subtag.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_as_browsers_send_them_pass_and_anything_else_does_not() {
        for good in ["en", "en-GB", "fr-CA", "zh-Hans-CN", "sr-Latn-RS", "de-CH-1996", "es-419"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in
            ["", "e", "en_GB", "en-", "-en", "en--GB", "en GB", "en-abcdefghi", "<b>", &"en-GB".repeat(8)]
        {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn client_ids_fit_a_uuid_and_not_much_more() {
        assert!(check_client_id(&ClientId("0b5e8c1a-0f6d-4a5e-9c1b-7d2e3f4a5b6c".into())).is_ok());
        assert!(check_client_id(&ClientId("a".repeat(MAX_CLIENT_ID_CHARS))).is_ok());
        for bad in [String::new(), "a".repeat(MAX_CLIENT_ID_CHARS + 1), "with space".into(), "é".into()] {
            assert!(check_client_id(&ClientId(bad.clone())).is_err(), "{bad}");
        }
    }
}
