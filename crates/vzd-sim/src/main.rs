//! Local VZD-FHIR-Directory for development and tests (never part of a production build).
//!
//! `tim-vzd-sim [--bind 127.0.0.1:8490] [--state .state/vzd] [--seed config/vzd-seed.json]`
//! creates the seed file's Organizations and Practitioners (once), then serves gematik's
//! directory paths over plain HTTP.

use std::process::ExitCode;

use tim_vzd_sim::{Seed, SimConfig, seed, serve, store::Store};

/// Local VZD-FHIR-Directory: gematik's directory paths and FHIR R4 JSON over plain HTTP,
/// seeded with the card holders of a seed file. Logs: RUST_LOG sets the filter.
#[derive(clap::Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8490")]
    bind: String,
    /// Directory for the SQLite store
    #[arg(long, default_value = ".state/vzd")]
    state: String,
    /// Organizations and practitioners to create on first start (JSON)
    #[arg(long, default_value = "config/vzd-seed.json")]
    seed: std::path::PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let Cli {
        bind,
        state,
        seed: seed_file,
    } = clap::Parser::parse();
    let run = async {
        std::fs::create_dir_all(&state).map_err(|e| e.to_string())?;
        let store = Store::open(&std::path::Path::new(&state).join("vzd.sqlite")).map_err(|e| e.to_string())?;
        let seeded = seed(&store, &Seed::load(&seed_file)?);
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
