//! The I/O edge of the core: everything that talks to matrix-sdk lives below this module.

pub mod admin;
pub mod contacts;
pub mod devices;
pub mod keys;
pub mod media;
pub mod messages;
pub mod notifications;
pub mod outbox;
pub mod permissions;
pub mod push;
pub mod push_rules;
pub mod rooms;
pub mod session;
pub mod trust;
mod upgrades;
pub mod users;
pub mod verification;

mod device_file;
mod ending;
pub(crate) mod errors;
mod events;
mod forgotten;
mod json_http;
mod local_echo;
mod orphans;
mod peek;
mod relogin;
mod reports;
mod sealed_file;
mod server_rooms;
pub(crate) mod store_key;
mod stores;
mod synapse_admin;
mod sync_runtime;
mod wait;
