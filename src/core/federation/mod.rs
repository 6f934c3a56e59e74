//! Where the federation list comes from and why it can be believed (5.7, chapter 2).
//!
//! gematik's current specifications put the federation check in the provider's
//! Messenger-Proxy, which fetches the list from the VZD with provider credentials. The 2021
//! client specification also asks the client to use only federation homeservers and to log the
//! user out at once otherwise. A client that is given the list's location and the TI's roots
//! does that here: it fetches `federationList.jws`, checks the signature and the signer's chain
//! to a pinned root, and refuses a homeserver the list does not name. The verified list is
//! kept for ten minutes (as the homeservers' invite checker does), so a pool of logins fetches
//! it once.

mod jws;
mod pki;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use crate::core::rules::federation::FederationList;
use crate::core::rules::transport::require_tls;
use crate::core::{CoreError, CoreResult, TrustAnchors};

/// How long a verified list is used before it is fetched again.
const FRESH_FOR: Duration = Duration::from_secs(600);

/// The federation check of a client: the list's URL, where the signer's sub-CA certificates
/// are (gematik's `…/ECC/SUB-CA/<issuer CN>.der`), and the roots it must chain to. Cheap to
/// clone; clones share the cached list.
#[derive(Clone)]
pub struct FederationCheck {
    inner: Arc<Inner>,
}

struct Inner {
    list_url: Url,
    ca_base_url: Url,
    roots: Vec<Vec<u8>>,
    http: matrix_sdk::reqwest::Client,
    cached: Mutex<Option<(Instant, Arc<FederationList>)>>,
}

impl std::fmt::Debug for FederationCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FederationCheck({})", self.inner.list_url)
    }
}

impl FederationCheck {
    /// `roots_pem`: the trusted roots of the list's signer, PEM. `trust`: roots for the TLS
    /// connections that fetch it.
    pub fn new(list_url: Url, ca_base_url: Url, roots_pem: &[u8], trust: &TrustAnchors) -> CoreResult<Self> {
        require_tls(&list_url, "federation list")?;
        require_tls(&ca_base_url, "federation list CA")?;
        let roots: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(roots_pem)
            .map(|pem| pem.map(|p| p.contents))
            .collect::<Result<_, _>>()
            .map_err(|e| CoreError::InvalidInput(format!("federation list roots: not PEM: {e}")))?;
        if roots.is_empty() {
            return Err(CoreError::InvalidInput(
                "federation list roots: no certificate in the PEM".into(),
            ));
        }
        Ok(FederationCheck {
            inner: Arc::new(Inner {
                list_url,
                ca_base_url,
                roots,
                http: trust.http_client()?,
                cached: Mutex::default(),
            }),
        })
    }

    /// Refuses `server_name` unless the verified list names it.
    pub async fn require_member(&self, server_name: &str) -> CoreResult<()> {
        self.list().await?.require_member(server_name)
    }

    /// The verified list, fetched again once it is older than ten minutes.
    pub async fn list(&self) -> CoreResult<Arc<FederationList>> {
        if let Some((at, list)) = self.inner.cached.lock().expect("federation cache").as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(list.clone());
        }
        let list = Arc::new(self.fetch_verified().await?);
        *self.inner.cached.lock().expect("federation cache") = Some((Instant::now(), list.clone()));
        Ok(list)
    }

    async fn fetch_verified(&self) -> CoreResult<FederationList> {
        let compact = String::from_utf8(self.get(self.inner.list_url.clone()).await?)
            .map_err(|_| pki::untrusted("the list is not text".into()))?;
        let jws = jws::parse(&compact)?;
        let mut intermediates = jws.x5c[1..].to_vec();
        if let Some(issuer) = issuer_common_name(&jws.x5c[0]) {
            let url = self
                .inner
                .ca_base_url
                .join(&format!("ECC/SUB-CA/{}.der", issuer.replace(' ', "_")))
                .map_err(|e| CoreError::InvalidInput(format!("federation list CA URL: {e}")))?;
            if let Ok(der) = self.get(url).await {
                intermediates.push(der);
            }
        }
        let key = pki::verified_signer_key(&jws.x5c[0], &intermediates, &self.inner.roots)?;
        pki::verify_signature(&key, &jws.signed, &jws.signature)?;
        FederationList::parse(&jws.payload).map_err(|e| pki::untrusted(e.to_string()))
    }

    async fn get(&self, url: Url) -> CoreResult<Vec<u8>> {
        let unreachable = |e: String| CoreError::Directory {
            status: None,
            message: format!("federation list {url}: {e}"),
        };
        let response = self
            .inner
            .http
            .get(url.clone())
            .send()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(CoreError::Directory {
                status: Some(status.as_u16()),
                message: format!("federation list {url}: {status}"),
            });
        }
        Ok(response.bytes().await.map_err(|e| unreachable(e.to_string()))?.to_vec())
    }
}

fn issuer_common_name(der: &[u8]) -> Option<String> {
    use x509_parser::prelude::FromDer;
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).ok()?;
    let cn = cert.issuer().iter_common_name().next()?;
    cn.as_str().ok().map(str::to_string)
}
