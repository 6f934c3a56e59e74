//! Finding users of the own homeserver (user directory).

use matrix_sdk::ruma::events::GlobalAccountDataEventType;
use matrix_sdk::ruma::events::ignored_user_list::IgnoredUserListEventContent;

use super::errors::from_sdk;
use crate::core::{CoreError, CoreResult, Mxid, Product, Session};

/// One user found in the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserHit {
    pub user_id: String,
    pub display_name: Option<String>,
}

pub struct Users<'a> {
    session: &'a Session,
}

impl Session {
    pub fn users(&self) -> Users<'_> {
        Users { session: self }
    }
}

impl Users<'_> {
    /// Ignores a user (4.3): the homeserver stops sending their events and invites to this
    /// account, and the message lists drop what they sent before.
    pub async fn ignore(&self, user: &Mxid) -> CoreResult<()> {
        self.session.live()?;
        if user == self.session.user_id() {
            return Err(CoreError::InvalidInput("the account cannot ignore itself".into()));
        }
        let id = sdk_user_id(user)?;
        self.session
            .client()
            .account()
            .ignore_user(&id)
            .await
            .map_err(from_sdk)?;
        self.refill_caches().await
    }

    /// Undoes [`Users::ignore`]; their events come back with the next read.
    pub async fn unignore(&self, user: &Mxid) -> CoreResult<()> {
        self.session.live()?;
        let id = sdk_user_id(user)?;
        self.session
            .client()
            .account()
            .unignore_user(&id)
            .await
            .map_err(from_sdk)?;
        self.refill_caches().await
    }

    /// The users this account ignores, as the homeserver has the list.
    pub async fn ignored(&self) -> CoreResult<Vec<String>> {
        self.session.live()?;
        let raw = self
            .session
            .client()
            .account()
            .fetch_account_data(GlobalAccountDataEventType::IgnoredUserList)
            .await
            .map_err(from_sdk)?;
        let Some(raw) = raw else { return Ok(Vec::new()) };
        let list: IgnoredUserListEventContent = raw.deserialize_as_unchecked().map_err(CoreError::internal)?;
        let mut users: Vec<String> = list.ignored_users.keys().map(|u| u.to_string()).collect();
        users.sort();
        Ok(users)
    }

    /// matrix-sdk leaves cached events of a newly ignored user in place (its `ignore_user`
    /// says so): the caches start anew, and reads page in from the homeserver, which leaves
    /// out ignored users' events.
    async fn refill_caches(&self) -> CoreResult<()> {
        self.session
            .client()
            .event_cache()
            .clear_all_rooms()
            .await
            .map_err(CoreError::internal)
    }

    /// The homeserver search as the product offers it: by MXID when one is given, else by
    /// display name. A search never fails for its input: an MXID that does not parse, or no
    /// criterion at all, finds nobody.
    pub async fn lookup(&self, mxid: Option<&str>, display_name: Option<&str>) -> CoreResult<Vec<UserHit>> {
        self.session.live()?;
        match (mxid.map(Mxid::parse), display_name) {
            (Some(Ok(mxid)), _) => self.find(&mxid).await,
            (Some(Err(_)), _) | (None, None) => Ok(Vec::new()),
            (None, Some(name)) => self.search(name).await,
        }
    }

    /// The user with exactly this MXID, if the directory knows it (at most one hit).
    /// Insured persons (ePA) do not search the homeserver's users: they find nobody.
    pub async fn find(&self, mxid: &Mxid) -> CoreResult<Vec<UserHit>> {
        self.session.live()?;
        if self.session.product() == Product::Epa {
            return Ok(Vec::new());
        }
        let exact = |hits: Vec<UserHit>| {
            hits.into_iter()
                .filter(|h| h.user_id == mxid.as_str())
                .collect::<Vec<_>>()
        };
        let found = exact(self.directory(mxid.as_str()).await);
        if !found.is_empty() {
            return Ok(found);
        }
        // Some directories tokenise the full MXID badly; the localpart always works.
        Ok(exact(self.directory(mxid.localpart()).await))
    }

    /// Users whose display name contains `name` (case-insensitive); nobody for ePA.
    pub async fn search(&self, name: &str) -> CoreResult<Vec<UserHit>> {
        self.session.live()?;
        if self.session.product() == Product::Epa {
            return Ok(Vec::new());
        }
        let needle = name.to_lowercase();
        Ok(self
            .directory(name)
            .await
            .into_iter()
            .filter(|h| {
                h.display_name
                    .as_deref()
                    .is_some_and(|d| d.to_lowercase().contains(&needle))
            })
            .collect())
    }

    /// A directory query; an unreachable directory finds nobody (searches never fail).
    async fn directory(&self, term: &str) -> Vec<UserHit> {
        match self.session.client().search_users(term, 50).await {
            Ok(r) => r
                .results
                .into_iter()
                .map(|u| UserHit {
                    user_id: u.user_id.to_string(),
                    display_name: u.display_name,
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "user directory search failed");
                Vec::new()
            }
        }
    }
}

/// matrix-sdk's form of an MXID the core already checked.
fn sdk_user_id(user: &Mxid) -> CoreResult<matrix_sdk::ruma::OwnedUserId> {
    matrix_sdk::ruma::UserId::parse(user.as_str()).map_err(|e| CoreError::InvalidInput(e.to_string()))
}
