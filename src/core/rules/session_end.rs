//! When a session is over (ML-124880): the homeserver no longer accepts the device's access
//! token, because an org admin logged the device out or locked or deactivated the account, or
//! another device of the user deleted this one. Retrying then only hammers the homeserver;
//! the session stops and tells its user why.

/// Why the homeserver ended a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The token is gone (`M_UNKNOWN_TOKEN`): logged out by an admin, the device deleted, the
    /// token revoked. The device may be gone with it.
    TokenRevoked,
    /// The homeserver asks for a new login into the same device (`soft_logout: true`): keys,
    /// store and device stay; [`crate::core::Session::login`] with the same store resumes it.
    SoftLogout,
    /// An admin locked the account (`M_USER_LOCKED`, MSC3939). The device stays; a login works
    /// again once the account is unlocked.
    AccountLocked,
    /// The account was deactivated (`M_USER_DEACTIVATED`).
    AccountDeactivated,
}

impl EndReason {
    /// A stable name for callers that report the outcome.
    pub fn code(self) -> &'static str {
        match self {
            EndReason::TokenRevoked => "TOKEN_REVOKED",
            EndReason::SoftLogout => "SOFT_LOGOUT",
            EndReason::AccountLocked => "ACCOUNT_LOCKED",
            EndReason::AccountDeactivated => "ACCOUNT_DEACTIVATED",
        }
    }

    /// Whether a password login into the same device and store can continue the session.
    pub fn resumable(self) -> bool {
        matches!(self, EndReason::SoftLogout | EndReason::AccountLocked)
    }

    /// Whether the account itself (not only this device) is barred.
    pub fn account_barred(self) -> bool {
        matches!(self, EndReason::AccountLocked | EndReason::AccountDeactivated)
    }
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EndReason::TokenRevoked => "the homeserver revoked this device's access (logged out or device deleted)",
            EndReason::SoftLogout => "the homeserver asks to log in again (soft logout)",
            EndReason::AccountLocked => "the account is locked",
            EndReason::AccountDeactivated => "the account is deactivated",
        })
    }
}

/// The outcome of a homeserver error answer for the session: `Some` when it ends the session.
/// `soft_logout` is the flag of an `M_UNKNOWN_TOKEN` body. Other errors (a wrong password at
/// login is 403 `M_FORBIDDEN`) leave the session as it is.
pub fn ending(status: u16, errcode: &str, soft_logout: bool) -> Option<EndReason> {
    match (status, errcode) {
        (401, "M_UNKNOWN_TOKEN") if soft_logout => Some(EndReason::SoftLogout),
        (401, "M_UNKNOWN_TOKEN") => Some(EndReason::TokenRevoked),
        (401, "M_USER_LOCKED") => Some(EndReason::AccountLocked),
        (401 | 403, "M_USER_DEACTIVATED") => Some(EndReason::AccountDeactivated),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_token_ends_the_session_hard_or_soft() {
        assert_eq!(ending(401, "M_UNKNOWN_TOKEN", false), Some(EndReason::TokenRevoked));
        assert_eq!(ending(401, "M_UNKNOWN_TOKEN", true), Some(EndReason::SoftLogout));
        assert!(EndReason::SoftLogout.resumable());
        assert!(!EndReason::TokenRevoked.resumable());
    }

    #[test]
    fn locked_and_deactivated_accounts_end_it_and_bar_the_account() {
        assert_eq!(ending(401, "M_USER_LOCKED", true), Some(EndReason::AccountLocked));
        assert_eq!(
            ending(403, "M_USER_DEACTIVATED", false),
            Some(EndReason::AccountDeactivated)
        );
        assert!(EndReason::AccountLocked.account_barred());
        assert!(!EndReason::TokenRevoked.account_barred());
    }

    #[test]
    fn refusals_and_outages_keep_the_session() {
        assert_eq!(ending(403, "M_FORBIDDEN", false), None, "a refused action or password");
        assert_eq!(
            ending(401, "M_MISSING_TOKEN", false),
            None,
            "a request sent without token"
        );
        assert_eq!(ending(502, "M_UNKNOWN", false), None);
        assert_eq!(ending(429, "M_LIMIT_EXCEEDED", false), None);
    }
}
