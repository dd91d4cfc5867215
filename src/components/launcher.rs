//! The floating round button that opens and closes the chat, with a badge counting unread
//! answers while the chat is closed.

use yew::prelude::*;

use crate::i18n::{Texts, EN};

/// Properties of [`Launcher`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct LauncherProps {
    /// Whether the panel is open.
    pub open: bool,
    /// Answers the visitor has not seen.
    #[prop_or_default]
    pub unread: usize,
    /// Called on click.
    pub on_toggle: Callback<()>,
    /// The button, so focus can return to it when the panel closes.
    #[prop_or_default]
    pub button_ref: NodeRef,
}

/// The launcher button, named "Open chat" or "Close chat" for what a click will do.
#[component]
pub fn Launcher(props: &LauncherProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
    let label = if props.open { texts.close_chat } else { texts.open_chat };
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
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
        </>
    }
}
