//! Room upgrades, followed transparently: a tombstoned room is replaced by its successor.
//! Callers keep using the room ID they know; the core works in the newest room of the chain
//! the account is in, and lists only that one.

use std::collections::{HashMap, HashSet};

/// What the account knows about its rooms: tombstone successors and where it is a member.
#[derive(Debug, Default)]
pub struct RoomChain {
    /// Tombstoned room → its replacement.
    pub successors: HashMap<String, String>,
    /// Rooms the account has joined.
    pub joined: HashSet<String>,
}

impl RoomChain {
    /// The newest joined room reachable from `room` through successors (`room` itself if none).
    /// A cycle (only possible with forged tombstones) stops the walk.
    pub fn current<'a>(&'a self, room: &'a str) -> &'a str {
        let mut seen = HashSet::from([room]);
        let mut at = room;
        let mut newest_joined = room;
        while let Some(next) = self.successors.get(at) {
            if !seen.insert(next.as_str()) {
                break;
            }
            at = next;
            if self.joined.contains(at) {
                newest_joined = at;
            }
        }
        newest_joined
    }

    /// Joined rooms whose successor the account has not joined yet: those to follow.
    pub fn to_follow(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<_> = self
            .successors
            .iter()
            .filter(|(old, new)| self.joined.contains(old.as_str()) && !self.joined.contains(new.as_str()))
            .map(|(old, new)| (old.as_str(), new.as_str()))
            .collect();
        out.sort();
        out
    }

    /// Whether `room` is replaced by a room the account is in, so lists leave it out.
    pub fn is_superseded(&self, room: &str) -> bool {
        self.current(room) != room
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(successors: &[(&str, &str)], joined: &[&str]) -> RoomChain {
        RoomChain {
            successors: successors.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            joined: joined.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn a_room_without_tombstone_is_its_own_current_room() {
        let c = chain(&[], &["!a"]);
        assert_eq!(c.current("!a"), "!a");
        assert!(!c.is_superseded("!a"));
    }

    #[test]
    fn the_newest_joined_room_of_the_chain_is_current() {
        let c = chain(&[("!a", "!b"), ("!b", "!c")], &["!a", "!b", "!c"]);
        assert_eq!(c.current("!a"), "!c");
        assert!(c.is_superseded("!a") && c.is_superseded("!b") && !c.is_superseded("!c"));
    }

    #[test]
    fn a_successor_not_yet_joined_is_to_follow_and_does_not_replace_the_old_room() {
        let c = chain(&[("!a", "!b")], &["!a"]);
        assert_eq!(c.current("!a"), "!a");
        assert_eq!(c.to_follow(), [("!a", "!b")]);
    }

    #[test]
    fn a_forged_cycle_ends_the_walk() {
        let c = chain(&[("!a", "!b"), ("!b", "!a")], &["!a", "!b"]);
        assert_eq!(c.current("!a"), "!b");
        assert!(c.to_follow().is_empty());
    }
}
