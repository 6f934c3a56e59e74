//! `tim-client admin …`: the org admin's functions (gemSpec_TI-Messenger-Client 5.7) from the
//! command line. A plain user's account is refused by the core before anything is sent.

use clap::Subcommand;
use tim_client::core::{Mxid, NewUser, ReportAction, Role, Session};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Whether this account is an org admin of its homeserver
    Role,
    /// The homeserver's users: id, display name, state (a page; --from continues it)
    Users {
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Create a user: the MXID is the hash of IDENTIFIER (ML-124045); prints it and the
    /// one-time initial password to hand over
    CreateUser { identifier: String, display_name: String },
    /// Set a user's display name
    Rename { mxid: String, display_name: String },
    /// Deactivate a user (no more logins, every device logged out)
    Deactivate { mxid: String },
    /// Deactivate and erase a user
    DeleteUser { mxid: String },
    /// A user's devices: id, last seen, name
    Devices { mxid: String },
    /// Delete (and so log out) one device of a user
    DeleteDevice { mxid: String, device: String },
    /// Log a user out on every device
    LogoutAll { mxid: String },
    /// Send a system message to one user (--to) or to every user of the homeserver
    Notice {
        #[arg(long)]
        to: Option<String>,
        text: String,
    },
    /// Reports of unwanted content: id, room, event, reporter, sender, reason
    Reports,
    /// Act on a report: redact, remove-sender or dismiss
    Report { id: String, action: String },
}

pub async fn admin(session: &Session, command: &AdminCommand) -> Result<(), Box<dyn std::error::Error>> {
    let admin = session.admin();
    match command {
        AdminCommand::Role => println!(
            "{}",
            match session.role().await? {
                Role::OrgAdmin => "org admin",
                Role::User => "user",
            }
        ),
        AdminCommand::Users { search, from, limit } => {
            let page = admin.users(from.as_deref(), *limit, search.as_deref()).await?;
            for u in &page.users {
                let state = if u.deactivated { "deactivated" } else { "active" };
                let role = if u.org_admin { "\torg admin" } else { "" };
                println!(
                    "{}\t{}\t{state}{role}",
                    u.user_id,
                    u.display_name.as_deref().unwrap_or("")
                );
            }
            if let Some(next) = page.next {
                println!("(more: --from {next}; {} in all)", page.total);
            }
        }
        AdminCommand::CreateUser {
            identifier,
            display_name,
        } => {
            let created = admin
                .create_user(&NewUser {
                    identifier: identifier.clone(),
                    display_name: display_name.clone(),
                })
                .await?;
            println!("{}\t{}", created.user_id, created.initial_password);
        }
        AdminCommand::Rename { mxid, display_name } => {
            admin.set_display_name(&Mxid::parse(mxid)?, display_name).await?
        }
        AdminCommand::Deactivate { mxid } => admin.deactivate(&Mxid::parse(mxid)?).await?,
        AdminCommand::DeleteUser { mxid } => admin.delete_user(&Mxid::parse(mxid)?).await?,
        AdminCommand::Devices { mxid } => {
            for d in admin.devices(&Mxid::parse(mxid)?).await? {
                let seen = d.last_seen_ms.map(|ms| ms.to_string()).unwrap_or_else(|| "-".into());
                println!("{}\t{seen}\t{}", d.device_id, d.display_name.as_deref().unwrap_or(""));
            }
        }
        AdminCommand::DeleteDevice { mxid, device } => admin.delete_device(&Mxid::parse(mxid)?, device).await?,
        AdminCommand::LogoutAll { mxid } => {
            println!(
                "{} devices logged out",
                admin.log_out_everywhere(&Mxid::parse(mxid)?).await?
            )
        }
        AdminCommand::Notice { to: Some(mxid), text } => admin.notify_user(&Mxid::parse(mxid)?, text).await?,
        AdminCommand::Notice { to: None, text } => println!("sent to {} users", admin.notify_all(text).await?),
        AdminCommand::Reports => {
            for r in admin.reports().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    r.room_id,
                    r.event_id,
                    r.reporter,
                    r.sender.as_deref().unwrap_or("-"),
                    r.reason.as_deref().unwrap_or("")
                );
            }
        }
        AdminCommand::Report { id, action } => {
            let action = match action.as_str() {
                "redact" => ReportAction::Redact,
                "remove-sender" => ReportAction::RemoveSender,
                "dismiss" => ReportAction::Dismiss,
                other => return Err(format!("action {other:?}: redact, remove-sender or dismiss").into()),
            };
            admin.act_on_report(id, action).await?;
        }
    }
    Ok(())
}
