//! Benchmark and soak of the test driver, run against the local Fachdienst of
//! `scripts/fachdienst-up.sh`: the driver runs as its own process (so its fds, memory,
//! threads and CPU time are read from /proc), a raw Matrix client gives the floor.

pub mod bench;
pub mod driver;
pub mod peer;
pub mod procstat;
pub mod raw;
pub mod report;
pub mod setup;
pub mod soak;
pub mod stats;

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The raw floor's account groups (provisioned, never served by the driver).
pub const RAW_HS1: &str = "raw-hs1";
pub const RAW_HS2: &str = "raw-hs2";
/// The accounts of the core and matrix-nio peers (provisioned like the raw floor's).
pub const CORE_HS1: &str = "core-hs1";
pub const CORE_HS2: &str = "core-hs2";
pub const NIO_HS1: &str = "nio-hs1";
pub const NIO_HS2: &str = "nio-hs2";
