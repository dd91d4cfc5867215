//! The bridge's settings, from flags or `BATON_*` environment variables, with embedded defaults
//! so `baton-bridge` alone starts a working demo.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::limits::LimitSettings;
use crate::proxy::{Network, TrustedProxies};
use crate::retention::Retention;
use crate::secret::{Secret, SecretKey};
use crate::server::ConnectionLimits;
use crate::store::sqlite::Durability;

/// Command-line flags; each can also be set by its environment variable.
#[derive(Debug, Clone, Parser)]
#[command(name = "baton-bridge", version, about = "Baton's server: widget API, agent and event log.")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "BATON_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The SQLite database file; created on first start.
    #[arg(long, env = "BATON_DB", default_value = "baton.db")]
    pub db: PathBuf,
    /// A PostgreSQL database shared by several bridges (`postgres://user@host/db`) instead of
    /// the SQLite file; every bridge on it needs the same `--secret-key`.
    #[arg(long, env = "BATON_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// CA certificates (PEM) trusted for the database's certificate besides Mozilla's roots,
    /// for a database whose certificate a private CA signed; TLS itself is asked for in the URL
    /// (`?sslmode=require`).
    #[arg(long, env = "BATON_DATABASE_CA_FILE")]
    pub database_ca_file: Option<PathBuf>,
    /// What a commit waits for before a message is acknowledged: `full` (on the disk, survives
    /// a power cut) or `normal` (handed to the operating system, survives a killed process).
    #[arg(long, env = "BATON_DURABILITY", value_enum, default_value_t = Durability::Full)]
    pub durability: Durability,
    /// The agents file (TOML). When it does not exist the demo agent runs, and the file is
    /// written the first time the admin API changes an agent.
    #[arg(long, env = "BATON_CONFIG", default_value = "baton.toml")]
    pub config: PathBuf,
    /// The admin API's bearer token; the admin API is off without one.
    #[arg(long, env = "BATON_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,
    /// The key (64 hex digits) sealing the secrets the database keeps; without it, a key file
    /// beside the database (`baton.db.key`), created on first start, readable by its owner only.
    #[arg(long, env = "BATON_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<SecretKey>,
    /// The address visitors and Intercom reach the bridge on (`https://chat.example.com`), for
    /// the signed addresses of attached files; the request's own host when unset.
    #[arg(long, env = "BATON_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Directory holding `index.html` and the built widget in `pkg/`.
    #[arg(long, env = "BATON_SITE_DIR", default_value = ".")]
    pub site_dir: PathBuf,
    /// Milliseconds between the pieces the builtin agent streams.
    #[arg(long, env = "BATON_AGENT_PACE_MS", default_value_t = 40)]
    pub agent_pace_ms: u64,
    /// Origins whose pages may start conversations with the demo agent, comma-separated
    /// (`https://shop.example`), when there is no agents file; any origin when empty.
    #[arg(long, env = "BATON_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Conversations one IP may start per minute; 0 switches the limit off.
    #[arg(long, env = "BATON_CONVERSATIONS_PER_IP_PER_MINUTE", default_value_t = 20)]
    pub conversations_per_ip_per_minute: u32,
    /// Messages one IP may send per minute; 0 switches the limit off.
    #[arg(long, env = "BATON_MESSAGES_PER_IP_PER_MINUTE", default_value_t = 120)]
    pub messages_per_ip_per_minute: u32,
    /// Messages one conversation may receive per minute; 0 switches the limit off.
    #[arg(long, env = "BATON_MESSAGES_PER_CONVERSATION_PER_MINUTE", default_value_t = 30)]
    pub messages_per_conversation_per_minute: u32,
    /// Open connections in all; 0 derives the cap from the open-file limit (raised to its hard
    /// limit at start), keeping 128 files for everything else.
    #[arg(long, env = "BATON_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,
    /// Open connections from one client address; 0 switches the cap off.
    #[arg(long, env = "BATON_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 256)]
    pub max_connections_per_client: usize,
    /// Open event streams from one client address; 0 switches the cap off.
    #[arg(long, env = "BATON_MAX_STREAMS_PER_CLIENT", default_value_t = crate::STREAMS_PER_CLIENT)]
    pub max_streams_per_client: usize,
    /// Seconds a client may take to send a request's headers before its connection is closed.
    #[arg(long, env = "BATON_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
    /// Seconds between the comments an idle event stream sends to stay open (and to notice a
    /// client that left); lower it below a proxy's idle timeout.
    #[arg(long, env = "BATON_HEARTBEAT_SECS", default_value_t = 15)]
    pub heartbeat_secs: u64,
    /// Seconds requests and background work in flight get to finish when the bridge stops.
    #[arg(long, env = "BATON_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Seconds between a stop signal and the stop itself, while `/readyz` answers 503 and
    /// everything else is still served: set it to the load balancer's health-check interval
    /// (or a little more) so it stops sending visitors here first.
    #[arg(long, env = "BATON_DRAIN_SECS", default_value_t = 0)]
    pub drain_secs: u64,
    /// Reverse proxies whose `X-Forwarded-For` (or `Forwarded`) names the client, as networks
    /// or addresses, comma-separated (`127.0.0.1/32,10.0.0.0/8`); none when empty, so the
    /// headers are ignored.
    #[arg(long, env = "BATON_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<Network>,
    /// Days a conversation is kept after its last activity, then deleted with everything it
    /// holds; 0 keeps conversations forever.
    #[arg(long, env = "BATON_RETENTION_DAYS", default_value_t = 0)]
    pub retention_days: u32,
    /// Seconds a bridge's lease on a piece of background work (a handoff to deliver, messages to
    /// relay) lasts unless renewed: how long the work of a bridge that died waits for another.
    #[arg(long, env = "BATON_LEASE_SECS", default_value_t = 30)]
    pub lease_secs: u64,
}

impl Config {
    /// The builtin agent's pace as a duration.
    pub fn agent_pace(&self) -> Duration {
        Duration::from_millis(self.agent_pace_ms)
    }

    /// How long conversations are kept.
    pub fn retention(&self) -> Option<Retention> {
        Retention::days(self.retention_days)
    }

    /// How long a lease on background work lasts unless renewed.
    pub fn lease_term(&self) -> Duration {
        Duration::from_secs(self.lease_secs.max(1))
    }

    /// The proxies the flags trust.
    pub fn trusted_proxies(&self) -> TrustedProxies {
        TrustedProxies::new(self.trusted_proxies.iter().copied())
    }

    /// The rate limits the flags ask for.
    pub fn limits(&self) -> LimitSettings {
        LimitSettings {
            conversations_per_ip: NonZeroU32::new(self.conversations_per_ip_per_minute),
            messages_per_ip: NonZeroU32::new(self.messages_per_ip_per_minute),
            messages_per_conversation: NonZeroU32::new(self.messages_per_conversation_per_minute),
        }
    }

    /// The connection caps and timeouts the flags ask for.
    pub fn connections(&self) -> ConnectionLimits {
        ConnectionLimits {
            max_connections: (self.max_connections > 0).then_some(self.max_connections),
            per_client: (self.max_connections_per_client > 0).then_some(self.max_connections_per_client),
            header_timeout: Duration::from_secs(self.header_timeout_secs.max(1)),
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            drain: Duration::from_secs(self.drain_secs),
        }
    }

    /// The event streams' heartbeat interval.
    pub fn heartbeat(&self) -> Duration {
        Duration::from_secs(self.heartbeat_secs.max(1))
    }

    /// The cap on event streams per client address, if any.
    pub fn streams_per_client(&self) -> Option<usize> {
        (self.max_streams_per_client > 0).then_some(self.max_streams_per_client)
    }
}
