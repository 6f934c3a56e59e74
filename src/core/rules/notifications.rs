//! Push notifications (gemSpec_TI-Messenger-Client 5.6) as plain data: what the user registers,
//! what the gateway delivers, and what a UI shows for it. The gateway only ever carries ids and
//! counts (`event_id_only`); everything shown is fetched and decrypted on the device.

use serde_json::Value;
use url::Url;

use super::push_rules::PushAction;
use crate::core::{CoreError, CoreResult};

/// The Push Gateway API path a pusher's URL must have (Matrix client-server API, pushers).
pub const NOTIFY_PATH: &str = "/_matrix/push/v1/notify";

/// What the user opts in with on this device (5.6.1 steps 2 and 3). The routing token comes
/// from the provider's push service; it is a secret and is kept sealed (5.6.3).
#[derive(Clone)]
pub struct PushRegistration {
    /// The provider's push gateway: its base URL or the full notify URL.
    pub gateway_url: Url,
    /// The app's id at the push provider, e.g. its bundle id.
    pub app_id: String,
    pub routing_token: String,
    /// Shown in the account's pusher list.
    pub app_display_name: String,
    pub lang: String,
}

impl std::fmt::Debug for PushRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushRegistration")
            .field("gateway_url", &self.gateway_url.as_str())
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// The notify URL a pusher gets, from a gateway's base URL or its full notify URL: TLS unless
/// on this machine, no credentials or query in it.
pub fn notify_url(gateway: &Url) -> CoreResult<Url> {
    super::transport::require_tls(gateway, "push gateway")?;
    if !gateway.username().is_empty() || gateway.password().is_some() || gateway.query().is_some() {
        return Err(CoreError::InvalidInput(
            "the push gateway URL must carry no credentials or query".into(),
        ));
    }
    let path = gateway.path().trim_end_matches('/');
    if path.ends_with(NOTIFY_PATH) {
        return Ok(gateway.clone());
    }
    if path.contains("/_matrix/") {
        return Err(CoreError::InvalidInput(format!(
            "the push gateway URL's path must end in {NOTIFY_PATH}"
        )));
    }
    let mut url = gateway.clone();
    url.set_path(&format!("{path}{NOTIFY_PATH}"));
    Ok(url)
}

/// A Matrix app id: 1 to 64 characters (client-server API, `POST /pushers/set`).
pub fn check_app_id(app_id: &str) -> CoreResult<()> {
    if app_id.is_empty() || app_id.len() > 64 || app_id.chars().any(char::is_whitespace) {
        return Err(CoreError::InvalidInput(
            "the app id must have 1 to 64 characters and no spaces".into(),
        ));
    }
    Ok(())
}

/// A routing token as push services hand them out: 1 to 512 bytes (Matrix's pushkey limit).
pub fn check_routing_token(token: &str) -> CoreResult<()> {
    if token.is_empty() || token.len() > 512 || token.chars().any(char::is_control) {
        return Err(CoreError::InvalidInput(
            "the routing token must have 1 to 512 bytes and no control characters".into(),
        ));
    }
    Ok(())
}

/// One pusher of the account, on whichever device registered it.
#[derive(Clone, PartialEq, Eq)]
pub struct PusherInfo {
    pub app_id: String,
    /// The routing token: needed to remove the pusher; never logged.
    pub pushkey: String,
    pub app_display_name: String,
    pub device_display_name: String,
    /// The gateway's notify URL (HTTP pushers).
    pub gateway_url: Option<String>,
    /// Whether the gateway gets ids and counts only (no content, no sender).
    pub event_id_only: bool,
    /// Whether this device registered it.
    pub this_device: bool,
}

impl std::fmt::Debug for PusherInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PusherInfo")
            .field("app_id", &self.app_id)
            .field("device_display_name", &self.device_display_name)
            .field("gateway_url", &self.gateway_url)
            .field("event_id_only", &self.event_id_only)
            .field("this_device", &self.this_device)
            .finish_non_exhaustive()
    }
}

/// Whether this device receives pushes (5.6.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushStatus {
    /// The user opted in on this device.
    pub opted_in: bool,
    /// The homeserver still has this device's pusher (it drops one its gateway rejected).
    pub registered: bool,
    pub gateway_url: Option<String>,
    pub app_id: Option<String>,
}

/// What the gateway delivered to the device (Push Gateway API, `event_id_only`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushNotice {
    pub room_id: String,
    pub event_id: String,
    /// Unread notifications over all rooms, for the app's badge.
    pub unread: Option<u64>,
}

impl PushNotice {
    /// Reads a notification as the gateway passed it on: the Push Gateway API body
    /// (`{"notification": {…}}`) or the notification object itself.
    pub fn from_gateway(json: &Value) -> CoreResult<PushNotice> {
        let n = json.get("notification").unwrap_or(json);
        let field = |name: &str| {
            n.get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| CoreError::InvalidInput(format!("the push notification has no {name}")))
        };
        let room_id = field("room_id")?;
        let event_id = field("event_id")?;
        if !room_id.starts_with('!') || !event_id.starts_with('$') {
            return Err(CoreError::InvalidInput(
                "the push notification's room_id or event_id is malformed".into(),
            ));
        }
        Ok(PushNotice {
            room_id,
            event_id,
            unread: n.pointer("/counts/unread").and_then(Value::as_u64),
        })
    }
}

/// What a notification says, never ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationBody {
    Text(String),
    /// An image was sent (no content in the notification).
    Image,
    /// A file, voice message or video was sent.
    File,
    /// The user was invited into the room.
    Invite,
    /// Something new whose content the device cannot show (yet): its key has not arrived.
    NewMessage,
}

impl NotificationBody {
    /// For a `m.room.message` of this msgtype and body.
    pub fn of_message(msgtype: &str, body: &str) -> NotificationBody {
        match msgtype {
            "m.text" | "m.notice" | "m.emote" if !body.is_empty() => NotificationBody::Text(body.to_string()),
            "m.image" => NotificationBody::Image,
            "m.file" | "m.audio" | "m.video" => NotificationBody::File,
            _ => NotificationBody::NewMessage,
        }
    }

    /// For an event as the device reads it after decrypting (Matrix JSON); `me` is the
    /// session's MXID. Still encrypted, or of a kind a UI has no line for: "new message".
    pub fn of_event(event: &Value, me: &str) -> NotificationBody {
        let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
        match text("/type") {
            "m.room.message" => NotificationBody::of_message(text("/content/msgtype"), text("/content/body")),
            "m.room.member" if text("/content/membership") == "invite" && text("/state_key") == me => {
                NotificationBody::Invite
            }
            _ => NotificationBody::NewMessage,
        }
    }

    /// The line a UI shows.
    pub fn display(&self) -> &str {
        match self {
            NotificationBody::Text(text) => text,
            NotificationBody::Image => "image",
            NotificationBody::File => "file",
            NotificationBody::Invite => "invitation",
            NotificationBody::NewMessage => "new message",
        }
    }
}

/// A notification as a UI shows it (5.6.1 step 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub room_id: String,
    pub event_id: String,
    pub room_name: String,
    /// The sender's MXID and display name (`None` while the event is not readable).
    pub sender: Option<String>,
    pub sender_name: Option<String>,
    pub body: NotificationBody,
    /// A mention or keyword: shown highlighted.
    pub highlight: bool,
    pub unread: Option<u64>,
}

/// What the rules say about an event after decrypting: `None` for "do not notify", else
/// whether to highlight. Rules not evaluated (no actions) notify: better one too many.
pub fn decide(actions: Option<&[PushAction]>) -> Option<bool> {
    match actions {
        None => Some(false),
        Some(actions) if actions.contains(&PushAction::Notify) => Some(actions.contains(&PushAction::Highlight)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_gateway_base_url_gets_the_notify_path_and_a_full_one_is_kept() {
        let url = |s: &str| notify_url(&Url::parse(s).unwrap());
        assert_eq!(
            url("https://push.example.de").unwrap().as_str(),
            "https://push.example.de/_matrix/push/v1/notify"
        );
        assert_eq!(
            url("https://push.example.de/tim/").unwrap().as_str(),
            "https://push.example.de/tim/_matrix/push/v1/notify"
        );
        assert_eq!(
            url("http://127.0.0.1:8491/_matrix/push/v1/notify").unwrap().as_str(),
            "http://127.0.0.1:8491/_matrix/push/v1/notify"
        );
        for bad in [
            "http://push.example.de",
            "https://user:pw@push.example.de",
            "https://push.example.de/?token=x",
            "https://push.example.de/_matrix/push/v2/notify",
            "ftp://push.example.de",
        ] {
            assert!(matches!(url(bad), Err(CoreError::InvalidInput(_))), "{bad}");
        }
    }

    #[test]
    fn app_ids_and_routing_tokens_within_matrix_limits() {
        assert!(check_app_id("de.example.tim.ios").is_ok());
        assert!(check_app_id("").is_err());
        assert!(check_app_id(&"a".repeat(65)).is_err());
        assert!(check_app_id("with space").is_err());
        assert!(check_routing_token("abc").is_ok());
        assert!(check_routing_token("").is_err());
        assert!(check_routing_token(&"a".repeat(513)).is_err());
        assert!(check_routing_token("a\nb").is_err());
    }

    #[test]
    fn a_notice_reads_from_the_gateway_body_or_the_bare_notification() {
        let inner = json!({"event_id": "$e", "room_id": "!r:hs", "counts": {"unread": 3}, "prio": "high"});
        let want = PushNotice {
            room_id: "!r:hs".into(),
            event_id: "$e".into(),
            unread: Some(3),
        };
        assert_eq!(PushNotice::from_gateway(&inner).unwrap(), want);
        assert_eq!(PushNotice::from_gateway(&json!({"notification": inner})).unwrap(), want);
        for bad in [
            json!({}),
            json!({"event_id": "$e"}),
            json!({"event_id": "e", "room_id": "!r:hs"}),
            json!({"event_id": "$e", "room_id": ""}),
        ] {
            assert!(PushNotice::from_gateway(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies_show_text_or_a_placeholder() {
        assert_eq!(
            NotificationBody::of_message("m.text", "Befund da"),
            NotificationBody::Text("Befund da".into())
        );
        assert_eq!(
            NotificationBody::of_message("m.image", "x.png"),
            NotificationBody::Image
        );
        assert_eq!(NotificationBody::of_message("m.file", "x.pdf"), NotificationBody::File);
        assert_eq!(NotificationBody::of_message("m.video", "x.mp4"), NotificationBody::File);
        assert_eq!(
            NotificationBody::of_message("org.custom", "x"),
            NotificationBody::NewMessage
        );
        assert_eq!(NotificationBody::Image.display(), "image");
        assert_eq!(NotificationBody::NewMessage.display(), "new message");
    }

    #[test]
    fn events_show_what_they_are_and_ciphertext_never() {
        let me = "@me:hs";
        let of = |e: Value| NotificationBody::of_event(&e, me);
        assert_eq!(
            of(json!({"type": "m.room.message", "content": {"msgtype": "m.text", "body": "hallo"}})),
            NotificationBody::Text("hallo".into())
        );
        assert_eq!(
            of(json!({"type": "m.room.message", "content": {"msgtype": "m.image", "body": "scan.png"}})),
            NotificationBody::Image
        );
        assert_eq!(
            of(
                json!({"type": "m.room.encrypted", "content": {"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "AwgA"}})
            ),
            NotificationBody::NewMessage
        );
        assert_eq!(
            of(json!({"type": "m.room.member", "state_key": me, "content": {"membership": "invite"}})),
            NotificationBody::Invite
        );
        assert_eq!(
            of(json!({"type": "m.room.member", "state_key": "@other:hs", "content": {"membership": "invite"}})),
            NotificationBody::NewMessage
        );
    }

    #[test]
    fn the_rules_decide_whether_and_how_loud() {
        assert_eq!(decide(Some(&[])), None);
        assert_eq!(decide(Some(&[PushAction::Notify])), Some(false));
        assert_eq!(decide(Some(&[PushAction::Notify, PushAction::Highlight])), Some(true));
        assert_eq!(decide(None), Some(false));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let registration = PushRegistration {
            gateway_url: Url::parse("https://push.example.de").unwrap(),
            app_id: "de.example.tim".into(),
            routing_token: "routing-secret".into(),
            app_display_name: "TI-M".into(),
            lang: "de".into(),
        };
        assert!(!format!("{registration:?}").contains("routing-secret"));
        let pusher = PusherInfo {
            app_id: "a".into(),
            pushkey: "routing-secret".into(),
            app_display_name: "a".into(),
            device_display_name: "d".into(),
            gateway_url: None,
            event_id_only: true,
            this_device: true,
        };
        assert!(!format!("{pusher:?}").contains("routing-secret"));
    }
}
