//! Local VZD-FHIR-Directory for development and tests (never part of a production build).
//!
//! `tim-vzd-sim [--bind 127.0.0.1:8490] [--state .state/vzd] [--config config/driver.toml]`
//! seeds the Organizations and Practitioners of the config's org-admin and practitioner
//! devices, then serves gematik's directory paths over plain HTTP.

use std::process::ExitCode;

use tim_client::testdriver::DriverConfig;
use tim_client::vzd_sim::{SimConfig, seed_from_driver_config, serve, store::Store};

/// Local VZD-FHIR-Directory: gematik's directory paths and FHIR R4 JSON over plain HTTP,
/// seeded from a driver config's org-admin and practitioner devices.
#[derive(clap::Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8490")]
    bind: String,
    /// Directory for the SQLite store
    #[arg(long, default_value = ".state/vzd")]
    state: String,
    /// Driver config whose owners are seeded
    #[arg(long, default_value = "config/driver.toml")]
    config: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    tim_client::logging::init("info");
    let Cli { bind, state, config } = clap::Parser::parse();
    let run = async {
        std::fs::create_dir_all(&state).map_err(|e| e.to_string())?;
        let store = Store::open(&std::path::Path::new(&state).join("vzd.sqlite")).map_err(|e| e.to_string())?;
        let driver_config = DriverConfig::load(std::path::Path::new(&config))?;
        let seeded = seed_from_driver_config(&store, &driver_config);
        let listener = tokio::net::TcpListener::bind(&bind)
            .await
            .map_err(|e| format!("{bind}: {e}"))?;
        tracing::info!(%bind, seeded, "directory service listening");
        let sim = SimConfig {
            federation_urls: Default::default(),
        };
        serve(listener, store, sim).await.map_err(|e| e.to_string())
    };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
