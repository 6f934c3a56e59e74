//! The retention period (Löschfrist, ML-123597): messages older than it are deleted from the
//! client. Its range, and what a purge as of a given time removes.
//!
//! Range: 1 to 3650 days, initially 1 day, the shortest (ML-123597: "auf den minimal
//! einstellbaren Wert initialisiert"). A day is the shortest period a user can be expected to
//! live with ("zumutbar"): a conversation of the same working day stays readable. It also keeps
//! everything gematik's scenarios read back within their run, which reads messages seconds to
//! minutes after sending them. Ten years is the longest medical record keeping period
//! (§ 630f BGB); a messenger has no reason to keep conversations longer than that.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::core::{CoreError, CoreResult};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// How long messages stay on this device. Always within [`RetentionPeriod::MIN_DAYS`] and
/// [`RetentionPeriod::MAX_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct RetentionPeriod {
    days: u32,
}

impl RetentionPeriod {
    pub const MIN_DAYS: u32 = 1;
    pub const MAX_DAYS: u32 = 3650;

    pub fn days(days: u32) -> CoreResult<Self> {
        if (Self::MIN_DAYS..=Self::MAX_DAYS).contains(&days) {
            Ok(Self { days })
        } else {
            Err(CoreError::InvalidInput(format!(
                "a retention period of {days} days is outside {}..={} days",
                Self::MIN_DAYS,
                Self::MAX_DAYS
            )))
        }
    }

    pub fn in_days(self) -> u32 {
        self.days
    }

    pub fn as_duration(self) -> Duration {
        DAY * self.days
    }

    /// The `m.room.retention` content that asks the homeserver to keep a room's events no
    /// longer than this period (`max_lifetime` in milliseconds).
    pub fn room_retention_content(self) -> serde_json::Value {
        serde_json::json!({ "max_lifetime": self.as_duration().as_millis() as u64 })
    }

    /// Events sent before this instant (milliseconds since the epoch) are past the period as
    /// of `as_of`.
    pub fn cutoff_ms(self, as_of: SystemTime) -> u64 {
        let as_of = as_of.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64;
        as_of.saturating_sub(self.as_duration().as_millis() as u64)
    }
}

/// The initial value: the shortest period the product allows.
impl Default for RetentionPeriod {
    fn default() -> Self {
        Self { days: Self::MIN_DAYS }
    }
}

impl TryFrom<u32> for RetentionPeriod {
    type Error = CoreError;
    fn try_from(days: u32) -> CoreResult<Self> {
        Self::days(days)
    }
}

impl From<RetentionPeriod> for u32 {
    fn from(p: RetentionPeriod) -> u32 {
        p.days
    }
}

/// Whether an event sent at `ts` (ms since the epoch) is past a purge's cutoff. An event
/// without a timestamp (0) counts as old: nothing unknown outlives the period.
pub fn expired(ts: u64, cutoff_ms: u64) -> bool {
    ts < cutoff_ms
}

/// What one purge removed from this device.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Events dropped from the event cache.
    pub events: usize,
    /// Cached files (attachments of those events) dropped from the media store.
    pub files: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initial_period_is_the_shortest_allowed() {
        assert_eq!(RetentionPeriod::default().in_days(), RetentionPeriod::MIN_DAYS);
        assert!(RetentionPeriod::days(RetentionPeriod::MIN_DAYS - 1).is_err());
        assert!(RetentionPeriod::days(RetentionPeriod::MAX_DAYS + 1).is_err());
        assert_eq!(RetentionPeriod::days(30).unwrap().as_duration(), DAY * 30);
    }

    #[test]
    fn the_cutoff_is_the_period_before_the_purge() {
        let period = RetentionPeriod::days(2).unwrap();
        let as_of = UNIX_EPOCH + DAY * 10;
        let cutoff = period.cutoff_ms(as_of);
        assert_eq!(cutoff, (DAY * 8).as_millis() as u64);
        assert!(expired(cutoff - 1, cutoff));
        assert!(!expired(cutoff, cutoff));
        assert!(expired(0, cutoff), "no timestamp counts as old");
        assert_eq!(period.cutoff_ms(UNIX_EPOCH), 0, "never before the epoch");
    }

    #[test]
    fn a_stored_period_outside_the_range_does_not_load() {
        assert_eq!(serde_json::to_string(&RetentionPeriod::days(7).unwrap()).unwrap(), "7");
        assert_eq!(serde_json::from_str::<RetentionPeriod>("7").unwrap().in_days(), 7);
        assert!(serde_json::from_str::<RetentionPeriod>("0").is_err());
    }

    #[test]
    fn the_room_policy_names_the_period_in_milliseconds() {
        let content = RetentionPeriod::days(1).unwrap().room_retention_content();
        assert_eq!(content["max_lifetime"], 86_400_000u64);
    }
}
