//! Own messages and edits the homeserver has accepted but the sync has not brought back yet.
//!
//! A send answers as soon as the homeserver has the event. Waiting for its sync echo would
//! add one sync round to every send. Until the echo is in the event cache, the session's
//! lists show the pending event, so "edit my newest message" right after a send still finds
//! it. Plain data, no I/O.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::core::rules::timeline::TimelineEvent;

/// How long a pending event is shown if its echo never comes (the room was left, the sync
/// stopped). An echo normally takes milliseconds.
const KEEP: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub(crate) struct LocalEchoes {
    rooms: HashMap<String, Vec<Pending>>,
}

#[derive(Debug)]
struct Pending {
    since: Instant,
    event: TimelineEvent,
}

impl LocalEchoes {
    pub(crate) fn add(&mut self, room_id: &str, event: TimelineEvent, now: Instant) {
        self.rooms
            .entry(room_id.to_string())
            .or_default()
            .push(Pending { since: now, event });
    }

    /// The cached timeline followed by the pending events it does not hold yet. Pending events
    /// that arrived, or waited longer than [`KEEP`], are dropped.
    pub(crate) fn merge(&mut self, room_id: &str, mut cached: Vec<TimelineEvent>, now: Instant) -> Vec<TimelineEvent> {
        let Some(pending) = self.rooms.get_mut(room_id) else {
            return cached;
        };
        let arrived: HashSet<&str> = cached.iter().filter_map(TimelineEvent::event_id).collect();
        pending.retain(|p| {
            now.duration_since(p.since) < KEEP && p.event.event_id().is_some_and(|id| !arrived.contains(id))
        });
        cached.extend(pending.iter().map(|p| p.event.clone()));
        if pending.is_empty() {
            self.rooms.remove(room_id);
        }
        cached
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::timeline::MessageBody;

    fn message(id: &str) -> TimelineEvent {
        TimelineEvent::Message {
            event_id: id.into(),
            sender: "@a:hs".into(),
            ts: 1,
            content: MessageBody {
                body: id.into(),
                msgtype: "m.text".into(),
                ..Default::default()
            },
        }
    }

    fn ids(events: &[TimelineEvent]) -> Vec<&str> {
        events.iter().filter_map(TimelineEvent::event_id).collect()
    }

    #[test]
    fn pending_event_is_listed_after_the_cache_until_its_echo_arrives() {
        let now = Instant::now();
        let mut echoes = LocalEchoes::default();
        echoes.add("!r:hs", message("$mine"), now);

        let before = echoes.merge("!r:hs", vec![message("$old")], now);
        assert_eq!(ids(&before), ["$old", "$mine"]);

        let after = echoes.merge("!r:hs", vec![message("$old"), message("$mine"), message("$new")], now);
        assert_eq!(ids(&after), ["$old", "$mine", "$new"]);
        assert!(echoes.rooms.is_empty(), "an arrived echo is forgotten");
    }

    #[test]
    fn pending_events_stay_in_their_room() {
        let now = Instant::now();
        let mut echoes = LocalEchoes::default();
        echoes.add("!a:hs", message("$mine"), now);
        assert!(echoes.merge("!b:hs", Vec::new(), now).is_empty());
        assert_eq!(ids(&echoes.merge("!a:hs", Vec::new(), now)), ["$mine"]);
    }

    #[test]
    fn an_echo_that_never_comes_is_dropped_after_a_while() {
        let now = Instant::now();
        let mut echoes = LocalEchoes::default();
        echoes.add("!r:hs", message("$lost"), now);
        assert!(echoes.merge("!r:hs", Vec::new(), now + KEEP).is_empty());
        assert!(echoes.rooms.is_empty());
    }
}
