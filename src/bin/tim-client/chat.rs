//! Instant messaging from the command line (5.3–5.5, 4.2, 4.3): replies and mentions,
//! read markers and typing, privacy switches, names and pictures, ignoring users, contact by
//! QR code.

use std::time::Duration;

use clap::Subcommand;
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use tim_client::core::{Mxid, NewMessage, PrivacySettings, Session};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[derive(Subcommand)]
pub(crate) enum ChatCommand {
    /// Answer a message (rich reply, its author mentioned); prints the reply's id
    Reply {
        room: String,
        message: String,
        text: String,
        /// More users to mention (MXIDs named in TEXT show as their display names)
        #[arg(long)]
        mention: Vec<String>,
    },
    /// Send a text that mentions users; prints its id
    Mention {
        room: String,
        text: String,
        users: Vec<String>,
    },
    /// Mark a message (default: the newest) read: the own marker, and a read receipt that
    /// others see only when `privacy --read-receipts on`
    MarkRead { room: String, message: Option<String> },
    /// Who has read a message, with when
    ReadBy { room: String, message: String },
    /// Tell the room you are typing (sent only when `privacy --typing on`)
    Typing {
        room: String,
        #[arg(long)]
        stop: bool,
    },
    /// Privacy switches of this device (both off by default); shows them after any change
    Privacy {
        #[arg(long, value_parser = on_off)]
        read_receipts: Option<bool>,
        #[arg(long, value_parser = on_off)]
        typing: Option<bool>,
    },
    /// A room's members with their display names
    Members { room: String },
    /// Set a room's picture from an image file (or remove it with --remove)
    Avatar {
        room: String,
        file: Option<std::path::PathBuf>,
        #[arg(long, conflicts_with = "file")]
        remove: bool,
    },
    /// Ignore a user: their messages and invites no longer reach you
    Ignore { mxid: String },
    /// Stop ignoring a user
    Unignore { mxid: String },
    /// The users you ignore
    Ignored,
    /// Show a contact code (10 minutes) as a QR code; with --wait, accept the invite of
    /// whoever scans it within that many seconds
    ContactCode {
        #[arg(long)]
        wait: Option<u64>,
    },
    /// Start a direct chat from a scanned contact code; prints the room id
    Scan { code: String },
}

fn on_off(value: &str) -> std::result::Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("'{value}': on or off")),
    }
}

fn text(body: &str, mentions: &[String], reply_to: Option<&str>) -> Result<NewMessage> {
    Ok(NewMessage {
        body: body.to_string(),
        msgtype: "m.text".into(),
        reply_to: reply_to.map(str::to_string),
        mentions: mentions
            .iter()
            .map(|m| Mxid::parse(m))
            .collect::<std::result::Result<_, _>>()?,
        ..Default::default()
    })
}

pub(crate) async fn run(session: &Session, command: &ChatCommand) -> Result<()> {
    match command {
        ChatCommand::Reply {
            room,
            message,
            text: body,
            mention,
        } => {
            let sent = session
                .messages()
                .send(room, text(body, mention, Some(message.as_str()))?)
                .await?;
            println!("{}", sent.message_id);
        }
        ChatCommand::Mention {
            room,
            text: body,
            users,
        } => {
            println!(
                "{}",
                session
                    .messages()
                    .send(room, text(body, users, None)?)
                    .await?
                    .message_id
            );
        }
        ChatCommand::MarkRead { room, message } => {
            let id = match message {
                Some(id) => id.clone(),
                None => match session.messages().list(room).await?.pop() {
                    Some(newest) => newest.message_id,
                    None => return Err("the room has no message to mark".into()),
                },
            };
            session.messages().mark_read(room, &id).await?;
        }
        ChatCommand::ReadBy { room, message } => {
            for reader in session.messages().read_by(room, message).await? {
                println!(
                    "{}\t{}",
                    reader.user_id,
                    reader.ts.map(|t| t.to_string()).unwrap_or_default()
                );
            }
        }
        ChatCommand::Typing { room, stop } => {
            if !session.rooms().typing(room, !stop).await? {
                eprintln!("not sent: typing notices are off (privacy --typing on)");
            }
        }
        ChatCommand::Privacy { read_receipts, typing } => {
            let privacy = session.privacy();
            let current = privacy.settings();
            let wanted = PrivacySettings {
                read_receipts: read_receipts.unwrap_or(current.read_receipts),
                typing_notices: typing.unwrap_or(current.typing_notices),
            };
            if wanted != current {
                privacy.set(wanted)?;
            }
            let show = |on: bool| if on { "on" } else { "off" };
            println!("read receipts\t{}", show(wanted.read_receipts));
            println!("typing notices\t{}", show(wanted.typing_notices));
        }
        ChatCommand::Members { room } => {
            for m in session.rooms().get(room).await?.members {
                println!(
                    "{}\t{:?}\t{}",
                    m.user_id,
                    m.membership,
                    m.display_name.unwrap_or_default()
                );
            }
        }
        ChatCommand::Avatar { room, file, remove } => {
            let staged = match (file, remove) {
                (Some(path), false) => {
                    let bytes = tokio::fs::read(path).await?;
                    let mime = image_type(&bytes).ok_or("not a PNG, JPEG, GIF or WebP image")?;
                    Some(session.media().stage(bytes, mime).await?)
                }
                (None, true) => None,
                _ => return Err("give an image file or --remove".into()),
            };
            let info = session.rooms().set_avatar(room, staged.as_deref()).await?;
            println!("{}", info.avatar.unwrap_or_default());
        }
        ChatCommand::Ignore { mxid } => session.users().ignore(&Mxid::parse(mxid)?).await?,
        ChatCommand::Unignore { mxid } => session.users().unignore(&Mxid::parse(mxid)?).await?,
        ChatCommand::Ignored => {
            for user in session.users().ignored().await? {
                println!("{user}");
            }
        }
        ChatCommand::ContactCode { wait } => {
            let code = session.contact_codes().show().await?;
            let text = code.to_text();
            let qr = QrCode::new(text.as_bytes())?
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .build();
            println!("{qr}\n{text}");
            if let Some(secs) = wait {
                accept_scans(session, Duration::from_secs(*secs)).await?;
            }
        }
        ChatCommand::Scan { code } => println!("{}", session.contact_codes().scan(code).await?),
    }
    Ok(())
}

/// Joins the first invite that followed a scan of this device's code.
async fn accept_scans(session: &Session, wait: Duration) -> Result<()> {
    let until = tokio::time::Instant::now() + wait;
    while tokio::time::Instant::now() < until {
        for room in session.rooms().list().await? {
            if session.contact_codes().accept(&room.room_id).await.unwrap_or(false) {
                println!("{}", room.room_id);
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err("nobody scanned the code in time".into())
}

/// The image type by its first bytes: a file name says nothing reliable.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}
