//! The support inbox a conversation is handed to, as one trait: deliver a handoff, hear that the
//! visitor wrote or changed their details, pick up after a restart, list the workspace's people for
//! routing, and serve its own HTTP routes (webhooks, OAuth, its admin calls). The core — the
//! handoff engine, the widget API, the admin API — speaks only to this trait; Intercom is one
//! implementation in its own folder, and another inbox is another folder plus one line in
//! [`open`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use baton_protocol::ConversationId;
use futures::future::BoxFuture;

use crate::agents::Registry;
use crate::conversations::Conversations;
use crate::files::UrlSigner;
use crate::handoff::{Delivered, DeliveryError, HandoffRequest};
use crate::leases::Leasing;
use crate::metrics::CallMeter;
use crate::routing::Directory;
use crate::tasks::Tasks;
use crate::AppState;

/// Why the inbox could not answer.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// No workspace is connected.
    #[error("no support inbox is connected")]
    NotConnected,
    /// The inbox failed to answer.
    #[error("the support inbox could not answer: {0}")]
    Unavailable(String),
    /// The inbox's settings cannot be used.
    #[error("the `[{table}]` settings: {message}")]
    Settings {
        /// The table of the agents file.
        table: String,
        /// What is wrong.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Where handed-off conversations go.
pub trait Inbox: Send + Sync + std::fmt::Debug {
    /// Delivers `request`. Called again with the same handoff id after a failure or a restart,
    /// so it must not create a second conversation for one handoff.
    fn deliver(&self, request: HandoffRequest) -> BoxFuture<'static, Result<Delivered, DeliveryError>>;

    /// The visitor wrote in conversation `id`, which the inbox has: pass it on, in the
    /// background.
    fn visitor_wrote(&self, _id: &ConversationId) {}

    /// What is known of the visitor of conversation `id` changed (they left an email).
    fn visitor_changed(&self, _id: &ConversationId) {}

    /// Picks up, at start, what a stopped process left undone.
    fn resume(&self) -> BoxFuture<'_, Result<(), InboxError>> {
        Box::pin(async { Ok(()) })
    }

    /// The workspace's admins and teams, for routing and for checking settings that name them;
    /// `fresh` skips any cache.
    fn directory(&self, _fresh: bool) -> BoxFuture<'_, Result<Directory, InboxError>> {
        Box::pin(async { Err(InboxError::NotConnected) })
    }

    /// The inbox's own HTTP routes.
    fn routes(self: Arc<Self>) -> Router<Arc<AppState>> {
        Router::new()
    }

    /// The meter of the inbox's API calls, if it makes any.
    fn calls(&self) -> Option<CallMeter> {
        None
    }
}

/// The inbox when none is configured: every handoff fails at once, plainly.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoInbox;

impl Inbox for NoInbox {
    fn deliver(&self, _request: HandoffRequest) -> BoxFuture<'static, Result<Delivered, DeliveryError>> {
        Box::pin(async { Err(DeliveryError::NoInbox) })
    }
}

/// What an inbox is built with.
#[derive(Debug, Clone)]
pub struct InboxContext {
    /// The conversations it takes over.
    pub conversations: Conversations,
    /// The agents, for their routing and Copilot settings.
    pub agents: Arc<Registry>,
    /// Where its background work runs.
    pub tasks: Tasks,
    /// Signs the addresses of the files visitors attach, for the inbox to fetch them.
    pub signer: UrlSigner,
    /// Claims its background work for this bridge.
    pub leasing: Leasing,
}

/// How an inbox is built: from its table of the agents file, if there is one, and the
/// environment; `None` when neither configures it.
pub type Opener = fn(
    Option<&toml::Table>,
    &dyn Fn(&str) -> Option<String>,
    InboxContext,
) -> Result<Option<Arc<dyn Inbox>>, InboxError>;

/// Every inbox the bridge can hand off to, by the name of its table in the agents file.
pub const INBOXES: &[(&str, Opener)] = &[("intercom", crate::intercom::open)];

/// The inbox the agents file's inbox tables and the environment (`var`) configure — the first
/// of [`INBOXES`] that is — or [`NoInbox`]. A table no inbox claims is refused.
pub fn open(
    tables: &BTreeMap<String, toml::Table>,
    var: &dyn Fn(&str) -> Option<String>,
    context: InboxContext,
) -> Result<Arc<dyn Inbox>, InboxError> {
    if let Some(unknown) = tables.keys().find(|name| !INBOXES.iter().any(|(known, _)| known == name)) {
        let known: Vec<&str> = INBOXES.iter().map(|(name, _)| *name).collect();
        return Err(InboxError::Settings {
            table: unknown.clone(),
            message: format!("no inbox of that name (known: {})", known.join(", ")),
        });
    }
    for (name, opener) in INBOXES {
        if let Some(inbox) = opener(tables.get(*name), var, context.clone())? {
            return Ok(inbox);
        }
    }
    Ok(Arc::new(NoInbox))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SettingsFile;

    fn context(dir: &std::path::Path) -> InboxContext {
        let agents = Registry::new(SettingsFile::demo(Vec::new()), None, std::time::Duration::ZERO)
            .expect("the demo agent builds");
        let conversations = Conversations::open(&dir.join("baton.db")).expect("store");
        InboxContext {
            leasing: Leasing::new(conversations.clone(), crate::leases::DEFAULT_TERM),
            conversations,
            agents: Arc::new(agents),
            tasks: Tasks::new(),
            signer: UrlSigner::new(&crate::secret::SecretKey::generate()),
        }
    }

    #[test]
    fn the_inbox_table_survives_a_save_and_a_misspelt_one_is_refused() {
        let text = "[agents.demo]\nname = \"J\"\ncompany = \"C\"\ngreeting = \"Hi\"\n\n[intercom]\nbase_url = \"http://127.0.0.1:9\"\naccess_token = \"t\"\n";
        let file: SettingsFile = toml::from_str(text).expect("parses");
        assert_eq!(file.inboxes["intercom"]["base_url"].as_str(), Some("http://127.0.0.1:9"));
        let again: SettingsFile =
            toml::from_str(&toml::to_string_pretty(&file).expect("writes")).expect("parses again");
        assert_eq!(again, file, "saving keeps the inbox's table as it was");

        let dir = tempfile::tempdir().expect("temp dir");
        let none = |_: &str| None;
        let misspelt: SettingsFile = toml::from_str("[intercm]\naccess_token = \"t\"\n").expect("parses");
        let error = open(&misspelt.inboxes, &none, context(dir.path())).expect_err("refused");
        assert!(error.to_string().contains("intercm"), "{error}");
        let unknown_field: SettingsFile =
            toml::from_str("[intercom]\nacess_token = \"t\"\n").expect("parses");
        let error = open(&unknown_field.inboxes, &none, context(dir.path())).expect_err("refused");
        assert!(error.to_string().contains("acess_token"), "{error}");
    }

    #[tokio::test]
    async fn without_a_table_or_variables_handoffs_have_no_inbox_and_the_environment_can_configure_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let none = |_: &str| None;
        let inbox = open(&BTreeMap::new(), &none, context(dir.path())).expect("opens");
        assert!(matches!(inbox.directory(false).await, Err(InboxError::NotConnected)));
        let token = |name: &str| (name == "BATON_INTERCOM_TOKEN").then(|| "t".to_owned());
        let inbox = open(&BTreeMap::new(), &token, context(dir.path())).expect("opens");
        assert!(format!("{inbox:?}").contains("Intercom"), "the variables alone configure Intercom");
    }
}
