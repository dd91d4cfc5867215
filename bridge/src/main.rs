//! `baton-bridge`: reads the configuration, opens the store, and serves.

use baton_bridge::agents::Agents;
use baton_bridge::config::Config;
use baton_bridge::conversations::Conversations;
use baton_bridge::{serve, AppState};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let config = Config::parse();
    let conversations = Conversations::open(&config.db)?;
    let state = AppState::new(conversations, Agents::demo(config.agent_pace()), config.site_dir.clone());
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    tracing::info!(addr = %listener.local_addr()?, db = %config.db.display(), "bridge listening");
    serve(listener, state).await?;
    Ok(())
}
