//! The directory's owner API: org admins maintain their HealthcareServices and Endpoints,
//! practitioners their own MXID Endpoint. How the owner token is obtained is pluggable
//! ([`OwnerAuth`]): gematik's IDP or a provider's registration service in production, the
//! local directory service's test login in tests.

use futures_util::future::BoxFuture;
use matrix_sdk::reqwest::{Client, Method};
use serde_json::{Value, json};
use url::Url;

use super::http::call;
use crate::core::TrustAnchors;
use crate::core::rules::fhir;
use crate::core::{CoreError, CoreResult, Mxid};

/// Obtains an owner access token for one TelematikID.
pub trait OwnerAuth: Send + Sync {
    fn owner_token<'a>(&'a self, http: &'a Client, directory: &'a Url) -> BoxFuture<'a, CoreResult<String>>;
    fn telematik_id(&self) -> &str;
}

/// The local directory service's test-only login (`POST /test/owner-authenticate`): it
/// trusts the TelematikID it is given. Never point it at a real directory.
pub struct SimulatorOwnerAuth {
    pub telematik_id: String,
}

impl OwnerAuth for SimulatorOwnerAuth {
    fn owner_token<'a>(&'a self, http: &'a Client, directory: &'a Url) -> BoxFuture<'a, CoreResult<String>> {
        Box::pin(async move {
            let url = directory.join("test/owner-authenticate").map_err(CoreError::internal)?;
            let answer = call(
                http,
                Method::POST,
                url.as_str(),
                &[],
                Some(&json!({"telematikId": self.telematik_id})),
            )
            .await?;
            answer["access_token"]
                .as_str()
                .map(String::from)
                .ok_or_else(|| CoreError::internal("no owner token in the answer"))
        })
    }

    fn telematik_id(&self) -> &str {
        &self.telematik_id
    }
}

/// An authenticated owner session at the directory.
#[derive(Clone)]
pub struct Owner {
    http: Client,
    base: Url,
    token: String,
    telematik_id: String,
}

impl std::fmt::Debug for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Owner")
            .field("base", &self.base.as_str())
            .field("telematik_id", &self.telematik_id)
            .finish_non_exhaustive()
    }
}

impl Owner {
    /// Owner access needs no Matrix login: org admins maintain entries with their SMC-B only.
    pub async fn authenticate(directory: &Url, auth: &dyn OwnerAuth, trust: &TrustAnchors) -> CoreResult<Owner> {
        crate::core::rules::transport::require_tls(directory, "directory")?;
        let http = trust.http_client()?;
        let token = auth.owner_token(&http, directory).await?;
        Ok(Owner {
            http,
            base: directory.clone(),
            token,
            telematik_id: auth.telematik_id().to_string(),
        })
    }

    // ---------------------------------------------------------------- organisation admin

    /// The admin's own Organization (by TelematikID).
    pub async fn organization(&self) -> CoreResult<Value> {
        let identifier = format!("{}|{}", fhir::TELEMATIK_ID_SYSTEM, self.telematik_id);
        let found = self.search("Organization", &[("identifier", &identifier)]).await?;
        first_of(&found, "Organization")
            .ok_or_else(|| CoreError::NotFound(format!("no Organization with TelematikID {}", self.telematik_id)))
    }

    pub async fn create_healthcare_service(&self, body: Value) -> CoreResult<Value> {
        let org = self.organization().await?;
        let hs = fhir::owner_healthcare_service(body, id_of(&org)?)?;
        self.create("HealthcareService", &hs).await
    }

    pub async fn healthcare_service(&self, id: &str) -> CoreResult<Value> {
        self.read("HealthcareService", id).await
    }

    /// Full replacement (PUT semantics); the service stays provided by the admin's Organization.
    pub async fn update_healthcare_service(&self, id: &str, body: Value) -> CoreResult<Value> {
        self.healthcare_service(id).await?;
        let org = self.organization().await?;
        let mut hs = fhir::owner_healthcare_service(body, id_of(&org)?)?;
        hs["id"] = json!(id);
        self.update("HealthcareService", id, &hs).await
    }

    /// Deletes the service and the Endpoints only it referenced.
    pub async fn delete_healthcare_service(&self, id: &str) -> CoreResult<()> {
        let hs = self.healthcare_service(id).await?;
        self.delete("HealthcareService", id).await?;
        for endpoint in fhir::endpoint_ids(&hs) {
            if let Err(e) = self.delete("Endpoint", &endpoint).await {
                tracing::debug!(endpoint, error = %e, "endpoint of a deleted service not deleted");
            }
        }
        Ok(())
    }

    /// The Endpoints a service references, with the service itself; `total` counts Endpoints.
    pub async fn endpoints_of(&self, hs_id: &str) -> CoreResult<Value> {
        let hs = self.healthcare_service(hs_id).await?;
        let mut resources = Vec::new();
        for id in fhir::endpoint_ids(&hs) {
            match self.read("Endpoint", &id).await {
                Ok(e) => resources.push(e),
                Err(CoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        resources.push(hs);
        Ok(fhir::bundle(resources, "Endpoint"))
    }

    /// Creates the Endpoint and links it into the service.
    pub async fn create_endpoint(&self, hs_id: &str, body: Value) -> CoreResult<Value> {
        let mut hs = self.healthcare_service(hs_id).await?;
        let created = self.create("Endpoint", &fhir::owner_endpoint(body)?).await?;
        fhir::link_endpoint(&mut hs, id_of(&created)?);
        self.update("HealthcareService", hs_id, &hs).await?;
        Ok(created)
    }

    /// An Endpoint of this service (404 for one the service does not reference).
    pub async fn endpoint(&self, hs_id: &str, id: &str) -> CoreResult<Value> {
        self.linked(hs_id, id).await?;
        self.read("Endpoint", id).await
    }

    pub async fn update_endpoint(&self, hs_id: &str, id: &str, body: Value) -> CoreResult<Value> {
        self.linked(hs_id, id).await?;
        let mut endpoint = fhir::owner_endpoint(body)?;
        endpoint["id"] = json!(id);
        self.update("Endpoint", id, &endpoint).await
    }

    /// Unlinks the Endpoint from the service, then deletes it.
    pub async fn delete_endpoint(&self, hs_id: &str, id: &str) -> CoreResult<()> {
        let mut hs = self.linked(hs_id, id).await?;
        fhir::unlink_endpoint(&mut hs, id);
        self.update("HealthcareService", hs_id, &hs).await?;
        self.delete("Endpoint", id).await
    }

    /// Hides the Endpoint from insured persons' searches, or shows it again.
    pub async fn set_endpoint_hidden(&self, hs_id: &str, id: &str, hidden: bool) -> CoreResult<Value> {
        let mut endpoint = self.endpoint(hs_id, id).await?;
        fhir::set_hidden_from_insured(&mut endpoint, hidden);
        self.update("Endpoint", id, &endpoint).await
    }

    async fn linked(&self, hs_id: &str, id: &str) -> CoreResult<Value> {
        let hs = self.healthcare_service(hs_id).await?;
        if !fhir::endpoint_ids(&hs).iter().any(|e| e == id) {
            return Err(CoreError::NotFound(format!(
                "Endpoint {id} is not an endpoint of {hs_id}"
            )));
        }
        Ok(hs)
    }

    // ---------------------------------------------------------------- practitioner

    /// The own PractitionerRole with its Practitioner and Endpoints.
    pub async fn own_entry(&self) -> CoreResult<Value> {
        let identifier = format!("{}|{}", fhir::TELEMATIK_ID_SYSTEM, self.telematik_id);
        let found = self
            .search(
                "PractitionerRole",
                &[
                    ("practitioner.identifier", &identifier),
                    ("_include", "PractitionerRole:practitioner"),
                    ("_include", "PractitionerRole:endpoint"),
                ],
            )
            .await?;
        if first_of(&found, "PractitionerRole").is_none() {
            return Err(CoreError::NotFound(format!(
                "no PractitionerRole for TelematikID {}",
                self.telematik_id
            )));
        }
        Ok(found)
    }

    /// Registers the MXID as an active Endpoint of the own PractitionerRole; a repeated call
    /// returns (and re-activates) the existing one instead of creating a duplicate.
    pub async fn register_mxid(&self, mxid: &Mxid, name: &str) -> CoreResult<Value> {
        let entry = self.own_entry().await?;
        if let Some(mut existing) = own_endpoint(&entry, mxid) {
            if existing["status"] != "active" {
                existing["status"] = json!("active");
                return self.update("Endpoint", id_of(&existing)?, &existing).await;
            }
            return Ok(existing);
        }
        let mut role = first_of(&entry, "PractitionerRole").expect("checked by own_entry");
        let created = self.create("Endpoint", &fhir::mxid_endpoint(mxid, name)).await?;
        fhir::link_endpoint(&mut role, id_of(&created)?);
        self.update("PractitionerRole", id_of(&role)?, &role).await?;
        Ok(created)
    }

    /// Unlinks and deletes the MXID's Endpoint (nothing to do if it is not registered).
    pub async fn remove_mxid(&self, mxid: &Mxid) -> CoreResult<()> {
        let entry = self.own_entry().await?;
        let Some(endpoint) = own_endpoint(&entry, mxid) else {
            return Ok(());
        };
        let id = id_of(&endpoint)?.to_string();
        let mut role = first_of(&entry, "PractitionerRole").expect("checked by own_entry");
        fhir::unlink_endpoint(&mut role, &id);
        self.update("PractitionerRole", id_of(&role)?, &role).await?;
        self.delete("Endpoint", &id).await
    }

    pub async fn set_mxid_hidden(&self, mxid: &Mxid, hidden: bool) -> CoreResult<Value> {
        let entry = self.own_entry().await?;
        let mut endpoint = own_endpoint(&entry, mxid)
            .ok_or_else(|| CoreError::NotFound(format!("{mxid} is not registered in the directory")))?;
        fhir::set_hidden_from_insured(&mut endpoint, hidden);
        self.update("Endpoint", id_of(&endpoint)?, &endpoint).await
    }

    // ---------------------------------------------------------------- REST

    fn url(&self, path: &str) -> CoreResult<Url> {
        self.base.join(&format!("owner/{path}")).map_err(CoreError::internal)
    }

    async fn send(&self, method: Method, url: Url, body: Option<&Value>) -> CoreResult<Value> {
        let auth = format!("Bearer {}", self.token);
        call(&self.http, method, url.as_str(), &[("Authorization", &auth)], body).await
    }

    async fn search(&self, resource: &str, params: &[(&str, &str)]) -> CoreResult<Value> {
        let mut url = self.url(resource)?;
        url.query_pairs_mut().extend_pairs(params.iter());
        self.send(Method::GET, url, None).await
    }

    async fn create(&self, resource: &str, body: &Value) -> CoreResult<Value> {
        self.send(Method::POST, self.url(resource)?, Some(body)).await
    }

    async fn read(&self, resource: &str, id: &str) -> CoreResult<Value> {
        self.send(Method::GET, self.url(&format!("{resource}/{id}"))?, None)
            .await
    }

    async fn update(&self, resource: &str, id: &str, body: &Value) -> CoreResult<Value> {
        self.send(Method::PUT, self.url(&format!("{resource}/{id}"))?, Some(body))
            .await
    }

    async fn delete(&self, resource: &str, id: &str) -> CoreResult<()> {
        self.send(Method::DELETE, self.url(&format!("{resource}/{id}"))?, None)
            .await
            .map(|_| ())
    }
}

fn first_of(bundle: &Value, resource_type: &str) -> Option<Value> {
    fhir::bundle_resources(bundle)
        .into_iter()
        .find(|r| r["resourceType"] == resource_type)
}

fn id_of(resource: &Value) -> CoreResult<&str> {
    resource["id"]
        .as_str()
        .ok_or_else(|| CoreError::internal("a directory resource without id"))
}

/// The own role's Endpoint for this MXID, if registered.
fn own_endpoint(entry: &Value, mxid: &Mxid) -> Option<Value> {
    let address = fhir::matrix_uri(mxid);
    let role = first_of(entry, "PractitionerRole")?;
    let linked = fhir::endpoint_ids(&role);
    fhir::bundle_resources(entry).into_iter().find(|r| {
        r["resourceType"] == "Endpoint"
            && r["address"] == address
            && r["id"].as_str().is_some_and(|id| linked.iter().any(|l| l == id))
    })
}
