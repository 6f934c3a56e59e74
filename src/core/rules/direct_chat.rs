//! Direct chats ("Chats" in TI-M): which room a direct message goes to, and how it is named.

use crate::core::Mxid;
use crate::core::rules::room_policy::{HistoryVisibility, JoinRule, RoomPlan};

/// What the core knows about one room recorded as a direct chat with the peer (`m.direct`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectCandidate {
    pub room_id: String,
    /// The own membership is `join`.
    pub own_joined: bool,
    /// The peer's membership: `Some("join" | "invite" | "leave" | ...)`, `None` if never a member.
    pub peer_membership: Option<String>,
}

/// What to do to deliver a direct message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DirectRoute {
    /// Send into this room as it is.
    Send(String),
    /// The peer left: invite them again, then send (the homeserver may refuse with 403).
    Reinvite(String),
    /// No usable chat exists: create one.
    Create,
}

/// Picks the existing chat with the peer (reused in both directions), or asks for a new one.
pub fn route_direct_message(candidates: &[DirectCandidate]) -> DirectRoute {
    let mut usable: Vec<&DirectCandidate> = candidates.iter().filter(|c| c.own_joined).collect();
    usable.sort_by_key(|c| match c.peer_membership.as_deref() {
        Some("join") => 0,
        Some("invite") => 1,
        _ => 2,
    });
    match usable.first() {
        Some(c) if matches!(c.peer_membership.as_deref(), Some("join" | "invite")) => {
            DirectRoute::Send(c.room_id.clone())
        }
        Some(c) => DirectRoute::Reinvite(c.room_id.clone()),
        None => DirectRoute::Create,
    }
}

/// A chat's name is the same for every viewer and never changes: the suite finds the room in
/// the recipient's list by the name the sender saw.
pub fn chat_name(a: &Mxid, b: &Mxid) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!("Chat {first} {second}")
}

/// The room plan of a new chat: a private TI-M room with the peer as the only invite.
pub fn plan_chat(own: &Mxid, peer: &Mxid) -> RoomPlan {
    RoomPlan {
        name: chat_name(own, peer),
        topic: None,
        public: false,
        join_rule: JoinRule::Invite,
        history: HistoryVisibility::Invited,
        encrypted: true,
        federate: true,
        initial_invite: Some(peer.clone()),
        later_invites: Vec::new(),
        direct: true,
    }
}

/// A chat is between two people: once a third is invited it becomes a group room and must
/// leave the own `m.direct` first. Homeservers refuse invites into a room the inviter records as
/// a direct chat with someone else (synapse-invite-checker's `block_invites_into_dms`, on by
/// default), while the invitee's permission config must still be the one to decide.
pub fn stops_being_direct(direct_targets: &[Mxid], invitee: &Mxid) -> bool {
    !direct_targets.is_empty() && direct_targets.iter().any(|t| t != invitee)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inviting_a_third_member_ends_the_direct_chat_but_re_inviting_the_peer_does_not() {
        let peer = Mxid::parse("@b:hs.example").unwrap();
        let third = Mxid::parse("@c:hs.example").unwrap();
        assert!(stops_being_direct(std::slice::from_ref(&peer), &third));
        assert!(!stops_being_direct(std::slice::from_ref(&peer), &peer));
        assert!(!stops_being_direct(&[], &third), "a group room stays as it is");
    }

    fn cand(id: &str, peer: Option<&str>) -> DirectCandidate {
        DirectCandidate {
            room_id: id.into(),
            own_joined: true,
            peer_membership: peer.map(String::from),
        }
    }

    #[test]
    fn without_a_chat_a_new_one_is_created() {
        assert_eq!(route_direct_message(&[]), DirectRoute::Create);
    }

    #[test]
    fn an_existing_chat_is_reused_while_the_peer_is_invited_or_joined() {
        assert_eq!(
            route_direct_message(&[cand("!a", Some("invite"))]),
            DirectRoute::Send("!a".into())
        );
        assert_eq!(
            route_direct_message(&[cand("!old", Some("leave")), cand("!a", Some("join"))]),
            DirectRoute::Send("!a".into())
        );
    }

    #[test]
    fn a_peer_who_left_is_invited_again() {
        assert_eq!(
            route_direct_message(&[cand("!a", Some("leave"))]),
            DirectRoute::Reinvite("!a".into())
        );
    }

    #[test]
    fn rooms_not_joined_by_self_are_not_used() {
        let mut c = cand("!a", Some("join"));
        c.own_joined = false;
        assert_eq!(route_direct_message(&[c]), DirectRoute::Create);
    }

    #[test]
    fn the_chat_name_does_not_depend_on_the_viewer() {
        let a = Mxid::parse("@a:hs").unwrap();
        let b = Mxid::parse("@b:hs").unwrap();
        assert_eq!(chat_name(&a, &b), chat_name(&b, &a));
    }
}
