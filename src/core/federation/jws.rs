//! gematik's signed federation list is a compact JWS: `alg` BP256R1, the signer certificate in
//! `x5c`, the signature r‖s over `header.payload`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;

use super::pki::untrusted;
use crate::core::CoreResult;

/// A parsed, not yet verified, compact JWS.
pub(crate) struct Jws {
    /// `header.payload`, the signed bytes.
    pub signed: Vec<u8>,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
    /// DER certificates of `x5c`, the signer first.
    pub x5c: Vec<Vec<u8>>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    x5c: Vec<String>,
}

pub(crate) fn parse(compact: &str) -> CoreResult<Jws> {
    let compact = compact.trim();
    let mut parts = compact.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(untrusted("not a compact JWS".into()));
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| untrusted(format!("the JWS {what} is not base64url")))
    };
    let parsed: Header = serde_json::from_slice(&decode(header, "header")?)
        .map_err(|_| untrusted("the JWS header is not JSON".into()))?;
    if parsed.alg != "BP256R1" {
        return Err(untrusted(format!(
            "signature algorithm {} (expected BP256R1)",
            parsed.alg
        )));
    }
    let x5c = parsed
        .x5c
        .iter()
        .map(|c| STANDARD.decode(c).map_err(|_| untrusted("x5c is not base64".into())))
        .collect::<CoreResult<Vec<_>>>()?;
    if x5c.is_empty() {
        return Err(untrusted("the JWS names no signer certificate (x5c)".into()));
    }
    Ok(Jws {
        signed: format!("{header}.{payload}").into_bytes(),
        payload: decode(payload, "payload")?,
        signature: decode(signature, "signature")?,
        x5c,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::CoreError;

    fn b64(json: &str) -> String {
        URL_SAFE_NO_PAD.encode(json)
    }

    fn refused(compact: &str) -> String {
        match parse(compact) {
            Err(CoreError::Directory { message, .. }) => message,
            Err(other) => panic!("{compact}: {other:?}"),
            Ok(_) => panic!("{compact}: accepted"),
        }
    }

    #[test]
    fn only_a_compact_bp256r1_jws_with_a_signer_is_read() {
        assert!(refused("a.b").contains("compact"));
        assert!(refused("a.b.c.d").contains("compact"));
        assert!(refused("!!.b.c").contains("base64url"));
        let es256 = format!("{}.{}.AA", b64(r#"{"alg":"ES256","x5c":["AA=="]}"#), b64("{}"));
        assert!(refused(&es256).contains("ES256"));
        let no_signer = format!("{}.{}.AA", b64(r#"{"alg":"BP256R1"}"#), b64("{}"));
        assert!(refused(&no_signer).contains("x5c"));
    }

    #[test]
    fn the_signed_bytes_are_header_dot_payload() {
        let header = b64(r#"{"alg":"BP256R1","x5c":["AAEC"]}"#);
        let payload = b64(r#"{"version":1,"domainList":[]}"#);
        let jws = parse(&format!("{header}.{payload}.AAEC\n")).unwrap();
        assert_eq!(jws.signed, format!("{header}.{payload}").into_bytes());
        assert_eq!(jws.x5c, vec![vec![0, 1, 2]]);
        assert_eq!(jws.signature, vec![0, 1, 2]);
    }
}
