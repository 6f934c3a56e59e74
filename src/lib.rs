#![recursion_limit = "256"]
//! TI-Messenger client core (the product) and, behind feature `testdriver`, gematik's test
//! driver on top of it. The production build never contains the driver (ML-124878).

#[cfg(all(feature = "production", feature = "testdriver"))]
compile_error!("feature `testdriver` must never be enabled together with `production` (ML-124878)");

pub mod core;
pub mod logging;

#[cfg(feature = "testdriver")]
pub mod testdriver;
