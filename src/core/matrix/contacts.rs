//! TI-M 1.1 contact management ("Freigabeliste") at the own Fachdienst. The API lives beside
//! the homeserver (its path differs between implementations, so the caller names it) and
//! is authenticated with the account's Matrix access token.

use matrix_sdk::reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use crate::core::rules::contacts::ContactSetting;
use crate::core::{CoreError, CoreResult, Mxid, Session};

/// Where famedly's invite checker (the TI-M 1.1 module) serves the contact API.
pub const DEFAULT_CONTACT_API_PATH: &str = "/_synapse/client/com.famedly/tim/v1";

pub struct Contacts<'a> {
    session: &'a Session,
    base: Url,
}

impl Session {
    /// The contact API at `path` on the own homeserver's client URL.
    pub fn contacts(&self, path: &str) -> CoreResult<Contacts<'_>> {
        let mut base = self.client().homeserver();
        base.set_path(path.trim_end_matches('/'));
        Ok(Contacts { session: self, base })
    }
}

impl Contacts<'_> {
    pub async fn list(&self) -> CoreResult<Vec<ContactSetting>> {
        self.session.live()?;
        let body = self.call(Method::GET, &["contacts"], None).await?;
        Ok(body["contacts"]
            .as_array()
            .map(|items| items.iter().filter_map(contact_of).collect())
            .unwrap_or_default())
    }

    /// Creates or replaces the setting for `mxid`; the stored display name is the contact's
    /// profile name (the localpart when it has none).
    pub async fn set(&self, mxid: &str, start: u64, end: Option<u64>) -> CoreResult<ContactSetting> {
        self.session.live()?;
        let user = Mxid::parse(mxid)?;
        let display_name = self.display_name_of(&user).await;
        let setting = ContactSetting::new(mxid, display_name, start, end)?;
        let mut invite = json!({"start": setting.start});
        if let Some(end) = setting.end {
            invite["end"] = json!(end);
        }
        let body = json!({"mxid": setting.mxid, "displayName": setting.display_name, "inviteSettings": invite});
        let stored = self.call(Method::POST, &["contacts"], Some(body)).await?;
        contact_of(&stored).ok_or_else(|| CoreError::internal("the contact API answered without the contact"))
    }

    /// Removes the setting; an unknown contact is `NotFound`.
    pub async fn delete(&self, mxid: &str) -> CoreResult<()> {
        self.session.live()?;
        let user = Mxid::parse(mxid)?;
        self.call(Method::DELETE, &["contacts", user.as_str()], None)
            .await
            .map(|_| ())
    }

    async fn display_name_of(&self, user: &Mxid) -> String {
        let Ok(id) = matrix_sdk::ruma::UserId::parse(user.as_str()) else {
            return user.localpart().to_string();
        };
        match self.session.client().account().fetch_user_profile_of(&id).await {
            Ok(profile) => profile
                .get("displayname")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| user.localpart().to_string()),
            Err(_) => user.localpart().to_string(),
        }
    }

    /// `segments` are appended to the API base, each percent-encoded (MXIDs carry `@`, `:`).
    async fn call(&self, method: Method, segments: &[&str], body: Option<Value>) -> CoreResult<Value> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| CoreError::internal("the contact API URL cannot take a path"))?
            .extend(segments);
        let token = self
            .session
            .access_token()
            .ok_or_else(|| CoreError::Unauthorized("not logged in".into()))?;
        let answer = super::json_http::send(self.session, method, &url, &token, body).await?;
        match answer.status {
            200..=299 => Ok(answer.body),
            404 if segments.len() > 1 => Err(CoreError::NotFound("no setting for this contact".into())),
            _ => Err(answer.into_error()),
        }
    }
}

fn contact_of(v: &Value) -> Option<ContactSetting> {
    Some(ContactSetting {
        mxid: v["mxid"].as_str()?.to_string(),
        display_name: v["displayName"].as_str().unwrap_or_default().to_string(),
        start: v["inviteSettings"]["start"].as_u64()?,
        end: v["inviteSettings"]["end"].as_u64(),
    })
}
