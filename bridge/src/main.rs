//! `baton-bridge`: reads the configuration, opens the store, and serves.

use std::sync::Arc;

use baton_bridge::agents::Registry;
use baton_bridge::config::Config;
use baton_bridge::conversations::Conversations;
use baton_bridge::handoff::RetryPolicy;
use baton_bridge::intercom::{Intercom, IntercomSettings};
use baton_bridge::secret::Secret;
use baton_bridge::settings::SettingsFile;
use baton_bridge::{serve, shutdown_signal, AppState};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let conversations = match config.secret_key.clone() {
        Some(key) => Conversations::open_with_key(&config.db, key)?,
        None => Conversations::open(&config.db)?,
    };
    let default = SettingsFile::demo(config.allowed_origins.clone());
    let agents = Registry::open(config.config.clone(), default, config.agent_pace())?;
    let intercom_settings =
        agents.settings().intercom.unwrap_or_default().with_env(|name| std::env::var(name).ok());
    let mut state = AppState::new(conversations.clone(), Arc::new(agents), config.site_dir.clone())
        .with_limits(config.limits())
        .with_trusted_proxies(config.trusted_proxies());
    if intercom_settings != IntercomSettings::default() {
        let intercom = Intercom::new(intercom_settings, conversations, Arc::clone(&state.agents))?;
        tracing::info!(api = %intercom.settings().api_base(), connected = intercom.token_source().is_some(), "Intercom configured");
        state = state.with_intercom(intercom, RetryPolicy::default());
    }
    if let Some(token) = config.admin_token.as_ref().map(Secret::expose).filter(|token| !token.is_empty()) {
        state = state.with_admin_token(token);
    }
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %config.db.display(), "bridge listening");
    // The last thing a person starting the demo reads; tests also wait for this line.
    println!("Baton is running. Open the demo site: http://{addr}/");
    serve(listener, state, shutdown_signal()).await?;
    Ok(())
}
