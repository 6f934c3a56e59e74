//! `tim-client push …`, `rules …` and `rule-set …`: push notifications from the command line
//! (gemSpec_TI-Messenger-Client 5.6). The routing token comes from the environment, like every
//! secret of this command line.

use clap::Subcommand;
use tim_client::core::{
    Notification, NotificationBody, PushAction, PushCondition, PushNotice, PushRegistration, PushRule, RoomMode,
    RuleKind, Session,
};

#[derive(Subcommand)]
pub enum PushCommand {
    /// Opt this device in: register a pusher with the provider's gateway (the routing token
    /// from TIM_PUSH_ROUTING_TOKEN)
    On {
        /// The provider's push gateway, e.g. http://127.0.0.1:8491 (the local stand-in)
        #[arg(long)]
        gateway: url::Url,
        /// The app's id at the push provider
        #[arg(long, default_value = "de.tim.client")]
        app_id: String,
        #[arg(long, default_value = "TI-M client")]
        app_name: String,
        #[arg(long, default_value = "de")]
        lang: String,
    },
    /// Opt this device out: remove its pusher and nothing else
    Off,
    /// Whether this device receives pushes, and the account's pushers
    Status,
    /// What a UI shows for a push: the room and event id, or the gateway's notification JSON
    /// on standard input
    Show {
        room: Option<String>,
        event: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum RuleSetCommand {
    /// Every rule, in the order the homeserver evaluates them
    List,
    /// Add a rule (or replace yours of the same kind and id)
    Add {
        /// override, content, room, sender or underride
        kind: String,
        /// The rule's id (a room rule: the room id; a sender rule: the MXID)
        id: String,
        /// notify, highlight or sound=NAME; none: do not notify
        #[arg(long = "action")]
        actions: Vec<String>,
        /// Content rules: the keyword (glob)
        #[arg(long)]
        pattern: Option<String>,
        /// event_match:KEY=GLOB, contains_display_name, room_member_count:IS,
        /// sender_notification_permission:KEY, event_property_is:KEY=JSON,
        /// event_property_contains:KEY=JSON
        #[arg(long = "condition")]
        conditions: Vec<String>,
    },
    Enable {
        kind: String,
        id: String,
    },
    Disable {
        kind: String,
        id: String,
    },
    Remove {
        kind: String,
        id: String,
    },
}

pub async fn push(session: &Session, command: &PushCommand) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        PushCommand::On {
            gateway,
            app_id,
            app_name,
            lang,
        } => {
            let routing_token =
                std::env::var("TIM_PUSH_ROUTING_TOKEN").map_err(|_| "TIM_PUSH_ROUTING_TOKEN is not set")?;
            let registration = PushRegistration {
                gateway_url: gateway.clone(),
                app_id: app_id.clone(),
                routing_token,
                app_display_name: app_name.clone(),
                lang: lang.clone(),
            };
            session.push().opt_in(&registration).await?;
            println!("push notifications on for this device");
        }
        PushCommand::Off => match session.push().opt_out().await? {
            true => println!("push notifications off for this device"),
            false => println!("this device had not opted in"),
        },
        PushCommand::Status => {
            let status = session.push().status().await?;
            println!(
                "this device: {}{}",
                if status.opted_in { "opted in" } else { "not opted in" },
                match (status.opted_in, status.registered) {
                    (true, false) => " (the homeserver dropped its pusher: opt in again)",
                    _ => "",
                }
            );
            for p in session.push().pushers().await? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    p.app_id,
                    p.device_display_name,
                    p.gateway_url.as_deref().unwrap_or("-"),
                    if p.event_id_only { "event_id_only" } else { "full" },
                    if p.this_device { "\t(this device)" } else { "" }
                );
            }
        }
        PushCommand::Show { room, event } => {
            let notice = match (room, event) {
                (Some(room_id), Some(event_id)) => PushNotice {
                    room_id: room_id.clone(),
                    event_id: event_id.clone(),
                    unread: None,
                },
                (None, None) => PushNotice::from_gateway(&serde_json::from_reader(std::io::stdin())?)?,
                _ => return Err("give both the room and the event id, or neither".into()),
            };
            match session.push().notification(&notice).await? {
                Some(n) => println!("{}", line(&n)),
                None => println!("(no notification: the push rules say so)"),
            }
        }
    }
    Ok(())
}

fn line(n: &Notification) -> String {
    let from = n.sender_name.as_deref().map(|s| format!("{s}: ")).unwrap_or_default();
    let body = match &n.body {
        NotificationBody::Text(t) => t.clone(),
        other => format!("({})", other.display()),
    };
    format!("{}{}\t{from}{body}", if n.highlight { "! " } else { "" }, n.room_name)
}

/// `rules ROOM [MODE]`: show a room's notification setting and its rules, or set it.
pub async fn room_rules(session: &Session, room: &str, mode: Option<&str>) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(mode) = mode {
        session.push().set_room_mode(room, RoomMode::parse(mode)?).await?;
    }
    let shown = session.push().room_rules(room).await?;
    println!("mode: {}", shown.mode.map(RoomMode::code).unwrap_or("default"));
    for rule in &shown.rules {
        println!("{}", describe(rule));
    }
    Ok(())
}

pub async fn rule_set(session: &Session, command: &RuleSetCommand) -> Result<(), Box<dyn std::error::Error>> {
    let push = session.push();
    match command {
        RuleSetCommand::List => {
            for rule in push.rules().await? {
                println!("{}", describe(&rule));
            }
        }
        RuleSetCommand::Add {
            kind,
            id,
            actions,
            pattern,
            conditions,
        } => {
            let rule = tim_client::core::NewPushRule {
                kind: RuleKind::parse(kind)?,
                rule_id: id.clone(),
                actions: actions.iter().map(|a| parse_action(a)).collect::<Result<_, _>>()?,
                pattern: pattern.clone(),
                conditions: conditions
                    .iter()
                    .map(|c| parse_condition(c))
                    .collect::<Result<_, _>>()?,
            };
            push.add_rule(&rule).await?;
        }
        RuleSetCommand::Enable { kind, id } => push.set_rule_enabled(RuleKind::parse(kind)?, id, true).await?,
        RuleSetCommand::Disable { kind, id } => push.set_rule_enabled(RuleKind::parse(kind)?, id, false).await?,
        RuleSetCommand::Remove { kind, id } => push.remove_rule(RuleKind::parse(kind)?, id).await?,
    }
    Ok(())
}

/// kind, id, on/off, what it does, and when.
fn describe(rule: &PushRule) -> String {
    let actions: Vec<String> = rule
        .actions
        .iter()
        .map(|a| match a {
            PushAction::Notify => "notify".to_string(),
            PushAction::Highlight => "highlight".to_string(),
            PushAction::Sound(s) => format!("sound={s}"),
        })
        .collect();
    let when: Vec<String> = rule
        .pattern
        .iter()
        .map(|p| format!("body~{p}"))
        .chain(rule.conditions.iter().map(|c| format!("{c:?}")))
        .collect();
    format!(
        "{}\t{}\t{}\t{}\t{}",
        rule.kind.code(),
        rule.rule_id,
        if rule.enabled { "on" } else { "off" },
        if actions.is_empty() {
            "silent".to_string()
        } else {
            actions.join(",")
        },
        when.join(" & ")
    )
}

fn parse_action(text: &str) -> Result<PushAction, String> {
    match text.split_once('=') {
        None if text == "notify" => Ok(PushAction::Notify),
        None if text == "highlight" => Ok(PushAction::Highlight),
        Some(("sound", name)) => Ok(PushAction::Sound(name.to_string())),
        _ => Err(format!("action {text:?}: notify, highlight or sound=NAME")),
    }
}

fn parse_condition(text: &str) -> Result<PushCondition, String> {
    let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
    let key_value = || {
        rest.split_once('=')
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .ok_or_else(|| format!("condition {text:?}: {kind}:KEY=VALUE"))
    };
    let json = |v: String| serde_json::from_str(&v).unwrap_or(serde_json::Value::String(v));
    Ok(match kind {
        "event_match" => {
            let (key, pattern) = key_value()?;
            PushCondition::EventMatch { key, pattern }
        }
        "contains_display_name" => PushCondition::ContainsDisplayName,
        "room_member_count" => PushCondition::RoomMemberCount { is: rest.to_string() },
        "sender_notification_permission" => PushCondition::SenderNotificationPermission { key: rest.to_string() },
        "event_property_is" => {
            let (key, value) = key_value()?;
            PushCondition::EventPropertyIs {
                key,
                value: json(value),
            }
        }
        "event_property_contains" => {
            let (key, value) = key_value()?;
            PushCondition::EventPropertyContains {
                key,
                value: json(value),
            }
        }
        _ => return Err(format!("condition kind {kind:?} is not known")),
    })
}
