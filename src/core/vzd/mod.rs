//! The VZD-FHIR-Directory client: searches (Pro `/search`, ePA `/fdv/search`) with a search
//! token obtained from a Matrix OpenID token, and the owner API through which org admins and
//! practitioners maintain their entries. The directory's base URL is configuration: gematik's
//! directory in a deployment, the project's local directory service in tests.

mod http;
pub mod owner;
pub mod search;

pub use owner::{Owner, OwnerAuth, SimulatorOwnerAuth};
pub use search::Directory;
