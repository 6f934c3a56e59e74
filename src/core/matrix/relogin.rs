//! A login into a device the homeserver deleted meanwhile (an admin logged it out, another
//! device removed it, its token was revoked by `POST /logout`).
//!
//! Synapse then creates a new device under the same id. The store still holds the old
//! device's crypto account, which believes its keys were uploaded long ago, so it never
//! uploads them again: the device has no keys on the homeserver, and every message sent to it
//! afterwards is undecryptable for good. Reusing the id with new keys is no way out either:
//! other clients refuse changed keys for a device id they know. So the login becomes a new
//! device on a fresh store, and the room keys the old store held come along (nothing is lost).

use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::keys::get_keys;

use super::errors::from_http;
use super::session::{LoginRequest, password_login};
use super::stores::{build_client, remove_databases};
use crate::core::{CoreError, CoreResult};

/// Whether the homeserver lists the keys of the device the client is logged into.
pub(super) async fn device_keys_on_server(client: &Client) -> CoreResult<bool> {
    let (Some(user), Some(device)) = (client.user_id(), client.device_id()) else {
        return Err(CoreError::Internal("not logged in".into()));
    };
    let mut request = get_keys::v3::Request::new();
    request.device_keys.insert(user.to_owned(), vec![device.to_owned()]);
    let response = client.send(request).await.map_err(from_http)?;
    Ok(response
        .device_keys
        .get(user)
        .is_some_and(|devices| devices.contains_key(device)))
}

/// Replaces the keyless device `old` is logged into by a new device on a fresh store that
/// holds the old store's room keys. Returns the new device's client, logged in.
pub(super) async fn replace_lost_device(old: Client, req: &LoginRequest<'_>) -> CoreResult<Client> {
    let lost = old.device_id().map(|d| d.to_string()).unwrap_or_default();
    let export = req.store.dir.join("room-keys.export");
    let passphrase = hex::encode(rand::random::<[u8; 32]>());
    old.encryption()
        .export_room_keys(export.clone(), &passphrase, |_| true)
        .await
        .map_err(CoreError::internal)?;
    // The device the login re-created has no keys and never will: remove it again.
    if let Err(e) = old.matrix_auth().logout().await {
        tracing::warn!(device = %lost, error = %e, "could not remove the keyless device");
    }
    drop(old);
    remove_databases(&req.store.dir).await;
    let client = build_client(req.homeserver_url, &req.store, &req.trust, req.key_sharing).await?;
    password_login(&client, req, None).await?;
    let imported = client.encryption().import_room_keys(export.clone(), &passphrase).await;
    let _ = tokio::fs::remove_file(&export).await;
    let imported = imported.map_err(CoreError::internal)?;
    tracing::info!(
        user = %req.user,
        lost = %lost,
        device = ?client.device_id(),
        room_keys = imported.imported_count,
        "the store's device was deleted on the homeserver; logged in as a new device with its room keys"
    );
    Ok(client)
}
