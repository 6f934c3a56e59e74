//! Contact by QR code (5.4, "Userstory mittels QR-Scan"): one side shows a code with its MXID
//! and a token valid for 10 minutes; the other side scans it and starts the direct chat,
//! handing the token back with its invite. The token is signed (HMAC-SHA-256) with a secret
//! only the showing device holds, so that device can tell an invite that followed a scan of
//! its own code (within the 10 minutes) from any other invite.
//!
//! Text form: `tim-contact:1:<mxid>:<expires, unix seconds>:<nonce>:<signature>`, the nonce
//! and the signature in lower-case hex.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::core::{CoreError, CoreResult, Mxid};

const PREFIX: &str = "tim-contact:1:";
/// How long a shown code is valid (spec 5.4: "eine Gültigkeit von 10 Minuten").
pub const VALIDITY_SECS: u64 = 10 * 60;

/// A contact code as shown and as scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactCode {
    pub mxid: Mxid,
    /// Unix seconds after which the code is void.
    pub expires: u64,
    nonce: String,
    signature: String,
}

impl ContactCode {
    /// A new code for `mxid`, valid from `now` (unix seconds) for [`VALIDITY_SECS`].
    pub fn issue(mxid: &Mxid, now: u64, secret: &[u8; 32]) -> ContactCode {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let expires = now + VALIDITY_SECS;
        let signature = sign(secret, mxid.as_str(), expires, &nonce);
        ContactCode {
            mxid: mxid.clone(),
            expires,
            nonce,
            signature,
        }
    }

    /// What the QR code encodes.
    pub fn to_text(&self) -> String {
        format!(
            "{PREFIX}{}:{}:{}:{}",
            self.mxid.as_str(),
            self.expires,
            self.nonce,
            self.signature
        )
    }

    /// Reads a scanned code; a code past its validity at `now` is refused here already.
    pub fn parse(text: &str, now: u64) -> CoreResult<ContactCode> {
        let bad = |why: &str| CoreError::InvalidInput(format!("not a TI-M contact code: {why}"));
        let rest = text.trim().strip_prefix(PREFIX).ok_or_else(|| bad("unknown prefix"))?;
        // The MXID holds colons itself; the three fields after it do not.
        let mut tail = rest.rsplitn(4, ':');
        let signature = tail.next().ok_or_else(|| bad("no signature"))?;
        let nonce = tail.next().ok_or_else(|| bad("no nonce"))?;
        let expires = tail.next().ok_or_else(|| bad("no expiry"))?;
        let mxid = tail.next().ok_or_else(|| bad("no MXID"))?;
        let is_hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_hex(nonce, 32) || !is_hex(signature, 64) {
            return Err(bad("malformed token"));
        }
        let expires: u64 = expires.parse().map_err(|_| bad("malformed expiry"))?;
        if expires <= now {
            return Err(CoreError::InvalidInput("the contact code has expired".into()));
        }
        Ok(ContactCode {
            mxid: Mxid::parse(mxid)?,
            expires,
            nonce: nonce.to_string(),
            signature: signature.to_ascii_lowercase(),
        })
    }

    /// Whether this code is one the holder of `secret` issued, and still valid at `now`.
    pub fn is_valid_for(&self, secret: &[u8; 32], now: u64) -> bool {
        if self.expires <= now {
            return false;
        }
        let Ok(expected) = hex::decode(&self.signature) else {
            return false;
        };
        mac(secret, self.mxid.as_str(), self.expires, &self.nonce)
            .verify_slice(&expected)
            .is_ok()
    }
}

fn mac(secret: &[u8; 32], mxid: &str, expires: u64, nonce: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(format!("{mxid}\n{expires}\n{nonce}").as_bytes());
    mac
}

fn sign(secret: &[u8; 32], mxid: &str, expires: u64, nonce: &str) -> String {
    hex::encode(mac(secret, mxid, expires, nonce).finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn alice() -> Mxid {
        Mxid::parse("@alice:127.0.0.11").unwrap()
    }

    #[test]
    fn a_shown_code_scans_back_to_the_same_mxid_and_verifies_for_its_issuer() {
        let secret = [7u8; 32];
        let code = ContactCode::issue(&alice(), NOW, &secret);
        let scanned = ContactCode::parse(&code.to_text(), NOW + 60).expect("parses");
        assert_eq!(scanned, code);
        assert_eq!(scanned.mxid, alice());
        assert!(scanned.is_valid_for(&secret, NOW + 60));
        assert!(!scanned.is_valid_for(&[8u8; 32], NOW + 60), "another device's secret");
    }

    #[test]
    fn a_code_is_void_after_ten_minutes() {
        let secret = [7u8; 32];
        let code = ContactCode::issue(&alice(), NOW, &secret);
        assert!(code.is_valid_for(&secret, NOW + VALIDITY_SECS - 1));
        assert!(!code.is_valid_for(&secret, NOW + VALIDITY_SECS));
        let err = ContactCode::parse(&code.to_text(), NOW + VALIDITY_SECS).unwrap_err();
        assert!(err.to_string().contains("expired"));
    }

    #[test]
    fn a_changed_mxid_or_expiry_breaks_the_signature() {
        let secret = [7u8; 32];
        let text = ContactCode::issue(&alice(), NOW, &secret).to_text();
        let other = text.replace("@alice:", "@mallory:");
        assert!(!ContactCode::parse(&other, NOW).unwrap().is_valid_for(&secret, NOW));
        let later = text.replace(&format!(":{}:", NOW + VALIDITY_SECS), &format!(":{}:", NOW + 9999));
        assert!(!ContactCode::parse(&later, NOW).unwrap().is_valid_for(&secret, NOW));
    }

    #[test]
    fn anything_else_is_bad_input() {
        for text in [
            "",
            "https://example.org",
            "tim-contact:1:@alice:127.0.0.11",
            "tim-contact:1:@alice:127.0.0.11:1900000000:zz:00",
            "tim-contact:1:not-an-mxid:1900000000:00000000000000000000000000000000:0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            assert!(
                matches!(ContactCode::parse(text, NOW), Err(CoreError::InvalidInput(_))),
                "{text}"
            );
        }
    }
}
