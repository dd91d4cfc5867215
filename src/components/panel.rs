//! The chat panel: a header naming the company and who is answering, the log, and the composer,
//! or, once the team closed the conversation, its rating and the way to start over. A plain
//! function of the root, not a component: the root renders on every change of the conversation
//! anyway, and every component ships its own machinery to visitors.

use std::rc::Rc;

use baton_protocol::{AgentProfile, Mode, RateConversation, Teammate};
use yew::prelude::*;

use super::message_list::{local, now};
use super::{
    avatar, composer, dropped_files, email_form, message_list, rating_form, Draft, LogState, Picking, Writing,
};
use crate::conversation::ConversationHandle;
use crate::i18n::Texts;
use crate::outbox::Outgoing;
use crate::stream::Link;
use crate::time;

/// What [`panel`] shows and calls, and the handles of its fields, which the root keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelProps {
    /// The agent, once known.
    pub profile: Option<Rc<AgentProfile>>,
    /// The conversation to show: the root's reducer itself, so nothing is copied to pass it down.
    pub conversation: ConversationHandle,
    /// The event stream's state.
    pub link: Link,
    /// Called with each message the visitor sends.
    pub on_send: Callback<String>,
    /// Called when the visitor retries a failed message.
    pub on_retry: Callback<Outgoing>,
    /// Called with each message the visitor sends with files.
    pub on_send_files: Callback<Draft>,
    /// The files about to be sent.
    pub picking: Picking,
    /// The message being written.
    pub writing: Writing,
    /// Where the log is scrolled.
    pub log: LogState,
    /// Ask for an email: a handoff is under way and the team has none.
    pub ask_email: bool,
    /// The email the visitor left in this panel.
    pub email_saved: Option<AttrValue>,
    /// Called with the email the visitor leaves.
    pub on_email: Callback<String>,
    /// Called when the visitor starts a new conversation after closing.
    pub on_restart: Callback<()>,
    /// Called with the visitor's rating of the closed conversation.
    pub on_rate: Callback<RateConversation>,
    /// The message box.
    pub input_ref: NodeRef,
    /// The rating's comment box.
    pub comment_ref: NodeRef,
    /// The email field.
    pub email_ref: NodeRef,
    /// Whether the last email typed was refused.
    pub email_invalid: UseStateHandle<bool>,
    /// The panel is fading out before it goes.
    pub closing: bool,
    /// The panel itself, to read whether it animates.
    pub panel_ref: NodeRef,
    /// Called when an animation of the panel ends (the fade-out's end closes it).
    pub on_closed: Callback<()>,
}

/// The open chat.
pub fn panel(texts: &'static Texts, props: &PanelProps) -> Html {
    let company = props.profile.as_ref().map_or(AttrValue::from("Chat"), |p| p.company.clone().into());
    let greeting = props.profile.as_ref().map(|p| AttrValue::from(p.greeting.clone()));
    let agent = props.profile.as_ref().map_or(AttrValue::default(), |p| p.name.clone().into());
    let conversation = &props.conversation;
    let status = match (conversation.mode, &conversation.teammate) {
        (Mode::Ai, _) => {
            let name = props.profile.as_ref().map(|p| format!("{} · ", p.name)).unwrap_or_default();
            format!("{name}{}", texts.ai_assistant)
        }
        (Mode::Connecting, _) => texts.status_connecting.to_owned(),
        (Mode::Waiting, _) => {
            match (away_until(props.profile.as_deref()), conversation.expected_reply_minutes) {
                (Some(back), _) => texts.away_until(&time::ahead(texts, local(back), local(now()))),
                (None, Some(minutes)) => texts.team_notified(Some(minutes)),
                (None, None) => texts.status_waiting.to_owned(),
            }
        }
        (Mode::Human, Some(teammate)) => texts.status_human(&teammate.name),
        (Mode::Human, None) => texts.status_waiting.to_owned(),
        (Mode::Closed, _) => texts.status_closed.to_owned(),
    };
    let teammate_typing = conversation.teammate_typing && conversation.teammate.is_some();
    let on_restart = props.on_restart.reform(|_: MouseEvent| ());
    // The agent's suggested first questions, until the conversation has a message: one click
    // sends it as the visitor's own.
    let suggestions = props.profile.as_ref().filter(|p| conversation.messages.is_empty() && !p.suggestions.is_empty()).map(|profile| {
        html! {
            <div class="baton-suggestions">
                { for profile.suggestions.iter().map(|question| {
                    let text = question.clone();
                    let onclick = props.on_send.reform(move |_: MouseEvent| text.clone());
                    html! { <button type="button" class="baton-suggestion" {onclick}>{ question.clone() }</button> }
                }) }
            </div>
        }
    });
    // Files dropped anywhere on the panel, or pasted into it, join the message being written:
    // one listener for both.
    let picking = props.picking.clone();
    let open_for_files = conversation.mode != Mode::Closed;
    let ondragover = Callback::from(move |event: DragEvent| {
        if open_for_files {
            event.prevent_default();
        }
    });
    let onpaste = Callback::from(move |event: Event| {
        if let Some(files) = dropped_files(&event).filter(|_| open_for_files) {
            event.prevent_default();
            picking.add(Some(files));
        }
    });
    let ondrop = onpaste.reform(|event: DragEvent| event.into());
    html! {
        <section class={classes!("baton-panel", props.closing.then_some("baton-closing"))} role="dialog"
            aria-label={texts.chat_with(&company)} ref={props.panel_ref.clone()}
            onanimationend={props.on_closed.reform(|_: AnimationEvent| ())} {ondragover} {ondrop} {onpaste}>
            <header class="baton-header">
                // Whoever answers now: the teammate once one joined, else the agent.
                if let (Mode::Human, Some(teammate)) = (conversation.mode, &conversation.teammate) {
                    { avatar(teammate) }
                } else if let Some(profile) = &props.profile {
                    { avatar(&Teammate { name: profile.name.clone(), avatar_url: profile.avatar_url.clone() }) }
                }
                <div>
                    <h2 class="baton-title">{ company.clone() }</h2>
                    <p class="baton-subtitle" aria-live="polite">{ status }</p>
                </div>
            </header>
            if props.link == Link::Reconnecting {
                <p class="baton-notice" role="status">{ texts.offline }</p>
            }
            if let Some(notice) = &conversation.notice {
                <p class="baton-notice" role="alert">{ notice.clone() }</p>
            }
            { message_list(texts, &props.log, greeting, &agent, &conversation.messages, conversation.agent_thinking,
                teammate_typing, conversation.team_seen, &props.on_retry) }
            { for suggestions }
            if props.ask_email || props.email_saved.is_some() {
                { email_form(texts, props.email_saved.as_ref(), &props.email_invalid, &props.email_ref, &props.on_email) }
            }
            if conversation.mode == Mode::Closed {
                { rating_form(texts, conversation.rating, &props.comment_ref, &props.on_rate) }
                <div class="baton-closed">
                    <button type="button" class="baton-send" onclick={on_restart}>{ texts.new_conversation }</button>
                </div>
            } else {
                { composer(texts, &props.writing, &props.input_ref, &props.picking, &props.on_send, &props.on_send_files) }
            }
        </section>
    }
}

/// When the team is back, if the profile says it is away now.
fn away_until(profile: Option<&AgentProfile>) -> Option<i64> {
    profile.and_then(|profile| profile.back_at).filter(|&back| back > now())
}
