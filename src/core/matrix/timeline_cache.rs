//! A room's cached events in the timeline rule's terms, kept between reads until matrix-sdk's
//! event cache reports a change in that room. A client's message list is read far more often
//! than it changes (gematik's suite and the bench poll it every few milliseconds); copying and
//! parsing every cached event on each read cost the receiving device more CPU than the
//! delivery itself, on the cores its homeserver and its sync share.
//!
//! Correctness rests on matrix-sdk announcing a room's change only after applying it: a change
//! missed by a read is announced after that read started, so the next read drops the entry.
//! A read takes the room's change count before loading and stores its result only if the count
//! is still the same, so a read that raced with a change never stores its stale result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use matrix_sdk::Client;
use matrix_sdk::event_cache::RoomEventCacheGenericUpdate;
use matrix_sdk::ruma::{OwnedRoomId, RoomId};
use tokio::sync::broadcast::{Receiver, error::TryRecvError};

use crate::core::rules::timeline::TimelineEvent;

/// An event with its origin timestamp (ms), which the retention period is checked against at
/// every read.
pub(crate) type Stamped = (u64, TimelineEvent);

/// What a read found out before loading: the room's events, or the ticket to store them with.
pub(crate) enum Lookup {
    Hit(Arc<Vec<Stamped>>),
    Miss(Ticket),
}

/// The room's change count when a read started loading.
#[derive(PartialEq, Eq)]
pub(crate) struct Ticket {
    epoch: u64,
    changes: u64,
}

#[derive(Default)]
pub(crate) struct TimelineCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    updates: Option<Receiver<RoomEventCacheGenericUpdate>>,
    /// Bumped when announcements were lost (the channel lagged or closed): everything is stale.
    epoch: u64,
    changes: HashMap<OwnedRoomId, u64>,
    /// Current by construction: a change announced for a room drops its entry.
    rooms: HashMap<OwnedRoomId, Arc<Vec<Stamped>>>,
}

impl TimelineCache {
    pub(crate) fn lookup(&self, client: &Client, room: &RoomId) -> Lookup {
        let mut inner = self.inner.lock().expect("timeline cache lock");
        inner.catch_up(client);
        match inner.rooms.get(room) {
            Some(events) => Lookup::Hit(events.clone()),
            None => Lookup::Miss(inner.ticket(room)),
        }
    }

    /// Drops every room's events at once (a retention purge: no plaintext past the period is
    /// kept until the next read).
    pub(crate) fn clear(&self) {
        self.inner.lock().expect("timeline cache lock").forget_all();
    }

    /// Keeps what a read loaded, unless the room changed since its lookup.
    pub(crate) fn store(&self, client: &Client, room: &RoomId, ticket: Ticket, events: Arc<Vec<Stamped>>) {
        let mut inner = self.inner.lock().expect("timeline cache lock");
        inner.catch_up(client);
        if inner.ticket(room) == ticket {
            inner.rooms.insert(room.to_owned(), events);
        }
    }
}

impl Inner {
    fn ticket(&self, room: &RoomId) -> Ticket {
        Ticket {
            epoch: self.epoch,
            changes: self.changes.get(room).copied().unwrap_or(0),
        }
    }

    /// Counts every change announced since the last call and drops the changed rooms' entries.
    fn catch_up(&mut self, client: &Client) {
        let Some(mut updates) = self.updates.take() else {
            // First use: listen from now on; nothing is cached yet that could be stale.
            self.updates = Some(client.event_cache().subscribe_to_room_generic_updates());
            return;
        };
        loop {
            match updates.try_recv() {
                Ok(update) => {
                    *self.changes.entry(update.room_id.clone()).or_default() += 1;
                    self.rooms.remove(&update.room_id);
                }
                Err(TryRecvError::Lagged(_)) => self.forget_all(),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => {
                    // The event cache is gone: subscribe again at the next read.
                    self.forget_all();
                    return;
                }
            }
        }
        self.updates = Some(updates);
    }

    fn forget_all(&mut self) {
        self.epoch += 1;
        self.changes.clear();
        self.rooms.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Ticket;

    #[test]
    fn a_ticket_matches_only_the_same_epoch_and_change_count() {
        let t = |epoch, changes| Ticket { epoch, changes };
        assert!(t(0, 3) == t(0, 3));
        assert!(t(0, 3) != t(0, 4));
        assert!(t(0, 3) != t(1, 3));
    }
}
