//! The sandbox binary's settings, from flags or `SANDBOX_*` environment variables; the
//! defaults are what the tests and `make demo` expect.

use std::net::SocketAddr;

use clap::Parser;

use crate::SandboxConfig;

/// Command-line flags; each can also be set by its environment variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "baton-intercom-sandbox",
    version,
    about = "A local stand-in for Intercom's API, webhooks and inbox."
)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "SANDBOX_ADDR", default_value = "127.0.0.1:8090")]
    pub addr: SocketAddr,
    /// The one access token the API accepts.
    #[arg(long, env = "SANDBOX_TOKEN", default_value = "sandbox-token", hide_env_values = true)]
    pub token: String,
    /// The OAuth client id.
    #[arg(long, env = "SANDBOX_CLIENT_ID", default_value = "sandbox-client")]
    pub client_id: String,
    /// The OAuth client secret; also the key webhooks are signed with.
    #[arg(long, env = "SANDBOX_CLIENT_SECRET", default_value = "sandbox-secret", hide_env_values = true)]
    pub client_secret: String,
    /// Where webhook notifications are POSTed, e.g. http://127.0.0.1:8080/v1/intercom/webhooks.
    #[arg(long, env = "SANDBOX_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
}

impl Config {
    /// The sandbox these flags describe.
    pub fn sandbox(&self) -> SandboxConfig {
        SandboxConfig {
            token: self.token.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            webhook_url: self.webhook_url.clone().filter(|url| !url.trim().is_empty()),
        }
    }
}
