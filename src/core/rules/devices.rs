//! Devices and who gets room keys (spec 5.2 "Geräteverwaltung", ML-123629; key sharing
//! "nur mit verifizierten Geräten", ML-123586). Plain data and the choices, no I/O.

use crate::core::{CoreError, CoreResult};

/// How far this device trusts another device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceTrust {
    /// Verified interactively (or signed by an owner this device verified), or this device.
    Verified,
    /// Signed by its owner's cross-signing key, but that owner is not verified here.
    CrossSigned,
    /// Neither: anyone holding the account's password could have added it.
    Unverified,
}

impl DeviceTrust {
    pub fn of(verified: bool, cross_signed_by_owner: bool) -> DeviceTrust {
        match (verified, cross_signed_by_owner) {
            (true, _) => DeviceTrust::Verified,
            (false, true) => DeviceTrust::CrossSigned,
            (false, false) => DeviceTrust::Unverified,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            DeviceTrust::Verified => "verified",
            DeviceTrust::CrossSigned => "cross-signed",
            DeviceTrust::Unverified => "unverified",
        }
    }
}

/// A device as the product lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    pub user_id: String,
    pub device_id: String,
    pub display_name: Option<String>,
    /// When the homeserver last saw it (own devices only; the homeserver tells no one else).
    pub last_seen_ms: Option<u64>,
    pub trust: DeviceTrust,
    /// The device's Ed25519 key (base64), what other clients show as its fingerprint: compared
    /// out of band before trusting a device by hand.
    pub fingerprint: Option<String>,
    /// The device this session runs on.
    pub this_device: bool,
}

/// Which devices receive the keys of the room messages this client sends.
///
/// The default is [`KeySharing::AllDevices`]: gematik's V3 suite never verifies devices, and
/// other vendors' clients may not cross-sign; a stricter default would leave their users
/// unable to read what this client sends. [`KeySharing::CrossSignedOnly`] follows MSC4153
/// (devices their owner signed); [`KeySharing::VerifiedOnly`] is the chapter-2 reading of
/// "only with verified devices": devices this device verified, or signed by an owner it
/// verified.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeySharing {
    #[default]
    AllDevices,
    CrossSignedOnly,
    VerifiedOnly,
}

impl KeySharing {
    pub fn parse(name: &str) -> CoreResult<KeySharing> {
        match name {
            "all" => Ok(KeySharing::AllDevices),
            "cross-signed" => Ok(KeySharing::CrossSignedOnly),
            "verified" => Ok(KeySharing::VerifiedOnly),
            other => Err(CoreError::InvalidInput(format!(
                "key sharing '{other}': expected all, cross-signed or verified"
            ))),
        }
    }
}

/// Longest device name the product accepts (Synapse stores up to 100 characters).
pub const MAX_DEVICE_NAME: usize = 100;

/// A new name for a device: not blank, at most [`MAX_DEVICE_NAME`] characters, trimmed.
pub fn device_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CoreError::InvalidInput("a device name must not be blank".into()));
    }
    if name.chars().count() > MAX_DEVICE_NAME {
        return Err(CoreError::InvalidInput(format!(
            "a device name has at most {MAX_DEVICE_NAME} characters"
        )));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_outranks_a_signature() {
        assert_eq!(DeviceTrust::of(true, false), DeviceTrust::Verified);
        assert_eq!(DeviceTrust::of(true, true), DeviceTrust::Verified);
        assert_eq!(DeviceTrust::of(false, true), DeviceTrust::CrossSigned);
        assert_eq!(DeviceTrust::of(false, false), DeviceTrust::Unverified);
    }

    #[test]
    fn every_device_gets_keys_unless_the_user_chooses_otherwise() {
        assert_eq!(KeySharing::default(), KeySharing::AllDevices);
        assert_eq!(KeySharing::parse("verified").unwrap(), KeySharing::VerifiedOnly);
        assert_eq!(KeySharing::parse("cross-signed").unwrap(), KeySharing::CrossSignedOnly);
        assert!(matches!(KeySharing::parse("some"), Err(CoreError::InvalidInput(_))));
    }

    #[test]
    fn a_device_name_is_trimmed_and_bounded() {
        assert_eq!(device_name("  Praxis-PC ").unwrap(), "Praxis-PC");
        assert!(device_name("   ").is_err());
        assert!(device_name(&"ä".repeat(MAX_DEVICE_NAME)).is_ok());
        assert!(device_name(&"ä".repeat(MAX_DEVICE_NAME + 1)).is_err());
    }
}
