//! Delivers the visitor's messages one at a time, in the order they were typed, starting the
//! conversation on the bridge with the first one. A message that cannot be delivered is marked
//! failed; retrying sends it again under the same client id, so it is never stored twice.

use std::cell::RefCell;
use std::rc::Rc;

use baton_protocol::{
    AgentId, ClientId, CreateConversation, SendMessage, Visitor, MAX_TITLE_CHARS, MAX_URL_CHARS,
};
use futures::channel::mpsc;
use futures::StreamExt;
use yew::{hook, use_callback, use_effect_with, use_mut_ref, Callback};

use crate::api::{ApiError, Client};
use crate::conversation::Action;
use crate::session::{Session, Store};

/// A message waiting to be delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Its id, reused on retry.
    pub client_id: ClientId,
    /// Its text.
    pub text: String,
    /// The files attached to it, uploaded before it is sent.
    pub files: Vec<web_sys::File>,
}

/// Where a conversation's messages are sent, and what to tell when things happen.
pub struct Outbox {
    /// The bridge.
    pub client: Client,
    /// The agent a new conversation is started with.
    pub agent: AgentId,
    /// Who the visitor is, as the host page said (in the options or through `identify`).
    pub visitor: Rc<RefCell<Option<Visitor>>>,
    /// The widget's language (the `locale` option, else the page's), which the team is told.
    pub locale: Option<String>,
    /// The preview key, when the dashboard's preview panel mounted the widget.
    pub preview: Option<String>,
    /// The session, started here by the first message.
    pub session: Store,
    /// Told when a message fails.
    pub dispatch: Callback<Action>,
}

impl Outbox {
    /// Starts the delivery loop; messages go in through the returned sender, and dropping it ends
    /// the loop.
    pub fn spawn(self) -> mpsc::UnboundedSender<Outgoing> {
        let (sender, mut queue) = mpsc::unbounded::<Outgoing>();
        yew::platform::spawn_local(async move {
            while let Some(message) = queue.next().await {
                if self.deliver(&message).await.is_err() {
                    self.dispatch.emit(Action::SendFailed { client_id: message.client_id });
                }
            }
        });
        sender
    }

    async fn deliver(&self, message: &Outgoing) -> Result<(), ApiError> {
        let session = self.session().await?;
        // Each file is stored before the message names it; a retry uploads them again.
        let mut attachments = Vec::with_capacity(message.files.len());
        for file in &message.files {
            attachments.push(self.client.upload(&session, file).await?);
        }
        let body =
            SendMessage { client_id: message.client_id.clone(), text: message.text.clone(), attachments };
        self.client.send_message(&session, &body).await
    }

    async fn session(&self) -> Result<Session, ApiError> {
        if let Some(session) = self.session.current() {
            return Ok(session);
        }
        let location = web_sys::window().map(|window| window.location());
        let document = web_sys::window().and_then(|window| window.document());
        let body = CreateConversation {
            agent: self.agent.clone(),
            // Past the bridge's bounds a page's address is left out and its title cut, rather
            // than the conversation refused.
            page_url: location
                .and_then(|location| location.href().ok())
                .filter(|url| url.chars().count() <= MAX_URL_CHARS),
            page_title: document.map(|document| document.title().chars().take(MAX_TITLE_CHARS).collect()),
            locale: self.locale.clone(),
            visitor: self.visitor.borrow().clone(),
            preview: self.preview.clone(),
        };
        let created = self.client.create_conversation(&body).await?;
        let session = Session { id: created.id, token: created.token };
        self.session.start(session.clone());
        Ok(session)
    }
}

/// Runs the outbox `make` builds, once, for the life of the component; the callback it answers
/// queues a message for delivery, and stays the same across renders.
#[hook]
pub fn use_outbox<F>(make: F) -> Callback<Outgoing>
where
    F: FnOnce() -> Outbox + 'static,
{
    let sender = use_mut_ref(|| None::<mpsc::UnboundedSender<Outgoing>>);
    {
        let sender = sender.clone();
        use_effect_with((), move |()| {
            *sender.borrow_mut() = Some(make().spawn());
            // Closing the channel ends the delivery loop.
            move || drop(sender.borrow_mut().take())
        });
    }
    use_callback((), move |outgoing: Outgoing, ()| {
        if let Some(sender) = sender.borrow().as_ref() {
            // Fails only once the widget is being destroyed.
            let _ = sender.unbounded_send(outgoing);
        }
    })
}
