//! TI-M rules as pure functions over plain data: no I/O, unit-tested without a homeserver.

pub mod admin;
pub mod contact_qr;
pub mod contacts;
pub mod devices;
pub mod direct_chat;
pub mod federation;
pub mod fhir;
pub mod files;
pub mod members;
pub mod membership_notice;
pub mod notifications;
pub mod outbox;
pub mod permissions;
pub mod privacy;
pub mod push_rules;
pub mod reply;
pub mod reply_fallback;
pub mod retention;
pub mod room_policy;
pub mod session_end;
pub mod sso;
pub mod timeline;
pub mod transport;
pub mod upgrades;
pub mod verification;
