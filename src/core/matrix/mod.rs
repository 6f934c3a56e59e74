//! The I/O edge of the core: everything that talks to matrix-sdk lives below this module.

pub mod media;
pub mod messages;
pub mod rooms;
pub mod session;

mod errors;
mod events;
mod wait;
