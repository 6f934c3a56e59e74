//! Trust anchors beyond the platform's roots (ML-123596): the TI's roots for the Fachdienst
//! and the directory, or a test Fachdienst's own certificate.

use std::sync::Arc;

use matrix_sdk::reqwest::Certificate;

use crate::core::{CoreError, CoreResult};

/// Extra root certificates every connection of a session trusts, besides the platform's.
/// Empty by default. Cheap to clone.
#[derive(Clone, Default)]
pub struct TrustAnchors {
    roots: Arc<Vec<Certificate>>,
}

impl std::fmt::Debug for TrustAnchors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustAnchors({} extra roots)", self.roots.len())
    }
}

impl TrustAnchors {
    /// Certificates in PEM, one or more; anything else is a clear `InvalidInput`.
    pub fn from_pem(pem: &[u8]) -> CoreResult<Self> {
        let roots = Certificate::from_pem_bundle(pem)
            .map_err(|e| CoreError::InvalidInput(format!("trust anchors: not PEM certificates: {e}")))?;
        if roots.is_empty() {
            return Err(CoreError::InvalidInput(
                "trust anchors: no certificate in the PEM".into(),
            ));
        }
        Ok(Self { roots: Arc::new(roots) })
    }

    /// Reads a PEM file of certificates.
    pub fn from_pem_file(path: &std::path::Path) -> CoreResult<Self> {
        let pem = std::fs::read(path)
            .map_err(|e| CoreError::InvalidInput(format!("trust anchors {}: {e}", path.display())))?;
        Self::from_pem(&pem)
    }

    pub fn len(&self) -> usize {
        self.roots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    pub(crate) fn certificates(&self) -> Vec<Certificate> {
        self.roots.as_ref().clone()
    }

    /// An HTTP client for other services (the directory) that trusts the same roots.
    pub(crate) fn http_client(&self) -> CoreResult<matrix_sdk::reqwest::Client> {
        let mut builder = matrix_sdk::reqwest::Client::builder();
        for root in self.roots.iter() {
            builder = builder.add_root_certificate(root.clone());
        }
        builder.build().map_err(CoreError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_is_no_certificate_is_bad_input() {
        assert!(matches!(
            TrustAnchors::from_pem(b"hello"),
            Err(CoreError::InvalidInput(_))
        ));
        assert!(matches!(TrustAnchors::from_pem(b""), Err(CoreError::InvalidInput(_))));
        assert!(TrustAnchors::default().is_empty());
    }
}
