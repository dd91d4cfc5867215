//! The root component: owns the conversation reducer, the session, the outbox and the event
//! stream, and lays out the launcher and the panel.

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::{AgentProfile, ClientId};
use futures::channel::mpsc::UnboundedSender;
use yew::prelude::*;

use super::{Launcher, Panel};
use crate::api::Client;
use crate::conversation::{Action, Conversation};
use crate::options::Options;
use crate::outbox::{Outbox, Outgoing};
use crate::session::{self, Session};
use crate::stream::{use_event_stream, Link};

/// Properties of [`Widget`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct WidgetProps {
    /// How the host page configured it.
    pub options: Rc<Options>,
}

/// The whole widget.
#[component]
pub fn Widget(props: &WidgetProps) -> Html {
    let options = props.options.clone();
    let conversation = use_reducer(Conversation::default);
    let open = use_state_eq(|| options.inline);
    let profile = use_state_eq(|| None::<Rc<AgentProfile>>);
    let session = use_state_eq(|| None::<Session>);
    let link = use_state_eq(|| Link::Online);
    let outbox = use_mut_ref(|| None::<UnboundedSender<Outgoing>>);
    let client = use_memo(options.endpoint.clone(), |endpoint| Client::new(endpoint));

    {
        // Once, after the first render: restore the session, fetch the profile, start the outbox.
        let (client, session, profile, outbox) = (client.clone(), session.clone(), profile.clone(), outbox.clone());
        let dispatch = conversation.dispatcher();
        let options = options.clone();
        use_effect_with((), move |()| {
            let storage_key = session::storage_key(&options.endpoint, &options.agent);
            let remembered = session::load(&storage_key);
            session.set(remembered.clone());
            let on_session = Callback::from({
                let session = session.clone();
                move |new: Session| session.set(Some(new))
            });
            *outbox.borrow_mut() = Some(
                Outbox {
                    client: (*client).clone(),
                    agent: options.agent.clone(),
                    storage_key,
                    session: Rc::new(RefCell::new(remembered)),
                    on_session,
                    dispatch: Callback::from(move |action| dispatch.dispatch(action)),
                }
                .spawn(),
            );
            let agent = options.agent.clone();
            yew::platform::spawn_local(async move {
                if let Ok(found) = client.agent(&agent).await {
                    profile.set(Some(Rc::new(found)));
                }
            });
            move || {
                // Closing the channel ends the delivery loop.
                outbox.borrow_mut().take();
            }
        });
    }

    // The stream replays the whole log on (re)start, and the reducer ignores what it knows.
    let events_url = (*session).as_ref().map(|session| client.events_url(session, 0));
    let on_event = {
        let dispatch = conversation.dispatcher();
        Callback::from(move |event| dispatch.dispatch(Action::Received(event)))
    };
    let on_link = {
        let link = link.clone();
        Callback::from(move |state| link.set(state))
    };
    use_event_stream(events_url, on_event, on_link);

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
    let on_retry = {
        let dispatch = conversation.dispatcher();
        Callback::from(move |outgoing: Outgoing| {
            dispatch.dispatch(Action::Retried { client_id: outgoing.client_id.clone() });
            deliver(outgoing);
        })
    };
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |()| open.set(!*open))
    };

    let panel = html! {
        <Panel profile={(*profile).clone()} conversation={Rc::new((*conversation).clone())}
            link={*link} {on_send} {on_retry} />
    };
    html! {
        <div class={classes!("baton", if options.inline { "baton-inline" } else { "baton-floating" })}>
            if *open { { panel } }
            if !options.inline { <Launcher open={*open} {on_toggle} /> }
        </div>
    }
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
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    ClientId(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
}
