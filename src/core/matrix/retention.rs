//! Automated deletion (ML-123597): messages past the retention period leave this device, on
//! a schedule and at start-up, from the event cache and the cached media; the databases are
//! then compacted so that nothing deleted survives in free pages or the WAL.

use std::path::Path;
use std::time::{Duration, SystemTime};

use matrix_sdk::Client;
use matrix_sdk::media::store::MediaRetentionPolicy;
use matrix_sdk::ruma::OwnedMxcUri;
use serde_json::Value;

use super::session::{Session, StoreLocation};
use crate::core::rules::retention::{PurgeReport, RetentionPeriod, expired};
use crate::core::{CoreError, CoreResult};

const SETTING_FILE: &str = "retention.json";
/// How often a running session purges.
pub(crate) const PURGE_INTERVAL: Duration = Duration::from_secs(60 * 60);
/// The first purge after start-up waits this long, so that it never competes with the
/// login's first requests (a short session, as in a test run, ends before it).
pub(crate) const FIRST_PURGE_AFTER: Duration = Duration::from_secs(60);

/// The retention period of a session's device and the purge behind it.
pub struct Retention<'a> {
    session: &'a Session,
}

impl Session {
    pub fn retention(&self) -> Retention<'_> {
        Retention { session: self }
    }
}

impl Retention<'_> {
    /// The period in force: the user's setting, initially the shortest allowed.
    pub fn period(&self) -> RetentionPeriod {
        stored_period(&self.session.store().dir)
    }

    /// Sets the period (kept with the store) and purges at once with it.
    pub async fn set_period(&self, period: RetentionPeriod) -> CoreResult<PurgeReport> {
        self.session.live()?;
        let json = serde_json::to_vec(&period).map_err(CoreError::internal)?;
        crate::core::private_file::write_replacing(&self.session.store().dir.join(SETTING_FILE), &json)
            .map_err(CoreError::internal)?;
        self.purge(SystemTime::now()).await
    }

    /// Deletes everything past the period as of `as_of` (a UI passes now; tests a clock of
    /// their own): the events from the event cache and their files from the media store. The
    /// message list shows nothing older from then on, also what back-pagination brings back
    /// from the homeserver. Then the databases are compacted.
    pub async fn purge(&self, as_of: SystemTime) -> CoreResult<PurgeReport> {
        let cutoff = self.period().cutoff_ms(as_of);
        self.session.raise_retention_cutoff(cutoff);
        let client = self.session.client();
        let mut report = PurgeReport::default();
        let mut files: Vec<OwnedMxcUri> = Vec::new();
        for room in client.rooms() {
            let Ok((cache, _handles)) = room.event_cache().await else {
                continue;
            };
            let events = cache.events().await.map_err(CoreError::internal)?;
            let old: Vec<_> = events
                .iter()
                .filter(|e| expired(e.timestamp_raw().map(|t| u64::from(t.0)).unwrap_or(0), cutoff))
                .collect();
            if old.is_empty() {
                continue;
            }
            for event in &old {
                if let Ok(json) = serde_json::from_str::<Value>(event.raw().json().get()) {
                    collect_mxc(&json["content"], &mut files);
                }
            }
            report.events += old.len();
        }
        if report.events > 0 {
            // The rest of the cache goes too; reads page it in again from the homeserver,
            // without what is past the cutoff.
            client
                .event_cache()
                .clear_all_rooms()
                .await
                .map_err(CoreError::internal)?;
            self.session.timeline_cache().clear();
        }
        report.files = remove_files(self.session, &files).await;
        expire_unused_media(client, self.period()).await;
        if report != PurgeReport::default() {
            compact(self.session.store()).await;
        }
        tracing::info!(events = report.events, files = report.files, "retention purge");
        Ok(report)
    }

    /// Asks the homeserver to keep a room's events no longer than the period
    /// (`m.room.retention`, MSC1763). A homeserver with retention enabled (Synapse:
    /// `retention.enabled`) then deletes older events of the room from its database in its
    /// purge jobs, for every member; the room's latest event stays. Other homeservers ignore it.
    pub async fn limit_room_on_server(&self, room_id: &str) -> CoreResult<()> {
        self.session.live()?;
        let content = self.period().room_retention_content();
        let room = self.session.messages().joined_room(room_id).await?;
        room.send_state_event_raw("m.room.retention", "", content)
            .await
            .map(drop)
            .map_err(super::errors::from_sdk)
    }
}

/// The files of a room's cached events.
pub(crate) async fn files_of(room: &matrix_sdk::Room) -> Vec<OwnedMxcUri> {
    let mut files = Vec::new();
    if let Ok((cache, _handles)) = room.event_cache().await
        && let Ok(events) = cache.events().await
    {
        for event in &events {
            if let Ok(json) = serde_json::from_str::<Value>(event.raw().json().get()) {
                collect_mxc(&json["content"], &mut files);
            }
        }
    }
    files
}

/// Removes cached files from the media store and from what the session knows of them; how
/// many the store held.
pub(crate) async fn remove_files(session: &Session, files: &[OwnedMxcUri]) -> usize {
    let mut removed = 0;
    for uri in files {
        if session.client().media().remove_media_content_for_uri(uri).await.is_ok() {
            removed += 1;
        }
    }
    session.media().forget(files.iter().map(|u| u.as_str()));
    removed
}

/// Every `mxc://` URI in an event's content (the file, its thumbnail, encrypted or not).
fn collect_mxc(value: &Value, into: &mut Vec<OwnedMxcUri>) {
    match value {
        Value::String(s) if s.starts_with("mxc://") => into.push(OwnedMxcUri::from(s.as_str())),
        Value::Array(items) => items.iter().for_each(|v| collect_mxc(v, into)),
        Value::Object(map) => map.values().for_each(|v| collect_mxc(v, into)),
        _ => {}
    }
}

/// Files nobody opened within the period leave the media store too: they were fetched for
/// messages since purged (also by an earlier process, whose event cache is gone).
async fn expire_unused_media(client: &Client, period: RetentionPeriod) {
    let policy = MediaRetentionPolicy::new().with_last_access_expiry(Some(period.as_duration()));
    if let Err(e) = client.media().set_media_retention_policy(policy).await {
        tracing::warn!(error = %e, "media retention policy not set");
    }
    if let Err(e) = client.media().clean().await {
        tracing::warn!(error = %e, "media store not cleaned");
    }
}

fn stored_period(dir: &Path) -> RetentionPeriod {
    std::fs::read(dir.join(SETTING_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Deleted rows must not survive in free pages or the WAL: every connection deletes with
/// `secure_delete` (see `stores`), and here the WAL is checkpointed into the database, the
/// database rewritten (VACUUM) and the WAL truncated to nothing.
pub(crate) async fn compact(store: &StoreLocation) {
    let dir = store.dir.clone();
    let done = tokio::task::spawn_blocking(move || {
        for db in ["matrix-sdk-state.sqlite3", "matrix-sdk-media.sqlite3"] {
            if let Err(e) = vacuum(&dir.join(db)) {
                tracing::warn!(db, error = %e, "store not compacted");
            }
        }
    })
    .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "store compaction failed");
    }
}

fn vacuum(db: &Path) -> rusqlite::Result<()> {
    if !db.exists() {
        return Ok(());
    }
    let conn = rusqlite::Connection::open(db)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_an_event_is_found() {
        let content = serde_json::json!({
            "msgtype": "m.image",
            "file": {"url": "mxc://hs/abc", "key": {}},
            "info": {"thumbnail_url": "mxc://hs/thumb", "thumbnail_info": {"w": 1}},
            "body": "a photo",
        });
        let mut found = Vec::new();
        collect_mxc(&content, &mut found);
        let found: Vec<_> = found.iter().map(|u| u.as_str().to_string()).collect();
        assert!(found.contains(&"mxc://hs/abc".to_string()));
        assert!(found.contains(&"mxc://hs/thumb".to_string()));
    }

    #[test]
    fn no_setting_means_the_shortest_period() {
        let dir = std::env::temp_dir().join(format!("tim-retention-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(stored_period(&dir), RetentionPeriod::default());
        std::fs::write(dir.join(SETTING_FILE), "30").unwrap();
        assert_eq!(stored_period(&dir).in_days(), 30);
        std::fs::write(dir.join(SETTING_FILE), "0").unwrap();
        assert_eq!(
            stored_period(&dir),
            RetentionPeriod::default(),
            "out of range: the default"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
