//! The message log: a `log` live region of bubbles and conversation notices, in chunks that
//! re-render only when one of their messages changed, so a streamed piece re-renders one chunk,
//! not the transcript; it follows the conversation as it grows.

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::Seq;
use web_sys::Element;
use yew::prelude::*;

use super::{ai_author, message_view, rich_text};
use crate::follow::{after_render, After, Metrics};
use crate::i18n::{Texts, EN};
use crate::message::{Message, Sender};
use crate::outbox::Outgoing;
use crate::time;
use crate::transcript::{Chunk, Transcript};

/// The log's scroll state, kept by the root across renders and across closing the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct LogState {
    log_ref: NodeRef,
    /// Where the visitor was before the newest render: only scrolling changes it, so content
    /// that grows under a visitor at the bottom keeps them following.
    following: Rc<RefCell<bool>>,
    /// Whether the "New messages" button shows.
    news: UseStateHandle<bool>,
}

/// The log's state, and after each render the decision to follow the conversation or offer
/// the way down to `messages`' newest.
#[hook]
pub fn use_log_state(messages: &Transcript) -> LogState {
    let log =
        LogState { log_ref: use_node_ref(), following: use_mut_ref(|| true), news: use_state_eq(|| false) };
    // The content's height and message count at the last render, to tell what is new.
    let seen = use_mut_ref(|| (0, 0));
    let (log_ref, following, news) = (log.log_ref.clone(), log.following.clone(), log.news.setter());
    let count = messages.len();
    // Sent from this page, not yet stored: another tab's message is news like any other.
    let sent =
        messages.last().is_some_and(|message| message.sender == Sender::Visitor && message.seq == Seq(0));
    use_effect(move || {
        let Some(log) = log_ref.cast::<Element>() else {
            // The panel is closed: it opens on the newest message.
            *following.borrow_mut() = true;
            *seen.borrow_mut() = (0, 0);
            news.set(false);
            return;
        };
        let metrics = measure(&log);
        let (height, known) = *seen.borrow();
        *seen.borrow_mut() = (metrics.height, count);
        let was_following = *following.borrow();
        match after_render(was_following, metrics.height > height, sent && count > known) {
            After::Follow => {
                log.set_scroll_top(metrics.height);
                *following.borrow_mut() = true;
                news.set(false);
            }
            After::Offer => news.set(true),
            After::Stay => {}
        }
    });
    log
}

/// The log of messages, under the agent's `greeting`, with a typing indicator when the agent
/// is `thinking` or a teammate typing. It follows the conversation while the visitor is at the
/// bottom; scrolled up, it keeps their place and offers a "New messages" button instead. A plain
/// function of the panel, not a component: every component ships its own machinery to visitors.
#[allow(clippy::too_many_arguments)]
pub fn message_list(
    texts: &'static Texts,
    state: &LogState,
    greeting: Option<AttrValue>,
    agent: &AttrValue,
    messages: &Transcript,
    thinking: bool,
    teammate_typing: bool,
    team_seen: Seq,
    on_retry: &Callback<Outgoing>,
) -> Html {
    let onscroll = {
        let (log_ref, following, news) =
            (state.log_ref.clone(), state.following.clone(), state.news.setter());
        Callback::from(move |_: Event| {
            if let Some(log) = log_ref.cast::<Element>() {
                let bottom = measure(&log).at_bottom();
                *following.borrow_mut() = bottom;
                if bottom {
                    news.set(false);
                }
            }
        })
    };
    let on_jump = {
        let log_ref = state.log_ref.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(log) = log_ref.cast::<Element>() {
                // The scroll event that follows marks the visitor as following again.
                log.set_scroll_top(log.scroll_height());
            }
        })
    };
    let greeting = greeting.map(|text| {
        html! { <div class="baton-message baton-from-agent">{ ai_author(texts, agent) }{ rich_text(&text) }</div> }
    });
    let chunks = messages.chunks();
    html! {
        <>
        <div class="baton-log" role="log" aria-live="polite" aria-label={texts.messages} tabindex="0"
            ref={state.log_ref.clone()} {onscroll}>
            { for greeting }
            { for chunks.iter().enumerate().map(|(index, chunk)| {
                let previous = index.checked_sub(1).and_then(|before| chunks[before].last().cloned());
                html! {
                    <ChunkView key={index} chunk={chunk.clone()} {previous} {team_seen} agent={agent.clone()}
                        on_retry={on_retry.clone()} />
                }
            }) }
            if thinking || teammate_typing {
                <div class={classes!("baton-message", "baton-typing",
                        if teammate_typing { "baton-from-teammate" } else { "baton-from-agent" })}
                    role="status" aria-label={texts.typing}>
                    <span></span><span></span><span></span>
                </div>
            }
        </div>
        if *state.news {
            <button type="button" class="baton-jump" onclick={on_jump}>{ texts.new_messages }</button>
        }
        </>
    }
}

fn measure(log: &Element) -> Metrics {
    Metrics { top: log.scroll_top(), height: log.scroll_height(), visible: log.client_height() }
}

/// Properties of [`ChunkView`].
#[derive(Debug, Clone, Properties)]
pub struct ChunkViewProps {
    /// The messages.
    pub chunk: Chunk,
    /// The message before the chunk's first, which decides whether that one starts a run.
    pub previous: Option<Rc<Message>>,
    /// The team has seen the visitor's messages before this seq.
    pub team_seen: Seq,
    /// The agent's name.
    pub agent: AttrValue,
    /// Called when the visitor retries one.
    pub on_retry: Callback<Outgoing>,
}

impl PartialEq for ChunkViewProps {
    /// The same chunk is the same pointer: comparing it costs nothing, whatever it holds.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.chunk, &other.chunk)
            && self.previous == other.previous
            && self.team_seen == other.team_seen
            && self.agent == other.agent
            && self.on_retry == other.on_retry
    }
}

/// A run of messages that re-renders only when one of them changed. As chat apps do, a time
/// label starts each group of messages close in time, and the first message of a group or of a
/// run by the same author names the author.
#[component]
pub fn ChunkView(props: &ChunkViewProps) -> Html {
    let texts = use_context::<&'static Texts>().unwrap_or(&EN);
    let now = local(now());
    let mut previous = props.previous.as_ref();
    html! {
        { for props.chunk.iter().map(|message| {
            let at = local(message.at);
            let stamp = time::starts_group(previous.map(|before| local(before.at)), at)
                .then(|| time::label(texts, at, now));
            let head = stamp.is_some() || previous.is_none_or(|before| before.sender != message.sender);
            previous = Some(message);
            message_view(texts, message, stamp, head, message.seen_before(props.team_seen), &props.agent, &props.on_retry)
        }) }
    }
}

/// `at` (milliseconds since the epoch) in the visitor's time zone, with the offset in force on
/// that date. Rendered natively (tests, server rendering) it stays in UTC.
pub(crate) fn local(at: i64) -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        let offset = js_sys::Date::new(&(at as f64).into()).get_timezone_offset();
        at - offset as i64 * 60_000
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        at
    }
}

/// Now, in milliseconds since the epoch.
pub(crate) fn now() -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis() as i64)
    }
}
