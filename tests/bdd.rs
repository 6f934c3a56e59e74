//! Cucumber runner: starts the test driver in-process (TLS, port 0, config/driver-bdd.toml)
//! and drives it through the progenitor client generated from gematik's contract, against
//! the real local homeservers. Prints a closing `bdd: N passed, N failed` line.

mod steps;

use cucumber::World as _;
use cucumber::writer::Stats as _;

#[tokio::main]
async fn main() {
    // TIM_BDD_LOG=<filter> (e.g. tim_client=debug) shows the in-process driver's log on stderr.
    if let Ok(filter) = std::env::var("TIM_BDD_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .init();
    }
    let base = steps::world::start_driver().await;
    let result = steps::world::TimWorld::cucumber()
        .max_concurrent_scenarios(1)
        .fail_on_skipped()
        .before(move |_, _, _, world| {
            let base = base.clone();
            Box::pin(async move { world.base = base })
        })
        .after(|_, _, _, _, world| {
            Box::pin(async move {
                if let Some(world) = world {
                    world.teardown().await;
                }
            })
        })
        .run("features")
        .await;
    let stats = result.scenarios_stats();
    let failed = stats.failed + result.parsing_errors() + result.hook_errors();
    println!("bdd: {} passed, {} failed", stats.passed, failed);
    if result.execution_has_failed() || failed > 0 {
        std::process::exit(1);
    }
}
