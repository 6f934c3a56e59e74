//! The signer of the federation list must chain to a pinned TI root: each certificate valid
//! now, each issuer a CA, each signature ECDSA with SHA-256 on brainpoolP256r1 (the TI's ECC
//! PKI).

use ecdsa::signature::Verifier;
use x509_parser::prelude::*;

use crate::core::{CoreError, CoreResult};

type Curve = bp256::r1::BrainpoolP256r1;

const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
/// At most signer → sub-CA → root, with room for one more level.
const MAX_DEPTH: usize = 4;

/// The signer certificate's public key (SEC1 point), once `signer` chains through
/// `intermediates` to one of `roots` (all DER).
pub(crate) fn verified_signer_key(signer: &[u8], intermediates: &[Vec<u8>], roots: &[Vec<u8>]) -> CoreResult<Vec<u8>> {
    let leaf = parse(signer, "signer")?;
    let key = leaf.public_key().subject_public_key.data.to_vec();
    let mut current = leaf;
    for _ in 0..MAX_DEPTH {
        valid_now(&current)?;
        if let Some(root) = issuer_among(&current, roots)? {
            valid_now(&root)?;
            check_signed_by(&current, &root)?;
            return Ok(key);
        }
        let Some(next) = issuer_among(&current, intermediates)? else {
            return Err(untrusted(format!("no trusted issuer for {}", current.subject())));
        };
        check_signed_by(&current, &next)?;
        current = next;
    }
    Err(untrusted("the certificate chain is too long".into()))
}

/// Verifies an ECDSA/SHA-256 signature (fixed-size r‖s or DER) with a SEC1 public key.
pub(crate) fn verify_signature(public_key: &[u8], message: &[u8], signature: &[u8]) -> CoreResult<()> {
    let key = ecdsa::VerifyingKey::<Curve>::from_sec1_bytes(public_key)
        .map_err(|_| untrusted("the key is not a brainpoolP256r1 key".into()))?;
    let signature = match ecdsa::Signature::<Curve>::from_slice(signature) {
        Ok(fixed) => fixed,
        Err(_) => ecdsa::der::Signature::<Curve>::from_bytes(signature)
            .ok()
            .and_then(|der| der.try_into().ok())
            .ok_or_else(|| untrusted("the signature is malformed".into()))?,
    };
    key.verify(message, &signature)
        .map_err(|_| untrusted("the signature does not verify".into()))
}

fn parse<'a>(der: &'a [u8], what: &str) -> CoreResult<X509Certificate<'a>> {
    X509Certificate::from_der(der)
        .map(|(_, cert)| cert)
        .map_err(|e| untrusted(format!("the {what} certificate is not DER X.509: {e}")))
}

fn issuer_among<'a>(cert: &X509Certificate<'_>, candidates: &'a [Vec<u8>]) -> CoreResult<Option<X509Certificate<'a>>> {
    for der in candidates {
        let candidate = parse(der, "CA")?;
        if candidate.subject() == cert.issuer() {
            if !candidate.is_ca() {
                return Err(untrusted(format!("{} is not a CA", candidate.subject())));
            }
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

fn check_signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> CoreResult<()> {
    if cert.signature_algorithm.algorithm.to_id_string() != ECDSA_WITH_SHA256 {
        return Err(untrusted(format!(
            "{} is not signed with ECDSA/SHA-256",
            cert.subject()
        )));
    }
    verify_signature(
        &issuer.public_key().subject_public_key.data,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
    .map_err(|_| untrusted(format!("{} is not signed by {}", cert.subject(), issuer.subject())))
}

fn valid_now(cert: &X509Certificate<'_>) -> CoreResult<()> {
    if cert.validity().is_valid() {
        Ok(())
    } else {
        Err(untrusted(format!("{} is not valid now", cert.subject())))
    }
}

/// The list's source failed its duty, so this is the directory's failure, not the caller's.
pub(crate) fn untrusted(why: String) -> CoreError {
    CoreError::Directory {
        status: None,
        message: format!("the federation list is not trustworthy: {why}"),
    }
}
