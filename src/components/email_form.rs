//! Asks for the visitor's email during a handoff, so the team can follow up even after the
//! visitor leaves the page.

use baton_protocol::Visitor;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{Texts, EN};

/// Properties of [`EmailForm`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct EmailFormProps {
    /// The address already saved, if any.
    pub saved: Option<AttrValue>,
    /// Called with a well-formed address.
    pub on_save: Callback<String>,
}

/// The email field, or the confirmation once saved.
#[component]
pub fn EmailForm(props: &EmailFormProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
    let email = use_state(String::new);
    let invalid = use_state(|| false);
    if let Some(saved) = &props.saved {
        return html! { <p class="baton-email-saved" role="status">{ texts.email_saved(saved) }</p> };
    }
    let oninput = {
        let (email, invalid) = (email.clone(), invalid.clone());
        Callback::from(move |event: InputEvent| {
            email.set(event.target_unchecked_into::<HtmlInputElement>().value());
            invalid.set(false);
        })
    };
    let onsubmit = {
        let (email, invalid, on_save) = (email.clone(), invalid.clone(), props.on_save.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let address = email.trim().to_owned();
            if Visitor::is_valid_email(&address) {
                on_save.emit(address);
            } else {
                invalid.set(true);
            }
        })
    };
    html! {
        <form class="baton-email" {onsubmit} novalidate=true>
            <label class="baton-email-label">
                { texts.email_prompt }
                <input type="email" autocomplete="email" aria-label={texts.your_email} placeholder={texts.your_email}
                    aria-invalid={invalid.to_string()} value={(*email).clone()} {oninput} />
            </label>
            <button type="submit" class="baton-send">{ texts.save_email }</button>
            if *invalid { <p class="baton-email-error" role="alert">{ texts.email_invalid }</p> }
        </form>
    }
}
