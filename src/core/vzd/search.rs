//! Searching the directory as a TI-M user: organisations (HealthcareService) and practitioners
//! (PractitionerRole), each with their Endpoints. ePA clients must use the insured persons'
//! `/fdv/search`, which leaves out entries hidden from them.

use std::time::Duration;

use matrix_sdk::reqwest::Method;
use matrix_sdk::ruma::api::client::account::request_openid_token;
use serde_json::Value;
use url::Url;

use super::http::call;
use crate::core::rules::fhir;
use crate::core::rules::room_policy::Product;
use crate::core::{CoreError, CoreResult, Mxid, Session};

/// Search tokens are reused this long (the directory issues them for 24 h; A_27753 caps
/// client-side caching of directory answers at 5 min, which this stays within).
const TOKEN_REUSE: Duration = Duration::from_secs(300);

pub struct Directory<'a> {
    session: &'a Session,
    base: Url,
}

impl Session {
    pub fn directory(&self, base: &Url) -> Directory<'_> {
        Directory {
            session: self,
            base: base.clone(),
        }
    }
}

/// What a user typed into a search: answered with hits or an empty Bundle, never an error. A
/// search screen shows "nothing found" when the input is blank or not an address, or when the
/// directory cannot be reached (logged), rather than failing.
impl Directory<'_> {
    /// Organisations' HealthcareServices by (part of) their name.
    pub async fn search_healthcare_services(&self, name: Option<&str>) -> Value {
        match non_blank(name) {
            Some(name) => or_nothing(self.find_healthcare_services(name).await),
            None => nothing(),
        }
    }

    /// HealthcareServices reachable at a Matrix address (`matrix:u/…` or an MXID).
    pub async fn search_healthcare_service_endpoints(&self, address: Option<&str>) -> Value {
        match address.map(fhir::mxid_of_uri) {
            Some(Ok(mxid)) => or_nothing(self.find_healthcare_service_endpoints(&mxid).await),
            _ => nothing(),
        }
    }

    /// Practitioners by Matrix address, else by (part of) their name; an address that is
    /// not one finds nobody (the name is not tried instead).
    pub async fn search_practitioners(&self, address: Option<&str>, name: Option<&str>) -> Value {
        match (address.map(fhir::mxid_of_uri), non_blank(name)) {
            (Some(Ok(mxid)), _) => or_nothing(self.find_practitioner_by_mxid(&mxid).await),
            (Some(Err(_)), _) | (None, None) => nothing(),
            (None, Some(name)) => or_nothing(self.find_practitioners_by_name(name).await),
        }
    }
}

fn non_blank(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

/// An empty searchset Bundle (`total` 0).
fn nothing() -> Value {
    fhir::bundle(Vec::new(), "Bundle")
}

fn or_nothing(result: CoreResult<Value>) -> Value {
    result.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "directory search failed; showing no hits");
        nothing()
    })
}

impl Directory<'_> {
    /// HealthcareServices whose name contains `name`, with their Endpoints and Organization.
    pub async fn find_healthcare_services(&self, name: &str) -> CoreResult<Value> {
        self.find("HealthcareService", ("name:contains", name)).await
    }

    /// HealthcareServices reachable at exactly this Matrix address.
    pub async fn find_healthcare_service_endpoints(&self, mxid: &Mxid) -> CoreResult<Value> {
        self.find_at("HealthcareService", mxid).await
    }

    /// Practitioners whose name contains `name`, with roles and endpoints.
    pub async fn find_practitioners_by_name(&self, name: &str) -> CoreResult<Value> {
        self.find("PractitionerRole", ("practitioner.name", name)).await
    }

    /// The practitioner reachable at exactly this Matrix address.
    pub async fn find_practitioner_by_mxid(&self, mxid: &Mxid) -> CoreResult<Value> {
        self.find_at("PractitionerRole", mxid).await
    }

    /// Active entries of `primary` matching `filter`.
    async fn find(&self, primary: &str, filter: (&str, &str)) -> CoreResult<Value> {
        Ok(only_active(&self.search_including(primary, filter).await?, primary))
    }

    /// Active entries of `primary` with an Endpoint at exactly this address.
    async fn find_at(&self, primary: &str, mxid: &Mxid) -> CoreResult<Value> {
        let address = fhir::matrix_uri(mxid);
        let found = self.find(primary, ("endpoint.address", &address)).await?;
        Ok(fhir::exact_address(&found, &address, primary))
    }

    /// One search with the `_include`s a TI-M client needs for this resource type.
    async fn search_including(&self, primary: &str, filter: (&str, &str)) -> CoreResult<Value> {
        let includes: &[&str] = match primary {
            "HealthcareService" => &["HealthcareService:endpoint", "HealthcareService:organization"],
            _ => &["PractitionerRole:practitioner", "PractitionerRole:endpoint"],
        };
        let mut params = vec![filter];
        params.extend(includes.iter().map(|i| ("_include", *i)));
        self.search(primary, &params).await
    }

    async fn search(&self, resource: &str, params: &[(&str, &str)]) -> CoreResult<Value> {
        let root = match self.session.product() {
            Product::Pro => "search",
            Product::Epa => "fdv/search",
        };
        let mut url = self
            .base
            .join(&format!("{root}/{resource}"))
            .map_err(CoreError::internal)?;
        url.query_pairs_mut().extend_pairs(params.iter());
        let url = url.as_str();
        let get = |token: String| async move {
            let auth = format!("Bearer {token}");
            call(self.http(), Method::GET, url, &[("Authorization", &auth)], None).await
        };
        match get(self.search_token().await?).await {
            Err(CoreError::Unauthorized(_)) => {
                // An expired token: fetch a fresh one once.
                self.session.forget_directory_token(self.base.as_str());
                get(self.search_token().await?).await
            }
            other => other,
        }
    }

    /// Matrix OpenID token → `/tim-authenticate` → search token (cached per directory).
    async fn search_token(&self) -> CoreResult<String> {
        if let Some(token) = self.session.directory_token(self.base.as_str(), TOKEN_REUSE) {
            return Ok(token);
        }
        let client = self.session.client();
        let user = client
            .user_id()
            .ok_or_else(|| CoreError::Unauthorized("not logged in".into()))?;
        let openid = client
            .send(request_openid_token::v3::Request::new(user.to_owned()))
            .await
            .map_err(crate::core::matrix::errors::from_http)?;
        let mut url = self.base.join("tim-authenticate").map_err(CoreError::internal)?;
        url.query_pairs_mut()
            .append_pair("mxId", openid.matrix_server_name.as_str());
        let answer = call(
            self.http(),
            Method::GET,
            url.as_str(),
            &[("X-Matrix-OpenID-Token", &openid.access_token)],
            None,
        )
        .await?;
        let token = answer["access_token"]
            .as_str()
            .ok_or_else(|| CoreError::internal("the directory answered without a search token"))?
            .to_string();
        self.session.remember_directory_token(self.base.as_str(), &token);
        Ok(token)
    }

    fn http(&self) -> &matrix_sdk::reqwest::Client {
        self.session.client().http_client()
    }
}

/// Leaves out inactive entries (the directory does not filter `_include`d resources).
fn only_active(bundle: &Value, primary: &str) -> Value {
    let usable = |r: &Value| match r["resourceType"].as_str() {
        Some("Endpoint") => r["status"].as_str().is_none_or(|s| s == "active"),
        Some("Organization" | "Practitioner") => r["active"].as_bool() != Some(false),
        _ => true,
    };
    fhir::bundle(
        fhir::bundle_resources(bundle).into_iter().filter(usable).collect(),
        primary,
    )
}
