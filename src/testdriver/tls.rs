//! TLS for the driver: rustls (TLS 1.2 and 1.3), optional mTLS with CRLs, and dev
//! certificates generated on first run so `make run` works on a fresh machine.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig as RustlsServerConfig};

use super::config::ServerConfig;
use super::crl;

/// Builds the rustls server configuration from the driver configuration.
pub fn server_config(cfg: &ServerConfig) -> Result<RustlsServerConfig, String> {
    ensure_dev_certificate(&cfg.tls_cert, &cfg.tls_key)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cfg.tls_cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| format!("{}: {e}", cfg.tls_cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(&cfg.tls_key).map_err(|e| format!("{}: {e}", cfg.tls_key.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = RustlsServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match &cfg.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca).map_err(|e| format!("{}: {e}", ca.display()))? {
                roots
                    .add(cert.map_err(|e| e.to_string())?)
                    .map_err(|e| format!("{}: {e}", ca.display()))?;
            }
            let crls = crl::load(&cfg.crls)?;
            // A CA without a CRL of its own stays usable next to one that has a CRL.
            let mut verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .with_crls(crls.webpki)
                .allow_unknown_revocation_status();
            if !cfg.client_cert_required {
                verifier = verifier.allow_unauthenticated();
            }
            let inner = verifier.build().map_err(|e| e.to_string())?;
            builder.with_client_cert_verifier(Arc::new(crl::WithV1Crls { inner, v1: crls.v1 }))
        }
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Writes a self-signed localhost certificate if neither file exists (never overwrites).
fn ensure_dev_certificate(cert: &Path, key: &Path) -> Result<(), String> {
    if cert.exists() || key.exists() {
        return Ok(());
    }
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).map_err(|e| e.to_string())?;
    if let Some(dir) = cert.parent() {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(cert, generated.cert.pem()).map_err(|e| e.to_string())?;
    write_private(key, generated.signing_key.serialize_pem().as_bytes())?;
    tracing::info!(cert = %cert.display(), "generated a self-signed development certificate");
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    crate::core::private_file::write_new(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The subject CN of a DER client certificate.
pub fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?.as_str().ok()?.to_string();
    Some(cn)
}
