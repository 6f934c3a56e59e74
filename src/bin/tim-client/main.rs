//! Headless TI-M client: a small command line over the product interface.
//!
//! ```text
//! TIM_PASSWORD=... TIM_STORE_PASSPHRASE=... tim-client --homeserver http://127.0.0.1:8008 \
//!     --user @alice:127.0.0.11 [--store DIR] [--epa] <command>     (tim-client --help)
//! TIM_STORE_PASSPHRASE=... tim-client --homeserver http://127.0.0.1:8038 --store DIR login --sso
//! ```
//! Secrets come from the environment, never from arguments (they would show in `ps`). A
//! store whose session is still live (after `login`) is resumed without a password.

mod admin;
mod chat;
mod push;
mod sessions;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tim_client::core::{
    DeviceOnServer, FederationCheck, KeySharing, Mxid, NewMessage, NewRoom, OutboxKind, Product, RetentionPeriod,
    TimelineEntry, TrustAnchors, VerificationFlow, VerificationState,
};

/// Headless TI-M client over the product interface. Secrets come from the environment only
/// (TIM_PASSWORD, TIM_STORE_PASSPHRASE): arguments would show in `ps`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Client-server API base URL, e.g. http://127.0.0.1:8008
    #[arg(long)]
    homeserver: url::Url,
    /// The account's MXID, e.g. @alice:127.0.0.11 (for a password login)
    #[arg(long)]
    user: Option<String>,
    /// Store directory (default .tim-client/<mxid>, or .tim-client/sso without --user)
    #[arg(long)]
    store: Option<std::path::PathBuf>,
    /// Act as a TI-M ePA client (insured person) instead of a Pro client
    #[arg(long)]
    epa: bool,
    /// Announce the user as online while syncing (off by default: ML-123607)
    #[arg(long)]
    online: bool,
    /// PEM file of root certificates to trust besides the platform's (e.g. the TI's roots)
    #[arg(long)]
    trust_anchors: Option<std::path::PathBuf>,
    /// Signed TI-M federation list (federationList.jws): log in only to a homeserver it names
    #[arg(long, requires_all = ["federation_ca", "federation_roots"])]
    federation_list: Option<url::Url>,
    /// Base URL of the list signer's sub-CA certificates (…/ECC/SUB-CA/<CN>.der below it)
    #[arg(long, requires = "federation_list")]
    federation_ca: Option<url::Url>,
    /// PEM file of the roots the list's signer must chain to (the TI's ECC roots)
    #[arg(long, requires = "federation_list")]
    federation_roots: Option<std::path::PathBuf>,
    /// Who receives the keys of the messages sent: all, cross-signed or verified devices
    #[arg(long, default_value = "all", value_parser = parse_key_sharing)]
    key_sharing: KeySharing,
    #[command(subcommand)]
    command: Command,
}

fn parse_key_sharing(name: &str) -> Result<KeySharing, String> {
    KeySharing::parse(name).map_err(|e| e.to_string())
}

#[derive(Subcommand)]
enum Command {
    /// Log in and stay logged in: later commands with this store resume the session. With
    /// --sso: prints the identity provider's URL and waits for the redirect back
    Login {
        #[arg(long)]
        sso: bool,
        /// The identity provider, when the homeserver lists several
        #[arg(long, requires = "sso")]
        idp: Option<String>,
        /// Seconds to wait for the SSO redirect
        #[arg(long, default_value_t = 300)]
        wait: u64,
    },
    /// End the session kept by `login` (the device stays, as after every command)
    Logout,
    /// Wipe the account from this device: store key first, then every file; --keep-device
    /// leaves the device on the homeserver (by default it is logged out there first)
    Erase {
        #[arg(long)]
        keep_device: bool,
    },
    /// The retention period in days; with DAYS set it (and purge at once); --purge purges now
    Retention {
        days: Option<u32>,
        #[arg(long)]
        purge: bool,
    },
    /// Ask the homeserver to keep a room's events no longer than the retention period
    RoomRetention { room: String },
    /// List rooms: id, own membership, name
    Rooms,
    /// Create a room with the TI-M defaults; prints its id
    Create { name: String },
    /// Invite a user into a room
    Invite { room: String, mxid: String },
    /// Join a room
    Join { room: String },
    /// Send a text message; prints its id
    Send { room: String, text: String },
    /// List a room's timeline: id, author's name, body (or why it cannot be decrypted yet),
    /// and who joined, left or was invited
    Read { room: String },
    /// Ask again for the key of a message that cannot be decrypted
    Decrypt { room: String, message: String },
    /// Send a direct message (creates the chat if needed); prints the room id
    Dm { mxid: String, text: String },
    /// Stay logged in until the homeserver ends the session (prints why) or Ctrl-C
    Watch,
    /// The account's devices (or another user's): id, trust, last seen, fingerprint, name; rename or
    /// delete an own device (the password comes from TIM_PASSWORD)
    Devices {
        /// Another user's MXID; the account's own devices without it
        user: Option<String>,
        #[command(subcommand)]
        action: Option<DeviceAction>,
    },
    /// Verify another user (in your direct chat) or a device (yours or theirs): shows the
    /// emoji and decimals and asks on the terminal whether they match
    Verify { mxid: String, device: Option<String> },
    /// Trust a user (or one device) without an interactive verification, after comparing
    /// fingerprints some other way (`devices MXID` shows them)
    Trust { mxid: String, device: Option<String> },
    /// Wait for a verification request from another device or user and answer it
    AnswerVerification {
        /// Seconds to wait for a request
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
    /// Sends not yet confirmed by the homeserver: room, entry id, state, text (list), or
    /// retry or discard one
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxAction>,
    },
    /// Push notifications on this device: on, off, status, show
    Push {
        #[command(subcommand)]
        command: push::PushCommand,
    },
    /// A room's notification setting and its rules; with MODE (all, mentions, mute or
    /// default) set it first
    Rules { room: String, mode: Option<String> },
    /// The account's whole push rule set: list, add, enable, disable, remove
    RuleSet {
        #[command(subcommand)]
        command: push::RuleSetCommand,
    },
    /// Report a message as unwanted content to the homeserver's org admin
    Report {
        room: String,
        message: String,
        reason: String,
    },
    /// The homeserver's system messages to this account
    SystemMessages,
    /// The org admin's functions: users, devices, system messages, reports
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    #[command(flatten)]
    Chat(chat::ChatCommand),
}

#[derive(Subcommand)]
enum DeviceAction {
    /// Give an own device a new name
    Rename { device: String, name: String },
    /// Sign an own device out everywhere (asks the homeserver with the password)
    Delete { device: String },
}

#[derive(Subcommand)]
enum OutboxAction {
    /// Send a failed entry again
    Retry { room: String, entry: String },
    /// Drop an entry that has not gone out
    Discard { room: String, entry: String },
}

struct Args {
    homeserver: url::Url,
    user: Option<Mxid>,
    store: std::path::PathBuf,
    product: Product,
    online: bool,
    trust: TrustAnchors,
    federation: Option<FederationCheck>,
    key_sharing: KeySharing,
    command: Command,
}

#[tokio::main]
async fn main() -> ExitCode {
    // The core's warnings; matrix-sdk's own (404s it expects, key backup notes) with RUST_LOG.
    tim_client::logging::init_cli("tim_client=warn");
    let cli = Cli::parse();
    let user = match cli.user.as_deref().map(Mxid::parse).transpose() {
        Ok(u) => u,
        Err(e) => {
            eprintln!("--user: {e}");
            return ExitCode::from(2);
        }
    };
    let trust = match cli.trust_anchors.as_deref().map(TrustAnchors::from_pem_file) {
        None => TrustAnchors::default(),
        Some(Ok(trust)) => trust,
        Some(Err(e)) => {
            eprintln!("--trust-anchors: {e}");
            return ExitCode::from(2);
        }
    };
    let federation = match (&cli.federation_list, &cli.federation_ca, &cli.federation_roots) {
        (Some(list), Some(ca), Some(roots)) => {
            let check = std::fs::read(roots)
                .map_err(|e| format!("--federation-roots {}: {e}", roots.display()))
                .and_then(|pem| {
                    FederationCheck::new(list.clone(), ca.clone(), &pem, &trust).map_err(|e| e.to_string())
                });
            match check {
                Ok(check) => Some(check),
                Err(e) => {
                    eprintln!("federation list: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        _ => None,
    };
    let store = cli.store.unwrap_or_else(|| match &user {
        Some(user) => format!(".tim-client/{}", user.as_str().replace([':', '@'], "_")).into(),
        None => ".tim-client/sso".into(),
    });
    let args = Args {
        homeserver: cli.homeserver,
        user,
        store,
        product: if cli.epa { Product::Epa } else { Product::Pro },
        online: cli.online,
        trust,
        federation,
        key_sharing: cli.key_sharing,
        command: cli.command,
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let (session, resumed) = match &args.command {
        Command::Login { sso: true, idp, wait } => (sessions::sso_login(&args, idp.as_deref(), *wait).await?, true),
        Command::Login { sso: false, .. } => (sessions::password_login(&args).await?, true),
        _ => sessions::open(&args).await?,
    };
    let password = || std::env::var("TIM_PASSWORD").map_err(|_| "TIM_PASSWORD is not set");
    if args.online {
        session.announce_presence(true).await?;
    }
    let text = |m: &str| NewMessage {
        body: m.to_string(),
        msgtype: "m.text".into(),
        ..Default::default()
    };
    match &args.command {
        Command::Rooms => {
            for r in session.rooms().list().await? {
                println!("{}\t{:?}\t{}", r.room_id, r.own_membership, r.name);
            }
        }
        Command::Create { name } => println!(
            "{}",
            session
                .rooms()
                .create(NewRoom {
                    name: name.clone(),
                    ..Default::default()
                })
                .await?
                .room_id
        ),
        Command::Invite { room, mxid } => {
            session.rooms().invite(room, &[Mxid::parse(mxid)?]).await?;
        }
        Command::Join { room } => {
            session.rooms().join(room).await?;
        }
        Command::Send { room, text: msg } => {
            println!("{}", session.messages().send(room, text(msg)).await?.message_id)
        }
        Command::Read { room } => {
            for entry in session.messages().timeline(room).await? {
                match entry {
                    TimelineEntry::Message(m) => {
                        let reply = m
                            .content
                            .reply_to
                            .map(|r| format!(" (reply to {r})"))
                            .unwrap_or_default();
                        let author = m.author_name.unwrap_or(m.author);
                        println!("{}\t{author}\t{}{reply}", m.message_id, m.content.body)
                    }
                    TimelineEntry::Membership(n) => {
                        let who = n.member_name.unwrap_or(n.member);
                        println!("{}\t{who}\t({:?} by {})", n.event_id, n.change, n.sender)
                    }
                    TimelineEntry::Undecryptable(u) => {
                        println!(
                            "{}\t{}\t(cannot be decrypted: {})",
                            u.message_id,
                            u.author,
                            u.reason.code()
                        )
                    }
                }
            }
        }
        Command::Decrypt { room, message } => {
            let readable = session.messages().retry_decryption(room, message).await?;
            println!("{}", if readable { "readable" } else { "key requested" });
        }
        Command::Dm { mxid, text: msg } => println!(
            "{}",
            session
                .messages()
                .send_direct(&Mxid::parse(mxid)?, text(msg))
                .await?
                .room_id
        ),
        Command::Devices { user, action: None } => {
            let devices = match user {
                Some(user) => session.devices().of(&Mxid::parse(user)?).await?,
                None => session.devices().own().await?,
            };
            for d in devices {
                let seen = d.last_seen_ms.map(|ms| ms.to_string()).unwrap_or_else(|| "-".into());
                let this = if d.this_device { " (this device)" } else { "" };
                let name = d.display_name.as_deref().unwrap_or("");
                let fingerprint = d.fingerprint.as_deref().unwrap_or("-");
                println!(
                    "{}\t{}\t{seen}\t{fingerprint}\t{name}{this}",
                    d.device_id,
                    d.trust.code()
                );
            }
        }
        Command::Devices {
            action: Some(DeviceAction::Rename { device, name }),
            ..
        } => session.devices().rename(device, name).await?,
        Command::Devices {
            action: Some(DeviceAction::Delete { device }),
            ..
        } => session.devices().delete(device, &password()?).await?,
        Command::Outbox { action: None } => {
            for e in session.outbox().list().await? {
                let what = match &e.kind {
                    OutboxKind::Message { body } => body.clone(),
                    OutboxKind::Redaction { of } => format!("(deletion of {of})"),
                };
                let state = e.failure.as_deref().unwrap_or("waiting");
                println!("{}\t{}\t{state}\t{what}", e.room_id, e.entry_id);
            }
        }
        Command::Outbox {
            action: Some(OutboxAction::Retry { room, entry }),
        } => session.outbox().retry(room, entry).await?,
        Command::Outbox {
            action: Some(OutboxAction::Discard { room, entry }),
        } => session.outbox().discard(room, entry).await?,
        Command::Verify { mxid, device } => {
            let user = Mxid::parse(mxid)?;
            let flow = match device {
                Some(device) => session.verification().request_device(&user, device).await?,
                None => session.verification().request_user(&user).await?,
            };
            verify_on_terminal(&flow).await?;
        }
        Command::Trust { mxid, device } => {
            let user = Mxid::parse(mxid)?;
            match device {
                Some(device) => session.verification().trust_device(&user, device).await?,
                None => session.verification().trust_user(&user).await?,
            }
        }
        Command::AnswerVerification { wait } => {
            let flow = session
                .verification()
                .incoming(std::time::Duration::from_secs(*wait))
                .await?
                .ok_or("no verification request arrived")?;
            println!("verification request from {}", flow.other_user());
            verify_on_terminal(&flow).await?;
        }
        Command::Push { command } => push::push(&session, command).await?,
        Command::Chat(command) => chat::run(&session, command).await?,
        Command::Rules { room, mode } => push::room_rules(&session, room, mode.as_deref()).await?,
        Command::RuleSet { command } => push::rule_set(&session, command).await?,
        Command::Report { room, message, reason } => session.messages().report(room, message, reason).await?,
        Command::SystemMessages => {
            for m in session.messages().system_messages().await? {
                println!("{}\t{}", m.timestamp_ms, m.content.body);
            }
        }
        Command::Admin { command } => admin::admin(&session, command).await?,
        Command::Login { .. } => {
            println!(
                "logged in as {} (device {})",
                session.user_id(),
                session.device_id().unwrap_or_default()
            );
            return Ok(());
        }
        Command::Logout => {}
        Command::Erase { keep_device } => {
            let device = if *keep_device {
                DeviceOnServer::Keep
            } else {
                DeviceOnServer::LogOut
            };
            session.erase(device).await?;
            println!("erased {}", args.store.display());
            return Ok(());
        }
        Command::Retention { days, purge } => {
            let report = match days {
                Some(days) => Some(session.retention().set_period(RetentionPeriod::days(*days)?).await?),
                None if *purge => Some(session.retention().purge(std::time::SystemTime::now()).await?),
                None => None,
            };
            println!("retention period: {} days", session.retention().period().in_days());
            if let Some(r) = report {
                println!("purged {} events, {} files", r.events, r.files);
            }
        }
        Command::RoomRetention { room } => session.retention().limit_room_on_server(room).await?,
        Command::Watch => {
            tokio::select! {
                reason = session.wait_ended() => {
                    session.logout().await;
                    return Err(format!("session ended: {reason} ({})", reason.code()).into());
                }
                _ = tokio::signal::ctrl_c() => {}
            }
        }
    }
    // A session resumed from the store stays live for the next command; `logout` ends it.
    if !resumed || matches!(args.command, Command::Logout) {
        session.logout().await;
    }
    Ok(())
}

/// Runs a verification up to the short authentication string, lets the user compare it on
/// the terminal and confirms or reports a mismatch.
async fn verify_on_terminal(flow: &VerificationFlow) -> Result<(), Box<dyn std::error::Error>> {
    const WAIT: std::time::Duration = std::time::Duration::from_secs(120);
    let state = match flow.short_auth_string(WAIT).await? {
        VerificationState::Compare { emoji, decimals } => {
            for e in &emoji {
                print!("{} {}   ", e.symbol, e.description);
            }
            println!("\n{} {} {}", decimals.0, decimals.1, decimals.2);
            println!("Does the other device show the same? [y/N]");
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer)?;
            if answer.trim().eq_ignore_ascii_case("y") {
                flow.confirm(WAIT).await?
            } else {
                flow.mismatch().await?
            }
        }
        other => other,
    };
    match state {
        VerificationState::Done => {
            println!("verified");
            Ok(())
        }
        VerificationState::Cancelled { code, reason, .. } => Err(format!("not verified: {code} ({reason})").into()),
        other => Err(format!("not verified: {other:?}").into()),
    }
}
