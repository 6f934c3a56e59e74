//! Errors of the client core, named after what went wrong rather than how it travelled.

/// Result of a core operation.
pub type CoreResult<T> = Result<T, CoreError>;

/// What a core operation can fail with. Callers map variants, never messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// The caller's input is malformed (an MXID without server name, an empty body, ...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A rule the product enforces itself forbids the action, before anything is sent.
    #[error("{}: {message}", rule.describe())]
    RuleViolated { rule: Rule, message: String },
    /// The homeserver refused the action (403): its permission checks (the invite checker's
    /// permission configs, power levels, membership) rather than the product's.
    #[error("refused by the homeserver: {0}")]
    HomeserverForbidden(String),
    /// The VZD-FHIR-Directory refused the action (403), e.g. a resource of another owner.
    #[error("refused by the directory: {0}")]
    DirectoryForbidden(String),
    /// The room, message or account does not exist for this session.
    #[error("not found: {0}")]
    NotFound(String),
    /// The homeserver refused the credentials.
    #[error("authentication failed: {0}")]
    Unauthorized(String),
    /// The session is over: the homeserver no longer accepts its access token (ML-124880).
    /// It stopped syncing; log in again (a soft logout resumes the same device and store).
    #[error("session ended: {0}")]
    SessionEnded(crate::core::rules::session_end::EndReason),
    /// The homeserver answered with an error the core does not map to a rule outcome.
    #[error("homeserver error {status}: {errcode}: {message}")]
    Homeserver {
        status: u16,
        errcode: String,
        message: String,
    },
    /// A send is in the outbox but the homeserver has not confirmed it yet (unreachable,
    /// failing). It goes out, in order, once the homeserver answers again; see
    /// [`crate::core::Session::outbox`].
    #[error("not confirmed yet, kept in the outbox as {entry_id}: {reason}")]
    Unconfirmed { entry_id: String, reason: String },
    /// The VZD-FHIR-Directory failed: unreachable (`status` none) or a server error.
    #[error("directory error{}: {message}", status.map(|s| format!(" {s}")).unwrap_or_default())]
    Directory { status: Option<u16>, message: String },
    /// Anything else: network, store, crypto.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub(crate) fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

/// The rules the product itself enforces, each with the requirement it implements where
/// gematik's specification names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// ePA clients create no public rooms and make no room public or knockable (A_26015-02).
    EpaPublicRoom,
    /// ePA clients use no knock or restricted join rules (A_26015-02).
    EpaJoinRule,
    /// Private (non-public) rooms are end-to-end encrypted (A_25324-01).
    PrivateRoomUnencrypted,
    /// Room encryption, once on, stays on (Matrix offers no way back).
    EncryptionSwitchedOff,
    /// `world_readable` history is for Pro public rooms only (they alone do not federate).
    WorldReadableHistory,
    /// Only a message's author edits or deletes it.
    NotTheAuthor,
    /// Only a joined member reads or writes a room's messages.
    NotAMember,
    /// Of the permission config's two lists only the one of the current mode can be changed.
    PermissionListOfOtherMode,
    /// No message or file goes out without E2EE (gemSpec_TI-Messenger-Client 5.7, "MUSS
    /// technisch unterbunden werden"), except into Pro public rooms (A_25325-01).
    UnencryptedSend,
    /// Only homeservers of the TI-M federation (gemSpec_TI-Messenger-Client 5.7, chapter 2).
    NotInFederation,
    /// The homeserver's own push rules can be disabled, never removed (Matrix push rules).
    ServerDefaultPushRule,
    /// "Mentions and keywords" needs a homeserver that pushes encrypted events to the device:
    /// it cannot read a mention inside an encrypted message (5.6.4).
    MentionsNeedEncryptedPush,
    /// Administering the messenger service is for its org admins (5.7).
    NotOrgAdmin,
    /// A report's sender on another homeserver is that homeserver's admins' to act on.
    RemoteSender,
    /// SSO login needs a homeserver that offers it (5.1), with `m.login.token` to complete it.
    SsoNotOffered,
    /// A file larger than the limit for sent files is not uploaded (ML-123587).
    FileTooLarge,
    /// The file check (a malware scanner) refused a received file (ML-123587).
    FileRefused,
}

impl Rule {
    /// gematik's requirement id, where there is one.
    pub fn requirement(self) -> Option<&'static str> {
        match self {
            Rule::EpaPublicRoom | Rule::EpaJoinRule => Some("A_26015-02"),
            Rule::PrivateRoomUnencrypted => Some("A_25324-01"),
            Rule::EncryptionSwitchedOff
            | Rule::WorldReadableHistory
            | Rule::NotTheAuthor
            | Rule::NotAMember
            | Rule::PermissionListOfOtherMode
            | Rule::UnencryptedSend
            | Rule::NotInFederation
            | Rule::ServerDefaultPushRule
            | Rule::MentionsNeedEncryptedPush
            | Rule::NotOrgAdmin
            | Rule::RemoteSender
            | Rule::SsoNotOffered => None,
            Rule::FileTooLarge | Rule::FileRefused => Some("ML-123587"),
        }
    }

    /// A stable name for callers that report the outcome (e.g. an API error code).
    pub fn code(self) -> &'static str {
        match self {
            Rule::EpaPublicRoom => "EPA_PUBLIC_ROOM",
            Rule::EpaJoinRule => "EPA_JOIN_RULE",
            Rule::PrivateRoomUnencrypted => "PRIVATE_ROOM_UNENCRYPTED",
            Rule::EncryptionSwitchedOff => "ENCRYPTION_SWITCHED_OFF",
            Rule::WorldReadableHistory => "WORLD_READABLE_HISTORY",
            Rule::NotTheAuthor => "NOT_THE_AUTHOR",
            Rule::NotAMember => "NOT_A_MEMBER",
            Rule::PermissionListOfOtherMode => "PERMISSION_LIST_OF_OTHER_MODE",
            Rule::UnencryptedSend => "UNENCRYPTED_SEND",
            Rule::NotInFederation => "NOT_IN_FEDERATION",
            Rule::ServerDefaultPushRule => "SERVER_DEFAULT_PUSH_RULE",
            Rule::MentionsNeedEncryptedPush => "MENTIONS_NEED_ENCRYPTED_PUSH",
            Rule::NotOrgAdmin => "NOT_ORG_ADMIN",
            Rule::RemoteSender => "REMOTE_SENDER",
            Rule::SsoNotOffered => "SSO_NOT_OFFERED",
            Rule::FileTooLarge => "FILE_TOO_LARGE",
            Rule::FileRefused => "FILE_REFUSED",
        }
    }

    fn describe(self) -> String {
        match self.requirement() {
            Some(id) => format!("forbidden by {id}"),
            None => "forbidden".to_string(),
        }
    }

    /// The error for a violation of this rule.
    pub(crate) fn violated(self, message: impl Into<String>) -> CoreError {
        CoreError::RuleViolated {
            rule: self,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_violation_names_its_requirement() {
        let e = Rule::EpaPublicRoom.violated("ePA clients must not create public rooms");
        assert_eq!(
            e.to_string(),
            "forbidden by A_26015-02: ePA clients must not create public rooms"
        );
        assert_eq!(
            Rule::NotAMember.violated("x").to_string(),
            "forbidden: x",
            "no requirement id where gematik names none"
        );
    }
}
