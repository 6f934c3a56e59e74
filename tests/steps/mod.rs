//! Step definitions, grouped by domain concept.
pub mod contacts;
pub mod devices;
pub mod fhir;
pub mod homeserver;
pub mod media;
pub mod messages;
pub mod permissions;
pub mod rooms;
pub mod status;
pub mod tiger;
pub mod world;
