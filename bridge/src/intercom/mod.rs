//! The Intercom side of Baton: a handed-off conversation lands in the company's Intercom inbox
//! with everything a teammate needs, the visitor's later messages follow it as the contact's
//! replies, and the teammate's answers, assignment and closing come back through signed
//! webhooks into the widget's event stream.
//!
//! - [`client`] and [`model`]: the typed REST client and its JSON.
//! - [`handoff`]: delivering a handoff (contact, conversation, transcript note), exactly once;
//!   [`contact`]: the contact, named and kept up to date; [`note`]: what the teammate reads;
//!   [`html`]: message text as Intercom's HTML.
//! - [`sync`]: the live relay both ways; [`seen`]: a teammate's reading told to the visitor;
//!   [`copilot`]: drafts for teammates.
//! - [`routes`]: the webhook endpoint and the OAuth connection.
//! - [`inbox`]: all of it behind the core's [`Inbox`](crate::inbox::Inbox) trait.

pub mod client;
pub mod contact;
pub mod copilot;
pub mod handoff;
pub mod html;
pub mod inbox;
pub mod model;
pub mod note;
pub mod routes;
pub mod seen;
pub mod sync;

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use baton_protocol::ConversationId;
use serde::{Deserialize, Serialize};

use self::client::{IntercomClient, IntercomError};
use self::model::{Admin, Id, Team};
use crate::agents::Registry;
use crate::conversations::Conversations;
use crate::files::UrlSigner;
use crate::inbox::{Inbox, InboxContext, InboxError};
use crate::leases::Leasing;
use crate::metrics::CallMeter;
use crate::routing::{self, Directory, Person};
use crate::secret::Secret;
use crate::store::StoreError;
use crate::tasks::Tasks;
use crate::turns::Turns;

/// How long the workspace's admins and teams are reused.
const PEOPLE_FRESH_FOR: Duration = Duration::from_secs(300);

/// The workspace's admins and teams.
#[derive(Debug, Clone, Default)]
pub struct People {
    /// The admins.
    pub admins: Vec<Admin>,
    /// The teams.
    pub teams: Vec<Team>,
}

impl People {
    /// The same people as routing reads them.
    pub fn directory(&self) -> Directory {
        Directory {
            admins: self
                .admins
                .iter()
                .map(|admin| Person {
                    id: admin.id.0.clone(),
                    name: admin.name.clone(),
                    away: admin.away_mode_enabled,
                })
                .collect(),
            teams: self
                .teams
                .iter()
                .map(|team| routing::Team {
                    id: team.id.0.clone(),
                    name: team.name.clone(),
                    admin_ids: team.admin_ids.iter().map(|id| id.0.clone()).collect(),
                })
                .collect(),
        }
    }
}

/// The `[intercom]` table of the agents file. `BATON_INTERCOM_BASE_URL`, `BATON_INTERCOM_TOKEN`,
/// `BATON_INTERCOM_CLIENT_ID` and `BATON_INTERCOM_CLIENT_SECRET` override it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntercomSettings {
    /// Where the workspace's data lives: `us` (default), `eu` or `au`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The API's base URL, overriding the region's (the sandbox: `http://127.0.0.1:8090`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// An access token, for self-hosted use without the OAuth flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    /// The Intercom app's OAuth client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The Intercom app's client secret: OAuth, and the key webhooks are signed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    /// The admin who writes the transcript notes; the token's own admin (`GET /me`) if unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_id: Option<String>,
    /// The secret `user_hash` is an HMAC-SHA256 with, for identity verification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<Secret>,
    /// The reply time the widget announces once a conversation reaches the inbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_reply_minutes: Option<u32>,
    /// The bridge's public address, for the OAuth callback (`https://chat.example.com`); the
    /// request's own host when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
}

impl IntercomSettings {
    /// The settings with the `BATON_INTERCOM_*` environment variables applied over them.
    pub fn with_env(mut self, var: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        if let Some(base) = non_empty("BATON_INTERCOM_BASE_URL") {
            self.base_url = Some(base);
        }
        if let Some(token) = non_empty("BATON_INTERCOM_TOKEN") {
            self.access_token = Some(token.into());
        }
        if let Some(id) = non_empty("BATON_INTERCOM_CLIENT_ID") {
            self.client_id = Some(id);
        }
        if let Some(secret) = non_empty("BATON_INTERCOM_CLIENT_SECRET") {
            self.client_secret = Some(secret.into());
        }
        self
    }

    /// The API's base URL: the explicit one, or the region's host.
    pub fn api_base(&self) -> String {
        if let Some(base) = &self.base_url {
            return base.trim_end_matches('/').to_owned();
        }
        match self.region.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("eu") => "https://api.eu.intercom.io".into(),
            Some("au") => "https://api.au.intercom.io".into(),
            _ => "https://api.intercom.io".into(),
        }
    }

    /// Where the browser goes to authorize the app: Intercom's web app for the real API, the
    /// base URL itself for a sandbox.
    pub fn authorize_base(&self) -> String {
        let base = self.api_base();
        match base.as_str() {
            "https://api.intercom.io" => "https://app.intercom.com".into(),
            "https://api.eu.intercom.io" => "https://app.eu.intercom.com".into(),
            "https://api.au.intercom.io" => "https://app.au.intercom.com".into(),
            _ => base,
        }
    }
}

/// The Intercom inbox the `[intercom]` table and the `BATON_INTERCOM_*` variables (`var`)
/// configure, if they configure one.
pub fn open(
    table: Option<&toml::Table>,
    var: &dyn Fn(&str) -> Option<String>,
    context: InboxContext,
) -> Result<Option<Arc<dyn Inbox>>, InboxError> {
    let settings: IntercomSettings = match table {
        Some(table) => table.clone().try_into().map_err(|error: toml::de::Error| InboxError::Settings {
            table: "intercom".into(),
            message: error.message().to_owned(),
        })?,
        None => IntercomSettings::default(),
    };
    let settings = settings.with_env(var);
    if settings == IntercomSettings::default() {
        return Ok(None);
    }
    let intercom = Intercom::new(settings, context).map_err(|error| match error {
        SyncError::Store(error) => InboxError::Store(error),
        other => InboxError::Settings { table: "intercom".into(), message: other.to_string() },
    })?;
    tracing::info!(api = %intercom.settings().api_base(), connected = intercom.token_source().is_some(), "Intercom configured");
    Ok(Some(Arc::new(intercom)))
}

/// Where the access token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// The configuration or `BATON_INTERCOM_TOKEN`.
    Config,
    /// The OAuth flow.
    Oauth,
}

/// The live connection to one Intercom workspace; shared.
#[derive(Debug)]
pub struct Intercom {
    settings: IntercomSettings,
    conversations: Conversations,
    agents: Arc<Registry>,
    tasks: Tasks,
    /// Claims a conversation's relay, so one bridge at a time posts its messages.
    leasing: Leasing,
    client: RwLock<Option<(IntercomClient, TokenSource)>>,
    acting_admin: Mutex<Option<Id>>,
    people: Mutex<Option<(Instant, People)>>,
    /// Keeps one conversation's Intercom work in order.
    turns: Turns<ConversationId>,
    /// Renews the addresses of visitors' files before they are handed to Intercom.
    signer: UrlSigner,
    /// Counts every client's calls.
    calls: CallMeter,
}

/// Why the Intercom side could not act.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No workspace is connected.
    #[error("no Intercom workspace is connected")]
    NotConnected,
    /// Intercom failed.
    #[error(transparent)]
    Intercom(#[from] IntercomError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Intercom {
    /// The connection `settings` describe, over the context's conversations, for its agents;
    /// the token is the configured one (one an earlier OAuth flow stored is loaded by
    /// [`Intercom::resume`]).
    pub fn new(settings: IntercomSettings, context: InboxContext) -> Result<Arc<Self>, SyncError> {
        let InboxContext { conversations, agents, tasks, signer, leasing } = context;
        let calls = CallMeter::default();
        let configured = settings.access_token.clone().map(|token| (token, TokenSource::Config));
        let client = match configured {
            Some((token, source)) => Some((
                IntercomClient::new(&settings.api_base(), token.expose())?.metered(calls.clone()),
                source,
            )),
            None => None,
        };
        let admin = settings.admin_id.clone().map(Id);
        Ok(Arc::new(Self {
            settings,
            conversations,
            agents,
            tasks,
            leasing,
            client: RwLock::new(client),
            acting_admin: Mutex::new(admin),
            people: Mutex::default(),
            turns: Turns::default(),
            signer,
            calls,
        }))
    }

    /// The settings in use.
    pub fn settings(&self) -> &IntercomSettings {
        &self.settings
    }

    /// The client, if a workspace is connected.
    pub fn client(&self) -> Result<IntercomClient, SyncError> {
        let client = self.client.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        client.as_ref().map(|(client, _)| client.clone()).ok_or(SyncError::NotConnected)
    }

    /// Where the token in use came from, if there is one.
    pub fn token_source(&self) -> Option<TokenSource> {
        self.client
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .as_ref()
            .map(|(_, source)| *source)
    }

    /// Uses the token an earlier OAuth flow stored, unless a token is configured.
    async fn load_stored_connection(&self) -> Result<(), SyncError> {
        if self.token_source().is_some() {
            return Ok(());
        }
        if let Some(stored) = self.conversations.connection().await? {
            let client = IntercomClient::new(&self.settings.api_base(), stored.token.expose())?
                .metered(self.calls.clone());
            let mut current = self.client.write().unwrap_or_else(|poisoned| poisoned.into_inner());
            // An OAuth flow that finished meanwhile has the newer token.
            if current.is_none() {
                *current = Some((client, TokenSource::Oauth));
                tracing::info!("Intercom connected with the token an earlier OAuth flow stored");
            }
        }
        Ok(())
    }

    /// Starts using a token the OAuth flow obtained.
    pub fn connect(&self, client: IntercomClient, admin: Id) {
        *self.client.write().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((client.metered(self.calls.clone()), TokenSource::Oauth));
        if self.settings.admin_id.is_none() {
            *self.acting_admin.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(admin);
        }
    }

    /// Stops using the token the OAuth flow obtained; handoffs wait until a workspace is
    /// connected again. A configured token is the settings' to remove, so it stays: false then.
    pub fn disconnect(&self) -> bool {
        let mut client = self.client.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, TokenSource::Config)) = &*client {
            return false;
        }
        *client = None;
        if self.settings.admin_id.is_none() {
            *self.acting_admin.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        }
        *self.people.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
        true
    }

    /// The admin the bridge writes notes as: configured, or the token's own.
    async fn acting_admin(&self, client: &IntercomClient) -> Result<Id, SyncError> {
        if let Some(admin) = self.acting_admin.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
        {
            return Ok(admin);
        }
        let me = client.me().await?;
        *self.acting_admin.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(me.id.clone());
        Ok(me.id)
    }

    /// The workspace's admins and teams, fetched at most every few minutes unless `fresh`:
    /// names and pictures for the widget, away status and teams for routing.
    pub async fn people(&self, fresh: bool) -> Result<People, SyncError> {
        if !fresh {
            if let Some((at, people)) = &*self.people.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
            {
                if at.elapsed() < PEOPLE_FRESH_FOR {
                    return Ok(people.clone());
                }
            }
        }
        let client = self.client()?;
        let (admins, teams) = tokio::try_join!(client.admins(), client.teams())?;
        let people = People { admins, teams };
        *self.people.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
            Some((Instant::now(), people.clone()));
        Ok(people)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_the_file_and_regions_pick_their_hosts() {
        let file = IntercomSettings {
            region: Some("eu".into()),
            access_token: Some("from-file".into()),
            client_secret: Some("file-secret".into()),
            ..IntercomSettings::default()
        };
        assert_eq!(file.api_base(), "https://api.eu.intercom.io");
        assert_eq!(file.authorize_base(), "https://app.eu.intercom.com");
        let env = |name: &str| match name {
            "BATON_INTERCOM_BASE_URL" => Some("http://127.0.0.1:8090/".to_owned()),
            "BATON_INTERCOM_TOKEN" => Some("from-env".to_owned()),
            "BATON_INTERCOM_CLIENT_SECRET" => Some(" ".to_owned()),
            _ => None,
        };
        let merged = file.with_env(env);
        assert_eq!(merged.api_base(), "http://127.0.0.1:8090");
        assert_eq!(merged.authorize_base(), "http://127.0.0.1:8090", "a sandbox authorizes itself");
        assert_eq!(merged.access_token, Some("from-env".into()));
        assert_eq!(merged.client_secret, Some("file-secret".into()), "a blank variable overrides nothing");
        let au = IntercomSettings { region: Some("AU".into()), ..IntercomSettings::default() };
        assert_eq!(au.api_base(), "https://api.au.intercom.io");
        assert_eq!(IntercomSettings::default().api_base(), "https://api.intercom.io");
    }
}
