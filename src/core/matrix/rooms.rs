//! Rooms as the product shows them: list, create with TI-M defaults, invite, join, leave,
//! forget. Every action waits until the background sync reflects it, so the next read agrees.

use matrix_sdk::room::Room;
use matrix_sdk::ruma::api::client::directory::get_public_rooms::v3 as get_public_rooms;
use matrix_sdk::ruma::api::client::room::{Visibility, create_room::v3 as create_room};
use matrix_sdk::ruma::events::room::history_visibility::HistoryVisibility as SdkHistory;
use matrix_sdk::ruma::events::room::join_rules::JoinRule as SdkJoinRule;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedRoomId, RoomId, RoomVersionId, UserId};
use matrix_sdk::{EncryptionState, RoomMemberships, RoomState};
use serde_json::json;

use super::errors::{from_http, from_sdk};
use super::events::file_id_of;
use super::server_rooms;
use super::wait::{SYNC_ECHO_TIMEOUT, until};
use crate::core::rules::direct_chat;
use crate::core::rules::room_policy::{
    self, HistoryVisibility, JoinRule, NewRoom, Product, RoomAccess, RoomChange, RoomPlan, RoomSettings,
};
use crate::core::{CoreError, CoreResult, Mxid, Session};

/// A room as one account sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomInfo {
    pub room_id: String,
    /// Never empty: the TI-M name, else `m.room.name`, else a computed name.
    pub name: String,
    pub topic: Option<String>,
    pub access: RoomAccess,
    pub join_rule: Option<JoinRule>,
    pub history: Option<HistoryVisibility>,
    pub encrypted: bool,
    pub federated: bool,
    pub version: Option<String>,
    /// `None` for a room of the public directory the account is not in.
    pub own_membership: Option<Membership>,
    pub members: Vec<Member>,
    /// A direct chat (5.4): listed in the account's `m.direct`. It stops being one when a
    /// third person is invited (the later TI-M rule the suite tests).
    pub direct: bool,
    /// The room's picture (`m.room.avatar`) as a file id for [`crate::core::Media::download`].
    pub avatar: Option<String>,
}

impl RoomInfo {
    /// The settings an update is compared against.
    pub fn settings(&self) -> RoomSettings {
        RoomSettings {
            name: Some(self.name.clone()),
            topic: self.topic.clone(),
            access: Some(self.access),
            join_rule: self.join_rule,
            history: self.history,
            encrypted: Some(self.encrypted),
        }
    }
}

/// One state event of a room; `content` is the event content as JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateEvent {
    pub event_type: String,
    pub state_key: String,
    pub event_id: String,
    pub sender: String,
    pub room_id: String,
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user_id: String,
    pub membership: Membership,
    /// The name shown for the member in this room (5.3: names, not MXIDs), if set.
    pub display_name: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Membership {
    Knock,
    Invite,
    Join,
    Ban,
    Leave,
}

/// The rooms of a session.
pub struct Rooms<'a> {
    pub(super) session: &'a Session,
}

impl Session {
    pub fn rooms(&self) -> Rooms<'_> {
        Rooms { session: self }
    }
}

impl Rooms<'_> {
    /// Joined rooms, pending invites and left-but-not-forgotten rooms (local state), plus,
    /// for Pro, the public rooms of the own homeserver's directory.
    /// A room replaced by an upgrade the account followed is listed once, as its successor.
    pub async fn list(&self) -> CoreResult<Vec<RoomInfo>> {
        self.session.live()?;
        self.session.follow_upgrades().await;
        let chain = self.session.room_chain();
        let mut out = Vec::new();
        for room in self.session.client().rooms() {
            if chain.is_superseded(room.room_id().as_str()) || !self.session.lists(&room) {
                continue;
            }
            if matches!(
                room.state(),
                RoomState::Joined | RoomState::Invited | RoomState::Left | RoomState::Knocked
            ) {
                out.push(describe(&room).await?);
            }
        }
        if self.session.product() == Product::Pro {
            for public in self.public_directory().await {
                if !out.iter().any(|r| r.room_id == public.room_id) {
                    out.push(public);
                }
            }
        }
        out.sort_by(|a, b| a.room_id.cmp(&b.room_id));
        Ok(out)
    }

    /// The own homeserver's public rooms; a failing directory just contributes nothing.
    async fn public_directory(&self) -> Vec<RoomInfo> {
        // The directory answers only authenticated requests here; matrix-sdk omits the token
        // for this endpoint unless forced.
        let mut request = get_public_rooms::Request::new();
        request.limit = Some(100u32.into());
        let config = matrix_sdk::config::RequestConfig::new().force_auth();
        let Ok(response) = self.session.client().send(request).with_request_config(config).await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for r in response.chunk {
            let peeked = match r.world_readable {
                true => self.peek(&r.room_id).await,
                false => None,
            };
            out.push(peeked.unwrap_or_else(|| directory_summary(r)));
        }
        out
    }

    /// A world-readable room described from the state the homeserver serves non-members.
    async fn peek(&self, room_id: &RoomId) -> Option<RoomInfo> {
        let state = server_rooms::state_json(self.session.client(), room_id).await.ok()?;
        Some(super::peek::describe_from_state(room_id.as_str(), &state))
    }

    /// Applies the changed settings (name and topic also to their TI-M copies), after the
    /// room policy accepted them; waits until sync shows the new state.
    pub async fn update(&self, room_id: &str, wanted: RoomSettings) -> CoreResult<RoomInfo> {
        self.session.live()?;
        let room = self.room(room_id).await?;
        let current = describe(&room).await?;
        let before = current.settings();
        let changes = room_policy::plan_update(self.session.product(), &before, &wanted, current.federated)?;
        for change in &changes {
            self.apply(&room, change).await?;
        }
        until(SYNC_ECHO_TIMEOUT, || {
            let (room, changes, before) = (room.clone(), changes.clone(), before.clone());
            async move {
                let now = describe(&room).await.ok()?.settings();
                changes.iter().all(|c| applied(c, &now, &before)).then_some(())
            }
        })
        .await;
        describe(&room).await
    }

    async fn apply(&self, room: &Room, change: &RoomChange) -> CoreResult<()> {
        let state = |event_type: &'static str, content: serde_json::Value| {
            let room = room.clone();
            async move {
                room.send_state_event_raw(event_type, "", content)
                    .await
                    .map(|_| ())
                    .map_err(from_sdk)
            }
        };
        match change {
            RoomChange::Name(name) => {
                state("m.room.name", json!({"name": name})).await?;
                state(room_policy::TIM_NAME_EVENT, json!({"name": name})).await
            }
            RoomChange::Topic(topic) => {
                state("m.room.topic", json!({"topic": topic})).await?;
                state(room_policy::TIM_TOPIC_EVENT, json!({"topic": topic})).await
            }
            RoomChange::JoinRule(j) => state("m.room.join_rules", json!({"join_rule": j.as_str()})).await,
            RoomChange::History(h) => {
                state("m.room.history_visibility", json!({"history_visibility": h.as_str()})).await
            }
            RoomChange::EnableEncryption => room.enable_encryption().await.map_err(from_sdk),
        }
    }

    /// Every state event of the room, as the homeserver has it now.
    pub async fn state_events(&self, room_id: &str) -> CoreResult<Vec<StateEvent>> {
        self.session.live()?;
        let room = self.room(room_id).await?;
        let state = server_rooms::state_json(self.session.client(), room.room_id())
            .await
            .map_err(from_http)?;
        Ok(state
            .into_iter()
            .map(|e| StateEvent {
                event_type: e["type"].as_str().unwrap_or_default().to_string(),
                state_key: e["state_key"].as_str().unwrap_or_default().to_string(),
                event_id: e["event_id"].as_str().unwrap_or_default().to_string(),
                sender: e["sender"].as_str().unwrap_or_default().to_string(),
                room_id: room_id.to_string(),
                // Compact, keys sorted: equal contents give equal strings.
                content: e["content"].to_string(),
            })
            .collect())
    }

    pub async fn get(&self, room_id: &str) -> CoreResult<RoomInfo> {
        self.session.live()?;
        describe(&self.room(room_id).await?).await
    }

    /// Creates a room with the TI-M defaults after the room policy accepted the request.
    pub async fn create(&self, req: NewRoom) -> CoreResult<RoomInfo> {
        self.session.live()?;
        let plan = room_policy::plan_room(self.session.product(), req)?;
        let room_id = self.create_planned(&plan).await?;
        for user in &plan.later_invites {
            self.invite_one(&room_id, user).await?;
        }
        self.get(room_id.as_str()).await
    }

    pub(crate) async fn create_planned(&self, plan: &RoomPlan) -> CoreResult<OwnedRoomId> {
        let request = create_request(plan)?;
        let before = match plan.initial_invite {
            Some(_) => Some(super::orphans::joined_now(self.session).await),
            None => None,
        };
        let room = match self.session.client().create_room(request).await {
            Ok(room) => room,
            Err(e) => {
                if let Some(before) = &before {
                    super::orphans::drop_orphans(self.session, before).await;
                }
                return Err(from_sdk(e));
            }
        };
        let room_id = room.room_id().to_owned();
        let own = self.session.user_id().clone();
        let invited = plan.initial_invite.clone();
        // Wait until sync shows us joined (and the invitee invited), so the answer is complete.
        self.await_membership(&room_id, &own, Membership::Join).await;
        let client = self.session.client().clone();
        let name = plan.name.clone();
        until(SYNC_ECHO_TIMEOUT, || {
            let (client, room_id, name) = (client.clone(), room_id.clone(), name.clone());
            async move { (client.get_room(&room_id)?.name()? == name).then_some(()) }
        })
        .await;
        if let Some(user) = invited {
            self.await_membership(&room_id, &user, Membership::Invite).await;
        }
        Ok(room_id)
    }

    /// Invites each user in turn; the homeserver's refusal surfaces as `HomeserverForbidden`.
    pub async fn invite(&self, room_id: &str, users: &[Mxid]) -> CoreResult<RoomInfo> {
        self.session.live()?;
        let room = self.room(room_id).await?;
        for user in users {
            self.invite_one(room.room_id(), user).await?;
        }
        describe(&room).await
    }

    pub(crate) async fn invite_one(&self, room_id: &RoomId, user: &Mxid) -> CoreResult<()> {
        let room = self.room(room_id.as_str()).await?;
        let user_id = user_id(user)?;
        self.end_direct_chat_for(&room, user).await?;
        room.invite_user_by_id(&user_id).await.map_err(from_sdk)?;
        self.await_membership(room_id, user, Membership::Invite).await;
        Ok(())
    }

    /// A chat that gets a third member becomes a group room: out of `m.direct` before the
    /// invite (see [`direct_chat::stops_being_direct`]), and only once that shows locally, so
    /// the next direct message does not pick the group room.
    async fn end_direct_chat_for(&self, room: &Room, invitee: &Mxid) -> CoreResult<()> {
        let targets: Vec<Mxid> = room
            .direct_targets()
            .iter()
            .filter_map(|t| Mxid::parse(t.as_str()).ok())
            .collect();
        if !direct_chat::stops_being_direct(&targets, invitee) {
            return Ok(());
        }
        room.set_is_direct(false).await.map_err(from_sdk)?;
        until(SYNC_ECHO_TIMEOUT, || {
            let room = room.clone();
            async move { room.direct_targets().is_empty().then_some(()) }
        })
        .await;
        Ok(())
    }

    pub async fn join(&self, room_id: &str) -> CoreResult<RoomInfo> {
        self.session.live()?;
        let id = parse_room_id(room_id)?;
        let client = self.session.client().clone();
        let direct_invite = match client.get_room(&id) {
            Some(room) => room.is_direct().await.unwrap_or(false),
            None => false,
        };
        // matrix-sdk records an accepted direct invite in `m.direct`; waiting for that echo
        // lets the next direct message reuse this chat instead of opening a second one.
        let room = client.join_room_by_id(&id).await.map_err(from_sdk)?;
        self.await_membership(&id, &self.session.user_id().clone(), Membership::Join)
            .await;
        if direct_invite {
            until(SYNC_ECHO_TIMEOUT, || {
                let room = room.clone();
                async move { (!room.direct_targets().is_empty()).then_some(()) }
            })
            .await;
        }
        self.get(room_id).await
    }

    /// Leaves (or rejects an invite). The room stays listed with own membership `leave`.
    pub async fn leave(&self, room_id: &str) -> CoreResult<RoomInfo> {
        self.session.live()?;
        let room = self.room(room_id).await?;
        if room.state() != RoomState::Left {
            room.leave().await.map_err(from_sdk)?;
        }
        self.await_membership(room.room_id(), &self.session.user_id().clone(), Membership::Leave)
            .await;
        describe(&room).await
    }

    /// Leaves if needed, then forgets: the room disappears from [`Rooms::list`] at once.
    pub async fn forget(&self, room_id: &str) -> CoreResult<()> {
        self.session.live()?;
        let id = parse_room_id(room_id)?;
        let Some(room) = self.session.current_room(&id).await else {
            return self.forget_unknown(&id).await;
        };
        let was = room.state();
        // Its files go with it (matrix-sdk's forget drops the room's state and events only).
        let files = super::retention::files_of(&room).await;
        if was != RoomState::Left {
            self.leave(room_id).await?;
        }
        room.forget().await.map_err(from_sdk)?;
        self.session.remember_forgotten(room.room_id().as_str(), was);
        super::retention::remove_files(self.session, &files).await;
        super::retention::compact(self.session.store()).await;
        Ok(())
    }

    /// A room this device holds no state for: matrix-sdk drops a room the moment its invite is
    /// declined, yet forgetting it must still succeed (the suite rejects an invite with leave,
    /// then forget). The homeserver decides: it refuses only while the account is a member.
    async fn forget_unknown(&self, id: &RoomId) -> CoreResult<()> {
        server_rooms::forget(self.session.client(), id)
            .await
            .map_err(from_http)?;
        self.session.remember_forgotten(id.as_str(), RoomState::Left);
        Ok(())
    }

    /// Leaves and forgets every room, rejecting pending invites: a clean slate for a test run.
    /// Rooms are handled concurrently. A room is forgotten only after sync has delivered its
    /// leave: a leave arriving after the forget would bring it back as a left "Empty Room".
    pub async fn forget_all(&self) -> CoreResult<()> {
        self.session.live()?;
        use futures_util::StreamExt;
        let own = self.session.user_id().clone();
        futures_util::stream::iter(self.session.client().rooms())
            .for_each_concurrent(8, |room| {
                let own = own.clone();
                async move {
                    let was = room.state();
                    if !matches!(was, RoomState::Left | RoomState::Banned) {
                        match room.leave().await {
                            Ok(()) => self.await_membership(room.room_id(), &own, Membership::Leave).await,
                            Err(e) => tracing::warn!(room = %room.room_id(), error = %e, "could not leave room"),
                        }
                    }
                    match room.forget().await {
                        Ok(()) => self.session.remember_forgotten(room.room_id().as_str(), was),
                        Err(e) => tracing::warn!(room = %room.room_id(), error = %e, "could not forget room"),
                    }
                }
            })
            .await;
        Ok(())
    }

    /// The room an ID stands for, following upgrades.
    pub(super) async fn room(&self, room_id: &str) -> CoreResult<Room> {
        let id = parse_room_id(room_id)?;
        self.session
            .current_room(&id)
            .await
            .ok_or_else(|| CoreError::NotFound(format!("room {room_id} is unknown to this account")))
    }

    pub(super) async fn await_membership(&self, room_id: &RoomId, user: &Mxid, want: Membership) {
        let client = self.session.client().clone();
        let Ok(user) = user_id(user) else { return };
        let found = until(SYNC_ECHO_TIMEOUT, || {
            let (client, user, room_id) = (client.clone(), user.clone(), room_id.to_owned());
            async move {
                let room = client.get_room(&room_id)?;
                let member = room.get_member_no_sync(&user).await.ok()??;
                (membership(member.membership()) == want).then_some(())
            }
        })
        .await;
        if found.is_none() {
            tracing::warn!(room = %room_id, user = %user, ?want, "membership not yet visible through sync");
        }
    }
}

/// Whether a change is visible in `now` (compared with the settings before the update).
fn applied(change: &RoomChange, now: &RoomSettings, before: &RoomSettings) -> bool {
    match change {
        RoomChange::Name(n) => now.name.as_deref() == Some(n),
        RoomChange::Topic(t) => now.topic.as_deref() == Some(t),
        RoomChange::JoinRule(j) => now.join_rule == Some(*j),
        RoomChange::History(h) => now.history == Some(*h),
        RoomChange::EnableEncryption => now.encrypted == Some(true) || before.encrypted == Some(true),
    }
}

fn parse_room_id(raw: &str) -> CoreResult<OwnedRoomId> {
    RoomId::parse(raw).map_err(|_| CoreError::NotFound(format!("'{raw}' is not a room id")))
}

fn user_id(user: &Mxid) -> CoreResult<matrix_sdk::ruma::OwnedUserId> {
    UserId::parse(user.as_str()).map_err(|e| CoreError::InvalidInput(format!("{user}: {e}")))
}

/// The ruma request for a planned room: TI-M room type, version 10, TI-M name/topic copies.
fn create_request(plan: &RoomPlan) -> CoreResult<create_room::Request> {
    let mut req = create_room::Request::new();
    req.name = Some(plan.name.clone());
    req.room_version = Some(RoomVersionId::V10);
    req.is_direct = plan.direct;
    req.visibility = if plan.public {
        Visibility::Public
    } else {
        Visibility::Private
    };
    req.preset = Some(match (plan.public, plan.direct) {
        (true, _) => create_room::RoomPreset::PublicChat,
        (false, true) => create_room::RoomPreset::TrustedPrivateChat,
        (false, false) => create_room::RoomPreset::PrivateChat,
    });
    req.invite = plan.initial_invite.iter().map(user_id).collect::<CoreResult<_>>()?;
    req.creation_content = Some(raw(
        json!({"type": room_policy::ROOM_TYPE, "m.federate": plan.federate}),
    )?);
    let mut state = vec![
        state_event(
            "m.room.history_visibility",
            json!({"history_visibility": plan.history.as_str()}),
        )?,
        state_event("m.room.join_rules", json!({"join_rule": plan.join_rule.as_str()}))?,
        state_event(room_policy::TIM_NAME_EVENT, json!({"name": plan.name}))?,
    ];
    if plan.encrypted {
        state.push(state_event(
            "m.room.encryption",
            json!({"algorithm": "m.megolm.v1.aes-sha2"}),
        )?);
    }
    if let Some(topic) = &plan.topic {
        // As initial state, not createRoom's `topic`: Synapse would add `m.topic` to the
        // Matrix copy, and both copies must have identical content (A_26338-02).
        state.push(state_event("m.room.topic", json!({"topic": topic}))?);
        state.push(state_event(room_policy::TIM_TOPIC_EVENT, json!({"topic": topic}))?);
    }
    req.initial_state = state;
    Ok(req)
}

fn raw<T>(value: serde_json::Value) -> CoreResult<Raw<T>> {
    let json = serde_json::value::to_raw_value(&value).map_err(CoreError::internal)?;
    Ok(Raw::from_json(json))
}

fn state_event<T>(event_type: &str, content: serde_json::Value) -> CoreResult<Raw<T>> {
    raw(json!({"type": event_type, "state_key": "", "content": content}))
}

/// A directory entry as it is, for rooms that are not world-readable.
fn directory_summary(r: matrix_sdk::ruma::directory::PublicRoomsChunk) -> RoomInfo {
    RoomInfo {
        name: r
            .name
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| r.room_id.to_string()),
        room_id: r.room_id.to_string(),
        topic: r.topic,
        access: RoomAccess::Public,
        join_rule: Some(JoinRule::Public),
        history: Some(if r.world_readable {
            HistoryVisibility::WorldReadable
        } else {
            HistoryVisibility::Shared
        }),
        encrypted: false,
        federated: false,
        version: None,
        own_membership: None,
        members: Vec::new(),
        direct: false,
        avatar: r.avatar_url.as_ref().and_then(|u| file_id_of(u.as_str())),
    }
}

fn membership(m: &MembershipState) -> Membership {
    match m {
        MembershipState::Invite => Membership::Invite,
        MembershipState::Join => Membership::Join,
        MembershipState::Ban => Membership::Ban,
        MembershipState::Knock => Membership::Knock,
        _ => Membership::Leave,
    }
}

pub(crate) async fn describe(room: &Room) -> CoreResult<RoomInfo> {
    let members = room
        .members_no_sync(RoomMemberships::all())
        .await
        .map_err(from_sdk)?
        .into_iter()
        .map(|m| Member {
            user_id: m.user_id().to_string(),
            membership: membership(m.membership()),
            display_name: m.display_name().map(str::to_string),
        })
        .collect::<Vec<_>>();
    let own_membership = match room.state() {
        RoomState::Joined => Membership::Join,
        RoomState::Invited => Membership::Invite,
        RoomState::Knocked => Membership::Knock,
        RoomState::Banned => Membership::Ban,
        _ => Membership::Leave,
    };
    let own = room.own_user_id().to_string();
    let members = members
        .into_iter()
        .map(|m| {
            if m.user_id == own {
                Member {
                    membership: own_membership,
                    ..m
                }
            } else {
                m
            }
        })
        .collect::<Vec<_>>();
    let join_rule = join_rule_of(room);
    let history = room.history_visibility().map(|h| match h {
        SdkHistory::Joined => HistoryVisibility::Joined,
        SdkHistory::Shared => HistoryVisibility::Shared,
        SdkHistory::WorldReadable => HistoryVisibility::WorldReadable,
        _ => HistoryVisibility::Invited,
    });
    let name = match room.name().filter(|n| !n.is_empty()) {
        Some(n) => n,
        None => room
            .cached_display_name()
            .map(|d| d.to_string())
            .unwrap_or_else(|| room.room_id().to_string()),
    };
    Ok(RoomInfo {
        room_id: room.room_id().to_string(),
        name,
        topic: room.topic(),
        access: if join_rule == Some(JoinRule::Public) {
            RoomAccess::Public
        } else {
            RoomAccess::Private
        },
        join_rule,
        history,
        encrypted: matches!(room.encryption_state(), EncryptionState::Encrypted),
        federated: room.create_content().is_none_or(|c| c.federate),
        version: room.version().map(|v| v.to_string()),
        own_membership: Some(own_membership),
        members,
        direct: !room.direct_targets().is_empty(),
        avatar: room.avatar_url().and_then(|u| file_id_of(u.as_str())),
    })
}

/// The room's join rule in the product's terms.
pub(super) fn join_rule_of(room: &Room) -> Option<JoinRule> {
    room.join_rule().map(|j| match j {
        SdkJoinRule::Public => JoinRule::Public,
        SdkJoinRule::Knock => JoinRule::Knock,
        SdkJoinRule::Private => JoinRule::Private,
        SdkJoinRule::Restricted(_) => JoinRule::Restricted,
        SdkJoinRule::KnockRestricted(_) => JoinRule::KnockRestricted,
        _ => JoinRule::Invite,
    })
}
