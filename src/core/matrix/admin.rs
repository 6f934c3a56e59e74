//! The org admin's client (gemSpec_TI-Messenger-Client 5.7 "Server Administration"): the users
//! of the homeserver, their devices, system messages and reports of unwanted content (5.2).
//! Every function asks the role first ([`crate::core::rules::admin::require_org_admin`]), so a
//! plain user's session is refused before anything changes; the homeserver checks again.

use rand::Rng;

use super::synapse_admin::{AsUser, SynapseAdmin};
use crate::core::rules::admin::{
    AdminDevice, AdminUser, ContentReport, CreatedUser, NewUser, ReportAction, Role, UserPage, display_name,
    hashed_localpart, require_org_admin,
};
use crate::core::{CoreError, CoreResult, Mxid, Rule, Session};

/// Longest page of the user list one call returns.
pub const MAX_PAGE: u32 = 1000;
/// Characters of a generated initial password (alphanumeric: ~143 bits).
const INITIAL_PASSWORD_LEN: usize = 24;

/// The org admin's functions of a session.
pub struct Admin<'a> {
    session: &'a Session,
}

impl Session {
    pub fn admin(&self) -> Admin<'_> {
        Admin { session: self }
    }

    /// Whether this session acts as the org admin of its homeserver, as the homeserver says
    /// (asked once per session).
    pub async fn role(&self) -> CoreResult<Role> {
        self.live()?;
        self.role_cell()
            .get_or_try_init(|| async {
                let admin = SynapseAdmin::new(self).is_admin().await?;
                Ok(if admin { Role::OrgAdmin } else { Role::User })
            })
            .await
            .copied()
    }
}

impl Admin<'_> {
    async fn backend(&self) -> CoreResult<SynapseAdmin<'_>> {
        require_org_admin(self.session.role().await?)?;
        Ok(SynapseAdmin::new(self.session))
    }

    /// A user of this homeserver (others are their own homeserver's to administer).
    fn local(&self, user: &Mxid) -> CoreResult<String> {
        if user.server_name() != self.session.user_id().server_name() {
            return Err(CoreError::InvalidInput(format!(
                "{user} is not a user of this homeserver ({})",
                self.session.user_id().server_name()
            )));
        }
        Ok(user.as_str().to_string())
    }

    async fn existing(&self, backend: &SynapseAdmin<'_>, user: &Mxid) -> CoreResult<(String, AdminUser)> {
        let id = self.local(user)?;
        let found = backend
            .user(&id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("no user {user} on this homeserver")))?;
        Ok((id, found))
    }

    /// One page of the homeserver's users (deactivated ones included), optionally only those
    /// whose MXID or display name contains `search`; `from` is the previous page's `next`.
    pub async fn users(&self, from: Option<&str>, limit: u32, search: Option<&str>) -> CoreResult<UserPage> {
        if limit == 0 || limit > MAX_PAGE {
            return Err(CoreError::InvalidInput(format!("a page has 1 to {MAX_PAGE} users")));
        }
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        self.backend().await?.users(from, limit, search).await
    }

    pub async fn user(&self, user: &Mxid) -> CoreResult<AdminUser> {
        let backend = self.backend().await?;
        Ok(self.existing(&backend, user).await?.1)
    }

    /// Creates a user whose MXID is computed from `identifier` (ML-124045; the user has no say
    /// in it, ML-123610), with the display name the admin gives and a one-time initial
    /// password to hand over. An identifier already in use is refused; a creation that fails
    /// half-way is undone.
    pub async fn create_user(&self, new: &NewUser) -> CoreResult<CreatedUser> {
        let name = display_name(&new.display_name)?;
        let localpart = hashed_localpart(&new.identifier)?;
        let backend = self.backend().await?;
        let user_id = format!("@{localpart}:{}", self.session.user_id().server_name());
        if backend.user(&user_id).await?.is_some() {
            return Err(CoreError::InvalidInput(
                "a user with this identifier exists already".into(),
            ));
        }
        let initial_password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(INITIAL_PASSWORD_LEN)
            .map(char::from)
            .collect();
        if let Err(e) = backend.create_user(&user_id, &initial_password, &name).await {
            if backend.user(&user_id).await.ok().flatten().is_some() {
                let _ = backend.deactivate(&user_id, true).await;
            }
            return Err(e);
        }
        tracing::info!(user = %user_id, "user created by the org admin");
        Ok(CreatedUser {
            user_id,
            initial_password,
        })
    }

    /// Sets a user's display name: in TI-M the org admin does, not the user (5.7).
    pub async fn set_display_name(&self, user: &Mxid, name: &str) -> CoreResult<()> {
        let name = display_name(name)?;
        let backend = self.backend().await?;
        let (id, _) = self.existing(&backend, user).await?;
        backend.set_display_name(&id, &name).await
    }

    /// Deactivates a user: no more logins, every device logged out.
    pub async fn deactivate(&self, user: &Mxid) -> CoreResult<()> {
        let backend = self.backend().await?;
        let (id, _) = self.existing(&backend, user).await?;
        self.refuse_self(&id)?;
        backend.deactivate(&id, false).await
    }

    /// Deletes a user: deactivated and erased (profile gone, messages hidden from later members).
    pub async fn delete_user(&self, user: &Mxid) -> CoreResult<()> {
        let backend = self.backend().await?;
        let (id, _) = self.existing(&backend, user).await?;
        self.refuse_self(&id)?;
        backend.deactivate(&id, true).await
    }

    fn refuse_self(&self, id: &str) -> CoreResult<()> {
        if id == self.session.user_id().as_str() {
            return Err(CoreError::InvalidInput(
                "the org admin does not deactivate their own account".into(),
            ));
        }
        Ok(())
    }

    /// The devices of any user of the homeserver.
    pub async fn devices(&self, user: &Mxid) -> CoreResult<Vec<AdminDevice>> {
        let backend = self.backend().await?;
        let (id, _) = self.existing(&backend, user).await?;
        backend.devices(&id).await
    }

    /// Deletes one device of a user, which logs it out: its session ends at its next request.
    pub async fn delete_device(&self, user: &Mxid, device_id: &str) -> CoreResult<()> {
        let backend = self.backend().await?;
        let (id, _) = self.existing(&backend, user).await?;
        if !backend.devices(&id).await?.iter().any(|d| d.device_id == device_id) {
            return Err(CoreError::NotFound(format!("{user} has no device {device_id}")));
        }
        backend.delete_devices(&id, &[device_id.to_string()]).await
    }

    /// Logs a user out everywhere (every device deleted); how many devices there were.
    pub async fn log_out_everywhere(&self, user: &Mxid) -> CoreResult<usize> {
        let backend = self.backend().await?;
        let (id, _) = self.existing(&backend, user).await?;
        let devices: Vec<String> = backend.devices(&id).await?.into_iter().map(|d| d.device_id).collect();
        if !devices.is_empty() {
            backend.delete_devices(&id, &devices).await?;
        }
        Ok(devices.len())
    }

    /// A system message to one user, into their notices room.
    pub async fn notify_user(&self, user: &Mxid, text: &str) -> CoreResult<()> {
        let text = notice_text(text)?;
        let backend = self.backend().await?;
        let (id, found) = self.existing(&backend, user).await?;
        if found.deactivated {
            return Err(CoreError::InvalidInput(format!("{user} is deactivated")));
        }
        backend.server_notice(&id, &text).await
    }

    /// A system message to every active user of the homeserver; how many got it.
    pub async fn notify_all(&self, text: &str) -> CoreResult<usize> {
        let text = notice_text(text)?;
        let backend = self.backend().await?;
        let mut sent = 0;
        let mut from: Option<String> = None;
        loop {
            let page = backend.users(from.as_deref(), 100, None).await?;
            for user in page.users.iter().filter(|u| !u.deactivated) {
                match backend.server_notice(&user.user_id, &text).await {
                    Ok(()) => sent += 1,
                    // The notices account itself and other system accounts take no notices.
                    Err(CoreError::InvalidInput(e)) => tracing::debug!(user = %user.user_id, error = %e, "no notice"),
                    Err(e) => return Err(e),
                }
            }
            match page.next {
                Some(next) => from = Some(next),
                None => return Ok(sent),
            }
        }
    }

    /// Reports of unwanted content, newest first (all of them, page by page).
    pub async fn reports(&self) -> CoreResult<Vec<ContentReport>> {
        let backend = self.backend().await?;
        let mut all = Vec::new();
        let mut from = 0;
        loop {
            let (page, next) = backend.reports(from, 100).await?;
            all.extend(page);
            match next {
                Some(next) => from = next,
                None => return Ok(all),
            }
        }
    }

    /// Acts on a report: redacts the event or takes its sender out of the room (both as that
    /// user of this homeserver: a sender on another homeserver is its admins' to act on), or
    /// dismisses it. The report is closed afterwards.
    pub async fn act_on_report(&self, report_id: &str, action: ReportAction) -> CoreResult<()> {
        if report_id.is_empty() || !report_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CoreError::InvalidInput(format!("'{report_id}' is not a report id")));
        }
        let backend = self.backend().await?;
        let report = backend.report(report_id).await?;
        if action != ReportAction::Dismiss {
            let sender = report
                .sender
                .clone()
                .ok_or_else(|| CoreError::NotFound("the reported event is gone".into()))?;
            let sender = Mxid::parse(&sender)?;
            if sender.server_name() != self.session.user_id().server_name() {
                return Err(Rule::RemoteSender.violated(format!(
                    "{sender} is a user of {}: its admins act on their users",
                    sender.server_name()
                )));
            }
            let act = match action {
                ReportAction::Redact => AsUser::Redact {
                    event_id: &report.event_id,
                    reason: report.reason.as_deref(),
                },
                _ => AsUser::Leave,
            };
            backend.as_user(sender.as_str(), &report.room_id, act).await?;
        }
        backend.delete_report(report_id).await?;
        tracing::info!(report = report_id, ?action, "report handled by the org admin");
        Ok(())
    }
}

fn notice_text(text: &str) -> CoreResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CoreError::InvalidInput("the system message is empty".into()));
    }
    if text.len() > 16_000 {
        return Err(CoreError::InvalidInput(
            "the system message is longer than 16000 bytes".into(),
        ));
    }
    Ok(text.to_string())
}
