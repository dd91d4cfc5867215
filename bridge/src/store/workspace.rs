//! The workspace the bridge is connected to (the OAuth flow's single-use states and the
//! connection it makes), and what Copilot remembers so it drafts once per customer message.

use async_trait::async_trait;

use super::StoreError;
use crate::secret::Secret;

/// Copilot's memory of the parts it drafted for and posted.
#[async_trait]
pub trait Copilot {
    /// Remembers a customer message Copilot drafted for (`posted` false) or a part Copilot
    /// posted (`posted` true); false if it was already known.
    async fn remember_copilot(&self, part: &str, posted: bool) -> Result<bool, StoreError>;

    /// Whether Copilot posted this part.
    async fn copilot_posted(&self, part: &str) -> Result<bool, StoreError>;
}

/// The workspace connection.
#[async_trait]
pub trait Workspace {
    /// Records an OAuth `state` handed to the browser at `at` (Unix milliseconds).
    async fn save_oauth_state(&self, state: &str, at: i64) -> Result<(), StoreError>;

    /// Uses up an OAuth `state`: true if it was handed out at or after `not_before` and not used
    /// yet.
    async fn take_oauth_state(&self, state: &str, not_before: i64) -> Result<bool, StoreError>;

    /// Stores the connected workspace, replacing any earlier one; its token is sealed at rest.
    async fn save_connection(&self, connection: &WorkspaceConnection, at: i64) -> Result<(), StoreError>;

    /// The connected workspace, if the OAuth flow connected one.
    async fn connection(&self) -> Result<Option<WorkspaceConnection>, StoreError>;
}

/// The connected workspace, from the OAuth flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceConnection {
    /// The access token; never shown or logged, and sealed in the database.
    pub token: Secret,
    /// The workspace's id.
    pub workspace_id: Option<String>,
    /// The workspace's name.
    pub workspace_name: Option<String>,
    /// The workspace's region.
    pub region: Option<String>,
    /// The admin the token acts as.
    pub admin_id: Option<String>,
}
