//! Following room upgrades: the account joins the successor of a tombstoned room it is in
//! (possible when it was invited there or the join rule allows it), and room IDs of the old
//! room keep working for every operation.

use std::time::{Duration, Instant};

use matrix_sdk::Room;
use matrix_sdk::RoomState;
use matrix_sdk::ruma::{OwnedRoomId, OwnedServerName, RoomId, RoomOrAliasId};

use crate::core::Session;
use crate::core::rules::upgrades::RoomChain;

/// A successor that could not be joined is tried again only after this long.
const RETRY_AFTER: Duration = Duration::from_secs(5);

impl Session {
    /// Tombstones and memberships of all rooms this account knows.
    pub(crate) fn room_chain(&self) -> RoomChain {
        let mut chain = RoomChain::default();
        for room in self.client().rooms() {
            let id = room.room_id().to_string();
            if let Some(next) = room.successor_room() {
                chain.successors.insert(id.clone(), next.room_id.to_string());
            }
            if room.state() == RoomState::Joined {
                chain.joined.insert(id);
            }
        }
        chain
    }

    /// Joins every successor not joined yet. A refused join (not invited, invite-only) leaves
    /// the old room in place; it is retried on a later call.
    pub(crate) async fn follow_upgrades(&self) {
        let chain = self.room_chain();
        for (old, new) in chain.to_follow() {
            if !self.follow_attempt_due(new) {
                continue;
            }
            let (Ok(old), Ok(new)) = (RoomId::parse(old), RoomId::parse(new)) else {
                continue;
            };
            let via: Vec<OwnedServerName> = [new.server_name(), old.server_name()]
                .into_iter()
                .flatten()
                .map(ToOwned::to_owned)
                .collect();
            match self
                .client()
                .join_room_by_id_or_alias(<&RoomOrAliasId>::from(&*new), &via)
                .await
            {
                Ok(_) => tracing::info!(from = %old, to = %new, "followed room upgrade"),
                Err(e) => tracing::info!(from = %old, to = %new, error = %e, "room upgrade not followed yet"),
            }
        }
    }

    /// The room an ID stands for now: the newest joined successor of a tombstoned room.
    pub(crate) async fn current_room(&self, id: &RoomId) -> Option<Room> {
        let room = self.client().get_room(id)?;
        if !room.is_tombstoned() {
            return Some(room);
        }
        self.follow_upgrades().await;
        let current: OwnedRoomId = self.room_chain().current(id.as_str()).parse().ok()?;
        self.client().get_room(&current)
    }

    /// The rooms from `id` to its current successor, oldest first (history spans all of them).
    pub(crate) fn room_lineage(&self, id: &RoomId) -> Vec<Room> {
        let chain = self.room_chain();
        let current = chain.current(id.as_str()).to_string();
        let mut out = Vec::new();
        let mut at = id.to_owned();
        while let Some(room) = self.client().get_room(&at) {
            out.push(room.clone());
            if at.as_str() == current {
                break;
            }
            match room.successor_room() {
                Some(next) => at = next.room_id,
                None => break,
            }
        }
        out
    }

    fn follow_attempt_due(&self, successor: &str) -> bool {
        let mut tried = self.follow_attempts();
        let now = Instant::now();
        match tried.get(successor) {
            Some(at) if now.duration_since(*at) < RETRY_AFTER => false,
            _ => {
                tried.insert(successor.to_string(), now);
                true
            }
        }
    }
}
