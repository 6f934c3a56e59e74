//! gematik's `TiMessengerTestTreiber` HTTP server (feature `testdriver`, never in production).
//!
//! What it is *not*: it holds no TI-M rule and never talks to matrix-sdk or ruma. Each handler
//! translates the contract's JSON into one call on [`crate::core`] and the result back
//! (ML-124877, ML-124879). What it does own is test-device management: the APIs and devices
//! of its configuration, device leases ([`claims`]), and which account a device is logged into.
//!
//! One module per contract tag; [`routes`] merges them into the router of one API and
//! [`openapi`] documents exactly those routes (served at `/docs`).

pub mod claims;
pub mod config;
pub mod crl;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod persist;
pub mod pool;
pub mod routes;
pub mod serve;
pub mod status;
pub mod tls;

mod account;
mod authorization;
mod contacts;
mod convert;
mod devices;
mod fhir_org;
mod fhir_practitioner;
mod fhir_search;
mod info;
mod key_exchange;
mod login_logout;
mod media;
mod message;
mod room;
mod search;

pub use config::DriverConfig;
/// The largest request body any operation reads (media uploads are the largest).
pub use media::MAX_UPLOAD_BYTES as MAX_BODY_BYTES;
pub use serve::Driver;
