//! What the bridge remembers of the inbox on PostgreSQL (links, parts, notifications), Copilot's
//! parts and the workspace connection (its token sealed): each operation one statement, "once"
//! kept by primary keys and `ON CONFLICT DO NOTHING`, so two bridges never both win.

use async_trait::async_trait;
use baton_protocol::{ConversationId, EventKind, Seq};
use tokio_postgres::Row;

use super::append::append_in;
use super::{int, uint, Postgres};
use crate::conversations::now_millis;
use crate::secret::Secret;
use crate::store::{
    Copilot, HandoffId, InboxLink, InboxLinks, LinkChange, StoreError, Workspace, WorkspaceConnection,
};

/// What the sealed access token is bound to, as in the SQLite engine: a sealed value copied
/// into another column does not open there.
const TOKEN_CONTEXT: &str = "intercom_connection.token";

const LINK_COLUMNS: &str = "SELECT conversation_id, handoff_id, contact_id, contact_role, creating_since,
     intercom_id, noted, relayed_seq, posting_seq, joined_admin FROM intercom_links";

fn link_row(row: &Row) -> Result<InboxLink, StoreError> {
    let contact_id: Option<String> = row.try_get(2)?;
    let contact_role: Option<String> = row.try_get(3)?;
    Ok(InboxLink {
        conversation: ConversationId(row.try_get(0)?),
        handoff: row.try_get(1)?,
        contact: contact_id.zip(contact_role),
        creating_since: row.try_get(4)?,
        intercom_id: row.try_get(5)?,
        noted: row.try_get(6)?,
        relayed: Seq(uint(row.try_get(7)?)),
        posting: row.try_get::<_, Option<i64>>(8)?.map(|seq| Seq(uint(seq))),
        joined_admin: row.try_get(9)?,
    })
}

/// The conversation's link, if it was handed off.
pub(super) async fn link(
    client: &impl tokio_postgres::GenericClient,
    id: &ConversationId,
) -> Result<Option<InboxLink>, StoreError> {
    let row = client.query_opt(&format!("{LINK_COLUMNS} WHERE conversation_id = $1"), &[&id.0]).await?;
    row.as_ref().map(link_row).transpose()
}

#[async_trait]
impl InboxLinks for Postgres {
    async fn open_link(&self, id: &ConversationId, handoff: HandoffId) -> Result<InboxLink, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                &format!(
                    "WITH opened AS (
                         INSERT INTO intercom_links (conversation_id, handoff_id) VALUES ($1, $2)
                         ON CONFLICT (conversation_id) DO UPDATE SET handoff_id = excluded.handoff_id
                         RETURNING *)
                     {}",
                    LINK_COLUMNS.replace("FROM intercom_links", "FROM opened")
                ),
                &[&id.0, &handoff.0],
            )
            .await?;
        self.count_commit();
        link_row(&row)
    }

    async fn link(&self, id: &ConversationId) -> Result<Option<InboxLink>, StoreError> {
        link(&**self.client().await?, id).await
    }

    async fn link_by_inbox_id(&self, inbox_id: &str) -> Result<Option<InboxLink>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(&format!("{LINK_COLUMNS} WHERE intercom_id = $1"), &[&inbox_id])
            .await?;
        row.as_ref().map(link_row).transpose()
    }

    async fn created_links(&self) -> Result<Vec<InboxLink>, StoreError> {
        let rows =
            self.client().await?.query(&format!("{LINK_COLUMNS} WHERE intercom_id IS NOT NULL"), &[]).await?;
        rows.iter().map(link_row).collect()
    }

    async fn change_link(&self, id: &ConversationId, change: LinkChange) -> Result<(), StoreError> {
        let where_ = "WHERE conversation_id = $1";
        match change {
            LinkChange::Contact { id: contact, role } => {
                self.execute(
                    &format!("UPDATE intercom_links SET contact_id = $2, contact_role = $3 {where_}"),
                    &[&id.0, &contact, &role],
                )
                .await?
            }
            LinkChange::Creating(at) => {
                self.execute(
                    &format!("UPDATE intercom_links SET creating_since = coalesce(creating_since, $2) {where_}"),
                    &[&id.0, &at],
                )
                .await?
            }
            LinkChange::Created(intercom) => {
                self.execute(&format!("UPDATE intercom_links SET intercom_id = $2 {where_}"), &[&id.0, &intercom])
                    .await?
            }
            LinkChange::Noted(seq) => {
                self.execute(
                    &format!("UPDATE intercom_links SET noted = TRUE, relayed_seq = greatest(relayed_seq, $2) {where_}"),
                    &[&id.0, &int(seq.0)],
                )
                .await?
            }
            LinkChange::Posting(seq) => {
                self.execute(&format!("UPDATE intercom_links SET posting_seq = $2 {where_}"), &[&id.0, &int(seq.0)])
                    .await?
            }
            LinkChange::Relayed(seq) => {
                self.execute(
                    &format!(
                        "UPDATE intercom_links SET relayed_seq = greatest(relayed_seq, $2), posting_seq = NULL {where_}"
                    ),
                    &[&id.0, &int(seq.0)],
                )
                .await?
            }
            LinkChange::Joined(admin) => {
                self.execute(&format!("UPDATE intercom_links SET joined_admin = $2 {where_}"), &[&id.0, &admin])
                    .await?
            }
        };
        Ok(())
    }

    async fn remember_part(&self, part: &str, id: &ConversationId, ours: bool) -> Result<bool, StoreError> {
        let added = self
            .execute(
                "INSERT INTO intercom_parts (part_id, conversation_id, ours)
                 SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $2)
                 ON CONFLICT DO NOTHING",
                &[&part, &id.0, &ours],
            )
            .await?;
        Ok(added == 1)
    }

    async fn relay_part(
        &self,
        part: &str,
        id: &ConversationId,
        events: Vec<EventKind>,
    ) -> Result<bool, StoreError> {
        let at = now_millis();
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // A bridge inserting the same part meanwhile makes this wait for its commit, then do
        // nothing: one of them appends.
        let added = tx
            .execute(
                "INSERT INTO intercom_parts (part_id, conversation_id, ours)
                 SELECT $1, $2, FALSE WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $2)
                 ON CONFLICT DO NOTHING",
                &[&part, &id.0],
            )
            .await?;
        if added != 1 {
            return Ok(false);
        }
        let mut appended = Vec::with_capacity(events.len());
        for kind in events {
            appended.push(append_in(&*tx, id, at, kind, &self.publisher.instance).await?);
        }
        self.commit(tx).await?;
        // Back to the pool before publishing, which may wait for a connection of its own.
        drop(client);
        for event in &appended {
            self.publisher.committed(id, event.seq, Some(event)).await;
        }
        Ok(true)
    }

    async fn remember_notification(&self, notification: &str, at: i64) -> Result<bool, StoreError> {
        let added = self
            .execute(
                "INSERT INTO intercom_notifications (id, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&notification, &at],
            )
            .await?;
        Ok(added == 1)
    }
}

#[async_trait]
impl Copilot for Postgres {
    async fn remember_copilot(&self, part: &str, posted: bool) -> Result<bool, StoreError> {
        let added = self
            .execute(
                "INSERT INTO copilot_parts (part_key, posted) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&part, &posted],
            )
            .await?;
        Ok(added == 1)
    }

    async fn copilot_posted(&self, part: &str) -> Result<bool, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT posted FROM copilot_parts WHERE part_key = $1", &[&part])
            .await?;
        Ok(match row {
            Some(row) => row.try_get(0)?,
            None => false,
        })
    }
}

#[async_trait]
impl Workspace for Postgres {
    async fn save_oauth_state(&self, state: &str, at: i64) -> Result<(), StoreError> {
        self.execute("INSERT INTO intercom_oauth_states (state, created_at) VALUES ($1, $2)", &[&state, &at])
            .await?;
        Ok(())
    }

    async fn take_oauth_state(&self, state: &str, not_before: i64) -> Result<bool, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt("DELETE FROM intercom_oauth_states WHERE state = $1 RETURNING created_at", &[&state])
            .await?;
        self.count_commit();
        Ok(match row {
            Some(row) => row.try_get::<_, i64>(0)? >= not_before,
            None => false,
        })
    }

    async fn save_connection(&self, connection: &WorkspaceConnection, at: i64) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO intercom_connection (id, token, workspace_id, workspace_name, region, admin_id, connected_at)
             VALUES (1, $1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET token = excluded.token, workspace_id = excluded.workspace_id,
                 workspace_name = excluded.workspace_name, region = excluded.region,
                 admin_id = excluded.admin_id, connected_at = excluded.connected_at",
            &[
                &self.key.seal(connection.token.expose(), TOKEN_CONTEXT),
                &connection.workspace_id,
                &connection.workspace_name,
                &connection.region,
                &connection.admin_id,
                &at,
            ],
        )
        .await?;
        Ok(())
    }

    async fn connection(&self) -> Result<Option<WorkspaceConnection>, StoreError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT token, workspace_id, workspace_name, region, admin_id FROM intercom_connection WHERE id = 1",
                &[],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: &str = row.try_get(0)?;
        Ok(Some(WorkspaceConnection {
            token: Secret::from(self.key.open(sealed, TOKEN_CONTEXT)?),
            workspace_id: row.try_get(1)?,
            workspace_name: row.try_get(2)?,
            region: row.try_get(3)?,
            admin_id: row.try_get(4)?,
        }))
    }

    async fn forget_connection(&self) -> Result<bool, StoreError> {
        Ok(self.execute("DELETE FROM intercom_connection", &[]).await? > 0)
    }
}
