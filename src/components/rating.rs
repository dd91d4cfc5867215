//! The question that ends a conversation the team closed: anything to add (optional), then Good
//! or Bad, each of which sends. Once answered (here, or before a reload: the bridge's
//! `conversation_rated` event says so), a thank-you instead. A plain function of the panel, not
//! a component of its own: every component ships its own machinery to visitors.

use baton_protocol::{RateConversation, Rating};
use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::i18n::Texts;

/// The rating of a closed conversation: `rated` once given, `comment` the text box's handle.
pub fn rating_form(
    texts: &'static Texts,
    rated: Option<Rating>,
    comment: &NodeRef,
    on_rate: &Callback<RateConversation>,
) -> Html {
    if rated.is_some() {
        return html! { <p class="baton-email-saved" role="status">{ texts.rated }</p> };
    }
    let choice = |rating: Rating, label: &'static str| {
        let (comment, on_rate) = (comment.clone(), on_rate.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            // The node is the text box below: no type check needed to read it.
            let text = comment
                .get()
                .map(|node| node.unchecked_into::<HtmlTextAreaElement>().value())
                .unwrap_or_default();
            on_rate.emit(RateConversation { rating, comment: Some(text).filter(|t| !t.trim().is_empty()) });
        });
        html! { <button type="button" class="baton-send" {onclick}>{ label }</button> }
    };
    html! {
        <fieldset class="baton-email">
            <legend class="baton-email-label">{ texts.rate_question }</legend>
            <textarea class="baton-input" ref={comment.clone()} aria-label={texts.rating_comment}
                placeholder={texts.rating_comment} maxlength="1000" rows="2" />
            { choice(Rating::Good, texts.good) }
            { choice(Rating::Bad, texts.bad) }
        </fieldset>
    }
}
