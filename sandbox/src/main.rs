//! `baton-intercom-sandbox`: reads the configuration and serves.

use baton_intercom_sandbox::config::Config;
use baton_intercom_sandbox::{serve, shutdown_signal, Sandbox};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let config = Config::parse();
    let sandbox = Sandbox::new(config.sandbox());
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, webhooks = config.webhook_url.as_deref().unwrap_or("(none)"), "sandbox listening");
    // Tests and `make demo` wait for this exact line.
    println!("Intercom sandbox is running: http://{addr}/");
    serve(listener, sandbox, shutdown_signal()).await?;
    Ok(())
}
