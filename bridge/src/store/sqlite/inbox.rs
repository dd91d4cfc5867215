//! What the bridge remembers about the inbox in SQLite (Intercom-shaped tables, named before
//! there was a seam): which Intercom conversation each handed-off Baton conversation became, and
//! how far its creation got, which parts and notifications were handled, Copilot's parts, and the
//! workspace connection (its token sealed).

use baton_protocol::{ConversationId, Event, EventKind, Seq};
use rusqlite::{params, OptionalExtension};

use super::log::append_in;
use super::Store;
use crate::secret::{Secret, SecretKey};
use crate::store::{HandoffId, InboxLink, LinkChange, StoreError, WorkspaceConnection};

/// What the sealed access token is bound to: a sealed value copied into another column does not
/// open there.
const TOKEN_CONTEXT: &str = "intercom_connection.token";

const LINK_COLUMNS: &str = "SELECT conversation_id, handoff_id, contact_id, contact_role, creating_since,
     intercom_id, noted, relayed_seq, posting_seq, joined_admin FROM intercom_links";

fn link_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<InboxLink> {
    let contact_id: Option<String> = row.get(2)?;
    let contact_role: Option<String> = row.get(3)?;
    Ok(InboxLink {
        conversation: ConversationId(row.get(0)?),
        handoff: row.get(1)?,
        contact: contact_id.zip(contact_role),
        creating_since: row.get(4)?,
        intercom_id: row.get(5)?,
        noted: row.get(6)?,
        relayed: Seq(row.get(7)?),
        posting: row.get::<_, Option<u64>>(8)?.map(Seq),
        joined_admin: row.get(9)?,
    })
}

impl Store {
    /// Starts (or finds) the link of a conversation being handed off.
    pub fn open_link(&mut self, id: &ConversationId, handoff: HandoffId) -> Result<InboxLink, StoreError> {
        self.conn.execute(
            "INSERT INTO intercom_links (conversation_id, handoff_id) VALUES (?1, ?2)
             ON CONFLICT (conversation_id) DO UPDATE SET handoff_id = excluded.handoff_id",
            params![id.0, handoff.0],
        )?;
        self.link(id)?.ok_or_else(|| StoreError::Missing(format!("intercom link of {id}")))
    }

    /// The conversation's link, if it was handed off to Intercom.
    pub fn link(&self, id: &ConversationId) -> Result<Option<InboxLink>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!("{LINK_COLUMNS} WHERE conversation_id = ?1"))?
            .query_row(params![id.0], link_row)
            .optional()?)
    }

    /// The link of an Intercom conversation.
    pub fn link_by_intercom_id(&self, intercom_id: &str) -> Result<Option<InboxLink>, StoreError> {
        Ok(self
            .conn
            .prepare_cached(&format!("{LINK_COLUMNS} WHERE intercom_id = ?1"))?
            .query_row(params![intercom_id], link_row)
            .optional()?)
    }

    /// Every link with an Intercom conversation, for relaying what was left pending.
    pub fn created_links(&self) -> Result<Vec<InboxLink>, StoreError> {
        let mut statement = self.conn.prepare(&format!("{LINK_COLUMNS} WHERE intercom_id IS NOT NULL"))?;
        let rows = statement.query_map([], link_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records how the link moved on.
    pub fn change_link(&mut self, id: &ConversationId, change: &LinkChange) -> Result<(), StoreError> {
        let (sql, value): (&str, rusqlite::types::Value) = match change {
            LinkChange::Contact { id: contact, role } => {
                self.conn.execute(
                    "UPDATE intercom_links SET contact_id = ?2, contact_role = ?3 WHERE conversation_id = ?1",
                    params![id.0, contact, role],
                )?;
                return Ok(());
            }
            LinkChange::Creating(at) => {
                ("UPDATE intercom_links SET creating_since = coalesce(creating_since, ?2) WHERE conversation_id = ?1", (*at).into())
            }
            LinkChange::Created(intercom) => {
                ("UPDATE intercom_links SET intercom_id = ?2 WHERE conversation_id = ?1", intercom.clone().into())
            }
            LinkChange::Noted(seq) => (
                "UPDATE intercom_links SET noted = 1, relayed_seq = max(relayed_seq, ?2) WHERE conversation_id = ?1",
                to_sql(*seq),
            ),
            LinkChange::Posting(seq) => ("UPDATE intercom_links SET posting_seq = ?2 WHERE conversation_id = ?1", to_sql(*seq)),
            LinkChange::Relayed(seq) => (
                "UPDATE intercom_links SET relayed_seq = max(relayed_seq, ?2), posting_seq = NULL WHERE conversation_id = ?1",
                to_sql(*seq),
            ),
            LinkChange::Joined(admin) => {
                ("UPDATE intercom_links SET joined_admin = ?2 WHERE conversation_id = ?1", admin.clone().into())
            }
        };
        self.conn.prepare_cached(sql)?.execute(params![id.0, value])?;
        Ok(())
    }

    /// Remembers a conversation part; false if it was already known, or if the conversation is
    /// gone (erased while a relay was under way: nothing may be stored of it again).
    pub fn remember_part(&mut self, part: &str, id: &ConversationId, ours: bool) -> Result<bool, StoreError> {
        let added = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO intercom_parts (part_id, conversation_id, ours)
                 SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?2)",
            )?
            .execute(params![part, id.0, ours])?;
        Ok(added == 1)
    }

    /// Remembers an inbox part that came in and appends the events it makes, together; the
    /// events, or `None` if the part was known or the conversation is gone.
    pub fn relay_part(
        &mut self,
        part: &str,
        id: &ConversationId,
        at: i64,
        events: Vec<EventKind>,
    ) -> Result<Option<Vec<Event>>, StoreError> {
        let tx = self.conn.savepoint()?;
        let added = tx.execute(
            "INSERT OR IGNORE INTO intercom_parts (part_id, conversation_id, ours)
             SELECT ?1, ?2, 0 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?2)",
            params![part, id.0],
        )?;
        if added != 1 {
            return Ok(None);
        }
        let appended = events
            .into_iter()
            .map(|kind| append_in(&tx, id, at, kind, None))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(Some(appended))
    }

    /// Remembers a webhook notification; false if it came before.
    pub fn remember_notification(&mut self, notification: &str, at: i64) -> Result<bool, StoreError> {
        let added = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO intercom_notifications (id, received_at) VALUES (?1, ?2)")?
            .execute(params![notification, at])?;
        Ok(added == 1)
    }

    /// Remembers a customer message Copilot drafted for (`posted` false) or a part Copilot
    /// posted (`posted` true); false if it was already known.
    pub fn remember_copilot(&mut self, part: &str, posted: bool) -> Result<bool, StoreError> {
        let added = self
            .conn
            .prepare_cached("INSERT OR IGNORE INTO copilot_parts (part_key, posted) VALUES (?1, ?2)")?
            .execute(params![part, posted])?;
        Ok(added == 1)
    }

    /// Whether Copilot posted this part.
    pub fn copilot_posted(&self, part: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT posted FROM copilot_parts WHERE part_key = ?1")?
            .query_row(params![part], |row| row.get(0))
            .optional()?
            .unwrap_or(false))
    }

    /// Records an OAuth `state` handed to the browser.
    pub fn save_oauth_state(&mut self, state: &str, at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO intercom_oauth_states (state, created_at) VALUES (?1, ?2)",
            params![state, at],
        )?;
        Ok(())
    }

    /// Uses up an OAuth `state`: true if it was handed out after `not_before` and not used yet.
    pub fn take_oauth_state(&mut self, state: &str, not_before: i64) -> Result<bool, StoreError> {
        let created: Option<i64> = self
            .conn
            .query_row(
                "DELETE FROM intercom_oauth_states WHERE state = ?1 RETURNING created_at",
                params![state],
                |row| row.get(0),
            )
            .optional()?;
        Ok(created.is_some_and(|created| created >= not_before))
    }

    /// Stores the connected workspace, replacing any earlier one.
    pub fn save_connection(&mut self, connection: &WorkspaceConnection, at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO intercom_connection
                 (id, token, workspace_id, workspace_name, region, admin_id, connected_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                self.key.seal(connection.token.expose(), TOKEN_CONTEXT),
                connection.workspace_id,
                connection.workspace_name,
                connection.region,
                connection.admin_id,
                at
            ],
        )?;
        Ok(())
    }

    /// Forgets the workspace connected with OAuth, its token with it; whether there was one.
    pub fn forget_connection(&mut self) -> Result<bool, StoreError> {
        Ok(self.conn.execute("DELETE FROM intercom_connection", [])? > 0)
    }

    /// The workspace connected with OAuth, if one is.
    pub fn connection(&self) -> Result<Option<WorkspaceConnection>, StoreError> {
        let stored = self
            .conn
            .query_row(
                "SELECT token, workspace_id, workspace_name, region, admin_id FROM intercom_connection WHERE id = 1",
                [],
                |row| {
                    Ok(WorkspaceConnection {
                        token: Secret::from(row.get::<_, String>(0)?),
                        workspace_id: row.get(1)?,
                        workspace_name: row.get(2)?,
                        region: row.get(3)?,
                        admin_id: row.get(4)?,
                    })
                },
            )
            .optional()?;
        let Some(mut connection) = stored else { return Ok(None) };
        connection.token = self.key.open(connection.token.expose(), TOKEN_CONTEXT)?.into();
        Ok(Some(connection))
    }

    /// Seals an access token an older bridge stored in clear, so it is readable as before and
    /// no longer lies in the file as it is.
    pub(super) fn seal_clear_secrets(&mut self) -> Result<(), StoreError> {
        let stored: Option<String> = self
            .conn
            .query_row("SELECT token FROM intercom_connection WHERE id = 1", [], |row| row.get(0))
            .optional()?;
        if let Some(clear) = stored.filter(|token| !SecretKey::is_sealed(token)) {
            let sealed = self.key.seal(&clear, TOKEN_CONTEXT);
            self.conn.execute("UPDATE intercom_connection SET token = ?1 WHERE id = 1", params![sealed])?;
        }
        Ok(())
    }
}

fn to_sql(seq: Seq) -> rusqlite::types::Value {
    i64::try_from(seq.0).unwrap_or(i64::MAX).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretError;

    fn connection(token: &str) -> WorkspaceConnection {
        WorkspaceConnection {
            token: token.into(),
            workspace_id: Some("w1".into()),
            workspace_name: None,
            region: None,
            admin_id: Some("a1".into()),
        }
    }

    fn raw_token(path: &std::path::Path) -> String {
        let conn = rusqlite::Connection::open(path).expect("opens");
        conn.query_row("SELECT token FROM intercom_connection", [], |row| row.get(0)).expect("a row")
    }

    #[test]
    fn the_token_is_sealed_in_the_file_and_opens_only_with_its_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baton.db");
        let key = SecretKey::generate();
        let mut store = Store::open_with_key(&path, key.clone()).expect("opens");
        store.save_connection(&connection("tok_live_123"), 1).expect("saved");
        assert!(!raw_token(&path).contains("tok_live_123"));
        assert_eq!(store.connection().expect("reads"), Some(connection("tok_live_123")));
        drop(store);
        let store = Store::open_with_key(&path, key).expect("reopens");
        assert_eq!(store.connection().expect("reads").map(|c| c.token), Some("tok_live_123".into()));
        drop(store);
        let other = Store::open_with_key(&path, SecretKey::generate()).expect("opens");
        assert!(matches!(other.connection(), Err(StoreError::Secret(SecretError::WrongKey))));
    }

    #[test]
    fn a_token_an_older_bridge_stored_in_clear_is_read_and_sealed_on_open() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baton.db");
        let key = SecretKey::generate();
        drop(Store::open_with_key(&path, key.clone()).expect("creates"));
        rusqlite::Connection::open(&path)
            .expect("opens")
            .execute(
                "INSERT INTO intercom_connection (id, token, workspace_id, connected_at) VALUES (1, 'tok_old', 'w1', 1)",
                [],
            )
            .expect("stored in clear, as before");
        let store = Store::open_with_key(&path, key).expect("reopens");
        assert!(SecretKey::is_sealed(&raw_token(&path)), "sealed on open");
        assert_eq!(store.connection().expect("reads").map(|c| c.token), Some("tok_old".into()));
    }
}
