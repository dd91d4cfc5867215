//! The root component's smaller effects, one hook each: the agent's profile, what the visitor
//! has seen, the typing indicator's expiry, and focus following the panel.

use std::cell::Cell;
use std::rc::Rc;

use baton_protocol::{AgentId, AgentProfile, Seq};
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;
use yew::{hook, use_effect_with, use_memo, use_mut_ref, use_state_eq, NodeRef};

use crate::api::Client;
use crate::conversation::{Action, ConversationHandle};
use crate::host::Host;
use crate::session::Store;

/// How long "typing" shows without a new sign of it.
const TYPING_TIMEOUT_MS: u32 = 6_000;

/// The agent's public profile in the widget's language `lang`, once the bridge has answered;
/// `None` until then, or if it never does (the panel then shows generic names).
#[hook]
pub fn use_profile(client: Rc<Client>, agent: AgentId, lang: &'static str) -> Option<Rc<AgentProfile>> {
    let profile = use_state_eq(|| None::<Rc<AgentProfile>>);
    {
        let profile = profile.setter();
        use_effect_with((agent, lang), move |(agent, lang)| {
            let (agent, lang) = (agent.clone(), *lang);
            yew::platform::spawn_local(async move {
                if let Ok(found) = client.agent(&agent, lang).await {
                    profile.set(Some(Rc::new(found)));
                }
            });
        });
    }
    (*profile).clone()
}

/// What the visitor has seen: taken from storage when a remembered conversation resumes,
/// advanced while the panel is open, and saved. Answers the seq after which events are news to
/// the host page's listeners: earlier ones, replayed by a new page, were told before.
#[hook]
pub fn use_seen(store: &Store, conversation: &ConversationHandle, open: bool) -> Rc<Cell<u64>> {
    let news_after = use_memo((), |()| Cell::new(0_u64));
    {
        // A resumed conversation starts where the visitor left it; a new one has seen nothing.
        let (news_after, store, dispatch) = (news_after.clone(), store.clone(), conversation.dispatcher());
        let id = store.current().map(|session| session.id);
        use_effect_with(id, move |id| {
            let seen = if id.is_some() { store.seen() } else { 0 };
            news_after.set(seen);
            if seen > 0 {
                dispatch.dispatch(Action::Seen(Seq(seen)));
            }
        });
    }
    {
        let (dispatch, store) = (conversation.dispatcher(), store.clone());
        use_effect_with((open, conversation.last_seq, conversation.seen_seq), move |&(open, last, seen)| {
            if open && last > seen {
                dispatch.dispatch(Action::Seen(last));
            }
            if seen > Seq(0) {
                store.save_seen(seen.0);
            }
        });
    }
    news_after
}

/// Clears "typing" when the teammate shows no new sign of it for a while.
#[hook]
pub fn use_typing_expiry(conversation: &ConversationHandle) {
    let dispatch = conversation.dispatcher();
    use_effect_with((conversation.teammate_typing, conversation.last_seq), move |&(typing, _)| {
        let timeout =
            typing.then(|| Timeout::new(TYPING_TIMEOUT_MS, move || dispatch.dispatch(Action::TypingExpired)));
        move || drop(timeout)
    });
}

/// Focus follows the panel: into the message box when it opens, back to the launcher when it
/// closes; and the host page hears of each (not of the first render's state, which takes focus only
/// when `focus_first` asks).
#[hook]
pub fn use_panel_focus(open: bool, focus_first: bool, input: &NodeRef, launcher: &NodeRef, host: &Host) {
    let first = use_mut_ref(|| true);
    let (input, launcher, host) = (input.clone(), launcher.clone(), host.clone());
    use_effect_with(open, move |&open| {
        if std::mem::replace(&mut *first.borrow_mut(), false) {
            if !focus_first {
                return;
            }
        } else {
            host.emit(if open { "open" } else { "close" }, &JsValue::UNDEFINED);
        }
        let target = if open { &input } else { &launcher };
        if let Some(element) = target.cast::<HtmlElement>() {
            let _ = element.focus();
        }
    });
}
