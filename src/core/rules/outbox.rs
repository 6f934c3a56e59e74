//! The outbox: what the user sent that the homeserver has not confirmed yet (5.3, ML-124880).
//!
//! Entries live in the encrypted state store from the moment a send is accepted, so a crash
//! or restart sends them afterwards, oldest first. A transient failure (network, 5xx, 429) is
//! retried on a growing delay while the sender waits and again whenever the user sends or
//! retries; a refusal stays in the outbox as failed until the user retries or discards it.

use std::time::Duration;

/// One unconfirmed send as the product lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    pub room_id: String,
    /// Stable for the entry's life: the Matrix transaction id of every attempt, so the
    /// homeserver never stores it twice.
    pub entry_id: String,
    pub kind: OutboxKind,
    /// Why the last attempt failed for good; `None` while it is waiting to be sent.
    pub failure: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxKind {
    /// A message or an edit, with its text.
    Message { body: String },
    /// The deletion of the message with this event id.
    Redaction { of: String },
}

/// How long to wait before attempt `attempt` (2, 3, ...) after a transient failure, or `None`
/// once the sender has waited long enough: the entry stays queued and is tried again later.
pub fn retry_delay(attempt: u32) -> Option<Duration> {
    const DELAYS_MS: [u64; 4] = [500, 1_000, 2_000, 4_000];
    let index = usize::try_from(attempt.checked_sub(2)?).ok()?;
    DELAYS_MS.get(index).map(|ms| Duration::from_millis(*ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_grow_and_stop() {
        assert_eq!(retry_delay(1), None, "the first attempt is not a retry");
        assert_eq!(retry_delay(2), Some(Duration::from_millis(500)));
        assert!(retry_delay(3) > retry_delay(2));
        let waited: Duration = (2..10).filter_map(retry_delay).sum();
        assert!(
            waited < Duration::from_secs(10),
            "a sender hears back within seconds: {waited:?}"
        );
        assert_eq!(retry_delay(6), None);
    }
}
