//! The floating round button that opens and closes the chat.

use yew::prelude::*;

/// Properties of [`Launcher`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct LauncherProps {
    /// Whether the panel is open.
    pub open: bool,
    /// Called on click.
    pub on_toggle: Callback<()>,
}

/// The launcher button, named "Open chat" or "Close chat" for what a click will do.
#[component]
pub fn Launcher(props: &LauncherProps) -> Html {
    let label = if props.open { "Close chat" } else { "Open chat" };
    let onclick = props.on_toggle.reform(|_: MouseEvent| ());
    html! {
        <button class="baton-launcher" type="button" aria-label={label} aria-expanded={props.open.to_string()} {onclick}>
            <span class="baton-launcher-icon" aria-hidden="true">{ if props.open { "×" } else { "💬" } }</span>
        </button>
    }
}
