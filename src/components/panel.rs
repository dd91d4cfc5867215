//! The chat panel: a header naming the company and who is answering, the log, and the composer,
//! or the way to start over once the team closed the conversation.

use std::rc::Rc;

use baton_protocol::{AgentProfile, Mode, Teammate};
use yew::prelude::*;

use super::message_list::{local, now};
use super::{avatar, dropped_files, use_picking, Composer, Draft, EmailForm, MessageList};
use crate::conversation::ConversationHandle;
use crate::i18n::{Texts, EN};
use crate::outbox::Outgoing;
use crate::stream::Link;
use crate::time;

/// Properties of [`Panel`].
#[derive(Debug, Clone, PartialEq, Properties)]
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
    #[prop_or_default]
    pub on_send_files: Callback<Draft>,
    /// Ask for an email: a handoff is under way and the team has none.
    #[prop_or_default]
    pub ask_email: bool,
    /// The email the visitor left in this panel.
    #[prop_or_default]
    pub email_saved: Option<AttrValue>,
    /// Called with the email the visitor leaves.
    #[prop_or_default]
    pub on_email: Callback<String>,
    /// Called when the visitor starts a new conversation after closing.
    #[prop_or_default]
    pub on_restart: Callback<()>,
    /// The message box.
    #[prop_or_default]
    pub input_ref: NodeRef,
}

/// The open chat.
#[component]
pub fn Panel(props: &PanelProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
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
    let teammate_typing = conversation.teammate_typing.then(|| conversation.teammate.clone()).flatten();
    let on_restart = props.on_restart.reform(|_: MouseEvent| ());
    // Files dropped anywhere on the panel join the message being written.
    let picking = use_picking();
    let open_for_files = conversation.mode != Mode::Closed;
    let ondragover = Callback::from(move |event: DragEvent| {
        if open_for_files {
            event.prevent_default();
        }
    });
    let ondrop = {
        let picking = picking.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if open_for_files {
                picking.add(dropped_files(&event));
            }
        })
    };
    html! {
        <section class="baton-panel" role="dialog" aria-label={texts.chat_with(&company)} {ondragover} {ondrop}>
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
            <MessageList {greeting} agent={agent} messages={conversation.messages.clone()} thinking={conversation.agent_thinking}
                {teammate_typing} on_retry={props.on_retry.clone()} />
            if props.ask_email || props.email_saved.is_some() {
                <EmailForm saved={props.email_saved.clone()} on_save={props.on_email.clone()} />
            }
            if conversation.mode == Mode::Closed {
                <div class="baton-closed">
                    <button type="button" class="baton-send" onclick={on_restart}>{ texts.new_conversation }</button>
                </div>
            } else {
                <Composer on_send={props.on_send.clone()} input_ref={props.input_ref.clone()}
                    picking={picking} on_send_files={props.on_send_files.clone()} />
            }
        </section>
    }
}

/// When the team is back, if the profile says it is away now.
fn away_until(profile: Option<&AgentProfile>) -> Option<i64> {
    profile.and_then(|profile| profile.back_at).filter(|&back| back > now())
}
