//! The benchmark: the driver beside a raw Matrix client on the same homeservers in the same
//! run, each figure printed with its ratio to the floor (or to the target where the floor is
//! a fixed budget).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::BenchResult;
use crate::driver::Driver;
use crate::peer::Peer;
use crate::procstat::TICKS_PER_SEC;
use crate::raw::RawClient;
use crate::report::{Figure, Report};
use crate::setup::{HS1, HS2, account};
use crate::stats::{ms, percentile};

/// API prefixes of the bench driver config (see `main.rs`).
pub const PAIR_API: &str = "bench-hs1";
pub const FED_API: &str = "bench-hs2";
pub const MANY_API: &str = "bench-many";

const WAIT: Duration = Duration::from_secs(15);

/// The delivery figures of one pair of accounts, driver and raw.
#[derive(Default)]
struct Samples {
    /// The first message of the run in a new room: a new Megolm session for the driver.
    driver_first: Vec<Duration>,
    raw_first: Vec<Duration>,
    driver_delivery: Vec<Duration>,
    driver_send: Vec<Duration>,
    raw_delivery: Vec<Duration>,
    raw_send_echo: Vec<Duration>,
    /// The core with a message callback, no HTTP layer (`tim-core-peer`).
    core_delivery: Vec<Duration>,
    /// matrix-nio with E2EE, an independent client.
    nio_delivery: Vec<Duration>,
}

/// The clients measured beside the driver and the raw floor.
pub struct Peers {
    pub core: Peer,
    pub nio: Peer,
}

pub async fn many_devices(driver: &Driver, count: u32, idle: Duration, report: &mut Report) -> BenchResult<()> {
    let before = driver.usage()?;
    for id in 1..=count {
        let d = driver.device(MANY_API, id);
        d.claim().await?;
        d.login().await?;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let logged_in = driver.usage()?;
    let per_device = (logged_in.rss_mib() - before.rss_mib()) / f64::from(count);
    report.add(Figure::budget(
        &format!("RSS per logged-in device ({count})"),
        per_device,
        "MiB",
        20.0,
    ));
    let t0 = Instant::now();
    let ticks0 = driver.usage()?.cpu_ticks;
    tokio::time::sleep(idle).await;
    let ticks = driver.usage()?.cpu_ticks - ticks0;
    let share = ticks as f64 / TICKS_PER_SEC / t0.elapsed().as_secs_f64() * 100.0;
    report.add(Figure::budget(
        &format!("idle CPU, {count} devices syncing"),
        share,
        "% of a core",
        1.0,
    ));
    for id in 1..=count {
        let d = driver.device(MANY_API, id);
        d.logout().await?;
        d.unclaim().await?;
    }
    Ok(())
}

pub async fn login(driver: &Driver, rounds: u32, report: &mut Report) -> BenchResult<()> {
    let d = driver.device(PAIR_API, 3);
    d.claim().await?;
    d.login().await?;
    let (user, password) = account(PAIR_API, HS1, 3);
    let mut ours = Vec::new();
    let mut raw = Vec::new();
    for _ in 0..rounds {
        d.logout().await?;
        let t = Instant::now();
        d.login().await?;
        ours.push(t.elapsed());
        let t = Instant::now();
        RawClient::login(HS1.url, &user, &password).await?;
        raw.push(t.elapsed());
    }
    d.logout().await?;
    d.unclaim().await?;
    report.add(Figure::ratio(
        "login (re-login, p50)",
        ms(percentile(&ours, 50.0)),
        ms(percentile(&raw, 50.0)),
        "ms",
        None,
    ));
    Ok(())
}

/// cleanUp of a 4-device pool that was used: each device logged in, one room, one message.
pub async fn clean_up(driver: &Driver, report: &mut Report) -> BenchResult<()> {
    for id in 1..=4 {
        let d = driver.device(PAIR_API, id);
        d.claim().await?;
        d.login().await?;
        let room = d.create_room("cleanup bench", &[]).await?;
        d.send_text(&room, "to be cleaned").await?;
        d.unclaim().await?;
    }
    let t = Instant::now();
    driver.clean_up(PAIR_API).await?;
    report.add(Figure::budget(
        "cleanUp of a used 4-device pool",
        ms(t.elapsed()),
        "ms",
        2000.0,
    ));
    Ok(())
}

pub async fn delivery(driver: &Driver, rounds: u32, peers: &mut Peers, report: &mut Report) -> BenchResult<()> {
    let a = driver.device(PAIR_API, 1);
    let b = driver.device(PAIR_API, 2);
    let c = driver.device(FED_API, 1);
    for d in [&a, &b, &c] {
        d.claim().await?;
    }
    let b_id = b.login().await?;
    let c_id = c.login().await?;
    a.login().await?;
    let local_room = a.create_room("bench same homeserver", &[&b_id]).await?;
    let fed_room = a.create_room("bench federated", &[&c_id]).await?;
    join_when_invited(&b, &local_room).await?;
    join_when_invited(&c, &fed_room).await?;

    let raw = raw_pair().await?;
    // Texts unique per run: a raw client's first sync also returns earlier runs' messages.
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut local = Samples::default();
    let mut fed = Samples::default();
    for round in 0..rounds + WARMUP {
        // Round 0 is the first message of each room; later warm-up rounds are dropped.
        let keep = round == 0 || round >= WARMUP;
        let (l, f) = (keep.then_some(&mut local), keep.then_some(&mut fed));
        let (tag_l, tag_f) = (format!("local {run}-{round}"), format!("fed {run}-{round}"));
        driver_round(&a, &b, &local_room, &tag_l, l).await?;
        raw_round(
            &raw.0,
            &raw.1,
            &raw.3,
            &format!("raw {tag_l}"),
            keep.then_some(&mut local),
        )
        .await?;
        for (peer, tag) in [(&mut peers.nio, "nio"), (&mut peers.core, "core")] {
            peer_round(peer, tag, "local", &tag_l, keep.then_some(&mut local)).await?;
        }
        driver_round(&a, &c, &fed_room, &tag_f, f).await?;
        raw_round(
            &raw.0,
            &raw.2,
            &raw.4,
            &format!("raw {tag_f}"),
            keep.then_some(&mut fed),
        )
        .await?;
        for (peer, tag) in [(&mut peers.nio, "nio"), (&mut peers.core, "core")] {
            peer_round(peer, tag, "fed", &tag_f, keep.then_some(&mut fed)).await?;
        }
        if round == 0 {
            first_messages(&mut local);
            first_messages(&mut fed);
        }
    }
    for d in [&a, &b, &c] {
        d.logout().await?;
        d.unclaim().await?;
    }
    for (name, s) in [("same homeserver", &local), ("federated", &fed)] {
        report.add(Figure::ratio(
            &format!("first message in a new room, {name}"),
            ms(percentile(&s.driver_first, 50.0)),
            ms(percentile(&s.raw_first, 50.0)),
            "ms",
            None,
        ));
        for (p, target) in [(50.0, 1.25), (90.0, 1.5)] {
            report.add(Figure::ratio(
                &format!("delivery {name}, p{p}"),
                ms(percentile(&s.driver_delivery, p)),
                ms(percentile(&s.raw_delivery, p)),
                "ms",
                Some(target),
            ));
        }
        for p in [50.0, 90.0] {
            let at = |v: &Vec<Duration>| ms(percentile(v, p));
            let (driver, core, nio) = (at(&s.driver_delivery), at(&s.core_delivery), at(&s.nio_delivery));
            report.add(Figure::ratio(
                &format!("delivery {name}, p{p}: nio vs raw"),
                nio,
                at(&s.raw_delivery),
                "ms",
                None,
            ));
            report.add(Figure::ratio(
                &format!("delivery {name}, p{p}: core vs nio"),
                core,
                nio,
                "ms",
                Some(1.0),
            ));
            report.add(Figure::ratio(
                &format!("delivery {name}, p{p}: driver vs core"),
                driver,
                core,
                "ms",
                Some(1.2),
            ));
            report.add(Figure::ratio(
                &format!("delivery {name}, p{p}: driver vs nio"),
                driver,
                nio,
                "ms",
                None,
            ));
        }
        report.add(Figure::ratio(
            &format!("sendMessage {name}, p90 (floor: PUT + echo)"),
            ms(percentile(&s.driver_send, 90.0)),
            ms(percentile(&s.raw_send_echo, 90.0)),
            "ms",
            Some(1.5),
        ));
    }
    Ok(())
}

/// Moves the samples of the first (unkept) round into the first-message figures.
fn first_messages(s: &mut Samples) {
    s.driver_first.extend(s.driver_delivery.pop());
    s.raw_first.extend(s.raw_delivery.pop());
    s.driver_send.pop();
    s.raw_send_echo.pop();
    s.core_delivery.pop();
    s.nio_delivery.pop();
}

/// One message through a peer; `tag` tells the samples apart in verbose output.
async fn peer_round(
    peer: &mut Peer,
    tag: &str,
    target: &str,
    text: &str,
    keep: Option<&mut Samples>,
) -> BenchResult<()> {
    let took = peer.deliver(target, &format!("{tag} {text}")).await?;
    if std::env::var_os("TIM_BENCH_VERBOSE").is_some() {
        println!("bench: sample {tag} {text}: delivered {:.1} ms", ms(took));
    }
    if let Some(s) = keep {
        match tag {
            "nio" => s.nio_delivery.push(took),
            _ => s.core_delivery.push(took),
        }
    }
    Ok(())
}

/// Rounds whose figures are dropped: the first message of a new Megolm session and the
/// first requests of new connections are not what a suite run is made of.
const WARMUP: u32 = 3;

async fn join_when_invited(device: &crate::driver::Device<'_>, room: &str) -> BenchResult<()> {
    let deadline = Instant::now() + WAIT;
    loop {
        match device.join(room).await {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn driver_round(
    from: &crate::driver::Device<'_>,
    to: &crate::driver::Device<'_>,
    room: &str,
    text: &str,
    keep: Option<&mut Samples>,
) -> BenchResult<()> {
    let wall = wall_ms();
    let t0 = Instant::now();
    let (sent, seen) = tokio::join!(
        async {
            from.send_text(room, text).await?;
            BenchResult::Ok(t0.elapsed())
        },
        to.wait_listed(room, text, WAIT)
    );
    let send = sent?;
    let seen = seen?.ok_or_else(|| format!("'{text}' never listed"))?;
    if std::env::var_os("TIM_BENCH_VERBOSE").is_some() {
        println!(
            "bench: sample {text}: at {wall:.1} send {:.1} ms, listed {:.1} ms ({} polls, last {:.2} ms)",
            ms(send),
            ms(seen.at - t0),
            seen.polls,
            ms(seen.last_poll)
        );
    }
    if let Some(s) = keep {
        s.driver_send.push(send);
        s.driver_delivery.push(seen.at - t0);
    }
    Ok(())
}

/// Sender, local receiver, federated receiver, local room, federated room.
type RawPair = (Arc<RawClient>, Arc<RawClient>, Arc<RawClient>, String, String);

async fn raw_pair() -> BenchResult<RawPair> {
    let login = |plan: &'static str, hs, n| async move {
        let (user, password) = account(plan, hs, n);
        let c = Arc::new(RawClient::login(hs.url, &user, &password).await?);
        c.spawn_sync();
        BenchResult::Ok(c)
    };
    let sender = login(crate::RAW_HS1, HS1, 1).await?;
    let local = login(crate::RAW_HS1, HS1, 2).await?;
    let remote = login(crate::RAW_HS2, HS2, 1).await?;
    let local_room = sender.create_room(&[&local.user_id]).await?;
    local.join(&local_room).await?;
    let fed_room = sender.create_room(&[&remote.user_id]).await?;
    remote.join(&fed_room).await?;
    Ok((sender, local, remote, local_room, fed_room))
}

async fn raw_round(
    from: &RawClient,
    to: &RawClient,
    room: &str,
    text: &str,
    keep: Option<&mut Samples>,
) -> BenchResult<()> {
    let wall = wall_ms();
    let t0 = Instant::now();
    from.send_text(room, text).await?;
    let echo = from.seen.wait_for(text, WAIT).await.ok_or("raw echo missing")?;
    let seen = to.seen.wait_for(text, WAIT).await.ok_or("raw delivery missing")?;
    if std::env::var_os("TIM_BENCH_VERBOSE").is_some() {
        println!(
            "bench: sample {text}: at {wall:.1} echo {:.1} ms, seen {:.1} ms",
            ms(echo - t0),
            ms(seen - t0)
        );
    }
    if let Some(s) = keep {
        s.raw_delivery.push(seen - t0);
        s.raw_send_echo.push(echo - t0);
    }
    Ok(())
}

/// Wall-clock milliseconds, to line verbose samples up with the homeservers' logs.
fn wall_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or_default()
}
