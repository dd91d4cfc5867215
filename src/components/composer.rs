//! Where the visitor types: a text box labelled "Message" that grows with the text (up to the
//! stylesheet's `max-height`, then scrolls) and a "Send" button. Enter sends, Shift+Enter starts
//! a new line. Files picked, dropped or pasted show above it and go with the next message.

use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::attachments::{picked_view, Draft, Picking};
use crate::i18n::Texts;

/// What the composer keeps between renders, held by the root: the text being written (so it
/// survives closing and reopening the panel) and the hidden file picker.
#[derive(Debug, Clone, PartialEq)]
pub struct Writing {
    text: UseStateHandle<String>,
    file_input: NodeRef,
}

/// The composer's state.
#[hook]
pub fn use_writing() -> Writing {
    Writing { text: use_state(String::new), file_input: use_node_ref() }
}

/// The message box and send button; `input` is the text box, which the root focuses when the
/// panel opens. A plain function of the panel, not a component: every component ships its own
/// machinery to visitors.
pub fn composer(
    texts: &'static Texts,
    writing: &Writing,
    input: &NodeRef,
    picking: &Picking,
    on_send: &Callback<String>,
    on_send_files: &Callback<Draft>,
) -> Html {
    let text = &writing.text;
    let has_files = !picking.files().is_empty();
    let send = {
        let text = text.clone();
        let (on_send, on_send_files) = (on_send.clone(), on_send_files.clone());
        let (picking, input) = (picking.clone(), input.clone());
        Callback::from(move |()| {
            let trimmed = text.trim();
            if has_files {
                on_send_files.emit(Draft { text: trimmed.to_owned(), files: picking.take() });
            } else if !trimmed.is_empty() {
                on_send.emit(trimmed.to_owned());
            }
            if has_files || !trimmed.is_empty() {
                text.set(String::new());
                // Back to one line.
                if let Some(area) = input.cast::<HtmlElement>() {
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
    let onsubmit = send.reform(|event: SubmitEvent| event.prevent_default());
    html! {
        <form class="baton-composer" {onsubmit}>
            { picked_view(picking, texts, &writing.file_input) }
            <textarea class="baton-input" aria-label={texts.message} placeholder={texts.write_a_message} rows="1"
                ref={input.clone()} value={(**text).clone()} {oninput} {onkeydown} />
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
