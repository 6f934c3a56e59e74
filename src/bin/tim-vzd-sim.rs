//! Local VZD-FHIR-Directory for development and tests (never part of a production build).
//!
//! `tim-vzd-sim [--bind 127.0.0.1:8490] [--state .state/vzd] [--config config/driver.toml]`
//! seeds the Organizations and Practitioners of the config's org-admin and practitioner
//! devices, then serves gematik's directory paths over plain HTTP.

use std::process::ExitCode;

use tim_client::testdriver::DriverConfig;
use tim_client::vzd_sim::{SimConfig, seed_from_driver_config, serve, store::Store};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    tim_client::logging::init("info");
    let (bind, state, config) = (
        arg("--bind", "127.0.0.1:8490"),
        arg("--state", ".state/vzd"),
        arg("--config", "config/driver.toml"),
    );
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
