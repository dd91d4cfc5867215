//! The chat panel: a header naming the company and the agent, the log, and the composer.

use std::rc::Rc;

use baton_protocol::AgentProfile;
use yew::prelude::*;

use super::{Composer, MessageList};
use crate::conversation::Conversation;
use crate::outbox::Outgoing;
use crate::stream::Link;

/// Properties of [`Panel`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct PanelProps {
    /// The agent, once known.
    pub profile: Option<Rc<AgentProfile>>,
    /// The conversation to show.
    pub conversation: Rc<Conversation>,
    /// The event stream's state.
    pub link: Link,
    /// Called with each message the visitor sends.
    pub on_send: Callback<String>,
    /// Called when the visitor retries a failed message.
    pub on_retry: Callback<Outgoing>,
}

/// The open chat.
#[component]
pub fn Panel(props: &PanelProps) -> Html {
    let company = props.profile.as_ref().map_or(AttrValue::from("Chat"), |p| p.company.clone().into());
    let agent_name = props.profile.as_ref().map(|p| AttrValue::from(p.name.clone()));
    let greeting = props.profile.as_ref().map(|p| AttrValue::from(p.greeting.clone()));
    let conversation = &props.conversation;
    html! {
        <section class="baton-panel" role="dialog" aria-label={format!("Chat with {company}")}>
            <header class="baton-header">
                <h2 class="baton-title">{ company.clone() }</h2>
                if let Some(name) = agent_name {
                    <p class="baton-subtitle">{ name }{ " · AI assistant" }</p>
                }
            </header>
            if props.link == Link::Reconnecting {
                <p class="baton-notice" role="status">{ "You're offline. Reconnecting…" }</p>
            }
            if let Some(notice) = &conversation.notice {
                <p class="baton-notice" role="alert">{ notice.clone() }</p>
            }
            <MessageList {greeting} messages={conversation.messages.clone()}
                thinking={conversation.agent_thinking} on_retry={props.on_retry.clone()} />
            <Composer on_send={props.on_send.clone()} />
        </section>
    }
}
