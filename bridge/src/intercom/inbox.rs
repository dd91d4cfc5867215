//! Intercom behind the core's [`Inbox`] trait: deliveries, the relay of what the visitor writes,
//! the restart pick-up, the workspace's people, and the routes Intercom and the dashboard call.

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::{Extension, Router};
use baton_protocol::ConversationId;
use futures::future::BoxFuture;

use super::handoff::refused;
use super::{routes, Intercom, SyncError};
use crate::handoff::{Delivered, DeliveryError, HandoffRequest};
use crate::inbox::{Inbox, InboxError};
use crate::metrics::CallMeter;
use crate::routing::Directory;
use crate::AppState;

/// The largest webhook accepted: a notification carries a whole conversation object.
const WEBHOOK_BODY_LIMIT: usize = 2 * 1024 * 1024;

impl Inbox for Arc<Intercom> {
    fn deliver(&self, request: HandoffRequest) -> BoxFuture<'static, Result<Delivered, DeliveryError>> {
        let intercom = Arc::clone(self);
        Box::pin(async move {
            let delivered = intercom.deliver_handoff(&request).await.map_err(|error| match error {
                SyncError::NotConnected => DeliveryError::NoInbox,
                SyncError::Intercom(error) if refused(&error) => DeliveryError::Refused(error.to_string()),
                other => DeliveryError::Temporary(other.to_string()),
            })?;
            // Whatever the visitor wrote while connecting follows the note.
            intercom.relay_visitor_messages(request.conversation.clone());
            Ok(delivered)
        })
    }

    fn visitor_wrote(&self, id: &ConversationId) {
        self.relay_visitor_messages(id.clone());
    }

    fn visitor_changed(&self, id: &ConversationId) {
        self.update_contact(id.clone());
    }

    fn resume(&self) -> BoxFuture<'_, Result<(), InboxError>> {
        Box::pin(async move { Intercom::resume(self).await.map_err(InboxError::from) })
    }

    fn directory(&self, fresh: bool) -> BoxFuture<'_, Result<Directory, InboxError>> {
        Box::pin(async move { Ok(self.people(fresh).await?.directory()) })
    }

    fn calls(&self) -> Option<CallMeter> {
        Some(self.calls.clone())
    }

    fn routes(self: Arc<Self>) -> Router<Arc<AppState>> {
        let intercom: Arc<Intercom> = Arc::clone(&self);
        let webhooks = Router::new()
            .route("/v1/intercom/webhooks", post(routes::receive_webhook).head(routes::webhook_probe))
            .layer(DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT));
        Router::new()
            .route("/v1/admin/intercom", get(routes::status).delete(routes::disconnect))
            .route("/v1/admin/intercom/authorize", post(routes::authorize))
            .route("/v1/admin/intercom/directory", get(routes::directory))
            .route("/v1/intercom/oauth/callback", get(routes::callback))
            .merge(webhooks)
            .layer(Extension(intercom))
    }
}

impl From<SyncError> for InboxError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::NotConnected => Self::NotConnected,
            SyncError::Store(error) => Self::Store(error),
            SyncError::Intercom(error) => Self::Unavailable(error.to_string()),
        }
    }
}
