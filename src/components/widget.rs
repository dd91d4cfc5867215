//! The root component: owns the conversation reducer and wires the hooks that keep the session,
//! deliver messages, follow the event stream and answer the host page; provides the language's
//! texts; lays out the launcher and the panel.

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::{ClientId, Event, EventKind, Mode, Seq, UpdateVisitor, Visitor, VisitorSource};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

use super::{launcher, panel, use_log_state, use_picking, use_writing, Draft, LauncherProps, PanelProps};
use crate::api::{Client, Write};
use crate::contrast;
use crate::conversation::{Action, Conversation};
use crate::hooks::{use_panel_focus, use_profile, use_seen, use_typing_expiry};
use crate::host::{use_host_commands, Command, Host};
use crate::i18n::Texts;
use crate::message::Sender;
use crate::options::{Options, Position, Theme};
use crate::outbox::{use_outbox, Outbox, Outgoing};
use crate::preview;
use crate::session::{use_session, Session, Store};
use crate::stream::{use_event_stream, Link};
use crate::viewport::use_visual_viewport;

/// Properties of [`Widget`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct WidgetProps {
    /// How the host page configured it.
    pub options: Rc<Options>,
    /// The host page's commands and listeners.
    #[prop_or_default]
    pub host: Host,
    /// The visitor's session, shared with the host page's handle.
    pub session: Store,
}

/// The whole widget.
#[component]
pub fn Widget(props: &WidgetProps) -> Html {
    let options = props.options.clone();
    let (host, store) = (&props.host, &props.session);
    let texts = use_memo(options.locale.clone(), |locale| {
        Texts::for_locale(&locale.clone().unwrap_or_else(page_locale))
    });
    let conversation = use_reducer(Conversation::default);
    let client = use_memo(options.endpoint.clone(), |endpoint| Client::new(endpoint));
    let session = use_session(store);
    let open = use_state_eq(|| options.inline);
    let link = use_state_eq(|| Link::Online);
    let email_saved = use_state_eq(|| None::<AttrValue>);
    let visitor = use_mut_ref(|| options.visitor.clone());
    let profile = use_profile(client.clone(), options.agent.clone(), texts.lang);
    let news_after = use_seen(store, &conversation, *open);
    use_typing_expiry(&conversation);
    let (launcher_ref, input_ref) = (use_node_ref(), use_node_ref());
    // The panel's fields, kept here: the panel is a function of this component.
    let (comment_ref, email_ref) = (use_node_ref(), use_node_ref());
    let email_invalid = use_state_eq(|| false);
    let picking = use_picking();
    let writing = use_writing();
    let log = use_log_state(&conversation.messages);
    use_panel_focus(*open, options.focus, &input_ref, &launcher_ref, host);
    let deliver = {
        let (client, agent, visitor, store) =
            (client.clone(), options.agent.clone(), visitor.clone(), store.clone());
        let dispatch = conversation.dispatcher().to_callback();
        let locale =
            Some(options.locale.clone().unwrap_or_else(page_locale)).filter(|locale| !locale.is_empty());
        let preview = options.preview.clone();
        use_outbox(move || Outbox {
            client: (*client).clone(),
            agent,
            visitor,
            locale,
            preview,
            session: store,
            dispatch,
        })
    };

    // A new page replays the whole log; reconnects resume after the last event delivered.
    let on_event = {
        let (dispatch, host) = (conversation.dispatcher(), host.clone());
        Callback::from(move |event: Event| {
            if event.seq.0 > news_after.get() {
                tell_host(&host, &event.kind);
            }
            dispatch.dispatch(Action::Received(event));
        })
    };
    let on_link = {
        let link = link.setter();
        Callback::from(move |state| link.set(state))
    };
    use_event_stream(session.as_ref().map(|session| client.events_url(session)), on_event, on_link);

    // The files of messages sent with some, for a retry to send them again.
    let files_of = use_mut_ref(Vec::<(ClientId, Vec<web_sys::File>)>::new);
    let on_send_files = {
        let (dispatch, deliver, files_of) = (conversation.dispatcher(), deliver.clone(), files_of.clone());
        Callback::from(move |draft: Draft| {
            let client_id = new_client_id();
            let at = js_sys::Date::now() as i64;
            let (files, attachments): (Vec<web_sys::File>, Vec<_>) =
                draft.files.into_iter().map(|picked| (picked.file, picked.preview)).unzip();
            dispatch.dispatch(Action::Queued { client_id: client_id.clone(), text: draft.text.clone(), at });
            if !files.is_empty() {
                dispatch.dispatch(Action::Attached { client_id: client_id.clone(), attachments });
                files_of.borrow_mut().push((client_id.clone(), files.clone()));
            }
            deliver.emit(Outgoing { client_id, text: draft.text, files });
        })
    };
    // A message of words alone takes the same way, so the widget has one.
    let on_send = on_send_files.reform(|text: String| Draft { text, files: Vec::new() });
    // Stable across renders: every chunk of the log receives it, and a new callback would make
    // every chunk render again on each streamed piece.
    let on_retry = {
        let dispatch = conversation.dispatcher();
        use_callback(deliver, move |mut outgoing: Outgoing, deliver| {
            dispatch.dispatch(Action::Retried { client_id: outgoing.client_id.clone() });
            let files = files_of.borrow();
            if let Some((_, files)) = files.iter().find(|(id, _)| *id == outgoing.client_id) {
                outgoing.files = files.clone();
            }
            deliver.emit(outgoing);
        })
    };
    let on_email = {
        let (client, session, email_saved) = (client.clone(), session.clone(), email_saved.setter());
        Callback::from(move |email: String| {
            let Some(current) = session.clone() else { return };
            let visitor = Visitor { email: Some(email.clone()), ..Visitor::default() };
            let typed = UpdateVisitor { visitor, source: VisitorSource::Visitor };
            let email_saved = email_saved.clone();
            let on_saved = Callback::from(move |saved| {
                if saved {
                    email_saved.set(Some(email.clone().into()));
                }
            });
            write((*client).clone(), current, Write::Visitor(typed), on_saved);
        })
    };
    let on_rate = {
        let (client, session) = (client.clone(), session.clone());
        Callback::from(move |rating| {
            let Some(current) = session.clone() else { return };
            // Success shows when the bridge's `conversation_rated` event arrives; until then the
            // choices stay, so a rating that did not get through can be sent again.
            write((*client).clone(), current, Write::Rating(rating), Callback::noop());
        })
    };
    let on_restart = {
        let (dispatch, store, email_saved) = (conversation.dispatcher(), store.clone(), email_saved.setter());
        Callback::from(move |()| {
            store.forget();
            email_saved.set(None);
            dispatch.dispatch(Action::Restarted);
        })
    };
    // Closing plays the stylesheet's fade-out first, and the panel goes when it ends; where the
    // panel has no animation (reduced motion), it goes at once. An inline panel never closes.
    let closing = use_state_eq(|| false);
    let panel_ref = use_node_ref();
    let close = {
        let (open, closing, panel_ref, inline) =
            (open.setter(), closing.setter(), panel_ref.clone(), options.inline);
        Callback::from(move |()| match (inline, animates(&panel_ref)) {
            (true, _) => {}
            (false, true) => closing.set(true),
            (false, false) => open.set(false),
        })
    };
    let reopen = {
        let (open, closing) = (open.setter(), closing.setter());
        Callback::from(move |()| {
            closing.set(false);
            open.set(true);
        })
    };
    let on_closed = {
        let (open, closing) = (open.setter(), closing.clone());
        Callback::from(move |()| {
            if *closing {
                closing.set(false);
                open.set(false);
            }
        })
    };
    {
        let (close, reopen) = (close.clone(), reopen.clone());
        let (client, store, visitor, on_restart) =
            (client.clone(), store.clone(), visitor.clone(), on_restart.clone());
        use_host_commands(
            host,
            Callback::from(move |command| match command {
                Command::Open => reopen.emit(()),
                Command::Close => close.emit(()),
                Command::Identify(who) => identify(&client, store.current(), &visitor, who),
                Command::Restart => on_restart.emit(()),
            }),
        );
    }
    let showing = *open && !*closing;
    let on_toggle = if showing { close.clone() } else { reopen };
    let onkeydown = Callback::from(move |event: KeyboardEvent| {
        if event.key() == "Escape" && showing {
            close.emit(());
        }
    });

    // Read at render: a handoff, which is when it matters, always renders.
    let known_email = visitor.borrow().as_ref().and_then(|visitor| visitor.email.as_ref()).is_some();
    let handing_off =
        matches!(conversation.mode, Mode::Connecting | Mode::Waiting) || conversation.handoff_failed;
    let ask_email = handing_off && !known_email && email_saved.is_none();
    let unread = conversation.unread();
    // The newest unread message beside the closed launcher, until the visitor closes it (a newer
    // one shows again) or opens the panel, which sees it.
    let dismissed = use_state_eq(|| Seq(0));
    let shown_preview = (!*open).then(|| preview::latest_unread(&conversation, *dismissed)).flatten();
    let on_dismiss = {
        let (dismissed, seq) = (dismissed.setter(), shown_preview.map(|message| message.seq));
        Callback::from(move |()| dismissed.set(seq.unwrap_or_default()))
    };
    let preview = shown_preview.map(|message| {
        let author = match (&message.sender, &profile) {
            (Sender::Teammate(teammate), _) => teammate.name.clone(),
            (_, Some(profile)) => profile.name.clone(),
            (_, None) => texts.ai_assistant.to_owned(),
        };
        (author, preview::excerpt(&message.text))
    });
    let shown = PanelProps {
        profile: profile.clone(),
        conversation,
        link: *link,
        on_send,
        on_send_files,
        picking,
        writing,
        log,
        on_retry,
        ask_email,
        email_saved: (*email_saved).clone(),
        on_email,
        on_restart,
        on_rate,
        input_ref: input_ref.clone(),
        comment_ref,
        email_ref,
        email_invalid,
        closing: *closing,
        panel_ref,
        on_closed,
    };
    let classes = classes!(
        "baton",
        if options.inline { "baton-inline" } else { "baton-floating" },
        (options.position == Position::Left).then_some("baton-left"),
        (options.theme == Theme::Dark).then_some("baton-dark"),
    );
    // Custom properties the stylesheet uses: the accent and the text colour readable on it, and
    // on phones the visible area. Set
    // through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows, unlike a
    // `style` attribute.
    let visible = use_visual_viewport(!options.inline && *open);
    let mut style = options
        .accent()
        .map(|accent| {
            format!("--baton-accent: {accent}; --baton-accent-text: {};", contrast::text_on(accent))
        })
        .unwrap_or_default();
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
                if *open { { panel(*texts, &shown) } }
                if !options.inline {
                    { launcher(*texts, &LauncherProps { open: *open, unread, on_toggle, preview, on_dismiss, button_ref: launcher_ref }) }
                }
            </div>
        </ContextProvider<&'static Texts>>
    }
}

/// Tells the bridge who the visitor is if a conversation exists; either way the next conversation
/// starts with it. Fields left out keep their value.
fn identify(client: &Client, session: Option<Session>, visitor: &Rc<RefCell<Option<Visitor>>>, who: Visitor) {
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
    if let Some(current) = session {
        // A refused update leaves the conversation as it was; the host page may call again.
        let claimed = UpdateVisitor { visitor: who, source: VisitorSource::Host };
        write(client.clone(), current, Write::Visitor(claimed), Callback::noop());
    }
}

/// Sends `change` to the bridge; `on_done` hears whether it was taken. One copy of the request
/// serves the email form, the host page's `identify` and the rating: every copy ships to visitors.
fn write(client: Client, session: Session, change: Write, on_done: Callback<bool>) {
    yew::platform::spawn_local(async move {
        on_done.emit(client.write(&session, &change).await.is_ok());
    });
}

/// Whether the panel has an animation (none under reduced motion): closing then waits for the
/// fade-out's end.
fn animates(panel: &NodeRef) -> bool {
    let (Some(node), Some(window)) = (panel.get(), web_sys::window()) else { return false };
    let style = window.get_computed_style(node.unchecked_ref()).ok().flatten();
    style.and_then(|style| style.get_property_value("animation-name").ok()).is_some_and(|name| name != "none")
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
