//! Rooms this device must no longer show. A device store can outlive what its account still
//! has: another device of the account may leave and forget a room (the suite's teardown does),
//! and sync never tells this device about a forget, nor, once forgotten, about the leave. Such
//! rooms stayed listed, and a chat lookup then found two chats with one peer (12X.01.02).
//! matrix-sdk can also write a room it just forgot back into its store when a sync that was
//! already being processed saves the room's info.
//!
//! So each login that resumes a store asks the homeserver for every room the account still has
//! (a full sync reduced to room IDs, not processed by matrix-sdk); stored rooms it does not
//! mention are recorded here with their state, next to the store, as are rooms the product
//! forgets itself. A
//! recorded room stays hidden while it is left or still in the recorded state: a new invite or
//! join shows it again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use matrix_sdk::ruma::api::client::filter::FilterDefinition;
use matrix_sdk::ruma::api::client::sync::sync_events;
use matrix_sdk::{Client, RoomState};

const FILE: &str = "forgotten-rooms.json";

/// Recorded rooms and the state each had when it was recorded.
#[derive(Debug, Default)]
pub(crate) struct ForgottenRooms {
    path: PathBuf,
    rooms: HashMap<String, String>,
}

impl ForgottenRooms {
    /// The record of a store directory; an unreadable record starts empty.
    pub(crate) fn load(store_dir: &Path) -> Self {
        let path = store_dir.join(FILE);
        let rooms = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        ForgottenRooms { path, rooms }
    }

    /// Whether the room stays hidden now. A room seen in a new membership (neither left nor
    /// the recorded state) is alive again: its record goes.
    pub(crate) fn hides(&mut self, room_id: &str, now: RoomState) -> bool {
        let recorded = self.rooms.get(room_id).map(String::as_str);
        if hidden(recorded, state_name(now)) {
            return true;
        }
        if recorded.is_some() {
            self.rooms.remove(room_id);
            self.save();
        }
        false
    }

    /// `state`: the room's state before the product left and forgot it, the state in which
    /// matrix-sdk may write it back.
    pub(crate) fn record(&mut self, room_id: &str, state: RoomState) {
        self.rooms.insert(room_id.to_string(), state_name(state).to_string());
        self.save();
    }

    /// Records the stored rooms (id, state) the homeserver no longer mentions (`mentioned`,
    /// from [`rooms_on_server`]); a recorded room it mentions again is alive again.
    pub(crate) fn record_unmentioned(&mut self, stored: &[(String, RoomState)], mentioned: &Option<HashSet<String>>) {
        let Some(mentioned) = mentioned else { return };
        let ids: Vec<&str> = stored.iter().map(|(id, _)| id.as_str()).collect();
        let stale = unmentioned(&ids, mentioned);
        let before = self.rooms.len();
        self.rooms.retain(|id, _| !mentioned.contains(id));
        let revived = before != self.rooms.len();
        for (id, state) in stored.iter().filter(|(id, _)| stale.contains(id)) {
            self.rooms.insert(id.clone(), state_name(*state).to_string());
        }
        if !stale.is_empty() || revived {
            tracing::debug!(rooms = stale.len(), "stored rooms forgotten elsewhere hidden");
            self.save();
        }
    }

    fn save(&self) {
        let written = serde_json::to_vec(&self.rooms)
            .map_err(std::io::Error::other)
            .and_then(|b| std::fs::write(&self.path, b));
        if let Err(e) = written {
            tracing::warn!(error = %e, "forgotten rooms not saved");
        }
    }
}

/// Every room a full sync lists for the account (joined, invited, knocked, left but not
/// forgotten), with a filter that leaves out what it can; `None` if the homeserver cannot tell.
/// One timeline event per room stays: Synapse leaves out a room with nothing to return.
///
/// The filter also excludes a room that cannot exist, named uniquely per call: Synapse keeps
/// each sync answer for two minutes per (device, filter, since, timeout) and hands it to an
/// identical request. A resumed or repeated login of the same device within that time got
/// the earlier answer, without the rooms created since, and hid them as forgotten.
pub(crate) async fn rooms_on_server(client: &Client) -> Option<HashSet<String>> {
    let filter = serde_json::json!({
        "room": {"include_leave": true, "timeline": {"limit": 1},
                 "not_rooms": [uncached_marker()],
                 "ephemeral": {"types": []}, "account_data": {"types": []}},
        "presence": {"types": []}, "account_data": {"types": []},
    });
    let filter: FilterDefinition = serde_json::from_value(filter).ok()?;
    let mut request = sync_events::v3::Request::new();
    request.filter = Some(sync_events::v3::Filter::FilterDefinition(filter));
    let response = client.send(request).await.ok()?;
    let rooms = &response.rooms;
    Some(
        rooms
            .join
            .keys()
            .chain(rooms.leave.keys())
            .chain(rooms.invite.keys())
            .chain(rooms.knock.keys())
            .map(|id| id.to_string())
            .collect(),
    )
}

/// A room ID no homeserver issues (`.invalid` is reserved), different on every call.
fn uncached_marker() -> String {
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("!uncached-{t}-{n}:marker.invalid")
}

/// A recorded room is hidden while it is left or still in the state it was recorded in.
fn hidden(recorded: Option<&str>, now: &str) -> bool {
    match recorded {
        None => false,
        Some(then) => matches!(now, "left" | "banned") || now == then,
    }
}

/// Stored rooms a full sync does not mention: a full sync lists every joined, invited and
/// left-but-not-forgotten room, so these were forgotten elsewhere.
fn unmentioned(stored: &[&str], mentioned: &HashSet<String>) -> Vec<String> {
    stored
        .iter()
        .filter(|id| !mentioned.contains(**id))
        .map(|id| id.to_string())
        .collect()
}

fn state_name(state: RoomState) -> &'static str {
    match state {
        RoomState::Joined => "joined",
        RoomState::Invited => "invited",
        RoomState::Knocked => "knocked",
        RoomState::Banned => "banned",
        _ => "left",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rooms_the_full_sync_does_not_mention_were_forgotten_elsewhere() {
        let mentioned: HashSet<String> = ["!kept:hs".to_string()].into();
        assert_eq!(unmentioned(&["!kept:hs", "!gone:hs"], &mentioned), vec!["!gone:hs"]);
        assert!(unmentioned(&[], &mentioned).is_empty());
    }

    #[test]
    fn every_full_room_sync_is_a_new_request_for_the_homeserver() {
        assert_ne!(uncached_marker(), uncached_marker());
    }

    #[test]
    fn a_recorded_room_shows_again_only_with_a_new_membership() {
        assert!(!hidden(None, "joined"));
        assert!(hidden(Some("joined"), "joined"), "the stale join itself");
        assert!(hidden(Some("joined"), "left"));
        assert!(hidden(Some("left"), "left"));
        assert!(!hidden(Some("left"), "invited"), "invited again after the forget");
        assert!(!hidden(Some("invited"), "joined"));
    }

    #[test]
    fn the_record_survives_a_restart() {
        let dir = std::env::temp_dir().join(format!("tim-forgotten-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        ForgottenRooms::load(&dir).record("!r:hs", RoomState::Joined);
        assert!(
            ForgottenRooms::load(&dir).hides("!r:hs", RoomState::Joined),
            "written back as it was"
        );
        assert!(ForgottenRooms::load(&dir).hides("!r:hs", RoomState::Left));
        assert!(
            !ForgottenRooms::load(&dir).hides("!r:hs", RoomState::Invited),
            "invited again"
        );
        assert!(
            !ForgottenRooms::load(&dir).hides("!r:hs", RoomState::Joined),
            "and then joined"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
