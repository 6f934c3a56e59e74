//! Whether a room's local member list has fallen behind the homeserver's.

use std::collections::BTreeSet;

use serde_json::Value;

/// Only `join` and `invite` receive a message's key; other states are not compared.
fn is_active(membership: &str) -> bool {
    membership == "join" || membership == "invite"
}

/// `server_events` are the homeserver's `m.room.member` events, `local` the (user, membership)
/// pairs the local store holds. True when the active members differ in anyone or any state.
pub fn member_list_stale<'a>(server_events: &[Value], local: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    let on_server: BTreeSet<(&str, &str)> = server_events
        .iter()
        .filter_map(|e| Some((e["state_key"].as_str()?, e["content"]["membership"].as_str()?)))
        .filter(|(_, m)| is_active(m))
        .collect();
    let local: BTreeSet<(&str, &str)> = local.into_iter().filter(|(_, m)| is_active(m)).collect();
    on_server != local
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn member(user: &str, membership: &str) -> Value {
        json!({"type": "m.room.member", "state_key": user, "content": {"membership": membership}})
    }

    #[test]
    fn same_members_are_not_stale() {
        let server = [member("@a:x", "join"), member("@b:y", "invite")];
        assert!(!member_list_stale(&server, [("@b:y", "invite"), ("@a:x", "join")]));
    }

    #[test]
    fn a_member_who_joined_elsewhere_makes_it_stale() {
        let server = [member("@a:x", "join"), member("@b:y", "join")];
        assert!(member_list_stale(&server, [("@a:x", "join"), ("@b:y", "invite")]));
        assert!(member_list_stale(&server, [("@a:x", "join")]));
    }

    #[test]
    fn inactive_states_are_ignored_on_both_sides() {
        let server = [member("@a:x", "join"), member("@c:y", "ban")];
        assert!(!member_list_stale(&server, [("@a:x", "join"), ("@d:y", "leave")]));
    }
}
