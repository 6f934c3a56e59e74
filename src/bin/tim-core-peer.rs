//! The core measured the way an app uses it, for `make bench`: three core sessions (a sender,
//! a receiver on the same homeserver, one on another) and a message callback on each
//! receiver. No HTTP layer and no polling: the figure the driver's contract layer is compared
//! with.
//!
//! `tim-core-peer --hs1 URL --hs2 URL --sender MXID --local MXID --remote MXID DIR`, the three
//! passwords in `TIM_PEER_PASSWORDS` (comma-separated, same order). Prints `ready` once the
//! rooms stand, then answers each line `local TEXT` or `fed TEXT` on stdin with the
//! milliseconds from the start of the send to the receiver's callback. Built with the
//! `testdriver` feature only: never part of the product.

use std::io::Write as _;
use std::time::{Duration, Instant};

use tim_client::core::{
    KeySharing, LoginRequest, MessageWatch, Mxid, NewMessage, NewRoom, Product, Session, StoreLocation,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(clap::Parser)]
struct Cli {
    #[arg(long)]
    hs1: url::Url,
    #[arg(long)]
    hs2: url::Url,
    #[arg(long)]
    sender: String,
    #[arg(long)]
    local: String,
    #[arg(long)]
    remote: String,
    /// Where the three stores live (emptied first).
    dir: std::path::PathBuf,
}

const WAIT: Duration = Duration::from_secs(15);

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tim_client::logging::init_cli("tim_client=warn");
    match run(clap::Parser::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tim-core-peer: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn login(hs: &url::Url, dir: &std::path::Path, user: &str, password: &str) -> Result<Session> {
    let user = Mxid::parse(user)?;
    let store = StoreLocation {
        dir: dir.join(user.localpart()),
        passphrase: "tim-core-peer store".into(),
    };
    Ok(Session::login(LoginRequest {
        homeserver_url: hs,
        store,
        user: &user,
        password,
        device_display_name: "tim-core-peer",
        product: Product::Pro,
        trust: Default::default(),
        federation: None,
        key_sharing: KeySharing::AllDevices,
    })
    .await?)
}

/// A room of `sender` that `receiver` joined, with the receiver's callback on it.
async fn pair(sender: &Session, receiver: &Session, name: &str) -> Result<(String, MessageWatch)> {
    let room = sender
        .rooms()
        .create(NewRoom {
            name: name.into(),
            invite: vec![receiver.user_id().clone()],
            ..Default::default()
        })
        .await?
        .room_id;
    let start = Instant::now();
    while receiver.rooms().join(&room).await.is_err() {
        if start.elapsed() > WAIT {
            return Err(format!("{} never got the invite to {room}", receiver.user_id()).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let watch = receiver.messages().watch(&room).await?;
    Ok((room, watch))
}

async fn run(cli: Cli) -> Result<()> {
    let passwords = std::env::var("TIM_PEER_PASSWORDS").map_err(|_| "TIM_PEER_PASSWORDS is not set")?;
    let passwords: Vec<&str> = passwords.split(',').collect();
    let [sender_pw, local_pw, remote_pw] = passwords[..] else {
        return Err("TIM_PEER_PASSWORDS needs three passwords".into());
    };
    let _ = std::fs::remove_dir_all(&cli.dir);
    let sender = login(&cli.hs1, &cli.dir, &cli.sender, sender_pw).await?;
    let local = login(&cli.hs1, &cli.dir, &cli.local, local_pw).await?;
    let remote = login(&cli.hs2, &cli.dir, &cli.remote, remote_pw).await?;
    let (local_room, mut local_watch) = pair(&sender, &local, "core peer, same homeserver").await?;
    let (fed_room, mut fed_watch) = pair(&sender, &remote, "core peer, federated").await?;
    println!("ready");
    // Plain std stdin on a thread of its own: the crate's tokio has no io-std.
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(std::result::Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = lines.recv().await {
        let (target, text) = line.split_once(' ').ok_or("expected 'local TEXT' or 'fed TEXT'")?;
        let (room, watch) = match target {
            "local" => (&local_room, &mut local_watch),
            "fed" => (&fed_room, &mut fed_watch),
            other => return Err(format!("unknown target {other}").into()),
        };
        let message = NewMessage {
            body: text.to_string(),
            msgtype: "m.text".into(),
            ..Default::default()
        };
        let messages = sender.messages();
        let t0 = Instant::now();
        let (sent, seen) = tokio::join!(messages.send(room, message), async {
            tokio::time::timeout(WAIT, async {
                while let Some(m) = watch.next().await {
                    if m.content.body == text {
                        return Some(t0.elapsed());
                    }
                }
                None
            })
            .await
        });
        sent?;
        let took = seen.ok().flatten().ok_or_else(|| format!("'{text}' never arrived"))?;
        println!("{:.3}", took.as_secs_f64() * 1000.0);
        std::io::stdout().flush()?;
    }
    for s in [sender, local, remote] {
        s.logout().await;
    }
    Ok(())
}
