//! Routing tokens and received notifications in one SQLite file, so a restart loses neither.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

pub struct Store {
    db: Mutex<Connection>,
}

/// A notification as the gateway received it, for one routing token.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub app_id: String,
    pub received_ms: i64,
    pub notification: Value,
}

impl Store {
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let db = Connection::open(path)?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS routing_tokens (
                 pushkey TEXT PRIMARY KEY, app_id TEXT NOT NULL, issued_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS received (
                 id INTEGER PRIMARY KEY AUTOINCREMENT, pushkey TEXT NOT NULL, app_id TEXT NOT NULL,
                 received_ms INTEGER NOT NULL, notification TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS received_by_pushkey ON received (pushkey, id);",
        )?;
        Ok(Store { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A fresh routing token for an app, as a platform's push service hands one out.
    pub fn issue(&self, app_id: &str) -> rusqlite::Result<String> {
        let pushkey = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        self.db().execute(
            "INSERT INTO routing_tokens (pushkey, app_id, issued_ms) VALUES (?1, ?2, ?3)",
            params![pushkey, app_id, now_ms()],
        )?;
        Ok(pushkey)
    }

    /// Whether the token was revoked (false: it was not known).
    pub fn revoke(&self, pushkey: &str) -> rusqlite::Result<bool> {
        Ok(self
            .db()
            .execute("DELETE FROM routing_tokens WHERE pushkey = ?1", [pushkey])?
            > 0)
    }

    pub fn knows(&self, app_id: &str, pushkey: &str) -> rusqlite::Result<bool> {
        Ok(self
            .db()
            .query_row(
                "SELECT 1 FROM routing_tokens WHERE pushkey = ?1 AND app_id = ?2",
                params![pushkey, app_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    pub fn record(&self, app_id: &str, pushkey: &str, notification: &Value) -> rusqlite::Result<()> {
        self.db().execute(
            "INSERT INTO received (pushkey, app_id, received_ms, notification) VALUES (?1, ?2, ?3, ?4)",
            params![pushkey, app_id, now_ms(), notification.to_string()],
        )?;
        Ok(())
    }

    /// What was delivered for a routing token, oldest first.
    pub fn received(&self, pushkey: &str) -> rusqlite::Result<Vec<Received>> {
        let db = self.db();
        let mut stmt =
            db.prepare_cached("SELECT app_id, received_ms, notification FROM received WHERE pushkey = ?1 ORDER BY id")?;
        let rows = stmt.query_map([pushkey], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (app_id, received_ms, json) = row?;
            out.push(Received {
                app_id,
                received_ms,
                notification: serde_json::from_str(&json).unwrap_or(Value::Null),
            });
        }
        Ok(out)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_what_was_received_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("push.sqlite");
        let store = Store::open(&path).unwrap();
        let token = store.issue("de.example.tim").unwrap();
        assert_eq!(token.len(), 64);
        store
            .record("de.example.tim", &token, &serde_json::json!({"event_id": "$e"}))
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert!(store.knows("de.example.tim", &token).unwrap());
        assert!(!store.knows("other.app", &token).unwrap());
        let received = store.received(&token).unwrap();
        assert_eq!(received.len(), 1);
        assert_eq!(received[0].notification["event_id"], "$e");
        assert!(store.revoke(&token).unwrap());
        assert!(!store.knows("de.example.tim", &token).unwrap());
        assert!(!store.revoke(&token).unwrap());
    }
}
