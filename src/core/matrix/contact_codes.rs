//! Contact by QR code (5.4): this device shows a signed code with the account's MXID (valid
//! for 10 minutes, rules in [`crate::core::rules::contact_qr`]); the other side scans it and
//! starts the direct chat, its invite carrying the code as the invite's reason. The showing
//! device recognises an invite that followed a scan of its own code and may accept it without
//! asking. The signing secret is this device's own, sealed beside its store.

use matrix_sdk::RoomState;
use matrix_sdk::ruma::api::client::membership::invite_user::v3::{InviteUserId, Request as InviteRequest};

use super::errors::{from_http, from_sdk};
use super::rooms::Membership;
use super::sealed_file;
use super::session::Session;
use crate::core::rules::contact_qr::ContactCode;
use crate::core::rules::direct_chat;
use crate::core::{CoreError, CoreResult};

const SECRET_FILE: &str = "contact-code.sealed";

/// Contact codes of a session.
pub struct ContactCodes<'a> {
    session: &'a Session,
}

impl Session {
    pub fn contact_codes(&self) -> ContactCodes<'_> {
        ContactCodes { session: self }
    }
}

impl ContactCodes<'_> {
    /// A new code to show (as a QR code): this account's MXID, valid for 10 minutes.
    pub async fn show(&self) -> CoreResult<ContactCode> {
        self.session.live()?;
        Ok(ContactCode::issue(self.session.user_id(), now(), &self.secret().await?))
    }

    /// Starts a direct chat with the account a scanned code names; the invite carries the
    /// code. A malformed or expired code, or one's own, is refused before anything is sent.
    /// Returns the new room's id.
    pub async fn scan(&self, text: &str) -> CoreResult<String> {
        self.session.live()?;
        let code = ContactCode::parse(text, now())?;
        if &code.mxid == self.session.user_id() {
            return Err(CoreError::InvalidInput("this is the account's own contact code".into()));
        }
        let mut plan = direct_chat::plan_chat(self.session.user_id(), &code.mxid);
        // createRoom invites carry no reason: the invite follows, with the code as its reason.
        plan.initial_invite = None;
        let user_id = matrix_sdk::ruma::UserId::parse(code.mxid.as_str())
            .map_err(|e| CoreError::InvalidInput(format!("{}: {e}", code.mxid.as_str())))?;
        let before = super::orphans::joined_now(self.session).await;
        let room_id = self.session.rooms().create_planned(&plan).await?;
        let mut invitee = InviteUserId::new(user_id);
        invitee.reason = Some(code.to_text());
        let request = InviteRequest::new(room_id.clone(), invitee.into());
        if let Err(refused) = self.session.client().send(request).await {
            // A chat nobody can be invited to is not left behind (the invite checker said no).
            super::orphans::drop_orphans(self.session, &before).await;
            return Err(from_http(refused));
        }
        // `m.direct` lists the room's members: the invitee must show locally first.
        let rooms = self.session.rooms();
        rooms.await_membership(&room_id, &code.mxid, Membership::Invite).await;
        if let Some(room) = self.session.client().get_room(&room_id) {
            room.set_is_direct(true).await.map_err(from_sdk)?;
        }
        Ok(room_id.to_string())
    }

    /// Whether a pending invite followed a scan of a code this device showed, still valid
    /// now: then the UI may accept it without asking.
    pub async fn invite_from_own_code(&self, room_id: &str) -> CoreResult<bool> {
        self.session.live()?;
        let id = matrix_sdk::ruma::RoomId::parse(room_id)
            .map_err(|_| CoreError::NotFound(format!("'{room_id}' is not a room id")))?;
        let room = self
            .session
            .client()
            .get_room(&id)
            .filter(|r| r.state() == RoomState::Invited)
            .ok_or_else(|| CoreError::NotFound(format!("no pending invite to {room_id}")))?;
        let own = room.own_user_id().to_owned();
        let Some(member) = room.get_member_no_sync(&own).await.map_err(from_sdk)? else {
            return Ok(false);
        };
        let Some(reason) = member.event().reason().map(str::to_string) else {
            return Ok(false);
        };
        let secret = self.secret().await?;
        let now = now();
        Ok(ContactCode::parse(&reason, now)
            .is_ok_and(|code| &code.mxid == self.session.user_id() && code.is_valid_for(&secret, now)))
    }

    /// Joins a pending invite that followed a scan of this device's code and records it as
    /// a direct chat; `false` (and nothing done) for any other invite, which the user decides.
    pub async fn accept(&self, room_id: &str) -> CoreResult<bool> {
        if !self.invite_from_own_code(room_id).await? {
            return Ok(false);
        }
        self.session.rooms().join(room_id).await?;
        let id = matrix_sdk::ruma::RoomId::parse(room_id).map_err(CoreError::internal)?;
        if let Some(room) = self.session.client().get_room(&id) {
            room.set_is_direct(true).await.map_err(from_sdk)?;
        }
        Ok(true)
    }

    async fn secret(&self) -> CoreResult<[u8; 32]> {
        let store = self.session.store();
        if let Some(secret) = sealed_file::read::<[u8; 32]>(store, SECRET_FILE).await {
            return Ok(secret);
        }
        let secret = rand::random::<[u8; 32]>();
        sealed_file::write(store, SECRET_FILE, &secret).await?;
        Ok(secret)
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
