//! Resources and tokens in one SQLite file; resources are kept as the JSON clients sent.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

pub struct Store {
    db: Mutex<Connection>,
}

/// A stored resource and the TelematikID that owns it.
#[derive(Clone, Debug)]
pub struct Stored {
    pub owner: String,
    pub resource: Value,
}

impl Store {
    pub fn open(path: &Path) -> rusqlite::Result<Store> {
        let db = Connection::open(path)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS resources (
                 type TEXT NOT NULL, id TEXT NOT NULL, owner TEXT NOT NULL, json TEXT NOT NULL,
                 PRIMARY KEY (type, id));
             CREATE TABLE IF NOT EXISTS tokens (
                 token TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, expires INTEGER NOT NULL);",
        )?;
        Ok(Store { db: Mutex::new(db) })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().expect("store lock")
    }

    pub fn all(&self, resource_type: &str) -> Vec<Stored> {
        let db = self.db();
        let mut stmt = db
            .prepare_cached("SELECT owner, json FROM resources WHERE type = ?1 ORDER BY rowid")
            .expect("static SQL");
        stmt.query_map([resource_type], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map(|rows| {
            rows.filter_map(Result::ok)
                .filter_map(|(owner, json)| {
                    Some(Stored {
                        owner,
                        resource: serde_json::from_str(&json).ok()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
    }

    pub fn get(&self, resource_type: &str, id: &str) -> Option<Stored> {
        let db = self.db();
        db.query_row(
            "SELECT owner, json FROM resources WHERE type = ?1 AND id = ?2",
            params![resource_type, id],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)),
        )
        .optional()
        .ok()
        .flatten()
        .and_then(|(owner, json)| {
            Some(Stored {
                owner,
                resource: serde_json::from_str(&json).ok()?,
            })
        })
    }

    pub fn put(&self, owner: &str, resource: &Value) -> rusqlite::Result<()> {
        let (Some(t), Some(id)) = (resource["resourceType"].as_str(), resource["id"].as_str()) else {
            return Err(rusqlite::Error::InvalidQuery);
        };
        self.db().execute(
            "INSERT INTO resources (type, id, owner, json) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (type, id) DO UPDATE SET owner = excluded.owner, json = excluded.json",
            params![t, id, owner, resource.to_string()],
        )?;
        Ok(())
    }

    pub fn delete(&self, resource_type: &str, id: &str) -> bool {
        self.db()
            .execute(
                "DELETE FROM resources WHERE type = ?1 AND id = ?2",
                params![resource_type, id],
            )
            .is_ok_and(|n| n > 0)
    }

    pub fn issue_token(&self, token: &str, kind: &str, subject: &str, expires: i64) -> rusqlite::Result<()> {
        self.db().execute(
            "INSERT OR REPLACE INTO tokens (token, kind, subject, expires) VALUES (?1, ?2, ?3, ?4)",
            params![token, kind, subject, expires],
        )?;
        Ok(())
    }

    /// The subject of a valid token of this kind.
    pub fn token_subject(&self, token: &str, kind: &str, now: i64) -> Option<String> {
        self.db()
            .query_row(
                "SELECT subject FROM tokens WHERE token = ?1 AND kind = ?2 AND expires > ?3",
                params![token, kind, now],
                |row| row.get(0),
            )
            .optional()
            .ok()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn resources_and_tokens_survive_a_restart() {
        let dir = std::env::temp_dir().join(format!("vzd-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("vzd.sqlite");
        {
            let store = Store::open(&path).unwrap();
            store
                .put(
                    "1-ORG",
                    &json!({"resourceType": "Endpoint", "id": "e1", "address": "matrix:u/a:hs"}),
                )
                .unwrap();
            store.issue_token("t", "owner", "1-ORG", 200).unwrap();
        }
        let store = Store::open(&path).unwrap();
        let e = store.get("Endpoint", "e1").expect("persisted");
        assert_eq!(
            (e.owner.as_str(), e.resource["address"].as_str()),
            ("1-ORG", Some("matrix:u/a:hs"))
        );
        assert_eq!(store.token_subject("t", "owner", 100).as_deref(), Some("1-ORG"));
        assert_eq!(store.token_subject("t", "owner", 300), None, "expired");
        assert_eq!(store.token_subject("t", "search", 100), None, "other kind");
        assert!(store.delete("Endpoint", "e1") && store.get("Endpoint", "e1").is_none());
        std::fs::remove_dir_all(&dir).ok();
    }
}
