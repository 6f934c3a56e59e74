//! Reading and writing the permission configuration as global account data. The homeserver
//! (invite checker) enforces what is written here on every invite to this account.

use matrix_sdk::ruma::events::{AnyGlobalAccountDataEventContent, GlobalAccountDataEventType};
use matrix_sdk::ruma::serde::Raw;
use serde_json::Value;

use super::errors::from_sdk;
use crate::core::rules::permissions::{
    self, Entries, KEPT_LISTS_EVENT_TYPE, List, Mode, PermissionError, PermissionLists,
};
use crate::core::{CoreError, CoreResult, Rule, Session};

pub struct Permissions<'a> {
    session: &'a Session,
}

impl Session {
    pub fn permissions(&self) -> Permissions<'_> {
        Permissions { session: self }
    }
}

impl Permissions<'_> {
    pub async fn mode(&self) -> CoreResult<Mode> {
        self.session.live()?;
        Ok(self.load().await?.mode)
    }

    /// Switches the mode; each list keeps its entries for when its mode comes back.
    pub async fn set_mode(&self, mode: Mode) -> CoreResult<Mode> {
        self.session.live()?;
        let mut lists = self.load().await?;
        lists.mode = mode;
        self.save(&lists).await?;
        Ok(mode)
    }

    /// A list can be read in either mode.
    pub async fn list(&self, list: List) -> CoreResult<Entries> {
        self.session.live()?;
        Ok(self.load().await?.entries(list).clone())
    }

    /// Adds entries to the list that counts in the current mode (else `RuleViolated`).
    pub async fn add(&self, list: List, entries: &Entries) -> CoreResult<Entries> {
        self.session.live()?;
        let mut lists = self.load().await?;
        lists.add(list, entries, self.session.product()).map_err(core_error)?;
        self.save(&lists).await?;
        Ok(lists.entries(list).clone())
    }

    pub async fn remove(&self, list: List, entries: &Entries) -> CoreResult<()> {
        self.session.live()?;
        let mut lists = self.load().await?;
        lists.remove(list, entries).map_err(core_error)?;
        self.save(&lists).await
    }

    /// Back to the default: everybody may invite, both lists empty.
    pub async fn reset(&self) -> CoreResult<()> {
        self.session.live()?;
        self.save(&PermissionLists::default()).await
    }

    /// Reads from the server, not the sync cache: a write just before must be seen.
    async fn load(&self) -> CoreResult<PermissionLists> {
        let config = self
            .fetch(permissions::config_event_type(self.session.product()))
            .await?;
        let kept = self.fetch(KEPT_LISTS_EVENT_TYPE).await?;
        Ok(PermissionLists::from_account_data(config.as_ref(), kept.as_ref()))
    }

    async fn save(&self, lists: &PermissionLists) -> CoreResult<()> {
        let product = self.session.product();
        self.put(KEPT_LISTS_EVENT_TYPE, lists.kept_content()).await?;
        self.put(permissions::config_event_type(product), lists.config_content(product))
            .await
    }

    async fn fetch(&self, event_type: &str) -> CoreResult<Option<Value>> {
        let raw = self
            .session
            .client()
            .account()
            .fetch_account_data(GlobalAccountDataEventType::from(event_type))
            .await
            .map_err(from_sdk)?;
        Ok(raw.and_then(|r| serde_json::from_str(r.json().get()).ok()))
    }

    async fn put(&self, event_type: &str, content: Value) -> CoreResult<()> {
        let raw: Raw<AnyGlobalAccountDataEventContent> =
            Raw::new(&content).map_err(CoreError::internal)?.cast_unchecked();
        self.session
            .client()
            .account()
            .set_account_data_raw(GlobalAccountDataEventType::from(event_type), raw)
            .await
            .map_err(from_sdk)?;
        Ok(())
    }
}

fn core_error(e: PermissionError) -> CoreError {
    match e {
        PermissionError::WrongMode { list, mode } => Rule::PermissionListOfOtherMode
            .violated(format!("the {list:?} list cannot be changed in mode {}", mode.as_str())),
        PermissionError::Invalid(m) => CoreError::InvalidInput(m),
    }
}
