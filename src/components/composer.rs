//! Where the visitor types: a text box labelled "Message" that grows with the text (up to the
//! stylesheet's `max-height`, then scrolls) and a "Send" button. Enter sends, Shift+Enter starts
//! a new line. Files picked, dropped or pasted show above it and go with the next message.

use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::attachments::{dropped_files, picked_view, Draft, Picking};
use crate::i18n::{Texts, EN};

/// Properties of [`Composer`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct ComposerProps {
    /// Called with the trimmed text when the visitor sends.
    pub on_send: Callback<String>,
    /// The text box, so the panel can focus it when it opens.
    #[prop_or_default]
    pub input_ref: NodeRef,
    /// The files about to be sent, when the panel takes files.
    #[prop_or_default]
    pub picking: Option<Picking>,
    /// Called when the visitor sends files, with or without text.
    #[prop_or_default]
    pub on_send_files: Callback<Draft>,
}

/// The message box and send button.
#[component]
pub fn Composer(props: &ComposerProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
    let text = use_state(String::new);
    let file_input = use_node_ref();
    let has_files = props.picking.as_ref().is_some_and(|picking| !picking.files().is_empty());
    let send = {
        let text = text.clone();
        let (on_send, on_send_files) = (props.on_send.clone(), props.on_send_files.clone());
        let picking = props.picking.clone().filter(|_| has_files);
        let input_ref = props.input_ref.clone();
        Callback::from(move |()| {
            let trimmed = text.trim();
            if let Some(picking) = &picking {
                on_send_files.emit(Draft { text: trimmed.to_owned(), files: picking.take() });
            } else if !trimmed.is_empty() {
                on_send.emit(trimmed.to_owned());
            }
            if has_files || !trimmed.is_empty() {
                text.set(String::new());
                // Back to one line.
                if let Some(area) = input_ref.cast::<HtmlElement>() {
                    let _ = area.style().remove_property("height");
                }
            }
        })
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |event: InputEvent| {
            let area: HtmlTextAreaElement = event.target_unchecked_into();
            text.set(area.value());
            fit(&area);
        })
    };
    let onkeydown = {
        let send = send.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && !event.shift_key() && !event.is_composing() {
                event.prevent_default();
                send.emit(());
            }
        })
    };
    let onpaste = {
        let picking = props.picking.clone();
        Callback::from(move |event: Event| {
            if let (Some(picking), Some(files)) = (&picking, dropped_files(&event)) {
                event.prevent_default();
                picking.add(Some(files));
            }
        })
    };
    let onsubmit = send.reform(|event: SubmitEvent| event.prevent_default());
    html! {
        <form class="baton-composer" {onsubmit}>
            if let Some(picking) = &props.picking {
                { picked_view(picking, texts, &file_input) }
            }
            <textarea class="baton-input" aria-label={texts.message} placeholder={texts.write_a_message} rows="1"
                ref={props.input_ref.clone()} value={(*text).clone()} {oninput} {onkeydown} {onpaste} />
            <button class="baton-send" type="submit" disabled={text.trim().is_empty() && !has_files}>{ texts.send }</button>
        </form>
    }
}

/// Sizes the text box to its text: measured at its natural height, so it shrinks as well as
/// grows, plus its borders, which `scrollHeight` leaves out.
fn fit(area: &HtmlElement) {
    let style = area.style();
    let _ = style.set_property("height", "auto");
    let borders = area.offset_height() - area.client_height();
    let _ = style.set_property("height", &format!("{}px", area.scroll_height() + borders));
}
