//! The floating round button that opens and closes the chat, with a badge counting unread
//! answers while the chat is closed and a preview of the newest beside it. A plain function of the root, not a component: it has no
//! state, and every component ships its own machinery to visitors.

use yew::prelude::*;

use crate::i18n::Texts;

/// What the launcher shows: whether the panel is `open`, the answers not seen (`unread`), what a
/// click calls, and the button's handle (so focus can return to it when the panel closes).
#[derive(Debug, Clone, PartialEq)]
pub struct LauncherProps {
    /// Whether the panel is open.
    pub open: bool,
    /// Answers the visitor has not seen.
    pub unread: usize,
    /// Called on click, of the launcher or of the preview.
    pub on_toggle: Callback<()>,
    /// Who wrote the newest unread message and its first words, while the panel is closed.
    pub preview: Option<(String, String)>,
    /// Called when the visitor closes the preview.
    pub on_dismiss: Callback<()>,
    /// The button.
    pub button_ref: NodeRef,
}

/// The launcher button, named "Open chat" or "Close chat" for what a click will do.
pub fn launcher(texts: &'static Texts, props: &LauncherProps) -> Html {
    let label = if props.open { texts.close_chat } else { texts.open_chat };
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
    // A live region, so a screen reader hears who wrote and what, without leaving the page.
    let preview = props.preview.as_ref().filter(|_| !props.open).map(|(author, text)| {
        html! {
            <div class="baton-preview" role="status">
                <button type="button" class="baton-preview-open" onclick={onclick.clone()}>
                    <span class="baton-preview-author">{ author.clone() }</span>
                    <span class="baton-preview-text">{ text.clone() }</span>
                </button>
                <button type="button" class="baton-preview-close" aria-label={texts.close_preview}
                    onclick={props.on_dismiss.reform(|_: MouseEvent| ())}>{ "×" }</button>
            </div>
        }
    });
    let badge = (!props.open && props.unread > 0).then(|| {
        html! {
            <span class="baton-badge" role="status">
                <span aria-hidden="true">{ props.unread.min(99) }</span>
                <span class="baton-visually-hidden">{ texts.unread(props.unread) }</span>
            </span>
        }
    });
    html! {
        <>
            <button class="baton-launcher" type="button" aria-label={label} aria-expanded={props.open.to_string()}
                ref={props.button_ref.clone()} {onclick}>
                if props.open {
                    <span class="baton-launcher-icon" aria-hidden="true">{ "×" }</span>
                } else {
                    // A speech bubble drawn, not an emoji: that renders as an empty box where
                    // the emoji font is missing.
                    <svg class="baton-launcher-icon" viewBox="0 0 24 24" aria-hidden="true">
                        <path d="M4 4h16v12H9l-5 4z" />
                    </svg>
                }
            </button>
            { for badge }
            { for preview }
        </>
    }
}
