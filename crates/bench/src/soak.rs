//! The endurance loop gematik's suite amounts to: claim → login → room → message → leave →
//! forget → logout → unclaim, with a cleanUp every ten cycles, on one driver process.

use std::time::{Duration, Instant};

use crate::BenchResult;
use crate::driver::Driver;
use crate::procstat::Usage;

/// Growth bounds over a whole run (issue: ≤ 40 fds, ≤ 24 MiB, ≤ 4 threads).
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub fds: i64,
    pub rss_mib: f64,
    pub threads: i64,
}

pub const BOUNDS: Bounds = Bounds {
    fds: 40,
    rss_mib: 24.0,
    threads: 4,
};

pub struct SoakReport {
    pub cycles: u32,
    pub before: Usage,
    pub after: Usage,
    pub elapsed: Duration,
}

impl SoakReport {
    /// Which bounds the run broke, as readable lines (empty when it stayed flat).
    pub fn violations(&self, bounds: Bounds) -> Vec<String> {
        let mut out = Vec::new();
        let fds = self.after.fds as i64 - self.before.fds as i64;
        let rss = self.after.rss_mib() - self.before.rss_mib();
        let threads = self.after.threads as i64 - self.before.threads as i64;
        if fds > bounds.fds {
            out.push(format!("open fds grew by {fds} (bound {})", bounds.fds));
        }
        if rss > bounds.rss_mib {
            out.push(format!("RSS grew by {rss:.1} MiB (bound {} MiB)", bounds.rss_mib));
        }
        if threads > bounds.threads {
            out.push(format!("threads grew by {threads} (bound {})", bounds.threads));
        }
        out
    }
}

/// One cycle on device `id` of `api`; `n` names the room.
async fn cycle(driver: &Driver, api: &str, id: u32, n: u32) -> BenchResult<()> {
    let device = driver.device(api, id);
    device.claim().await?;
    device.login().await?;
    let room = device.create_room(&format!("soak {n}"), &[]).await?;
    device.send_text(&room, &format!("soak message {n}")).await?;
    device.leave(&room).await?;
    device.forget(&room).await?;
    device.logout().await?;
    device.unclaim().await?;
    if n.is_multiple_of(10) {
        driver.clean_up(api).await?;
    }
    Ok(())
}

/// The steady state a reading is taken in: after a cleanUp, with the driver's blocking
/// threads given time to retire (tokio keeps an idle one for 10 s).
async fn settled(driver: &Driver) -> BenchResult<Usage> {
    tokio::time::sleep(Duration::from_secs(12)).await;
    driver.usage()
}

/// Warms up, reads usage, runs `cycles` cycles (stopping early at `max_time`), reads again.
pub async fn run(
    driver: &Driver,
    api: &str,
    id: u32,
    warmup: u32,
    cycles: u32,
    max_time: Duration,
) -> BenchResult<SoakReport> {
    for n in 1..=warmup {
        cycle(driver, api, id, n)
            .await
            .map_err(|e| format!("warm-up cycle {n}: {e}"))?;
    }
    let before = settled(driver).await?;
    println!("soak: after {warmup} warm-up cycles: {before}");
    let started = Instant::now();
    let mut done = 0;
    for n in 1..=cycles {
        cycle(driver, api, id, warmup + n)
            .await
            .map_err(|e| format!("cycle {n}: {e}"))?;
        done = n;
        if n.is_multiple_of(50) {
            println!(
                "soak: {n} cycles, {:.0} s: {}",
                started.elapsed().as_secs_f64(),
                driver.usage()?
            );
        }
        if started.elapsed() > max_time {
            println!("soak: time limit reached after {n} cycles");
            break;
        }
    }
    // The run ends on a cleanUp, as every block of ten does.
    driver.clean_up(api).await?;
    let elapsed = started.elapsed();
    let after = settled(driver).await?;
    Ok(SoakReport {
        cycles: done,
        before,
        after,
        elapsed,
    })
}
