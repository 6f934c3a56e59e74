//! Interactive verification as a UI drives it (ML-123629, Matrix "Device verification"): a
//! request, both sides ready, a short authentication string both users compare, then done or
//! cancelled with the Matrix cancel code. Plain data, no I/O.

/// Where a verification stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerificationState {
    /// Sent (or received); the other side has not answered yet.
    Requested,
    /// Both sides agreed; the short authentication string is being set up.
    Ready,
    /// Compare these with what the other device shows, then confirm or report a mismatch.
    Compare {
        emoji: Vec<SasEmoji>,
        decimals: (u16, u16, u16),
    },
    /// Confirmed here; the other side has not yet.
    Confirmed,
    /// Both confirmed: each device now trusts the other, also after a restart.
    Done,
    /// Ended without trust, e.g. `m.mismatched_sas`, `m.user`, `m.timeout`.
    Cancelled { code: String, reason: String, by_us: bool },
}

impl VerificationState {
    pub fn is_final(&self) -> bool {
        matches!(self, VerificationState::Done | VerificationState::Cancelled { .. })
    }
}

/// One of the seven emoji of an emoji SAS, with its English name (the spec's table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SasEmoji {
    pub symbol: String,
    pub description: String,
}

/// The Matrix cancel code a verification gets when the user waited too long.
pub const TIMEOUT_CODE: &str = "m.timeout";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_done_and_cancelled_end_a_verification() {
        assert!(VerificationState::Done.is_final());
        assert!(
            VerificationState::Cancelled {
                code: TIMEOUT_CODE.into(),
                reason: String::new(),
                by_us: true
            }
            .is_final()
        );
        for open in [
            VerificationState::Requested,
            VerificationState::Ready,
            VerificationState::Confirmed,
            VerificationState::Compare {
                emoji: vec![],
                decimals: (1, 2, 3),
            },
        ] {
            assert!(!open.is_final(), "{open:?}");
        }
    }
}
