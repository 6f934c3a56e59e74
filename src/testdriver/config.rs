//! The driver's configuration: one TOML file naming the server, its TLS material and the
//! APIs it serves (one API = one product instance = one base URL for gematik's suite).

use std::path::PathBuf;

use serde::Deserialize;

/// Whole driver configuration (see `config/driver.toml` for a documented example).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverConfig {
    pub server: ServerConfig,
    /// The TI-M federation list every login checks its homeserver against (5.7); without it
    /// no check is made.
    #[serde(default)]
    pub federation: Option<FederationConfig>,
    #[serde(rename = "api")]
    pub apis: Vec<ApiConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// default: 127.0.0.1:8443
    #[serde(default = "default_bind")]
    pub bind: String,
    /// Where device stores live. default: .state/driver
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// `false` serves plain HTTP (for a TLS-terminating proxy in front). default: true
    #[serde(default = "yes")]
    pub tls: bool,
    /// Server certificate and key (PEM). Generated as a dev certificate if both are missing.
    #[serde(default = "default_cert")]
    pub tls_cert: PathBuf,
    #[serde(default = "default_key")]
    pub tls_key: PathBuf,
    /// CA bundle (PEM) for client certificates. Set = mTLS on; the CN fills `claimerCn`.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
    /// With mTLS: refuse connections without a client certificate. default: true
    #[serde(default = "yes")]
    pub client_cert_required: bool,
    /// DER or PEM CRLs checked against client certificates (gematik ships one).
    #[serde(default)]
    pub crls: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ApiKind {
    ProClient,
    EpaClient,
    OrgAdmin,
    Practitioner,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerAuthKind {
    #[default]
    Simulator,
}

/// The TI-M generation an API's client implements.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum TimVersion {
    #[serde(rename = "1.1")]
    V1_1,
    #[default]
    #[serde(rename = "V3")]
    V3,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Path prefix without slashes, e.g. `hs1-pro` → `https://host:port/hs1-pro/`.
    pub prefix: String,
    pub kind: ApiKind,
    /// Matrix server name (the domain of the MXIDs). Without a port: gematik's suite splits
    /// MXIDs at `:` and needs exactly two parts.
    pub homeserver_name: String,
    /// Where `/.well-known/matrix/client` of that homeserver answers (https), reported as
    /// `homeserver` in the info: the suite calls the homeserver directly from there and
    /// expects the MXIDs to contain its host. default: `https://<homeserver_name>`.
    #[serde(default)]
    pub homeserver_discovery_url: Option<url::Url>,
    /// Client-server API base URL of that homeserver.
    pub homeserver_url: url::Url,
    /// `"1.1"` for a TI-M 1.1 client (contact management instead of permission configs).
    #[serde(default)]
    pub tim_version: TimVersion,
    /// Path of the TI-M 1.1 contact management API on the homeserver URL; defaults to where
    /// famedly's 1.1 invite checker serves it. Only 1.1 APIs offer contacts.
    #[serde(default)]
    pub contact_api_path: Option<String>,
    /// Base URL of the VZD-FHIR-Directory (`…/` with trailing slash); without it the FHIR
    /// operations answer 501.
    #[serde(default)]
    pub directory_url: Option<url::Url>,
    /// How owners authenticate at the directory; `simulator` = the local directory service's
    /// test login (the only one a test machine can use).
    #[serde(default)]
    pub directory_owner_auth: OwnerAuthKind,
    /// PEM file of root certificates trusted besides the platform's, for the homeserver and
    /// the directory (the TI's roots; a test Fachdienst's own certificate).
    #[serde(default)]
    pub trust_anchors: Option<std::path::PathBuf>,
    #[serde(default)]
    pub info: InfoConfig,
    #[serde(rename = "device")]
    pub devices: Vec<DeviceConfig>,
}

/// Where the signed federation list is and what its signer must chain to.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FederationConfig {
    /// `federationList.jws`, e.g. `{vzd}/tim-provider-services/FederationList/federationList.jws`.
    pub list_url: url::Url,
    /// Base of `ECC/SUB-CA/<issuer CN>.der` (gematik's download point for sub-CA certificates).
    pub ca_url: url::Url,
    /// PEM file of the roots the list's signer must chain to (the TI's ECC roots).
    pub roots: std::path::PathBuf,
    /// PEM file of TLS roots for fetching the list, besides the platform's.
    #[serde(default)]
    pub trust_anchors: Option<std::path::PathBuf>,
}

/// Texts of the info object; defaults describe this project.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InfoConfig {
    pub title: String,
    pub description: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_url: String,
    pub client_name: String,
    pub client_version: String,
    pub fachdienst_name: String,
    pub fachdienst_version: String,
    /// One of gematik's enum values: Windows, OSx, iOS, Android, Linux.
    pub operating_system: String,
    /// `isReferenceImplementation` of the info: only for a documented local stand-in of
    /// gematik's reference client (UC 15X). default: false
    pub reference_implementation: bool,
}

impl Default for InfoConfig {
    fn default() -> Self {
        Self {
            title: "TI-M client test driver".into(),
            description: "Test driver of the open Rust TI-Messenger client core".into(),
            contact_name: "tim-client maintainers".into(),
            contact_email: "maintainers@example.org".into(),
            contact_url: "https://example.org/tim-client".into(),
            client_name: "tim-client".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
            fachdienst_name: "Synapse + synapse-invite-checker (local)".into(),
            fachdienst_version: "1.163.2".into(),
            operating_system: "Linux".into(),
            reference_implementation: false,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub id: i64,
    pub name: String,
    /// The device's preconfigured account (used by a login without body).
    pub mxid: String,
    pub password: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// HBA/SMC-B identity of the device, if it has one.
    #[serde(default)]
    pub cn: Option<String>,
    #[serde(default)]
    pub telematik_id: Option<String>,
}

impl std::fmt::Display for ApiKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ApiKind::ProClient => "pro-client",
            ApiKind::EpaClient => "epa-client",
            ApiKind::OrgAdmin => "org-admin",
            ApiKind::Practitioner => "practitioner",
        })
    }
}

fn default_bind() -> String {
    "127.0.0.1:8443".into()
}
fn default_state_dir() -> PathBuf {
    ".state/driver".into()
}
fn default_cert() -> PathBuf {
    "certs/server.crt".into()
}
fn default_key() -> PathBuf {
    "certs/server.key".into()
}
fn yes() -> bool {
    true
}

impl DriverConfig {
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let config: Self = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        config.check()?;
        Ok(config)
    }

    /// Rejects configurations the suite could not work with, before anything starts.
    pub fn check(&self) -> Result<(), String> {
        let mut prefixes = std::collections::HashSet::new();
        for api in &self.apis {
            if api.prefix.is_empty() || api.prefix.contains('/') {
                return Err(format!(
                    "api prefix '{}' must be one non-empty path segment",
                    api.prefix
                ));
            }
            if !prefixes.insert(&api.prefix) {
                return Err(format!("api prefix '{}' is used twice", api.prefix));
            }
            if api
                .homeserver_discovery_url
                .as_ref()
                .is_some_and(|u| u.scheme() != "https")
            {
                return Err(format!(
                    "api '{}': homeserver_discovery_url must be an https URL",
                    api.prefix
                ));
            }
            let min = if api.kind == ApiKind::OrgAdmin { 1 } else { 3 };
            if api.devices.len() < min {
                return Err(format!(
                    "api '{}' needs at least {min} devices (gematik's build check)",
                    api.prefix
                ));
            }
            let mut ids = std::collections::HashSet::new();
            for d in &api.devices {
                if !ids.insert(d.id) {
                    return Err(format!("api '{}': device id {} is used twice", api.prefix, d.id));
                }
                crate::core::Mxid::parse(&d.mxid).map_err(|e| format!("api '{}' device {}: {e}", api.prefix, d.id))?;
            }
            if !["Windows", "OSx", "iOS", "Android", "Linux"].contains(&api.info.operating_system.as_str()) {
                return Err(format!(
                    "api '{}': operating_system must be one of gematik's enum values",
                    api.prefix
                ));
            }
        }
        Ok(())
    }
}

impl ApiConfig {
    /// The info's `homeserver`: the discovery URL without a trailing slash (the suite
    /// appends paths to it and compares it between APIs of one homeserver).
    pub fn homeserver_discovery(&self) -> String {
        match &self.homeserver_discovery_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("https://{}", self.homeserver_name),
        }
    }

    /// Where this API's contact management lives, if it has one (TI-M 1.1 only).
    pub fn contact_api(&self) -> Option<&str> {
        match self.tim_version {
            TimVersion::V1_1 => Some(
                self.contact_api_path
                    .as_deref()
                    .unwrap_or(crate::core::DEFAULT_CONTACT_API_PATH),
            ),
            TimVersion::V3 => None,
        }
    }
}
