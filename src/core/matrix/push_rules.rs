//! Push rules on the homeserver (5.6.4, 5.6.5): the account's rule set read and changed through
//! the client-server API. [`crate::core::rules::push_rules`] decides what to change; this module
//! carries it out and translates between the Matrix wire form and the product's rules.

use matrix_sdk::ruma::api::client::push::{delete_pushrule, get_pushrules_all, set_pushrule, set_pushrule_enabled};
use matrix_sdk::ruma::push::{
    Action, NewConditionalPushRule, NewPatternedPushRule, NewSimplePushRule, PushCondition as WireCondition,
    RuleKind as WireKind,
};
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId};
use serde_json::{Value, json};

use super::errors::from_http;
use super::push::Push;
use crate::core::rules::push_rules::{
    self as rules, ENCRYPTED_PUSH_RULE, EncryptedPush, NewPushRule, PushAction, PushCondition, PushRule, RoomMode,
    RuleChange, RuleKind,
};
use crate::core::{CoreError, CoreResult};

/// A room's notification setting and the user's rules that concern the room.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomPushRules {
    /// `None`: the room follows the account's general rules.
    pub mode: Option<RoomMode>,
    pub rules: Vec<PushRule>,
}

impl Push<'_> {
    /// The account's whole rule set, in the order the homeserver evaluates it.
    pub async fn rules(&self) -> CoreResult<Vec<PushRule>> {
        self.session.live()?;
        let response = self
            .session
            .client()
            .send(get_pushrules_all::v3::Request::new())
            .await
            .map_err(from_http)?;
        let wire = serde_json::to_value(&response.global).map_err(CoreError::internal)?;
        Ok(rules_from_wire(&wire))
    }

    /// Adds a rule, or replaces the user's rule of the same kind and id. A malformed rule is
    /// refused before anything is sent.
    pub async fn add_rule(&self, rule: &NewPushRule) -> CoreResult<()> {
        self.session.live()?;
        rules::validate(rule)?;
        self.put(rule).await
    }

    pub async fn set_rule_enabled(&self, kind: RuleKind, rule_id: &str, enabled: bool) -> CoreResult<()> {
        rules::check_existing(&self.rules().await?, kind, rule_id, false)?;
        let request = set_pushrule_enabled::v3::Request::new(wire_kind(kind), rule_id.to_string(), enabled);
        self.session.client().send(request).await.map_err(from_http)?;
        Ok(())
    }

    /// Removes one of the user's rules (the homeserver's own can only be disabled).
    pub async fn remove_rule(&self, kind: RuleKind, rule_id: &str) -> CoreResult<()> {
        rules::check_existing(&self.rules().await?, kind, rule_id, true)?;
        self.delete(kind, rule_id).await
    }

    /// How a room notifies, and the rules behind it (5.6.4 "anzeigen").
    pub async fn room_rules(&self, room_id: &str) -> CoreResult<RoomPushRules> {
        let room = self.known_room(room_id)?;
        let all = self.rules().await?;
        let id = room.room_id().as_str();
        Ok(RoomPushRules {
            mode: rules::room_mode(&all, id),
            rules: rules::rules_for_room(&all, id).into_iter().cloned().collect(),
        })
    }

    /// Sets how a room notifies (5.6.4 "erstellen"); `None` returns it to the general rules.
    pub async fn set_room_mode(&self, room_id: &str, mode: Option<RoomMode>) -> CoreResult<()> {
        let room = self.known_room(room_id)?;
        let all = self.rules().await?;
        let encrypted = room
            .latest_encryption_state()
            .await
            .map_err(super::errors::from_sdk)?
            .is_encrypted();
        rules::check_mentions_mode(&all, encrypted, mode)?;
        if encrypted
            && mode == Some(RoomMode::MentionsAndKeywords)
            && rules::encrypted_push(&all) == EncryptedPush::Disabled
        {
            self.enable_encrypted_push().await?;
        }
        for change in rules::mode_changes(&all, room.room_id().as_str(), mode) {
            match change {
                RuleChange::Remove { kind, rule_id } => self.delete(kind, &rule_id).await?,
                RuleChange::Put(rule) => self.put(&rule).await?,
            }
        }
        Ok(())
    }

    pub(super) async fn encrypted_push(&self) -> CoreResult<EncryptedPush> {
        Ok(rules::encrypted_push(&self.rules().await?))
    }

    pub(super) async fn enable_encrypted_push(&self) -> CoreResult<()> {
        let request = set_pushrule_enabled::v3::Request::new(WireKind::Override, ENCRYPTED_PUSH_RULE.to_string(), true);
        self.session.client().send(request).await.map_err(from_http)?;
        Ok(())
    }

    fn known_room(&self, room_id: &str) -> CoreResult<matrix_sdk::Room> {
        let id = matrix_sdk::ruma::RoomId::parse(room_id)
            .map_err(|_| CoreError::NotFound(format!("'{room_id}' is not a room id")))?;
        self.session.live()?;
        self.session
            .client()
            .get_room(&id)
            .ok_or_else(|| CoreError::NotFound(format!("room {room_id} is unknown to this account")))
    }

    async fn put(&self, rule: &NewPushRule) -> CoreResult<()> {
        let request = set_pushrule::v3::Request::new(to_wire(rule)?);
        self.session.client().send(request).await.map_err(from_http)?;
        Ok(())
    }

    async fn delete(&self, kind: RuleKind, rule_id: &str) -> CoreResult<()> {
        let request = delete_pushrule::v3::Request::new(wire_kind(kind), rule_id.to_string());
        self.session.client().send(request).await.map_err(from_http)?;
        Ok(())
    }
}

fn wire_kind(kind: RuleKind) -> WireKind {
    match kind {
        RuleKind::Override => WireKind::Override,
        RuleKind::Content => WireKind::Content,
        RuleKind::Room => WireKind::Room,
        RuleKind::Sender => WireKind::Sender,
        RuleKind::Underride => WireKind::Underride,
    }
}

/// The product's rules from a rule set in the Matrix wire form (`{"override": [...], ...}`).
fn rules_from_wire(ruleset: &Value) -> Vec<PushRule> {
    let mut out = Vec::new();
    for kind in RuleKind::ALL {
        for rule in ruleset.get(kind.code()).and_then(Value::as_array).into_iter().flatten() {
            let Some(rule_id) = rule.get("rule_id").and_then(Value::as_str) else {
                continue;
            };
            out.push(PushRule {
                kind,
                rule_id: rule_id.to_string(),
                enabled: rule.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                server_default: rule.get("default").and_then(Value::as_bool).unwrap_or(false),
                actions: rule
                    .get("actions")
                    .and_then(Value::as_array)
                    .map(|a| actions_from_wire(a))
                    .unwrap_or_default(),
                pattern: rule.get("pattern").and_then(Value::as_str).map(str::to_string),
                conditions: rule
                    .get("conditions")
                    .and_then(Value::as_array)
                    .map(|c| c.iter().map(condition_from_wire).collect())
                    .unwrap_or_default(),
            });
        }
    }
    out
}

/// `dont_notify`, `coalesce` and `highlight: false` are what no action means.
fn actions_from_wire(actions: &[Value]) -> Vec<PushAction> {
    actions
        .iter()
        .filter_map(|a| match a {
            Value::String(s) if s == "notify" => Some(PushAction::Notify),
            Value::Object(tweak) => match tweak.get("set_tweak").and_then(Value::as_str) {
                Some("sound") => tweak
                    .get("value")
                    .and_then(Value::as_str)
                    .map(|s| PushAction::Sound(s.to_string())),
                Some("highlight") if tweak.get("value").and_then(Value::as_bool).unwrap_or(true) => {
                    Some(PushAction::Highlight)
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn condition_from_wire(condition: &Value) -> PushCondition {
    let text = |name: &str| condition.get(name).and_then(Value::as_str).map(str::to_string);
    let value = || condition.get("value").cloned().unwrap_or(Value::Null);
    match (condition.get("kind").and_then(Value::as_str), text("key")) {
        (Some("event_match"), Some(key)) if text("pattern").is_some() => PushCondition::EventMatch {
            key,
            pattern: text("pattern").unwrap_or_default(),
        },
        (Some("contains_display_name"), _) => PushCondition::ContainsDisplayName,
        (Some("room_member_count"), _) if text("is").is_some() => PushCondition::RoomMemberCount {
            is: text("is").unwrap_or_default(),
        },
        (Some("sender_notification_permission"), Some(key)) => PushCondition::SenderNotificationPermission { key },
        (Some("event_property_is"), Some(key)) => PushCondition::EventPropertyIs { key, value: value() },
        (Some("event_property_contains"), Some(key)) => PushCondition::EventPropertyContains { key, value: value() },
        _ => PushCondition::Other(condition.to_string()),
    }
}

fn actions_to_wire(actions: &[PushAction]) -> CoreResult<Vec<Action>> {
    let wire: Vec<Value> = actions
        .iter()
        .map(|a| match a {
            PushAction::Notify => json!("notify"),
            PushAction::Sound(sound) => json!({"set_tweak": "sound", "value": sound}),
            PushAction::Highlight => json!({"set_tweak": "highlight"}),
        })
        .collect();
    serde_json::from_value(Value::Array(wire)).map_err(|e| CoreError::InvalidInput(format!("push actions: {e}")))
}

fn conditions_to_wire(conditions: &[PushCondition]) -> CoreResult<Vec<WireCondition>> {
    let wire = conditions
        .iter()
        .map(|c| match c {
            PushCondition::EventMatch { key, pattern } => {
                Ok(json!({"kind": "event_match", "key": key, "pattern": pattern}))
            }
            PushCondition::ContainsDisplayName => Ok(json!({"kind": "contains_display_name"})),
            PushCondition::RoomMemberCount { is } => Ok(json!({"kind": "room_member_count", "is": is})),
            PushCondition::SenderNotificationPermission { key } => {
                Ok(json!({"kind": "sender_notification_permission", "key": key}))
            }
            PushCondition::EventPropertyIs { key, value } => {
                Ok(json!({"kind": "event_property_is", "key": key, "value": value}))
            }
            PushCondition::EventPropertyContains { key, value } => {
                Ok(json!({"kind": "event_property_contains", "key": key, "value": value}))
            }
            PushCondition::Other(_) => Err(CoreError::InvalidInput("unknown push condition".into())),
        })
        .collect::<CoreResult<Vec<Value>>>()?;
    serde_json::from_value(Value::Array(wire)).map_err(|e| CoreError::InvalidInput(format!("push conditions: {e}")))
}

fn to_wire(rule: &NewPushRule) -> CoreResult<matrix_sdk::ruma::push::NewPushRule> {
    use matrix_sdk::ruma::push::NewPushRule as Wire;
    let actions = actions_to_wire(&rule.actions)?;
    let id = rule.rule_id.clone();
    let bad = |what: &str| CoreError::InvalidInput(format!("push rule {id:?}: {what}"));
    Ok(match rule.kind {
        RuleKind::Override => Wire::Override(NewConditionalPushRule::new(
            id.clone(),
            conditions_to_wire(&rule.conditions)?,
            actions,
        )),
        RuleKind::Underride => Wire::Underride(NewConditionalPushRule::new(
            id.clone(),
            conditions_to_wire(&rule.conditions)?,
            actions,
        )),
        RuleKind::Content => Wire::Content(NewPatternedPushRule::new(
            id.clone(),
            rule.pattern.clone().ok_or_else(|| bad("no pattern"))?,
            actions,
        )),
        RuleKind::Room => Wire::Room(NewSimplePushRule::new(
            OwnedRoomId::try_from(id.as_str()).map_err(|_| bad("not a room id"))?,
            actions,
        )),
        RuleKind::Sender => Wire::Sender(NewSimplePushRule::new(
            OwnedUserId::try_from(id.as_str()).map_err(|_| bad("not an MXID"))?,
            actions,
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wire_rule_set_reads_into_the_products_rules() {
        let wire = json!({
            "override": [
                {"rule_id": ".m.rule.master", "default": true, "enabled": false, "actions": [], "conditions": []},
                {"rule_id": "!r:hs", "default": false, "enabled": true, "actions": ["dont_notify"],
                 "conditions": [{"kind": "event_match", "key": "room_id", "pattern": "!r:hs"}]},
                {"rule_id": ".m.rule.is_user_mention", "default": true, "enabled": true,
                 "actions": ["notify", {"set_tweak": "highlight"}, {"set_tweak": "sound", "value": "default"}],
                 "conditions": [{"kind": "event_property_contains", "key": "content.m\\.mentions.user_ids", "value": "@a:hs"},
                                {"kind": "org.example.future", "x": 1}]}
            ],
            "content": [{"rule_id": "kw", "default": false, "enabled": true, "pattern": "Befund", "actions": ["notify"]}],
            "underride": [{"rule_id": ".m.rule.message", "default": true, "enabled": true,
                           "actions": ["notify", {"set_tweak": "highlight", "value": false}],
                           "conditions": [{"kind": "room_member_count", "is": "2"}]}]
        });
        let rules = rules_from_wire(&wire);
        assert_eq!(rules.len(), 5);
        assert_eq!((rules[0].server_default, rules[0].enabled), (true, false));
        assert_eq!(
            crate::core::rules::push_rules::room_mode(&rules, "!r:hs"),
            Some(RoomMode::Mute)
        );
        assert_eq!(
            rules[2].actions,
            vec![
                PushAction::Notify,
                PushAction::Highlight,
                PushAction::Sound("default".into())
            ]
        );
        assert!(matches!(rules[2].conditions[1], PushCondition::Other(_)));
        assert_eq!(
            (rules[3].kind, rules[3].pattern.as_deref()),
            (RuleKind::Content, Some("Befund"))
        );
        assert_eq!(
            rules[4].actions,
            vec![PushAction::Notify],
            "highlight: false is no highlight"
        );
        assert_eq!(
            rules[4].conditions,
            vec![PushCondition::RoomMemberCount { is: "2".into() }]
        );
    }

    #[test]
    fn a_new_rule_goes_out_in_the_wire_form_and_reads_back_the_same() {
        let rule = NewPushRule {
            kind: RuleKind::Override,
            rule_id: "lab".into(),
            actions: vec![
                PushAction::Notify,
                PushAction::Sound("default".into()),
                PushAction::Highlight,
            ],
            pattern: None,
            conditions: vec![
                PushCondition::EventMatch {
                    key: "content.msgtype".into(),
                    pattern: "m.text".into(),
                },
                PushCondition::EventPropertyIs {
                    key: "content.urgent".into(),
                    value: json!(true),
                },
            ],
        };
        let matrix_sdk::ruma::push::NewPushRule::Override(wire) = to_wire(&rule).unwrap() else {
            panic!("an override rule")
        };
        let back = serde_json::to_value(&wire).unwrap();
        let read = rules_from_wire(&json!({"override": [back]}));
        assert_eq!(read[0].actions, rule.actions);
        assert_eq!(read[0].conditions, rule.conditions);
        let room = NewPushRule {
            kind: RuleKind::Room,
            rule_id: "not a room".into(),
            actions: vec![],
            pattern: None,
            conditions: vec![],
        };
        assert!(matches!(to_wire(&room), Err(CoreError::InvalidInput(_))));
    }
}
