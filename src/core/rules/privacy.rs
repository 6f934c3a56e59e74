//! What the user tells others (4.2): read receipts and typing notices, off by default
//! (privacy by default). Receiving and showing them works either way.

/// The user's switches; the default tells others nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrivacySettings {
    /// Others see which messages the user read (`m.read`); off: a private receipt
    /// (`m.read.private`) keeps the user's own devices in step and nobody else learns it.
    #[serde(default)]
    pub read_receipts: bool,
    /// Others see that the user is typing.
    #[serde(default)]
    pub typing_notices: bool,
}

/// Which read receipt marking a message read sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadReceipt {
    Public,
    Private,
}

impl PrivacySettings {
    pub fn read_receipt(self) -> ReadReceipt {
        if self.read_receipts {
            ReadReceipt::Public
        } else {
            ReadReceipt::Private
        }
    }
}

/// One member's read receipt, as a UI shows "read by".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBy {
    pub user_id: String,
    /// Milliseconds since the epoch, when the homeserver has it.
    pub ts: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_nothing_is_told_and_receipts_stay_private() {
        let settings = PrivacySettings::default();
        assert!(!settings.read_receipts && !settings.typing_notices);
        assert_eq!(settings.read_receipt(), ReadReceipt::Private);
        let open = PrivacySettings {
            read_receipts: true,
            ..settings
        };
        assert_eq!(open.read_receipt(), ReadReceipt::Public);
    }

    #[test]
    fn a_stored_setting_without_a_field_keeps_it_off() {
        let loaded: PrivacySettings = serde_json::from_str(r#"{"typing_notices": true}"#).unwrap();
        assert!(loaded.typing_notices && !loaded.read_receipts);
    }
}
