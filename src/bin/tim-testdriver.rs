//! gematik test driver: serves the `TiMessengerTestTreiber` contract over the client core.
//!
//! `tim-testdriver [CONFIG]` (default `config/driver.toml`, or `$TIM_DRIVER_CONFIG`).
//! Logs: `RUST_LOG` filter, `TIM_LOG_FORMAT=json` for JSON lines (see `tim_client::logging`).

use std::process::ExitCode;

use tim_client::testdriver::{Driver, DriverConfig};

#[tokio::main]
async fn main() -> ExitCode {
    tim_client::logging::init("info,matrix_sdk=warn,matrix_sdk_crypto=warn,matrix_sdk_base=warn");
    let path = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TIM_DRIVER_CONFIG").ok())
        .unwrap_or_else(|| "config/driver.toml".into());
    let result = match DriverConfig::load(std::path::Path::new(&path)).and_then(Driver::build) {
        Ok(driver) => driver.run().await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
