//! `tim-bench bench` and `tim-bench soak`: see `make bench` / `make soak` and BENCHMARKS.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tim_bench::bench::{self, FED_API, MANY_API, PAIR_API};
use tim_bench::driver::Driver;
use tim_bench::report::Report;
use tim_bench::setup::{self, ApiPlan, HS1, HS2, Layout};
use tim_bench::{BenchResult, RAW_HS1, RAW_HS2, soak};

#[derive(Parser)]
#[command(about = "Benchmark and soak of tim-testdriver against the local Fachdienst")]
struct Cli {
    /// The driver binary (built with the `testdriver` feature).
    #[arg(long, default_value_t = default_driver())]
    driver: String,
    /// Where the bench keeps its driver config, stores and log.
    #[arg(long, default_value = ".state/bench")]
    dir: PathBuf,
    /// Address of the bench's own driver process.
    #[arg(long, default_value = "127.0.0.1:8643")]
    bind: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every figure beside its floor or budget; exits 1 when a target is missed.
    Bench {
        /// Measured message rounds per pair (after warm-up).
        #[arg(long, default_value_t = 40)]
        rounds: u32,
        /// Logged-in devices for the memory and idle-CPU figures.
        #[arg(long, default_value_t = 100)]
        devices: u32,
        /// How long idle CPU is measured.
        #[arg(long, default_value_t = 30)]
        idle_secs: u64,
        /// Also print the figures as a Markdown table (for BENCHMARKS.md).
        #[arg(long)]
        markdown: bool,
    },
    /// The endurance loop; exits 1 when fds, RSS or threads grow beyond the bounds.
    Soak {
        #[arg(long, default_value_t = 1000)]
        cycles: u32,
        #[arg(long, default_value_t = 10)]
        warmup: u32,
        /// Stops by itself after this long, whatever the cycle count.
        #[arg(long, default_value_t = 3600)]
        max_secs: u64,
    },
}

fn default_driver() -> String {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    format!("{target}/debug/tim-testdriver")
}

fn plans(devices: u32) -> Vec<ApiPlan> {
    vec![
        ApiPlan {
            prefix: PAIR_API,
            hs: HS1,
            count: 4,
        },
        ApiPlan {
            prefix: FED_API,
            hs: HS2,
            count: 3,
        },
        ApiPlan {
            prefix: MANY_API,
            hs: HS1,
            count: devices,
        },
    ]
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("tim-bench: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> BenchResult<bool> {
    let devices = match cli.command {
        Command::Bench { devices, .. } => devices,
        Command::Soak { .. } => 3,
    };
    let layout = Layout {
        dir: cli.dir.clone(),
        bind: cli.bind.clone(),
    };
    let apis = plans(devices);
    let config = layout.driver_config(&apis)?;
    let raw = layout.raw_accounts(&[
        ApiPlan {
            prefix: RAW_HS1,
            hs: HS1,
            count: 2,
        },
        ApiPlan {
            prefix: RAW_HS2,
            hs: HS2,
            count: 1,
        },
    ])?;
    let project = std::env::current_dir()?;
    setup::provision(&project, &config)?;
    setup::provision(&project, &raw)?;
    let driver = Driver::start(
        cli.driver.as_ref(),
        &config,
        &cli.bind,
        PAIR_API,
        &cli.dir.join("driver.log"),
    )
    .await?;
    let result = match cli.command {
        Command::Bench {
            rounds,
            devices,
            idle_secs,
            markdown,
        } => {
            let mut report = Report::default();
            report.add(tim_bench::report::Figure::budget(
                "start-up (spawn → GET / 200)",
                driver.startup.as_secs_f64() * 1000.0,
                "ms",
                1000.0,
            ));
            bench::many_devices(&driver, devices, Duration::from_secs(idle_secs), &mut report).await?;
            bench::delivery(&driver, rounds, &mut report).await?;
            bench::login(&driver, 10, &mut report).await?;
            bench::clean_up(&driver, &mut report).await?;
            if markdown {
                println!("{}", report.markdown("### tim-bench"));
            }
            let missed = report.missed();
            for f in &missed {
                println!("bench: target missed: {}", f.name);
            }
            missed.is_empty()
        }
        Command::Soak {
            cycles,
            warmup,
            max_secs,
        } => {
            let r = soak::run(&driver, PAIR_API, 1, warmup, cycles, Duration::from_secs(max_secs)).await?;
            println!("soak: {} cycles in {:.0} s", r.cycles, r.elapsed.as_secs_f64());
            println!("soak: before {}", r.before);
            println!("soak: after  {}", r.after);
            let broken = r.violations(soak::BOUNDS);
            for v in &broken {
                println!("soak: FAILED: {v}");
            }
            if broken.is_empty() {
                println!("soak: flat within the bounds ({:?})", soak::BOUNDS);
            }
            broken.is_empty()
        }
    };
    driver.stop().await;
    Ok(result)
}
