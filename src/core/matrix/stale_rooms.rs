//! A device store can outlive what its account still has: another device of the same account
//! may have left and forgotten a room meanwhile (the suite's clean-up does exactly that), and
//! sync never tells this device about a forget (nor, once forgotten, about the leave). Such
//! rooms stayed listed, and a chat lookup then found two chats with the same peer. The first
//! sync of every login is therefore a full one, and stored rooms it no longer mentions are
//! dropped.

use std::collections::HashSet;

use matrix_sdk::sync::SyncResponse;
use matrix_sdk::{Client, RoomState};

/// Stored rooms a full sync no longer mentions: a full sync lists every joined, invited and
/// left-but-not-forgotten room, so these were forgotten elsewhere.
pub(crate) fn forgotten_elsewhere<'a>(
    local: impl IntoIterator<Item = &'a str>,
    mentioned: &HashSet<String>,
) -> Vec<String> {
    local
        .into_iter()
        .filter(|id| !mentioned.contains(*id))
        .map(String::from)
        .collect()
}

/// Drops what [`forgotten_elsewhere`] finds, after the login's full sync. A room still held as
/// joined (the store missed the leave too) is first marked left: the homeserver accepts the
/// repeated leave, and matrix-sdk forgets only left rooms.
pub(crate) async fn drop_forgotten_elsewhere(client: &Client, full_sync: &SyncResponse) {
    let rooms = &full_sync.rooms;
    let mentioned: HashSet<String> = rooms
        .joined
        .keys()
        .chain(rooms.left.keys())
        .chain(rooms.invited.keys())
        .chain(rooms.knocked.keys())
        .map(|id| id.to_string())
        .collect();
    let local = client.rooms();
    let stale = forgotten_elsewhere(local.iter().map(|r| r.room_id().as_str()), &mentioned);
    tracing::debug!(
        local = local.len(),
        mentioned = mentioned.len(),
        stale = stale.len(),
        "stored rooms checked"
    );
    for room in local.iter().filter(|r| stale.iter().any(|s| s == r.room_id().as_str())) {
        if !matches!(room.state(), RoomState::Left | RoomState::Banned)
            && let Err(e) = room.leave().await
        {
            tracing::debug!(room = %room.room_id(), error = %e, "stale room not left");
        }
        let Some(room) = client.get_room(room.room_id()) else {
            continue;
        };
        match room.forget().await {
            Ok(()) => tracing::debug!(room = %room.room_id(), "room forgotten by another device dropped"),
            Err(e) => tracing::warn!(room = %room.room_id(), error = %e, "stale room not dropped"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_rooms_the_full_sync_no_longer_mentions_are_stale() {
        let mentioned: HashSet<String> = ["!kept:hs".to_string()].into();
        assert_eq!(
            forgotten_elsewhere(["!kept:hs", "!gone:hs"], &mentioned),
            vec!["!gone:hs"]
        );
        assert!(forgotten_elsewhere([], &mentioned).is_empty());
    }
}
