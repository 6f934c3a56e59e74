//! Local push gateway for development and tests (never part of a production build).
//!
//! `tim-push-sim [--bind 127.0.0.1:8491] [--state .state/push]`

use std::process::ExitCode;

use tim_push_sim::{serve, store::Store};

/// Local push gateway: the Matrix Push Gateway API plus a routing-token endpoint, over plain
/// HTTP; what it receives is kept in SQLite. Logs: RUST_LOG sets the filter.
#[derive(clap::Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8491")]
    bind: String,
    /// Directory for the SQLite store
    #[arg(long, default_value = ".state/push")]
    state: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let Cli { bind, state } = clap::Parser::parse();
    let run = async {
        std::fs::create_dir_all(&state).map_err(|e| e.to_string())?;
        let store = Store::open(&std::path::Path::new(&state).join("push.sqlite")).map_err(|e| e.to_string())?;
        let listener = tokio::net::TcpListener::bind(&bind)
            .await
            .map_err(|e| format!("{bind}: {e}"))?;
        tracing::info!(%bind, "push gateway listening");
        serve(listener, store).await.map_err(|e| e.to_string())
    };
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}
