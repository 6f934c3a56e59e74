//! gematik test driver: serves the `TiMessengerTestTreiber` contract over the client core.
//!
//! `tim-testdriver [CONFIG]` (default `config/driver.toml`, or `$TIM_DRIVER_CONFIG`).
//! Logs: `RUST_LOG` filter, `TIM_LOG_FORMAT=json` for JSON lines (see `tim_client::logging`).

use std::process::ExitCode;

use tim_client::testdriver::{Driver, DriverConfig};

/// gematik's TiMessengerTestTreiber over the TI-M client core. Logs: RUST_LOG sets the
/// filter, TIM_LOG_FORMAT=json writes JSON lines.
#[derive(clap::Parser)]
#[command(version)]
struct Cli {
    /// Driver configuration (APIs, devices, TLS)
    #[arg(env = "TIM_DRIVER_CONFIG", default_value = "config/driver.toml")]
    config: std::path::PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    tim_client::logging::init("info,matrix_sdk=warn,matrix_sdk_crypto=warn,matrix_sdk_base=warn");
    let Cli { config } = clap::Parser::parse();
    let result = match DriverConfig::load(&config).and_then(Driver::build) {
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
