//! A local stand-in for a TI-M provider's push gateway (dev and test only, never in production
//! builds). Sygnal, the reference gateway, is not on PyPI, so the local Fachdienst has this one.
//!
//! It plays both provider roles of gemSpec_TI-Messenger-Client 5.6.1: the push provider that
//! hands a device its routing token (`POST /_tim-push-sim/v1/routing-tokens`), and the push
//! gateway that homeservers notify (`POST /_matrix/push/v1/notify`, Matrix Push Gateway API),
//! answering `rejected` for a routing token it never issued or has revoked. Instead of waking
//! a phone it records what it received; tests read that back over the test-only
//! `POST /_tim-push-sim/test/received`.
//!
//! Its own crate, depending on nothing of the client it tests.

mod routes;
pub mod store;

pub use routes::{router, serve};
