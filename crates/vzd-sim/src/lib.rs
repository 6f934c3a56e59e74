//! A local stand-in for gematik's VZD-FHIR-Directory (dev and test only, never in production
//! builds): gematik's HTTP paths, FHIR R4 JSON, persistent SQLite storage. Search tokens are
//! issued for real Matrix OpenID tokens (checked against the homeserver's federation API);
//! owner tokens come from a test-only login that trusts the TelematikID it is given.
//!
//! Its own crate, depending on nothing of the client it tests: its FHIR handling, search and
//! visibility rules are written here, so a bug in the client's cannot hide in both.

mod fhir;
mod routes;
pub mod search;
pub mod seed;
pub mod store;

pub use routes::{SimConfig, serve};
pub use seed::{Seed, seed};
