//! World-readable rooms the account is not in: described from the room's state as the
//! homeserver serves it to non-members, so a reader sees members, version and settings like a
//! member would (the suite cross-checks the author's membership of a room it only peeked into).

use serde_json::Value;

use super::rooms::{Member, Membership, RoomInfo};
use crate::core::rules::room_policy::{HistoryVisibility, JoinRule, RoomAccess, TIM_NAME_EVENT};

/// A room described from its full state (`GET /rooms/{id}/state`), for a reader without
/// membership.
pub(crate) fn describe_from_state(room_id: &str, state: &[Value]) -> RoomInfo {
    let content = |event_type: &str| {
        state
            .iter()
            .find(|e| e["type"] == event_type && e["state_key"] == "")
            .map(|e| &e["content"])
    };
    let text = |event_type: &str, key: &str| {
        content(event_type)
            .and_then(|c| c[key].as_str())
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let join_rule = text("m.room.join_rules", "join_rule").and_then(|j| JoinRule::parse(&j));
    let members = state
        .iter()
        .filter(|e| e["type"] == "m.room.member")
        .filter_map(|e| {
            Some(Member {
                user_id: e["state_key"].as_str()?.to_string(),
                membership: membership(e["content"]["membership"].as_str()?),
                display_name: e["content"]["displayname"].as_str().map(String::from),
            })
        })
        .collect();
    let create = content("m.room.create");
    RoomInfo {
        room_id: room_id.to_string(),
        name: text("m.room.name", "name")
            .or_else(|| text(TIM_NAME_EVENT, "name"))
            .unwrap_or_else(|| room_id.to_string()),
        topic: text("m.room.topic", "topic"),
        access: if join_rule == Some(JoinRule::Public) {
            RoomAccess::Public
        } else {
            RoomAccess::Private
        },
        join_rule,
        history: text("m.room.history_visibility", "history_visibility").and_then(|h| HistoryVisibility::parse(&h)),
        encrypted: content("m.room.encryption").is_some(),
        federated: create.is_none_or(|c| c["m.federate"].as_bool() != Some(false)),
        // A create event without `room_version` is a version 1 room (Matrix spec).
        version: create.map(|c| c["room_version"].as_str().unwrap_or("1").to_string()),
        own_membership: None,
        members,
        direct: false,
        avatar: content("m.room.avatar")
            .and_then(|c| c["url"].as_str())
            .and_then(super::events::file_id_of),
    }
}

fn membership(m: &str) -> Membership {
    match m {
        "invite" => Membership::Invite,
        "join" => Membership::Join,
        "ban" => Membership::Ban,
        "knock" => Membership::Knock,
        _ => Membership::Leave,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_peeked_room_has_its_members_version_and_settings() {
        let state = vec![
            json!({"type": "m.room.create", "state_key": "", "content": {"room_version": "10"}}),
            json!({"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "public"}}),
            json!({"type": "m.room.history_visibility", "state_key": "",
                   "content": {"history_visibility": "world_readable"}}),
            json!({"type": "m.room.name", "state_key": "", "content": {"name": "Lobby"}}),
            json!({"type": "m.room.member", "state_key": "@a:hs", "content": {"membership": "join"}}),
            json!({"type": "m.room.member", "state_key": "@b:hs", "content": {"membership": "invite"}}),
        ];
        let room = describe_from_state("!r:hs", &state);
        assert_eq!(room.name, "Lobby");
        assert_eq!(room.version.as_deref(), Some("10"));
        assert_eq!(room.access, RoomAccess::Public);
        assert_eq!(room.history, Some(HistoryVisibility::WorldReadable));
        assert!(!room.encrypted && room.federated);
        assert_eq!(room.own_membership, None);
        assert_eq!(
            room.members,
            vec![
                Member {
                    user_id: "@a:hs".into(),
                    membership: Membership::Join,
                    display_name: None
                },
                Member {
                    user_id: "@b:hs".into(),
                    membership: Membership::Invite,
                    display_name: None
                },
            ]
        );
    }

    #[test]
    fn without_a_name_the_tim_name_or_the_id_names_the_room() {
        let tim = vec![json!({"type": TIM_NAME_EVENT, "state_key": "", "content": {"name": "TIM"}})];
        assert_eq!(describe_from_state("!r:hs", &tim).name, "TIM");
        assert_eq!(describe_from_state("!r:hs", &[]).name, "!r:hs");
    }
}
