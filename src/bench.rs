//! The streaming benchmark's entry point, built only with the `bench` feature: renders a log
//! of many messages, streams pieces into a new answer, and times each piece on the main thread
//! from dispatch to the DOM being patched. `scripts/bench-streaming.sh` runs it in Chromium.

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::{ClientId, Event, EventKind, MessageId, Seq};
use wasm_bindgen::prelude::*;
use web_sys::Element;
use yew::prelude::*;

use crate::components::{message_list, use_log_state};
use crate::conversation::{Action, Conversation};
use crate::i18n::EN;

type Slot = Rc<RefCell<Option<UseReducerDispatcher<Conversation>>>>;

#[derive(Properties, Clone)]
struct LogProps {
    slot: Slot,
}

impl PartialEq for LogProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.slot, &other.slot)
    }
}

#[component]
fn Log(props: &LogProps) -> Html {
    let conversation = use_reducer(Conversation::default);
    *props.slot.borrow_mut() = Some(conversation.dispatcher());
    let on_retry = use_callback((), |_, ()| {});
    let log = use_log_state(&conversation.messages);
    message_list(
        &EN,
        &log,
        None,
        &AttrValue::default(),
        &conversation.messages,
        conversation.agent_thinking,
        false,
        Seq(0),
        &on_retry,
    )
}

/// Renders `messages` finished messages into `host`, then streams `pieces` pieces into one more
/// answer; returns the milliseconds each piece took.
#[wasm_bindgen]
pub async fn bench_streaming(host: Element, messages: u32, pieces: u32) -> Result<Vec<f64>, JsError> {
    let performance = web_sys::window()
        .and_then(|window| window.performance())
        .ok_or_else(|| JsError::new("no performance clock"))?;
    let slot: Slot = Rc::default();
    yew::Renderer::<Log>::with_root_and_props(host, LogProps { slot: slot.clone() }).render();
    yew::scheduler::flush().await;
    let dispatcher = slot.borrow().clone().ok_or_else(|| JsError::new("the log did not render"))?;
    let mut seq = 0;
    let mut send = |kind| {
        seq += 1;
        dispatcher.dispatch(Action::Received(Event { seq: Seq(seq), at: 0, kind }));
    };
    for n in 0..u64::from(messages) {
        let kind = if n % 2 == 0 {
            EventKind::VisitorMessage {
                client_id: ClientId(format!("c{n}")),
                text: format!("Question {n}?"),
                attachments: Vec::new(),
            }
        } else {
            let text = format!("Answer {n}, with **some** markdown and a [link](https://lumen.example/{n}).");
            EventKind::AgentMessageCompleted { message_id: MessageId(format!("m{n}")), text }
        };
        send(kind);
    }
    send(EventKind::AgentMessageStarted { message_id: MessageId::from("streamed") });
    yew::scheduler::flush().await;
    let mut offset = 0;
    let mut timings = Vec::with_capacity(pieces as usize);
    for n in 0..pieces {
        let text = format!("word{n} ");
        let delta = EventKind::AgentMessageDelta {
            message_id: MessageId::from("streamed"),
            offset,
            text: text.clone(),
        };
        offset += text.len();
        let start = performance.now();
        send(delta);
        yew::scheduler::flush().await;
        timings.push(performance.now() - start);
    }
    Ok(timings)
}
