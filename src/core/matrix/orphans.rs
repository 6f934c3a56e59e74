//! A createRoom whose invite a remote homeserver refuses answers 403, yet the room exists
//! with only its creator in it. Such orphans are left and forgotten at once, so the creator's
//! room list (and the next direct message) never sees them.

use std::collections::HashSet;

use matrix_sdk::ruma::OwnedRoomId;
use matrix_sdk::ruma::api::client::membership::{joined_rooms, leave_room};

use matrix_sdk::RoomState;

use super::wait::{SYNC_ECHO_TIMEOUT, until};
use crate::core::Session;

/// The rooms the server says the account has joined (empty if it cannot tell).
pub(crate) async fn joined_now(session: &Session) -> HashSet<OwnedRoomId> {
    match session.client().send(joined_rooms::v3::Request::new()).await {
        Ok(r) => r.joined_rooms.into_iter().collect(),
        Err(e) => {
            tracing::debug!(error = %e, "joined rooms not readable");
            HashSet::new()
        }
    }
}

/// Leaves and forgets rooms joined since `before` in which the account is alone.
pub(crate) async fn drop_orphans(session: &Session, before: &HashSet<OwnedRoomId>) {
    let client = session.client();
    for room_id in joined_now(session).await.difference(before) {
        let alone = match client
            .send(matrix_sdk::ruma::api::client::membership::joined_members::v3::Request::new(room_id.clone()))
            .await
        {
            Ok(m) => m.joined.len() <= 1,
            Err(_) => false,
        };
        if !alone {
            continue;
        }
        // Leave first and forget only once sync delivered the leave: the SDK's forget then
        // drops the room locally too. Forgotten earlier, the room could still arrive as joined
        // through a sync already under way, and sync never corrects a forgotten room.
        let left = client
            .send(leave_room::v3::Request::new(room_id.clone()))
            .await
            .map(drop)
            .map_err(|e| e.to_string());
        let local = until(SYNC_ECHO_TIMEOUT, || async {
            client.get_room(room_id).filter(|r| r.state() == RoomState::Left)
        })
        .await;
        let forgotten = match local {
            Some(room) => room.forget().await.map_err(|e| e.to_string()),
            None => super::server_rooms::forget(client, room_id)
                .await
                .map_err(|e| e.to_string()),
        };
        match (left, forgotten) {
            (Ok(()), Ok(())) => tracing::info!(room = %room_id, "orphan room of a refused invite dropped"),
            (l, f) => tracing::warn!(room = %room_id, leave = ?l.err(), forget = ?f.err(), "orphan room not dropped"),
        }
    }
}
