//! `baton-bridge`: reads the configuration, opens the store, and serves.

use baton_bridge::agents::Agents;
use baton_bridge::config::Config;
use baton_bridge::conversations::Conversations;
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
    let conversations = Conversations::open(&config.db)?;
    let agents = Agents::demo(config.agent_pace(), config.allowed_origins.clone());
    let state = AppState::new(conversations, agents, config.site_dir.clone()).with_limits(config.limits());
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %config.db.display(), "bridge listening");
    // The last thing a person starting the demo reads; tests also wait for this line.
    println!("Baton is running. Open the demo site: http://{addr}/");
    serve(listener, state, shutdown_signal()).await?;
    Ok(())
}
