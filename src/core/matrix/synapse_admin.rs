//! The homeserver's admin interface: Synapse's admin API (`/_synapse/admin/…`), authenticated
//! with the org admin's own access token. The only module that knows its paths and JSON; another
//! Fachdienst's admin interface plugs in by replacing this one behind the same functions.

use matrix_sdk::reqwest::Method;
use serde_json::{Value, json};

use crate::core::rules::admin::{AdminDevice, AdminUser, ContentReport, UserPage};
use crate::core::{CoreError, CoreResult, Session};

/// Calls of one session to its homeserver's admin interface.
pub(crate) struct SynapseAdmin<'a> {
    session: &'a Session,
}

impl<'a> SynapseAdmin<'a> {
    pub(crate) fn new(session: &'a Session) -> Self {
        Self { session }
    }

    /// Whether the homeserver grants this session's account its admin rights: a plain user is
    /// refused the question itself.
    pub(crate) async fn is_admin(&self) -> CoreResult<bool> {
        let me = self.session.user_id().as_str().to_string();
        match self.call(Method::GET, &["v1", "users", &me, "admin"], &[], None).await {
            Ok(body) => Ok(body["admin"].as_bool().unwrap_or(false)),
            Err(CoreError::HomeserverForbidden(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn users(&self, from: Option<&str>, limit: u32, search: Option<&str>) -> CoreResult<UserPage> {
        let limit = limit.to_string();
        let mut query = vec![("limit", limit.as_str()), ("guests", "false"), ("deactivated", "true")];
        if let Some(from) = from {
            query.push(("from", from));
        }
        if let Some(search) = search {
            query.push(("name", search));
        }
        let body = self.call(Method::GET, &["v2", "users"], &query, None).await?;
        Ok(UserPage {
            users: body["users"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(user_of)
                .collect(),
            next: match &body["next_token"] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            },
            total: body["total"].as_u64().unwrap_or(0),
        })
    }

    /// The user, or `None` when the homeserver has no such account.
    pub(crate) async fn user(&self, user_id: &str) -> CoreResult<Option<AdminUser>> {
        match self.call(Method::GET, &["v2", "users", user_id], &[], None).await {
            Ok(body) => Ok(user_of(&body)),
            Err(CoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates the account with its password and display name in one request.
    pub(crate) async fn create_user(&self, user_id: &str, password: &str, display_name: &str) -> CoreResult<()> {
        let body = json!({"password": password, "displayname": display_name, "admin": false, "logout_devices": false});
        self.call(Method::PUT, &["v2", "users", user_id], &[], Some(body))
            .await
            .map(|_| ())
    }

    pub(crate) async fn set_display_name(&self, user_id: &str, display_name: &str) -> CoreResult<()> {
        let body = json!({"displayname": display_name});
        self.call(Method::PUT, &["v2", "users", user_id], &[], Some(body))
            .await
            .map(|_| ())
    }

    /// Deactivates the account (its devices are logged out); `erase` also removes its profile
    /// and marks its messages for erasure towards users who join later (GDPR erasure).
    pub(crate) async fn deactivate(&self, user_id: &str, erase: bool) -> CoreResult<()> {
        self.call(
            Method::POST,
            &["v1", "deactivate", user_id],
            &[],
            Some(json!({"erase": erase})),
        )
        .await
        .map(|_| ())
    }

    pub(crate) async fn devices(&self, user_id: &str) -> CoreResult<Vec<AdminDevice>> {
        let body = self
            .call(Method::GET, &["v2", "users", user_id, "devices"], &[], None)
            .await?;
        let mut devices: Vec<AdminDevice> = body["devices"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                Some(AdminDevice {
                    device_id: d["device_id"].as_str()?.to_string(),
                    display_name: d["display_name"].as_str().map(str::to_string),
                    last_seen_ms: d["last_seen_ts"].as_u64(),
                })
            })
            .collect();
        devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        Ok(devices)
    }

    /// Deletes devices: their access tokens stop working at once (the sessions end).
    pub(crate) async fn delete_devices(&self, user_id: &str, device_ids: &[String]) -> CoreResult<()> {
        self.call(
            Method::POST,
            &["v2", "users", user_id, "delete_devices"],
            &[],
            Some(json!({"devices": device_ids})),
        )
        .await
        .map(|_| ())
    }

    /// A server notice: a message from the homeserver's notices account into the user's
    /// notices room (Synapse's `server_notices` must be configured).
    pub(crate) async fn server_notice(&self, user_id: &str, text: &str) -> CoreResult<()> {
        let body = json!({"user_id": user_id, "content": {"msgtype": "m.text", "body": text}});
        self.call(Method::POST, &["v1", "send_server_notice"], &[], Some(body))
            .await
            .map(|_| ())
    }

    pub(crate) async fn reports(&self, from: u64, limit: u32) -> CoreResult<(Vec<ContentReport>, Option<u64>)> {
        let (from, limit) = (from.to_string(), limit.to_string());
        let query = [("from", from.as_str()), ("limit", limit.as_str()), ("dir", "b")];
        let body = self.call(Method::GET, &["v1", "event_reports"], &query, None).await?;
        let reports = body["event_reports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(report_of)
            .collect();
        Ok((reports, body["next_token"].as_u64()))
    }

    pub(crate) async fn report(&self, id: &str) -> CoreResult<ContentReport> {
        let body = self.call(Method::GET, &["v1", "event_reports", id], &[], None).await?;
        report_of(&body).ok_or_else(|| CoreError::NotFound(format!("report {id}")))
    }

    pub(crate) async fn delete_report(&self, id: &str) -> CoreResult<()> {
        self.call(Method::DELETE, &["v1", "event_reports", id], &[], None)
            .await
            .map(|_| ())
    }

    /// Acts in a room as one of the homeserver's own users (Synapse's "login as user"): redacts
    /// an event of theirs, or takes them out of the room. The token lives for this call only.
    pub(crate) async fn as_user(&self, user_id: &str, room_id: &str, act: AsUser<'_>) -> CoreResult<()> {
        let valid_until = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64 + 60_000)
            .unwrap_or_default();
        let login = self
            .call(
                Method::POST,
                &["v1", "users", user_id, "login"],
                &[],
                Some(json!({"valid_until_ms": valid_until})),
            )
            .await?;
        let token = login["access_token"]
            .as_str()
            .ok_or_else(|| CoreError::internal("the admin login answered without a token"))?
            .to_string();
        let result = match act {
            AsUser::Redact { event_id, reason } => {
                let txn = format!("tim-admin-{:016x}", rand::random::<u64>());
                let body = reason.map(|r| json!({"reason": r})).unwrap_or_else(|| json!({}));
                self.client_call(
                    Method::PUT,
                    &["rooms", room_id, "redact", event_id, &txn],
                    Some(body),
                    &token,
                )
                .await
            }
            AsUser::Leave => {
                self.client_call(Method::POST, &["rooms", room_id, "leave"], Some(json!({})), &token)
                    .await
            }
        };
        // Whatever happened, the borrowed token ends here.
        if let Err(e) = self
            .client_call(Method::POST, &["logout"], Some(json!({})), &token)
            .await
        {
            tracing::warn!(error = %e, "could not end the admin's puppet token");
        }
        result.map(|_| ())
    }

    async fn client_call(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Value>,
        token: &str,
    ) -> CoreResult<Value> {
        let mut url = self.session.client().homeserver();
        url.set_path("/_matrix/client/v3");
        self.send(url, method, segments, &[], body, token).await
    }

    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> CoreResult<Value> {
        let own = self
            .session
            .access_token()
            .ok_or_else(|| CoreError::Unauthorized("not logged in".into()))?;
        let mut url = self.session.client().homeserver();
        url.set_path("/_synapse/admin");
        self.send(url, method, segments, query, body, &own).await
    }

    /// `segments` are appended to `url`, each percent-encoded (MXIDs carry `@` and `:`).
    async fn send(
        &self,
        mut url: url::Url,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<Value>,
        token: &str,
    ) -> CoreResult<Value> {
        url.path_segments_mut()
            .map_err(|_| CoreError::internal("the homeserver URL cannot take a path"))?
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let answer = super::json_http::send(self.session, method, &url, token, body).await?;
        match answer.status {
            200..=299 => Ok(answer.body),
            403 => Err(CoreError::HomeserverForbidden(answer.message())),
            404 => Err(CoreError::NotFound(answer.message())),
            400 => Err(CoreError::InvalidInput(answer.message())),
            _ => Err(answer.into_error()),
        }
    }
}

/// What the org admin does in a room as one of the homeserver's users.
pub(crate) enum AsUser<'a> {
    Redact { event_id: &'a str, reason: Option<&'a str> },
    Leave,
}

fn user_of(v: &Value) -> Option<AdminUser> {
    Some(AdminUser {
        user_id: v["name"].as_str()?.to_string(),
        display_name: v["displayname"].as_str().map(str::to_string),
        deactivated: v["deactivated"].as_bool().unwrap_or(false) || v["deactivated"].as_i64() == Some(1),
        org_admin: v["admin"].as_bool().unwrap_or(false) || v["admin"].as_i64() == Some(1),
        created_ms: v["creation_ts"].as_u64(),
    })
}

fn report_of(v: &Value) -> Option<ContentReport> {
    Some(ContentReport {
        id: match &v["id"] {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => return None,
        },
        room_id: v["room_id"].as_str()?.to_string(),
        event_id: v["event_id"].as_str()?.to_string(),
        reporter: v["user_id"].as_str()?.to_string(),
        sender: v["sender"]
            .as_str()
            .or_else(|| v["event_json"]["sender"].as_str())
            .map(str::to_string),
        reason: v["reason"].as_str().map(str::to_string),
        received_ms: v["received_ts"].as_u64().unwrap_or(0),
    })
}
