//! `baton-bridge`: reads the configuration, opens the store, and serves.

use std::sync::Arc;

use baton_bridge::agents::Registry;
use baton_bridge::config::Config;
use baton_bridge::conversations::Conversations;
use baton_bridge::handoff::RetryPolicy;
use baton_bridge::secret::{Secret, SecretKey};
use baton_bridge::settings::SettingsFile;
use baton_bridge::store::sqlite::Owner as SqliteOwner;
use baton_bridge::{inbox, serve, shutdown_signal, AppState};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: every request, event frame and write job allocates, and
/// glibc's arenas were a sixth of the async threads' time under load (README, Measuring).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    // Held until the process ends: a second bridge on the same SQLite file is refused.
    let _owner = match &config.database_url {
        Some(_) => None,
        None => Some(SqliteOwner::claim(&config.db).map_err(|error| error.to_string())?),
    };
    let (conversations, key) = match (&config.database_url, config.secret_key.clone()) {
        (Some(url), Some(key)) => {
            let ca_file = config.database_ca_file.as_deref();
            // Its message, not its fields: it says which database and what to do.
            let connected = Conversations::connect_with_ca(url, ca_file, key.clone()).await;
            (connected.map_err(|error| error.to_string())?, key)
        }
        (Some(_), None) => return Err("--database-url needs --secret-key, the same for every bridge".into()),
        (None, key) => {
            let key = match key {
                Some(key) => key,
                None => SecretKey::load_or_create(&SecretKey::file_beside(&config.db))?,
            };
            (Conversations::open_with_key(&config.db, key.clone(), config.durability)?, key)
        }
    };
    let default = SettingsFile::demo(config.allowed_origins.clone());
    let agents = match conversations.shared_settings() {
        // Every bridge on the database serves its settings; this file only seeds an empty one.
        Some(store) => {
            let local = SettingsFile::load(&config.config)?.unwrap_or(default);
            Registry::shared(store, local, &config.config, config.agent_pace()).await?
        }
        None => Arc::new(Registry::open(config.config.clone(), default, config.agent_pace())?),
    };
    let tables = agents.settings().inboxes;
    let mut state = AppState::new(conversations, agents, config.site_dir.clone())
        .with_limits(config.limits())
        .with_connections(config.connections(), config.streams_per_client())
        .with_heartbeat(config.heartbeat())
        .with_trusted_proxies(config.trusted_proxies())
        .with_retention(config.retention())
        .with_lease_term(config.lease_term())
        .with_secret_key(&key)
        .with_public_url(config.public_url.clone());
    let var = |name: &str| std::env::var(name).ok();
    let inbox = inbox::open(&tables, &var, state.inbox_context())?;
    state = state.with_inbox(inbox, RetryPolicy::default());
    if let Some(token) = config.admin_token.as_ref().map(Secret::expose).filter(|token| !token.is_empty()) {
        state = state.with_admin_token(token);
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    match &config.database_url {
        Some(_) => tracing::info!(%addr, db = "postgres", "bridge listening"),
        None => tracing::info!(%addr, db = %config.db.display(), "bridge listening"),
    }
    // The last thing a person starting the demo reads; tests also wait for this line.
    println!("Baton is running. Open the demo site: http://{addr}/");
    let stop = async {
        shutdown_signal().await;
        // A second Ctrl-C or SIGTERM does not wait for the grace.
        tokio::spawn(async {
            shutdown_signal().await;
            tracing::warn!("second signal: exiting at once");
            std::process::exit(130);
        });
    };
    serve(listener, state, stop).await?;
    Ok(())
}
