//! Raw room requests answered by the homeserver alone, for rooms the local store does not
//! hold (or not correctly): reading a room's state, forgetting a room.

use matrix_sdk::Client;
use matrix_sdk::HttpError;
use matrix_sdk::ruma::RoomId;
use matrix_sdk::ruma::api::client::membership::forget_room::v3 as forget_room;
use matrix_sdk::ruma::api::client::state::get_state_events::v3 as get_state_events;
use serde_json::Value;

/// Every state event of the room as the homeserver serves it to this account, as JSON.
pub(crate) async fn state_json(client: &Client, room_id: &RoomId) -> Result<Vec<Value>, HttpError> {
    let response = client.send(get_state_events::Request::new(room_id.to_owned())).await?;
    Ok(response
        .room_state
        .iter()
        .filter_map(|raw| serde_json::from_str(raw.json().get()).ok())
        .collect())
}

/// Forgets the room on the homeserver only (it refuses while the account is a member).
pub(crate) async fn forget(client: &Client, room_id: &RoomId) -> Result<(), HttpError> {
    client
        .send(forget_room::Request::new(room_id.to_owned()))
        .await
        .map(drop)
}
