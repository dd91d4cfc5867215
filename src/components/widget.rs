//! The root component: owns the conversation reducer, the session, the outbox and the event
//! stream; provides the language's texts; lays out the launcher and the panel, and moves focus
//! between them.

use std::cell::Cell;
use std::rc::Rc;

use baton_protocol::{
    AgentProfile, ClientId, Event, EventKind, Mode, Seq, UpdateVisitor, Visitor, VisitorSource,
};
use futures::channel::mpsc::UnboundedSender;
use gloo_timers::callback::Timeout;
use web_sys::HtmlElement;
use yew::prelude::*;

use super::{Launcher, Panel};
use crate::api::Client;
use crate::conversation::{Action, Conversation};
use crate::host::{Command, Host};
use crate::i18n::Texts;
use crate::options::{Options, Position, Theme};
use crate::outbox::{Outbox, Outgoing};
use crate::session::{self, Session};
use crate::stream::{use_event_stream, Link};
use crate::viewport::use_visual_viewport;

/// How long "typing" shows without a new sign of it.
const TYPING_TIMEOUT_MS: u32 = 6_000;

/// Properties of [`Widget`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct WidgetProps {
    /// How the host page configured it.
    pub options: Rc<Options>,
    /// The host page's commands and listeners.
    #[prop_or_default]
    pub host: Host,
}

/// The whole widget.
#[component]
pub fn Widget(props: &WidgetProps) -> Html {
    let options = props.options.clone();
    let texts = use_memo(options.locale.clone(), |locale| {
        Texts::for_locale(&locale.clone().unwrap_or_else(page_locale))
    });
    let conversation = use_reducer(Conversation::default);
    let open = use_state_eq(|| options.inline);
    let profile = use_state_eq(|| None::<Rc<AgentProfile>>);
    let session = use_state_eq(|| None::<Session>);
    let shared_session = use_mut_ref(|| None::<Session>);
    let visitor = use_mut_ref(|| options.visitor.clone());
    // Events after this seq are news to the host page's listeners; earlier ones are replayed.
    let news_after = use_memo((), |()| Cell::new(0_u64));
    let host = props.host.clone();
    let link = use_state_eq(|| Link::Online);
    let email_saved = use_state_eq(|| None::<AttrValue>);
    let outbox = use_mut_ref(|| None::<UnboundedSender<Outgoing>>);
    let client = use_memo(options.endpoint.clone(), |endpoint| Client::new(endpoint));
    let storage_key =
        use_memo(options.clone(), |options| session::storage_key(&options.endpoint, &options.agent));
    let (launcher_ref, input_ref) = (use_node_ref(), use_node_ref());

    {
        // Once, after the first render: restore the session, fetch the profile, start the outbox.
        let (client, session, profile, outbox) =
            (client.clone(), session.clone(), profile.clone(), outbox.clone());
        let (shared_session, storage_key, options) =
            (shared_session.clone(), storage_key.clone(), options.clone());
        let (visitor, news_after, host, open) =
            (visitor.clone(), news_after.clone(), host.clone(), open.clone());
        let dispatch = conversation.dispatcher();
        use_effect_with((), move |()| {
            let remembered = session::load(&storage_key);
            if remembered.is_some() {
                let seen = session::load_seen(&storage_key);
                news_after.set(seen);
                dispatch.dispatch(Action::Seen(Seq(seen)));
            }
            *shared_session.borrow_mut() = remembered.clone();
            session.set(remembered);
            let on_session = Callback::from({
                let session = session.clone();
                move |new: Session| session.set(Some(new))
            });
            *outbox.borrow_mut() = Some(
                Outbox {
                    client: (*client).clone(),
                    agent: options.agent.clone(),
                    visitor: visitor.clone(),
                    locale: Some(options.locale.clone().unwrap_or_else(page_locale))
                        .filter(|l| !l.is_empty()),
                    storage_key: (*storage_key).clone(),
                    session: shared_session.clone(),
                    on_session,
                    dispatch: Callback::from(move |action| dispatch.dispatch(action)),
                }
                .spawn(),
            );
            let agent = options.agent.clone();
            let profile_client = client.clone();
            yew::platform::spawn_local(async move {
                if let Ok(found) = profile_client.agent(&agent).await {
                    profile.set(Some(Rc::new(found)));
                }
            });
            let inline = options.inline;
            host.listen(Callback::from(move |command| match command {
                Command::Open => open.set(true),
                Command::Close => open.set(inline),
                Command::Identify(who) => identify(&client, &shared_session, &visitor, who),
            }));
            move || {
                // Closing the channel ends the delivery loop.
                outbox.borrow_mut().take();
            }
        });
    }

    // A new page replays the whole log; reconnects resume after the last event delivered.
    let events_url = (*session).as_ref().map(|session| client.events_url(session));
    let on_event = {
        let (dispatch, host, news_after) = (conversation.dispatcher(), host.clone(), news_after.clone());
        Callback::from(move |event: Event| {
            if event.seq.0 > news_after.get() {
                tell_host(&host, &event.kind);
            }
            dispatch.dispatch(Action::Received(event));
        })
    };
    let on_link = {
        let link = link.clone();
        Callback::from(move |state| link.set(state))
    };
    use_event_stream(events_url, on_event, on_link);

    {
        // What arrives while the panel is open is seen; remember it across reloads.
        let dispatch = conversation.dispatcher();
        let storage_key = storage_key.clone();
        use_effect_with((*open, conversation.last_seq, conversation.seen_seq), move |&(open, last, seen)| {
            if open && last > seen {
                dispatch.dispatch(Action::Seen(last));
            }
            if seen > Seq(0) {
                session::save_seen(&storage_key, seen.0);
            }
        });
    }
    {
        let dispatch = conversation.dispatcher();
        use_effect_with((conversation.teammate_typing, conversation.last_seq), move |&(typing, _)| {
            let timeout = typing
                .then(|| Timeout::new(TYPING_TIMEOUT_MS, move || dispatch.dispatch(Action::TypingExpired)));
            move || drop(timeout)
        });
    }
    {
        // Focus follows the panel: into the message box on open, back to the launcher on close.
        let (input_ref, launcher_ref, host) = (input_ref.clone(), launcher_ref.clone(), host.clone());
        let first = use_mut_ref(|| true);
        use_effect_with(*open, move |&open| {
            let was_first = std::mem::replace(&mut *first.borrow_mut(), false);
            if !was_first {
                host.emit(if open { "open" } else { "close" }, &wasm_bindgen::JsValue::UNDEFINED);
                let target = if open { &input_ref } else { &launcher_ref };
                if let Some(element) = target.cast::<HtmlElement>() {
                    let _ = element.focus();
                }
            }
        });
    }

    let deliver = {
        let outbox = outbox.clone();
        move |outgoing: Outgoing| {
            if let Some(sender) = outbox.borrow().as_ref() {
                // Fails only once the widget is being destroyed.
                let _ = sender.unbounded_send(outgoing);
            }
        }
    };
    let on_send = {
        let dispatch = conversation.dispatcher();
        let deliver = deliver.clone();
        Callback::from(move |text: String| {
            let client_id = new_client_id();
            dispatch.dispatch(Action::Queued { client_id: client_id.clone(), text: text.clone() });
            deliver(Outgoing { client_id, text });
        })
    };
    // Stable across renders: every chunk of the log receives it, and a new callback would make
    // every chunk render again on each streamed piece.
    let on_retry = {
        let dispatch = conversation.dispatcher();
        use_callback((), move |outgoing: Outgoing, ()| {
            dispatch.dispatch(Action::Retried { client_id: outgoing.client_id.clone() });
            deliver(outgoing);
        })
    };
    let on_email = {
        let (client, session, email_saved) = (client.clone(), session.clone(), email_saved.clone());
        Callback::from(move |email: String| {
            let Some(current) = (*session).clone() else { return };
            let visitor = Visitor { email: Some(email.clone()), ..Visitor::default() };
            let typed = UpdateVisitor { visitor, source: VisitorSource::Visitor };
            let email_saved = email_saved.clone();
            let on_saved = Callback::from(move |()| email_saved.set(Some(email.clone().into())));
            save_visitor((*client).clone(), current, typed, on_saved);
        })
    };
    let on_restart = {
        let (dispatch, session, shared_session) =
            (conversation.dispatcher(), session.clone(), shared_session.clone());
        let (storage_key, email_saved, news_after) =
            (storage_key.clone(), email_saved.clone(), news_after.clone());
        Callback::from(move |()| {
            session::forget(&storage_key);
            // The next conversation's log starts again at 1, and all of it is news.
            news_after.set(0);
            shared_session.borrow_mut().take();
            session.set(None);
            email_saved.set(None);
            dispatch.dispatch(Action::Restarted);
        })
    };
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |()| open.set(!*open))
    };
    let onkeydown = {
        let open = open.clone();
        let inline = options.inline;
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" && *open && !inline {
                open.set(false);
            }
        })
    };

    // Read at render: a handoff, which is when it matters, always renders.
    let known_email = visitor.borrow().as_ref().and_then(|visitor| visitor.email.as_ref()).is_some();
    let handing_off =
        matches!(conversation.mode, Mode::Connecting | Mode::Waiting) || conversation.handoff_failed;
    let ask_email = handing_off && !known_email && email_saved.is_none();
    let panel = html! {
        <Panel profile={(*profile).clone()} conversation={Rc::new((*conversation).clone())} link={*link}
            {on_send} {on_retry} {ask_email} email_saved={(*email_saved).clone()} {on_email} {on_restart}
            input_ref={input_ref.clone()} />
    };
    let classes = classes!(
        "baton",
        if options.inline { "baton-inline" } else { "baton-floating" },
        (options.position == Position::Left).then_some("baton-left"),
        (options.theme == Theme::Dark).then_some("baton-dark"),
    );
    // Custom properties the stylesheet uses: the accent, and on phones the visible area. Set
    // through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows, unlike a
    // `style` attribute.
    let visible = use_visual_viewport(!options.inline && *open);
    let mut style = options.accent().map(|accent| format!("--baton-accent: {accent};")).unwrap_or_default();
    if let Some((height, top)) = visible {
        style.push_str(&format!("--baton-visible-height: {height}px; --baton-visible-top: {top}px;"));
    }
    let root_ref = use_node_ref();
    {
        let root_ref = root_ref.clone();
        use_effect_with(style, move |style| {
            if let Some(root) = root_ref.cast::<HtmlElement>() {
                root.style().set_css_text(style);
            }
        });
    }
    html! {
        <ContextProvider<&'static Texts> context={*texts}>
            <div class={classes} ref={root_ref} lang={texts.lang} {onkeydown}>
                if *open { { panel } }
                if !options.inline {
                    <Launcher open={*open} unread={conversation.unread()} {on_toggle} button_ref={launcher_ref} />
                }
            </div>
        </ContextProvider<&'static Texts>>
    }
}

/// Tells the bridge who the visitor is if a conversation exists; either way the next conversation
/// starts with it. Fields left out keep their value.
fn identify(
    client: &Client,
    session: &Rc<std::cell::RefCell<Option<Session>>>,
    visitor: &Rc<std::cell::RefCell<Option<Visitor>>>,
    who: Visitor,
) {
    {
        let mut known = visitor.borrow_mut();
        let merged = known.get_or_insert_with(Visitor::default);
        for (field, new) in [
            (&mut merged.email, &who.email),
            (&mut merged.name, &who.name),
            (&mut merged.user_id, &who.user_id),
            (&mut merged.user_hash, &who.user_hash),
        ] {
            if new.is_some() {
                field.clone_from(new);
            }
        }
    }
    if let Some(current) = session.borrow().clone() {
        // A refused update leaves the conversation as it was; the host page may call again.
        let claimed = UpdateVisitor { visitor: who, source: VisitorSource::Host };
        save_visitor(client.clone(), current, claimed, Callback::noop());
    }
}

/// Sends `update` to the bridge; `on_saved` hears of success. One copy of the request serves the
/// email form and the host page's `identify`: every copy ships to visitors.
fn save_visitor(client: Client, session: Session, update: UpdateVisitor, on_saved: Callback<()>) {
    yew::platform::spawn_local(async move {
        if client.update_visitor(&session, &update).await.is_ok() {
            on_saved.emit(());
        }
    });
}

/// Tells the host page's listeners about a new message or a handoff.
fn tell_host(host: &Host, kind: &EventKind) {
    let (author, text) = match kind {
        EventKind::AgentMessageCompleted { text, .. } => ("agent", text),
        EventKind::TeammateMessage { text, .. } => ("teammate", text),
        EventKind::HandoffRequested => return host.emit("handoff", &wasm_bindgen::JsValue::UNDEFINED),
        _ => return,
    };
    let detail = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&detail, &"author".into(), &author.into());
    let _ = js_sys::Reflect::set(&detail, &"text".into(), &text.into());
    host.emit("message", &detail);
}

/// The page's language: `<html lang>`, else the browser's.
fn page_locale() -> String {
    let window = web_sys::window();
    window
        .as_ref()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
        .and_then(|root| root.get_attribute("lang"))
        .filter(|lang| !lang.is_empty())
        .or_else(|| window.and_then(|window| window.navigator().language()))
        .unwrap_or_default()
}

/// A random version-4 UUID from the browser's cryptographic generator.
fn new_client_id() -> ClientId {
    let mut bytes = [0_u8; 16];
    let filled = web_sys::window()
        .and_then(|window| window.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Two messages must never share an id, or the bridge would store only the first.
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let hex: String = bytes
        .iter()
        .flat_map(|byte| [DIGITS[usize::from(byte >> 4)], DIGITS[usize::from(byte & 15)]])
        .map(char::from)
        .collect();
    ClientId(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}
