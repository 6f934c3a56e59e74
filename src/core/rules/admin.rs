//! The org admin's functions (gemSpec_TI-Messenger-Client 5.7 "Server Administration") as
//! plain data and pure rules: who may use them, how a new user's MXID is made (ML-123610,
//! ML-124045), and which input is well formed.

use sha2::{Digest, Sha256};

use crate::core::{CoreError, CoreResult, Rule};

/// What a session may administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    /// Administers the messenger service of the homeserver (its users, devices, notices and
    /// reports).
    OrgAdmin,
}

/// Every admin function asks this first: a plain user's session is refused before anything
/// is sent.
pub fn require_org_admin(role: Role) -> CoreResult<()> {
    match role {
        Role::OrgAdmin => Ok(()),
        Role::User => {
            Err(Rule::NotOrgAdmin.violated("only an org admin of this homeserver administers its messenger service"))
        }
    }
}

/// The localpart of a new user's MXID (ML-124045): the SHA-256 hash of an identifier only the
/// organisation knows (its staff number, say; never the name), Base32-encoded (RFC 4648,
/// without padding), in lower case because Matrix localparts have no capitals: 52 characters.
/// The specification's text says Base32 while its example shows 64 hex digits; the text is
/// normative and the example is not, and Base32 is also the shorter MXID.
pub fn hashed_localpart(identifier: &str) -> CoreResult<String> {
    let identifier = identifier.trim();
    if identifier.is_empty() {
        return Err(CoreError::InvalidInput(
            "the new user's identifier is empty: the MXID is computed from it".into(),
        ));
    }
    let digest = Sha256::digest(identifier.as_bytes());
    Ok(data_encoding::BASE32_NOPAD.encode(&digest).to_ascii_lowercase())
}

/// Synapse stores display names of up to 256 characters; a TI-M name is a person's or an
/// organisation's name, far shorter.
pub const MAX_DISPLAY_NAME: usize = 256;

/// A display name as the org admin sets it: trimmed, not empty, not too long, no control
/// characters (they would break every list that shows it).
pub fn display_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CoreError::InvalidInput("the display name is empty".into()));
    }
    if name.chars().count() > MAX_DISPLAY_NAME {
        return Err(CoreError::InvalidInput(format!(
            "the display name is longer than {MAX_DISPLAY_NAME} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::InvalidInput(
            "the display name contains control characters".into(),
        ));
    }
    Ok(name.to_string())
}

/// A user of the homeserver as the org admin sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminUser {
    pub user_id: String,
    pub display_name: Option<String>,
    pub deactivated: bool,
    pub org_admin: bool,
    pub created_ms: Option<u64>,
}

/// One page of the user list; `next` continues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<AdminUser>,
    pub next: Option<String>,
    pub total: u64,
}

/// A user the org admin creates: the MXID is computed (the user has no say in it).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// What the localpart is hashed from (an internal staff number, say); never stored.
    pub identifier: String,
    pub display_name: String,
}

/// A created user with the initial password to hand over once; never logged, not kept.
#[derive(Clone)]
pub struct CreatedUser {
    pub user_id: String,
    pub initial_password: String,
}

impl std::fmt::Debug for CreatedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedUser")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// A device of any user of the homeserver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminDevice {
    pub device_id: String,
    pub display_name: Option<String>,
    pub last_seen_ms: Option<u64>,
}

/// A report of unwanted content (5.2), as the org admin lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentReport {
    pub id: String,
    pub room_id: String,
    pub event_id: String,
    pub reporter: String,
    /// Who sent the reported event.
    pub sender: Option<String>,
    pub reason: Option<String>,
    pub received_ms: u64,
}

/// What the org admin does about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    /// Redact the reported event (its content is removed everywhere).
    Redact,
    /// Take the reported event's sender out of the room.
    RemoveSender,
    /// Close the report without acting.
    Dismiss,
}

/// A report's reason: optional, but not a novel (Synapse keeps what it is given).
pub fn report_reason(reason: &str) -> CoreResult<Option<String>> {
    let reason = reason.trim();
    if reason.chars().count() > 1000 {
        return Err(CoreError::InvalidInput(
            "the reason is longer than 1000 characters".into(),
        ));
    }
    Ok((!reason.is_empty()).then(|| reason.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_org_admin_passes() {
        assert!(require_org_admin(Role::OrgAdmin).is_ok());
        assert!(matches!(
            require_org_admin(Role::User),
            Err(CoreError::RuleViolated {
                rule: Rule::NotOrgAdmin,
                ..
            })
        ));
    }

    #[test]
    fn the_localpart_is_the_lower_case_base32_sha256_of_the_identifier() {
        // SHA-256("abc") = ba7816bf…f20015ad (FIPS 180-2), in RFC 4648 Base32 without padding.
        assert_eq!(
            hashed_localpart("abc").unwrap(),
            "xj4bnp4pahh6uqkbidpf3lrceoyagyndsylxvhfucd7wd4qacwwq"
        );
        let local = hashed_localpart("  Personalnummer 4711 ").unwrap();
        assert_eq!(local, hashed_localpart("Personalnummer 4711").unwrap(), "trimmed");
        assert_eq!(local.len(), 52);
        assert!(
            local
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        );
        assert!(!local.contains("4711"), "nothing of the identifier in clear");
        assert_ne!(local, hashed_localpart("Personalnummer 4712").unwrap());
        assert!(hashed_localpart(" ").is_err());
        assert!(crate::core::Mxid::parse(&format!("@{local}:hs.example")).is_ok());
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(display_name("  Dr. Anna Muster ").unwrap(), "Dr. Anna Muster");
        assert!(display_name("").is_err());
        assert!(display_name("a\u{7}b").is_err());
        assert!(display_name(&"ä".repeat(MAX_DISPLAY_NAME)).is_ok());
        assert!(display_name(&"ä".repeat(MAX_DISPLAY_NAME + 1)).is_err());
    }

    #[test]
    fn a_reason_is_optional_but_bounded() {
        assert_eq!(report_reason("  spam ").unwrap().as_deref(), Some("spam"));
        assert_eq!(report_reason("").unwrap(), None);
        assert!(report_reason(&"x".repeat(1001)).is_err());
    }

    #[test]
    fn the_initial_password_stays_out_of_debug_output() {
        let created = CreatedUser {
            user_id: "@x:hs".into(),
            initial_password: "initial-secret".into(),
        };
        assert!(!format!("{created:?}").contains("initial-secret"));
    }
}
