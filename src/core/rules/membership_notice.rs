//! Group membership announced in the timeline (5.5): who joined, left, was invited or
//! removed, as an entry a UI renders between the messages. Read from `m.room.member` events
//! by comparing the new membership with the previous one, as the Matrix spec describes.

/// What happened to a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MembershipChange {
    Invited,
    Joined,
    Left,
    /// Made to leave by someone else (kick).
    Removed,
    Banned,
    Unbanned,
    InviteRejected,
    InviteWithdrawn,
    Knocked,
    /// Still a member; the display name or picture changed.
    ProfileChanged,
}

/// One membership event as the timeline shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipNotice {
    pub event_id: String,
    /// Who did it (the inviter, the one who removed, or the member themself).
    pub sender: String,
    /// Whose membership changed.
    pub member: String,
    /// The member's display name from the event, if set.
    pub member_name: Option<String>,
    pub change: MembershipChange,
    pub ts: u64,
}

/// The change from `previous` to `membership`, made by `sender` to `member`; `None` when
/// nothing a user would notice happened (leave after leave).
pub fn change_of(sender: &str, member: &str, membership: &str, previous: Option<&str>) -> Option<MembershipChange> {
    use MembershipChange::*;
    let by_self = sender == member;
    Some(match (membership, previous) {
        ("invite", Some("invite")) => ProfileChanged,
        ("invite", _) => Invited,
        ("join", Some("join")) => ProfileChanged,
        ("join", _) => Joined,
        ("leave", Some("invite")) if by_self => InviteRejected,
        ("leave", Some("invite")) => InviteWithdrawn,
        ("leave", Some("ban")) => Unbanned,
        ("leave", Some("join" | "knock")) if by_self => Left,
        ("leave", Some("join" | "knock")) => Removed,
        ("leave", _) => return None,
        ("ban", _) => Banned,
        ("knock", _) => Knocked,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::MembershipChange::*;
    use super::change_of;

    #[test]
    fn joins_leaves_and_invites_read_as_users_expect() {
        assert_eq!(change_of("@a:hs", "@b:hs", "invite", None), Some(Invited));
        assert_eq!(change_of("@b:hs", "@b:hs", "join", Some("invite")), Some(Joined));
        assert_eq!(change_of("@b:hs", "@b:hs", "join", Some("join")), Some(ProfileChanged));
        assert_eq!(change_of("@b:hs", "@b:hs", "leave", Some("join")), Some(Left));
        assert_eq!(change_of("@a:hs", "@b:hs", "leave", Some("join")), Some(Removed));
    }

    #[test]
    fn invites_end_by_rejection_or_withdrawal_and_bans_are_lifted() {
        assert_eq!(
            change_of("@b:hs", "@b:hs", "leave", Some("invite")),
            Some(InviteRejected)
        );
        assert_eq!(
            change_of("@a:hs", "@b:hs", "leave", Some("invite")),
            Some(InviteWithdrawn)
        );
        assert_eq!(change_of("@a:hs", "@b:hs", "ban", Some("join")), Some(Banned));
        assert_eq!(change_of("@a:hs", "@b:hs", "leave", Some("ban")), Some(Unbanned));
        assert_eq!(change_of("@b:hs", "@b:hs", "leave", Some("leave")), None);
        assert_eq!(change_of("@b:hs", "@b:hs", "bogus", None), None);
    }
}
