//! TI-M 1.1 contact settings ("Freigabeliste"): a contact may invite the owner between
//! `start` and `end` (epoch seconds, open end if absent). The 1.1 Fachdienst enforces the
//! window; the client validates what it stores.

use crate::core::{CoreError, Mxid};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactSetting {
    pub mxid: String,
    /// Stored with the setting (the contact API requires it); the owner's view of the contact.
    pub display_name: String,
    pub start: u64,
    pub end: Option<u64>,
}

impl ContactSetting {
    /// A setting to store: a valid MXID and a window that does not end before it starts.
    pub fn new(mxid: &str, display_name: String, start: u64, end: Option<u64>) -> Result<Self, CoreError> {
        let mxid = Mxid::parse(mxid)?;
        if end.is_some_and(|end| end < start) {
            return Err(CoreError::InvalidInput(format!(
                "the invite window of {mxid} ends before it starts"
            )));
        }
        Ok(ContactSetting {
            mxid: mxid.to_string(),
            display_name,
            start,
            end,
        })
    }

    /// Whether the contact may invite at `now` (epoch seconds), as the Fachdienst decides it.
    pub fn window_open(&self, now: u64) -> bool {
        self.start <= now && self.end.is_none_or(|end| now <= end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_includes_both_ends_and_may_stay_open() {
        let c = ContactSetting::new("@a:hs", "A".into(), 100, Some(200)).unwrap();
        assert!(!c.window_open(99) && c.window_open(100) && c.window_open(200) && !c.window_open(201));
        let open = ContactSetting::new("@a:hs", "A".into(), 100, None).unwrap();
        assert!(open.window_open(u64::MAX));
    }

    #[test]
    fn a_window_ending_before_it_starts_or_a_bad_mxid_is_refused() {
        assert!(matches!(
            ContactSetting::new("@a:hs", "A".into(), 200, Some(100)),
            Err(CoreError::InvalidInput(_))
        ));
        assert!(ContactSetting::new("a:hs", "A".into(), 1, None).is_err());
    }
}
