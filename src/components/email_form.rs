//! Asks for the visitor's email during a handoff, so the team can follow up even after the
//! visitor leaves the page. A plain function of the panel, not a component (every component
//! ships its own machinery to visitors): the panel keeps whether the address was refused, and
//! the field keeps what is typed.

use baton_protocol::Visitor;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::Texts;

/// The email field (`input` its handle, `invalid` whether the last address was refused), or the
/// confirmation once `saved`; `on_save` is called with a well-formed address.
pub fn email_form(
    texts: &'static Texts,
    saved: Option<&AttrValue>,
    invalid: &UseStateHandle<bool>,
    input: &NodeRef,
    on_save: &Callback<String>,
) -> Html {
    if let Some(saved) = saved {
        return html! { <p class="baton-email-saved" role="status">{ texts.email_saved(saved) }</p> };
    }
    let oninput = {
        let invalid = invalid.clone();
        Callback::from(move |_: InputEvent| invalid.set(false))
    };
    let onsubmit = {
        let (input, invalid, on_save) = (input.clone(), invalid.clone(), on_save.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            // The node is the field below: no type check needed to read it.
            let typed = input.get().map(|node| node.unchecked_into::<HtmlInputElement>().value());
            let address = typed.unwrap_or_default().trim().to_owned();
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
                    aria-invalid={invalid.to_string()} ref={input.clone()} {oninput} />
            </label>
            <button type="submit" class="baton-send">{ texts.save_email }</button>
            if **invalid { <p class="baton-email-error" role="alert">{ texts.email_invalid }</p> }
        </form>
    }
}
