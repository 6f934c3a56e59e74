//! Push rules (gemSpec_TI-Messenger-Client 5.6.4, 5.6.5) as plain data: the account's whole
//! rule set, what a room's notification mode means in it, and which new rules are well formed.
//! The homeserver stores and evaluates the rules; these functions decide what to ask it for, so
//! bad input is refused before anything changes on the server.

use serde_json::Value;

use crate::core::{CoreError, CoreResult, Rule};

/// The homeserver's rule that pushes every encrypted event to the devices (MSC4028), so a
/// device can apply the rules it cannot apply itself (mentions inside encrypted messages).
pub const ENCRYPTED_PUSH_RULE: &str = ".org.matrix.msc4028.encrypted_event";

/// The five kinds of a rule set, in the order the homeserver evaluates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Override,
    Content,
    Room,
    Sender,
    Underride,
}

impl RuleKind {
    pub const ALL: [RuleKind; 5] = [
        RuleKind::Override,
        RuleKind::Content,
        RuleKind::Room,
        RuleKind::Sender,
        RuleKind::Underride,
    ];

    /// The name the Matrix API uses.
    pub fn code(self) -> &'static str {
        match self {
            RuleKind::Override => "override",
            RuleKind::Content => "content",
            RuleKind::Room => "room",
            RuleKind::Sender => "sender",
            RuleKind::Underride => "underride",
        }
    }

    pub fn parse(name: &str) -> CoreResult<RuleKind> {
        RuleKind::ALL.into_iter().find(|k| k.code() == name).ok_or_else(|| {
            CoreError::InvalidInput(format!(
                "push rule kind {name:?}: one of override, content, room, sender, underride"
            ))
        })
    }
}

/// What a matching rule does. No `Notify` means "do not notify".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushAction {
    Notify,
    /// Play this sound ("default" for the device's own).
    Sound(String),
    /// Show the notification highlighted (a mention).
    Highlight,
}

/// When a rule matches (override and underride rules; the other kinds have implicit ones).
#[derive(Debug, Clone, PartialEq)]
pub enum PushCondition {
    /// A dotted event key matches a glob pattern, e.g. `type` = `m.room.encrypted`.
    EventMatch { key: String, pattern: String },
    /// The body contains the user's display name.
    ContainsDisplayName,
    /// The room's member count, e.g. `2` or `>=10`.
    RoomMemberCount { is: String },
    /// The sender's power level suffices for this notification key (e.g. `room`).
    SenderNotificationPermission { key: String },
    /// A dotted event key has exactly this value (string, integer, boolean or null).
    EventPropertyIs { key: String, value: Value },
    /// A dotted event key is an array that contains this value.
    EventPropertyContains { key: String, value: Value },
    /// A condition this product does not model, as the server holds it (shown, never sent).
    Other(String),
}

/// One rule of the account's rule set.
#[derive(Debug, Clone, PartialEq)]
pub struct PushRule {
    pub kind: RuleKind,
    pub rule_id: String,
    pub enabled: bool,
    /// One of the homeserver's own rules (id starting with "."): can be disabled, not removed.
    pub server_default: bool,
    pub actions: Vec<PushAction>,
    /// Content rules: the glob matched against the message body.
    pub pattern: Option<String>,
    pub conditions: Vec<PushCondition>,
}

impl PushRule {
    pub fn notifies(&self) -> bool {
        self.actions.contains(&PushAction::Notify)
    }
}

/// A rule the user adds (or replaces: same kind and id).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPushRule {
    pub kind: RuleKind,
    pub rule_id: String,
    pub actions: Vec<PushAction>,
    pub pattern: Option<String>,
    pub conditions: Vec<PushCondition>,
}

/// How a room notifies, as a UI offers it (5.6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomMode {
    AllMessages,
    /// Only messages that mention the user or contain one of their keywords.
    MentionsAndKeywords,
    Mute,
}

impl RoomMode {
    pub fn code(self) -> &'static str {
        match self {
            RoomMode::AllMessages => "all",
            RoomMode::MentionsAndKeywords => "mentions",
            RoomMode::Mute => "mute",
        }
    }

    /// `None` for "default": the room follows the account's general rules.
    pub fn parse(name: &str) -> CoreResult<Option<RoomMode>> {
        match name {
            "all" => Ok(Some(RoomMode::AllMessages)),
            "mentions" => Ok(Some(RoomMode::MentionsAndKeywords)),
            "mute" => Ok(Some(RoomMode::Mute)),
            "default" => Ok(None),
            other => Err(CoreError::InvalidInput(format!(
                "notification mode {other:?}: one of all, mentions, mute, default"
            ))),
        }
    }
}

/// One step towards a room's new mode.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleChange {
    Remove { kind: RuleKind, rule_id: String },
    Put(NewPushRule),
}

fn find<'a>(rules: &'a [PushRule], kind: RuleKind, rule_id: &str) -> Option<&'a PushRule> {
    rules.iter().find(|r| r.kind == kind && r.rule_id == rule_id)
}

/// The room's own mode, `None` when it follows the general rules. A mute is an override rule
/// named after the room that does not notify; the other two are a room rule, notifying or not
/// (the same representation other Matrix clients read and write).
pub fn room_mode(rules: &[PushRule], room_id: &str) -> Option<RoomMode> {
    if find(rules, RuleKind::Override, room_id).is_some_and(|r| r.enabled && !r.notifies()) {
        return Some(RoomMode::Mute);
    }
    find(rules, RuleKind::Room, room_id).filter(|r| r.enabled).map(|r| {
        if r.notifies() {
            RoomMode::AllMessages
        } else {
            RoomMode::MentionsAndKeywords
        }
    })
}

/// The user's rules that concern one room: its room rule, and override or underride rules
/// with a condition on its id.
pub fn rules_for_room<'a>(rules: &'a [PushRule], room_id: &str) -> Vec<&'a PushRule> {
    rules
        .iter()
        .filter(|r| !r.server_default)
        .filter(|r| {
            (r.kind == RuleKind::Room && r.rule_id == room_id)
                || r.conditions.iter().any(
                    |c| matches!(c, PushCondition::EventMatch { key, pattern } if key == "room_id" && pattern == room_id),
                )
        })
        .collect()
}

/// The changes that give a room the `target` mode (`None`: the general rules), nothing when it
/// has it already.
pub fn mode_changes(rules: &[PushRule], room_id: &str, target: Option<RoomMode>) -> Vec<RuleChange> {
    let mut changes = Vec::new();
    let mute = find(rules, RuleKind::Override, room_id);
    let room = find(rules, RuleKind::Room, room_id);
    let remove = |kind| RuleChange::Remove {
        kind,
        rule_id: room_id.to_string(),
    };
    match target {
        Some(RoomMode::Mute) => {
            if room.is_some() {
                changes.push(remove(RuleKind::Room));
            }
            if !mute.is_some_and(|r| r.enabled && !r.notifies()) {
                changes.push(RuleChange::Put(NewPushRule {
                    kind: RuleKind::Override,
                    rule_id: room_id.to_string(),
                    actions: Vec::new(),
                    pattern: None,
                    conditions: vec![PushCondition::EventMatch {
                        key: "room_id".into(),
                        pattern: room_id.to_string(),
                    }],
                }));
            }
        }
        Some(mode @ (RoomMode::AllMessages | RoomMode::MentionsAndKeywords)) => {
            if mute.is_some() {
                changes.push(remove(RuleKind::Override));
            }
            let notify = mode == RoomMode::AllMessages;
            if !room.is_some_and(|r| r.enabled && r.notifies() == notify) {
                changes.push(RuleChange::Put(NewPushRule {
                    kind: RuleKind::Room,
                    rule_id: room_id.to_string(),
                    actions: if notify { vec![PushAction::Notify] } else { Vec::new() },
                    pattern: None,
                    conditions: Vec::new(),
                }));
            }
        }
        None => {
            if mute.is_some() {
                changes.push(remove(RuleKind::Override));
            }
            if room.is_some() {
                changes.push(remove(RuleKind::Room));
            }
        }
    }
    changes
}

/// Whether the homeserver pushes encrypted events to the devices whatever they contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptedPush {
    /// The homeserver has no such rule: it sees no mentions in encrypted rooms.
    Unsupported,
    Disabled,
    Enabled,
}

pub fn encrypted_push(rules: &[PushRule]) -> EncryptedPush {
    match find(rules, RuleKind::Override, ENCRYPTED_PUSH_RULE) {
        None => EncryptedPush::Unsupported,
        Some(r) if r.enabled => EncryptedPush::Enabled,
        Some(_) => EncryptedPush::Disabled,
    }
}

/// "Mentions and keywords" in an encrypted room works only when the homeserver pushes the
/// encrypted events and the device decides after decrypting: the server cannot read mentions.
pub fn check_mentions_mode(rules: &[PushRule], encrypted_room: bool, target: Option<RoomMode>) -> CoreResult<()> {
    if encrypted_room
        && target == Some(RoomMode::MentionsAndKeywords)
        && encrypted_push(rules) == EncryptedPush::Unsupported
    {
        return Err(Rule::MentionsNeedEncryptedPush.violated(
            "this homeserver cannot push encrypted events to the device, so mentions in an encrypted room \
             cannot be told from other messages: choose all messages or mute",
        ));
    }
    Ok(())
}

/// Whether a new rule is well formed: refused here, nothing goes to the homeserver.
pub fn validate(rule: &NewPushRule) -> CoreResult<()> {
    let bad = |why: String| Err(CoreError::InvalidInput(format!("push rule {:?}: {why}", rule.rule_id)));
    let id = rule.rule_id.as_str();
    if id.is_empty() || id.len() > 255 {
        return bad("the id must have 1 to 255 characters".into());
    }
    if id.starts_with('.') {
        return bad("ids starting with \".\" are the homeserver's own".into());
    }
    if id.contains(['/', '\\']) || id.chars().any(char::is_control) {
        return bad("the id must not contain slashes or control characters".into());
    }
    if rule.pattern.is_some() && rule.kind != RuleKind::Content {
        return bad("only content rules have a pattern".into());
    }
    if !rule.conditions.is_empty() && !matches!(rule.kind, RuleKind::Override | RuleKind::Underride) {
        return bad("only override and underride rules have conditions".into());
    }
    match rule.kind {
        RuleKind::Content if rule.pattern.as_deref().is_none_or(|p| p.trim().is_empty()) => {
            return bad("a content rule needs a pattern (the keyword)".into());
        }
        RuleKind::Room if !is_room_id(id) => return bad("a room rule's id is the room's id (!…:server)".into()),
        RuleKind::Sender if crate::core::Mxid::parse(id).is_err() => {
            return bad("a sender rule's id is the sender's MXID (@…:server)".into());
        }
        _ => {}
    }
    for action in &rule.actions {
        if let PushAction::Sound(sound) = action
            && sound.trim().is_empty()
        {
            return bad("a sound needs a name (\"default\" for the device's own)".into());
        }
    }
    for condition in &rule.conditions {
        if let Err(why) = check_condition(condition) {
            return bad(why);
        }
    }
    Ok(())
}

fn check_condition(condition: &PushCondition) -> Result<(), String> {
    let key_ok = |key: &str| !key.is_empty() && !key.starts_with('.') && !key.ends_with('.');
    match condition {
        PushCondition::EventMatch { key, pattern } => {
            if !key_ok(key) || pattern.is_empty() {
                return Err("event_match needs a dotted key and a pattern".into());
            }
        }
        PushCondition::ContainsDisplayName => {}
        PushCondition::RoomMemberCount { is } => {
            let number = is.trim_start_matches(['=', '<', '>']);
            let prefix = &is[..is.len() - number.len()];
            if !matches!(prefix, "" | "==" | "<" | ">" | "<=" | ">=")
                || number.is_empty()
                || !number.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(format!(
                    "room_member_count {is:?}: a number with an optional ==, <, >, <= or >="
                ));
            }
        }
        PushCondition::SenderNotificationPermission { key } => {
            if key.is_empty() {
                return Err("sender_notification_permission needs a key, e.g. room".into());
            }
        }
        PushCondition::EventPropertyIs { key, value } | PushCondition::EventPropertyContains { key, value } => {
            if !key_ok(key) {
                return Err("event_property_is/contains needs a dotted key".into());
            }
            if !(value.is_string() || value.is_i64() || value.is_u64() || value.is_boolean() || value.is_null()) {
                return Err("the value must be a string, an integer, a boolean or null".into());
            }
        }
        PushCondition::Other(_) => return Err("a condition of an unknown kind cannot be sent".into()),
    }
    Ok(())
}

fn is_room_id(id: &str) -> bool {
    id.strip_prefix('!')
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(local, server)| !local.is_empty() && !server.is_empty())
}

/// A rule the user enables, disables or removes must exist; the homeserver's own rules can be
/// disabled but not removed.
pub fn check_existing(rules: &[PushRule], kind: RuleKind, rule_id: &str, removing: bool) -> CoreResult<()> {
    let rule = find(rules, kind, rule_id)
        .ok_or_else(|| CoreError::NotFound(format!("push rule {}/{rule_id}", kind.code())))?;
    if removing && rule.server_default {
        return Err(Rule::ServerDefaultPushRule.violated(format!(
            "{rule_id} is one of the homeserver's own rules: disable it instead"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: &str = "!abc:hs.example";

    fn rule(kind: RuleKind, id: &str, notify: bool) -> PushRule {
        PushRule {
            kind,
            rule_id: id.into(),
            enabled: true,
            server_default: id.starts_with('.'),
            actions: if notify { vec![PushAction::Notify] } else { vec![] },
            pattern: None,
            conditions: vec![],
        }
    }

    fn apply(rules: &mut Vec<PushRule>, changes: &[RuleChange]) {
        for change in changes {
            match change {
                RuleChange::Remove { kind, rule_id } => rules.retain(|r| !(r.kind == *kind && &r.rule_id == rule_id)),
                RuleChange::Put(new) => {
                    rules.retain(|r| !(r.kind == new.kind && r.rule_id == new.rule_id));
                    rules.push(PushRule {
                        kind: new.kind,
                        rule_id: new.rule_id.clone(),
                        enabled: true,
                        server_default: false,
                        actions: new.actions.clone(),
                        pattern: new.pattern.clone(),
                        conditions: new.conditions.clone(),
                    });
                }
            }
        }
    }

    #[test]
    fn every_mode_round_trips_through_the_rules_and_a_second_change_is_none() {
        let mut rules = vec![rule(RuleKind::Underride, ".m.rule.encrypted", true)];
        assert_eq!(room_mode(&rules, ROOM), None);
        for target in [
            Some(RoomMode::Mute),
            Some(RoomMode::MentionsAndKeywords),
            Some(RoomMode::AllMessages),
            Some(RoomMode::Mute),
            None,
            Some(RoomMode::AllMessages),
            None,
        ] {
            let changes = mode_changes(&rules, ROOM, target);
            assert!(!changes.is_empty(), "{target:?} changes something");
            apply(&mut rules, &changes);
            assert_eq!(room_mode(&rules, ROOM), target);
            assert!(
                mode_changes(&rules, ROOM, target).is_empty(),
                "{target:?} is already set"
            );
            // A room carries one rule of its own at most, so no stale rule contradicts the mode.
            assert!(rules_for_room(&rules, ROOM).len() <= 1);
        }
        assert_eq!(rules.len(), 1, "the server's rule is never touched");
    }

    #[test]
    fn a_mute_is_an_override_on_the_room_id_and_mentions_a_silent_room_rule() {
        let changes = mode_changes(&[], ROOM, Some(RoomMode::Mute));
        let RuleChange::Put(mute) = &changes[0] else { panic!() };
        assert_eq!((mute.kind, mute.actions.is_empty()), (RuleKind::Override, true));
        assert_eq!(
            mute.conditions,
            vec![PushCondition::EventMatch {
                key: "room_id".into(),
                pattern: ROOM.into()
            }]
        );
        let changes = mode_changes(&[], ROOM, Some(RoomMode::MentionsAndKeywords));
        let RuleChange::Put(room) = &changes[0] else { panic!() };
        assert_eq!((room.kind, room.actions.is_empty()), (RuleKind::Room, true));
    }

    #[test]
    fn a_disabled_rule_is_no_mode() {
        let mut mute = rule(RuleKind::Override, ROOM, false);
        mute.enabled = false;
        assert_eq!(room_mode(&[mute], ROOM), None);
    }

    #[test]
    fn mentions_in_an_encrypted_room_need_the_encrypted_push_rule() {
        let without: Vec<PushRule> = vec![];
        let mut with = vec![rule(RuleKind::Override, ENCRYPTED_PUSH_RULE, true)];
        let mentions = Some(RoomMode::MentionsAndKeywords);
        let refused = check_mentions_mode(&without, true, mentions).unwrap_err();
        assert!(matches!(
            refused,
            CoreError::RuleViolated {
                rule: Rule::MentionsNeedEncryptedPush,
                ..
            }
        ));
        assert!(
            check_mentions_mode(&without, false, mentions).is_ok(),
            "the server reads mentions in clear"
        );
        assert!(check_mentions_mode(&without, true, Some(RoomMode::Mute)).is_ok());
        assert!(check_mentions_mode(&with, true, mentions).is_ok());
        assert_eq!(encrypted_push(&with), EncryptedPush::Enabled);
        with[0].enabled = false;
        assert_eq!(encrypted_push(&with), EncryptedPush::Disabled);
        assert_eq!(encrypted_push(&without), EncryptedPush::Unsupported);
    }

    fn new(kind: RuleKind, id: &str) -> NewPushRule {
        NewPushRule {
            kind,
            rule_id: id.into(),
            actions: vec![PushAction::Notify],
            pattern: None,
            conditions: vec![],
        }
    }

    #[test]
    fn well_formed_rules_of_every_kind_pass() {
        let mut keyword = new(RuleKind::Content, "keyword-befund");
        keyword.pattern = Some("Befund".into());
        let mut lab = new(RuleKind::Override, "lab-results");
        lab.actions.push(PushAction::Sound("default".into()));
        lab.actions.push(PushAction::Highlight);
        lab.conditions = vec![
            PushCondition::EventMatch {
                key: "content.msgtype".into(),
                pattern: "m.text".into(),
            },
            PushCondition::RoomMemberCount { is: ">=3".into() },
            PushCondition::EventPropertyIs {
                key: "content.m\\.mentions.room".into(),
                value: Value::Bool(true),
            },
            PushCondition::SenderNotificationPermission { key: "room".into() },
            PushCondition::ContainsDisplayName,
        ];
        for ok in [
            keyword,
            lab,
            new(RuleKind::Room, ROOM),
            new(RuleKind::Sender, "@dr.a:hs.example"),
            new(RuleKind::Underride, "quiet"),
        ] {
            assert!(validate(&ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn malformed_rules_are_refused_with_the_reason() {
        let with = |f: &dyn Fn(&mut NewPushRule)| {
            let mut r = new(RuleKind::Override, "mine");
            f(&mut r);
            r
        };
        let cases: Vec<(NewPushRule, &str)> = vec![
            (new(RuleKind::Override, ""), "1 to 255"),
            (new(RuleKind::Override, ".m.rule.master"), "homeserver's own"),
            (new(RuleKind::Override, "a/b"), "slashes"),
            (new(RuleKind::Content, "kw"), "needs a pattern"),
            (new(RuleKind::Room, "not-a-room"), "room's id"),
            (new(RuleKind::Sender, "nobody"), "MXID"),
            (with(&|r| r.pattern = Some("x".into())), "only content rules"),
            (
                with(&|r| r.actions = vec![PushAction::Sound(" ".into())]),
                "sound needs a name",
            ),
            (
                with(&|r| {
                    r.conditions = vec![PushCondition::RoomMemberCount { is: "=<2".into() }];
                }),
                "room_member_count",
            ),
            (
                with(&|r| {
                    r.conditions = vec![PushCondition::EventMatch {
                        key: "".into(),
                        pattern: "x".into(),
                    }]
                }),
                "event_match",
            ),
            (
                with(&|r| {
                    r.conditions = vec![PushCondition::EventPropertyIs {
                        key: "content.x".into(),
                        value: serde_json::json!({"nested": 1}),
                    }]
                }),
                "must be a string",
            ),
            (
                with(&|r| r.conditions = vec![PushCondition::Other("{}".into())]),
                "unknown kind",
            ),
        ];
        for (rule, why) in cases {
            let e = validate(&rule).expect_err(&format!("{rule:?} is refused"));
            assert!(matches!(e, CoreError::InvalidInput(_)));
            assert!(e.to_string().contains(why), "{e} names {why:?}");
        }
        let mut room_with_conditions = new(RuleKind::Room, ROOM);
        room_with_conditions.conditions = vec![PushCondition::ContainsDisplayName];
        assert!(validate(&room_with_conditions).is_err());
    }

    #[test]
    fn only_existing_rules_change_and_the_servers_own_are_never_removed() {
        let rules = vec![
            rule(RuleKind::Override, ".m.rule.master", false),
            rule(RuleKind::Room, ROOM, true),
        ];
        assert!(check_existing(&rules, RuleKind::Override, ".m.rule.master", false).is_ok());
        assert!(matches!(
            check_existing(&rules, RuleKind::Override, ".m.rule.master", true),
            Err(CoreError::RuleViolated {
                rule: Rule::ServerDefaultPushRule,
                ..
            })
        ));
        assert!(check_existing(&rules, RuleKind::Room, ROOM, true).is_ok());
        assert!(matches!(
            check_existing(&rules, RuleKind::Sender, ROOM, false),
            Err(CoreError::NotFound(_))
        ));
    }

    #[test]
    fn kinds_and_modes_parse_from_their_names() {
        for kind in RuleKind::ALL {
            assert_eq!(RuleKind::parse(kind.code()).unwrap(), kind);
        }
        assert!(RuleKind::parse("global").is_err());
        for mode in [RoomMode::AllMessages, RoomMode::MentionsAndKeywords, RoomMode::Mute] {
            assert_eq!(RoomMode::parse(mode.code()).unwrap(), Some(mode));
        }
        assert_eq!(RoomMode::parse("default").unwrap(), None);
        assert!(RoomMode::parse("loud").is_err());
    }
}
