//! Certificate revocation lists for mTLS. rustls (webpki) reads only v2 CRLs, but gematik's
//! `tiMessengerTestDriver.crl` is a v1 CRL: handed to webpki it stops the driver at start-up
//! ("provided CRL could not be parsed"). So v2 lists go to webpki, and v1 lists are checked
//! here, by issuer and serial, before webpki verifies the chain. A v1 list's signature is not
//! verified: it can only refuse certificates, never admit one.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// The configured CRLs, split by who checks them.
#[derive(Default)]
pub struct Crls {
    pub webpki: Vec<CertificateRevocationListDer<'static>>,
    pub v1: Vec<RevokedSerials>,
}

/// A v1 CRL: its issuer (DER name) and the revoked serials (big-endian, no leading zeros).
#[derive(Debug)]
pub struct RevokedSerials {
    issuer: Vec<u8>,
    serials: HashSet<Vec<u8>>,
}

impl RevokedSerials {
    pub fn revokes(&self, issuer: &[u8], serial: &[u8]) -> bool {
        self.issuer == issuer && self.serials.contains(trim(serial))
    }
}

fn trim(serial: &[u8]) -> &[u8] {
    let zeros = serial.iter().take_while(|b| **b == 0).count();
    &serial[zeros.min(serial.len().saturating_sub(1))..]
}

pub fn load(paths: &[PathBuf]) -> Result<Crls, String> {
    let mut crls = Crls::default();
    for path in paths {
        let der = read_der(path)?;
        let (_, parsed) =
            x509_parser::parse_x509_crl(&der).map_err(|e| format!("{}: not a CRL ({e})", path.display()))?;
        let v2 = parsed.tbs_cert_list.version.is_some_and(|v| v.0 >= 1);
        if v2 {
            crls.webpki.push(CertificateRevocationListDer::from(der));
            continue;
        }
        let serials = parsed
            .iter_revoked_certificates()
            .map(|r| trim(&r.user_certificate.to_bytes_be()).to_vec())
            .collect();
        crls.v1.push(RevokedSerials {
            issuer: parsed.tbs_cert_list.issuer.as_raw().to_vec(),
            serials,
        });
    }
    Ok(crls)
}

fn read_der(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"-----BEGIN") {
        let crl =
            CertificateRevocationListDer::from_pem_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(crl.as_ref().to_vec())
    } else {
        Ok(bytes)
    }
}

/// webpki's verifier with the v1 lists checked first.
#[derive(Debug)]
pub struct WithV1Crls {
    pub inner: Arc<dyn ClientCertVerifier>,
    pub v1: Vec<RevokedSerials>,
}

impl WithV1Crls {
    fn revoked(&self, end_entity: &CertificateDer<'_>) -> bool {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(end_entity.as_ref()) else {
            return false; // webpki refuses what it cannot parse
        };
        let serial = cert.tbs_certificate.serial.to_bytes_be();
        let issuer = cert.tbs_certificate.issuer.as_raw();
        self.v1.iter().any(|l| l.revokes(issuer, &serial))
    }
}

impl ClientCertVerifier for WithV1Crls {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }
    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if self.revoked(end_entity) {
            return Err(rustls::Error::InvalidCertificate(CertificateError::Revoked));
        }
        self.inner.verify_client_cert(end_entity, intermediates, now)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gematik() -> Crls {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("certs/gematik/tiMessengerTestDriver.crl");
        load(&[path]).expect("gematik's CRL loads")
    }

    #[test]
    fn gematiks_v1_crl_is_checked_here_not_by_webpki() {
        let crls = gematik();
        assert!(crls.webpki.is_empty());
        assert_eq!(crls.v1.len(), 1);
        assert_eq!(crls.v1[0].serials.len(), 14);
    }

    #[test]
    fn a_listed_serial_of_the_same_issuer_is_revoked() {
        let crls = gematik();
        let list = &crls.v1[0];
        let issuer = list.issuer.clone();
        assert!(list.revokes(&issuer, &[0x03]));
        assert!(list.revokes(&issuer, &[0x00, 0x2d]), "leading zeros do not matter");
        assert!(!list.revokes(&issuer, &[0x05]));
        assert!(!list.revokes(b"another issuer", &[0x03]));
    }
}
