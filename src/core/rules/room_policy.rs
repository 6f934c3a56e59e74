//! Room creation policy of TI-M (gemSpec_TI-M_Basis/Pro/ePA): which rooms a client may
//! create, and with which mandatory settings. Pure: a request goes in, a plan comes out.

use crate::core::{CoreError, Mxid, Rule};

/// Room version every TI-M room is created with (A_26248); 11 must not be created.
pub const ROOM_VERSION: &str = "10";
/// `m.room.create` type of TI-M rooms and chats (A_25426, A_25814-01).
pub const ROOM_TYPE: &str = "de.gematik.tim.roomtype.default.v1";
/// TI-M copies of name and topic, written alongside `m.room.name`/`m.room.topic` (A_26338-02).
pub const TIM_NAME_EVENT: &str = "de.gematik.tim.room.name";
pub const TIM_TOPIC_EVENT: &str = "de.gematik.tim.room.topic";

/// Which TI-M product this client is: the rules differ between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    /// TI-M Pro (healthcare staff).
    Pro,
    /// TI-M ePA (insured persons).
    Epa,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomAccess {
    Private,
    Public,
}

impl RoomAccess {
    /// The contract's spelling: `public` is listed in the room directory, anything else is
    /// private (the TI-M default).
    pub fn parse(raw: &str) -> Self {
        if raw == "public" { Self::Public } else { Self::Private }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRule {
    Public,
    Knock,
    Invite,
    Private,
    Restricted,
    KnockRestricted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryVisibility {
    Invited,
    Joined,
    Shared,
    WorldReadable,
}

impl JoinRule {
    const ALL: [(JoinRule, &'static str); 6] = [
        (JoinRule::Public, "public"),
        (JoinRule::Knock, "knock"),
        (JoinRule::Invite, "invite"),
        (JoinRule::Private, "private"),
        (JoinRule::Restricted, "restricted"),
        (JoinRule::KnockRestricted, "knock_restricted"),
    ];

    /// The Matrix spelling (also the contract's).
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(j, _)| *j == self)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, name)| *name == s).map(|(j, _)| *j)
    }
}

impl HistoryVisibility {
    const ALL: [(HistoryVisibility, &'static str); 4] = [
        (HistoryVisibility::Invited, "invited"),
        (HistoryVisibility::Joined, "joined"),
        (HistoryVisibility::Shared, "shared"),
        (HistoryVisibility::WorldReadable, "world_readable"),
    ];

    /// The Matrix spelling (also the contract's).
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(h, _)| *h == self)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, name)| *name == s).map(|(h, _)| *h)
    }
}

/// What the user asked for; `None` means "the TI-M default".
#[derive(Clone, Debug, Default)]
pub struct NewRoom {
    pub name: String,
    pub topic: Option<String>,
    pub access: Option<RoomAccess>,
    pub join_rule: Option<JoinRule>,
    pub history: Option<HistoryVisibility>,
    pub encrypted: Option<bool>,
    pub invite: Vec<Mxid>,
}

/// A validated room, ready to be created exactly like this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomPlan {
    pub name: String,
    pub topic: Option<String>,
    pub public: bool,
    pub join_rule: JoinRule,
    pub history: HistoryVisibility,
    pub encrypted: bool,
    pub federate: bool,
    /// At most one invite goes into createRoom (A_25368-01) ...
    pub initial_invite: Option<Mxid>,
    /// ... the others are invited one by one afterwards, each checked by the homeserver.
    pub later_invites: Vec<Mxid>,
    pub direct: bool,
}

/// Applies the TI-M defaults and refuses what the product must not create.
pub fn plan_room(product: Product, req: NewRoom) -> Result<RoomPlan, CoreError> {
    if req.name.trim().is_empty() {
        return Err(CoreError::InvalidInput("a room needs a name".into()));
    }
    let public = req.access == Some(RoomAccess::Public) || req.join_rule == Some(JoinRule::Public);
    let (join_rule, history, encrypted, federate) = if public {
        if product == Product::Epa {
            return Err(Rule::EpaPublicRoom.violated("TI-M ePA clients must not create public rooms"));
        }
        if req.join_rule.is_some_and(|j| j != JoinRule::Public) {
            return Err(CoreError::InvalidInput(
                "a public room needs the join rule 'public'".into(),
            ));
        }
        // Pro public rooms (A_25325-01, A_28271): unencrypted, not federated, shared history.
        (
            JoinRule::Public,
            req.history.unwrap_or(HistoryVisibility::Shared),
            req.encrypted.unwrap_or(false),
            false,
        )
    } else {
        let encrypted = req.encrypted.unwrap_or(true);
        if !encrypted {
            return Err(Rule::PrivateRoomUnencrypted.violated("private TI-M rooms must be encrypted"));
        }
        let join_rule = req.join_rule.unwrap_or(JoinRule::Invite);
        if matches!(
            join_rule,
            JoinRule::Knock | JoinRule::KnockRestricted | JoinRule::Restricted
        ) && product == Product::Epa
        {
            return Err(
                Rule::EpaJoinRule.violated(format!("TI-M ePA clients must not use the join rule {join_rule:?}"))
            );
        }
        let history = req.history.unwrap_or(HistoryVisibility::Invited);
        if history == HistoryVisibility::WorldReadable {
            return Err(
                Rule::WorldReadableHistory.violated("world_readable history is only allowed in Pro public rooms")
            );
        }
        (join_rule, history, true, true)
    };
    let mut invites = dedup(req.invite);
    let initial_invite = if invites.is_empty() {
        None
    } else {
        Some(invites.remove(0))
    };
    Ok(RoomPlan {
        name: req.name,
        topic: req.topic.filter(|t| !t.is_empty()),
        public,
        join_rule,
        history,
        encrypted,
        federate,
        initial_invite,
        later_invites: invites,
        direct: false,
    })
}

/// The changeable settings of an existing room, as they are or as the user wants them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoomSettings {
    pub name: Option<String>,
    pub topic: Option<String>,
    pub access: Option<RoomAccess>,
    pub join_rule: Option<JoinRule>,
    pub history: Option<HistoryVisibility>,
    pub encrypted: Option<bool>,
}

/// One state change an update needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomChange {
    Name(String),
    Topic(String),
    JoinRule(JoinRule),
    History(HistoryVisibility),
    EnableEncryption,
}

/// Which changes turn `current` into `wanted` (unset = keep), or why they are not allowed.
/// `federated`: the room can reach other homeservers (every non-public TI-M room).
pub fn plan_update(
    product: Product,
    current: &RoomSettings,
    wanted: &RoomSettings,
    federated: bool,
) -> Result<Vec<RoomChange>, CoreError> {
    let mut out = Vec::new();
    let makes_public = (changed(&wanted.join_rule, &current.join_rule)
        && matches!(wanted.join_rule, Some(JoinRule::Public)))
        || (changed(&wanted.access, &current.access) && wanted.access == Some(RoomAccess::Public));
    if makes_public
        || (changed(&wanted.join_rule, &current.join_rule)
            && matches!(
                wanted.join_rule,
                Some(JoinRule::Knock | JoinRule::KnockRestricted | JoinRule::Restricted)
            )
            && product == Product::Epa)
    {
        return Err(match product {
            Product::Epa => Rule::EpaPublicRoom.violated("TI-M ePA rooms cannot become public or knockable"),
            // A federating Pro room cannot become a (non-federating) public room (13X.01.05/06).
            Product::Pro => {
                CoreError::InvalidInput("an existing room cannot be made public; create a public room instead".into())
            }
        });
    }
    if let Some(name) = wanted.name.as_ref().filter(|_| changed(&wanted.name, &current.name)) {
        if name.trim().is_empty() {
            return Err(CoreError::InvalidInput("a room needs a name".into()));
        }
        out.push(RoomChange::Name(name.clone()));
    }
    if let Some(topic) = wanted.topic.as_ref().filter(|_| changed(&wanted.topic, &current.topic)) {
        out.push(RoomChange::Topic(topic.clone()));
    }
    if let Some(j) = wanted
        .join_rule
        .filter(|_| changed(&wanted.join_rule, &current.join_rule))
    {
        out.push(RoomChange::JoinRule(j));
    }
    if let Some(h) = wanted.history.filter(|_| changed(&wanted.history, &current.history)) {
        if h == HistoryVisibility::WorldReadable && (product == Product::Epa || federated) {
            return Err(
                Rule::WorldReadableHistory.violated("world_readable history is only allowed in Pro public rooms")
            );
        }
        out.push(RoomChange::History(h));
    }
    match (current.encrypted, wanted.encrypted) {
        (Some(true), Some(false)) => {
            return Err(Rule::EncryptionSwitchedOff.violated("encryption cannot be switched off"));
        }
        (Some(false), Some(true)) => out.push(RoomChange::EnableEncryption),
        _ => {}
    }
    Ok(out)
}

/// Set in the request and different from now (unset means "keep").
/// Whether a message or file may go into a room (gemSpec_TI-Messenger-Client 5.7: sending
/// without E2EE "MUSS technisch unterbunden werden"). The one exception is the room later TI-M
/// rules define as unencrypted: a Pro public room (A_25325-01, non-federating, same homeserver
/// only). Where the 2021 client spec and those rules disagree, the later rules win.
pub fn check_send_encryption(product: Product, encrypted: bool, join_rule: Option<JoinRule>) -> Result<(), CoreError> {
    if encrypted || (product == Product::Pro && join_rule == Some(JoinRule::Public)) {
        return Ok(());
    }
    Err(Rule::UnencryptedSend.violated(
        "the room is not end-to-end encrypted: TI-M sends nothing in clear (only Pro public rooms are unencrypted)",
    ))
}

fn changed<T: PartialEq>(wanted: &Option<T>, current: &Option<T>) -> bool {
    wanted.is_some() && wanted != current
}

fn dedup(ids: Vec<Mxid>) -> Vec<Mxid> {
    let mut out: Vec<Mxid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> NewRoom {
        NewRoom {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_default_room_is_private_invite_only_invited_history_encrypted_and_federated() {
        let plan = plan_room(Product::Pro, named("r")).unwrap();
        assert!(!plan.public);
        assert_eq!(plan.join_rule, JoinRule::Invite);
        assert_eq!(plan.history, HistoryVisibility::Invited);
        assert!(plan.encrypted && plan.federate);
    }

    #[test]
    fn a_private_unencrypted_room_is_forbidden_for_both_products() {
        for product in [Product::Pro, Product::Epa] {
            let req = NewRoom {
                encrypted: Some(false),
                ..named("r")
            };
            assert!(matches!(plan_room(product, req), Err(CoreError::RuleViolated { .. })));
        }
    }

    #[test]
    fn a_pro_public_room_is_unencrypted_unfederated_with_shared_history() {
        let req = NewRoom {
            access: Some(RoomAccess::Public),
            join_rule: Some(JoinRule::Public),
            encrypted: Some(false),
            ..named("p")
        };
        let plan = plan_room(Product::Pro, req).unwrap();
        assert!(plan.public && !plan.encrypted && !plan.federate);
        assert_eq!(plan.history, HistoryVisibility::Shared);
    }

    #[test]
    fn an_epa_public_room_is_forbidden() {
        let req = NewRoom {
            access: Some(RoomAccess::Public),
            ..named("p")
        };
        assert!(matches!(
            plan_room(Product::Epa, req),
            Err(CoreError::RuleViolated { .. })
        ));
    }

    #[test]
    fn only_the_first_invite_goes_into_create_room() {
        let a = Mxid::parse("@a:hs").unwrap();
        let b = Mxid::parse("@b:hs").unwrap();
        let req = NewRoom {
            invite: vec![a.clone(), b.clone(), a.clone()],
            ..named("r")
        };
        let plan = plan_room(Product::Pro, req).unwrap();
        assert_eq!(plan.initial_invite, Some(a));
        assert_eq!(plan.later_invites, vec![b]);
    }

    #[test]
    fn world_readable_history_is_refused_in_private_rooms() {
        let req = NewRoom {
            history: Some(HistoryVisibility::WorldReadable),
            ..named("r")
        };
        assert!(matches!(
            plan_room(Product::Pro, req),
            Err(CoreError::RuleViolated { .. })
        ));
    }

    #[test]
    fn spellings_round_trip() {
        for (j, name) in JoinRule::ALL {
            assert_eq!((j.as_str(), JoinRule::parse(name)), (name, Some(j)));
        }
        for (h, name) in HistoryVisibility::ALL {
            assert_eq!((h.as_str(), HistoryVisibility::parse(name)), (name, Some(h)));
        }
        assert_eq!(JoinRule::parse("nonsense"), None);
    }

    fn private_room() -> RoomSettings {
        RoomSettings {
            name: Some("r".into()),
            topic: None,
            access: Some(RoomAccess::Private),
            join_rule: Some(JoinRule::Invite),
            history: Some(HistoryVisibility::Invited),
            encrypted: Some(true),
        }
    }

    #[test]
    fn only_changed_settings_become_changes() {
        let wanted = RoomSettings {
            history: Some(HistoryVisibility::Joined),
            ..private_room()
        };
        assert_eq!(
            plan_update(Product::Pro, &private_room(), &wanted, true).unwrap(),
            vec![RoomChange::History(HistoryVisibility::Joined)]
        );
        assert!(
            plan_update(Product::Pro, &private_room(), &private_room(), true)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn making_a_room_public_later_is_a_bad_request_for_pro_and_forbidden_for_epa() {
        let wanted = RoomSettings {
            join_rule: Some(JoinRule::Public),
            ..private_room()
        };
        assert!(matches!(
            plan_update(Product::Pro, &private_room(), &wanted, true),
            Err(CoreError::InvalidInput(_))
        ));
        assert!(matches!(
            plan_update(Product::Epa, &private_room(), &wanted, true),
            Err(CoreError::RuleViolated { .. })
        ));
        let knock = RoomSettings {
            join_rule: Some(JoinRule::Knock),
            ..private_room()
        };
        assert!(matches!(
            plan_update(Product::Epa, &private_room(), &knock, true),
            Err(CoreError::RuleViolated { .. })
        ));
        let access = RoomSettings {
            access: Some(RoomAccess::Public),
            ..private_room()
        };
        assert!(matches!(
            plan_update(Product::Epa, &private_room(), &access, true),
            Err(CoreError::RuleViolated { .. })
        ));
    }

    #[test]
    fn world_readable_only_in_non_federated_pro_rooms() {
        let wanted = RoomSettings {
            history: Some(HistoryVisibility::WorldReadable),
            ..private_room()
        };
        assert!(matches!(
            plan_update(Product::Pro, &private_room(), &wanted, true),
            Err(CoreError::RuleViolated { .. })
        ));
        assert!(matches!(
            plan_update(Product::Epa, &private_room(), &wanted, false),
            Err(CoreError::RuleViolated { .. })
        ));
        assert_eq!(
            plan_update(Product::Pro, &private_room(), &wanted, false).unwrap(),
            vec![RoomChange::History(HistoryVisibility::WorldReadable)]
        );
    }

    #[test]
    fn a_rename_changes_the_name() {
        let wanted = RoomSettings {
            name: Some("new".into()),
            topic: Some("t".into()),
            ..private_room()
        };
        assert_eq!(
            plan_update(Product::Pro, &private_room(), &wanted, true).unwrap(),
            vec![RoomChange::Name("new".into()), RoomChange::Topic("t".into())]
        );
    }

    #[test]
    fn only_encrypted_rooms_and_pro_public_rooms_take_messages() {
        assert!(check_send_encryption(Product::Pro, true, Some(JoinRule::Invite)).is_ok());
        assert!(check_send_encryption(Product::Epa, true, None).is_ok());
        assert!(
            check_send_encryption(Product::Pro, false, Some(JoinRule::Public)).is_ok(),
            "the Pro public room exception"
        );
        for (product, join_rule) in [
            (Product::Pro, Some(JoinRule::Invite)),
            (Product::Pro, None),
            (Product::Pro, Some(JoinRule::Knock)),
            (Product::Epa, Some(JoinRule::Public)),
            (Product::Epa, Some(JoinRule::Invite)),
        ] {
            let err = check_send_encryption(product, false, join_rule).unwrap_err();
            assert!(
                matches!(
                    err,
                    CoreError::RuleViolated {
                        rule: Rule::UnencryptedSend,
                        ..
                    }
                ),
                "{product:?} {join_rule:?}"
            );
        }
    }

    #[test]
    fn a_nameless_room_is_invalid() {
        assert!(matches!(
            plan_room(Product::Pro, named(" ")),
            Err(CoreError::InvalidInput(_))
        ));
    }
}
