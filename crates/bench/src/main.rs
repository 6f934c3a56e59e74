//! `tim-bench bench` and `tim-bench soak`: see `make bench` / `make soak` and BENCHMARKS.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tim_bench::bench::{self, FED_API, MANY_API, PAIR_API, Peers};
use tim_bench::driver::Driver;
use tim_bench::peer::Peer;
use tim_bench::report::Report;
use tim_bench::setup::{self, ApiPlan, HS1, HS2, Layout};
use tim_bench::{BenchResult, CORE_HS1, CORE_HS2, NIO_HS1, NIO_HS2, RAW_HS1, RAW_HS2, soak};

#[derive(Parser)]
#[command(about = "Benchmark and soak of tim-testdriver against the local Fachdienst")]
struct Cli {
    /// The driver binary (built with the `testdriver` feature).
    #[arg(long, default_value_t = default_driver())]
    driver: String,
    /// Where the bench keeps its driver config, stores and log.
    #[arg(long, default_value = ".state/bench")]
    dir: PathBuf,
    /// Python of the venv with matrix-nio (scripts/ensure-nio.sh makes it).
    #[arg(long, default_value = ".tools/nio-venv/bin/python")]
    nio_python: PathBuf,
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

/// A peer (core or nio) with its three accounts: a sender and a receiver on hs1, a receiver
/// on hs2. The core peer takes them as options, the nio script as arguments.
async fn start_peer(
    name: &'static str,
    program: &std::path::Path,
    lead: &[String],
    on_hs1: &str,
    on_hs2: &str,
    dir: &std::path::Path,
) -> BenchResult<Peer> {
    let accounts = [
        setup::account(on_hs1, HS1, 1),
        setup::account(on_hs1, HS1, 2),
        setup::account(on_hs2, HS2, 1),
    ];
    let store = dir.join(format!("{name}-peer")).display().to_string();
    let mut args = lead.to_vec();
    if name == "nio" {
        args.extend([HS1.url.to_string(), HS2.url.to_string()]);
        args.extend(accounts.iter().map(|(user, _)| user.clone()));
    } else {
        for (flag, value) in [("--hs1", HS1.url), ("--hs2", HS2.url)] {
            args.extend([flag.to_string(), value.to_string()]);
        }
        for (flag, (user, _)) in ["--sender", "--local", "--remote"].iter().zip(&accounts) {
            args.extend([flag.to_string(), user.clone()]);
        }
    }
    args.push(store);
    let passwords = accounts.iter().map(|(_, p)| p.as_str()).collect::<Vec<_>>().join(",");
    let env = if name == "nio" {
        "NIO_PEER_PASSWORDS"
    } else {
        "TIM_PEER_PASSWORDS"
    };
    Peer::start(
        name,
        program,
        &args,
        (env, passwords),
        &dir.join(format!("{name}-peer.log")),
    )
    .await
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
    let mut others = Vec::new();
    for (on_hs1, on_hs2) in [(RAW_HS1, RAW_HS2), (CORE_HS1, CORE_HS2), (NIO_HS1, NIO_HS2)] {
        others.push(ApiPlan {
            prefix: on_hs1,
            hs: HS1,
            count: 2,
        });
        others.push(ApiPlan {
            prefix: on_hs2,
            hs: HS2,
            count: 1,
        });
    }
    let raw = layout.raw_accounts(&others)?;
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
            let core_peer = std::path::Path::new(&cli.driver).with_file_name("tim-core-peer");
            let mut peers = Peers {
                core: start_peer("core", &core_peer, &[], CORE_HS1, CORE_HS2, &cli.dir).await?,
                nio: start_peer(
                    "nio",
                    &cli.nio_python,
                    &["scripts/nio_bench_peer.py".to_string()],
                    NIO_HS1,
                    NIO_HS2,
                    &cli.dir,
                )
                .await?,
            };
            let measured = bench::delivery(&driver, rounds, &mut peers, &mut report).await;
            peers.core.stop().await;
            peers.nio.stop().await;
            measured?;
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
