//! Notices that the homeserver ended a session, from whichever request learnt it first: the
//! background sync, or any other call (matrix-sdk broadcasts every `M_UNKNOWN_TOKEN` it
//! receives as a session change).

use matrix_sdk::{Client, SessionChange};
use tokio::sync::{broadcast, watch};

use crate::core::rules::session_end::EndReason;

/// Once set, never cleared: an ended session stays ended; a new login makes a new session.
pub(crate) struct Ending {
    reason: watch::Sender<Option<EndReason>>,
}

impl Ending {
    pub(crate) fn new() -> Self {
        Self {
            reason: watch::channel(None).0,
        }
    }

    /// Records the end; the first reason wins. Returns whether this call ended the session.
    pub(crate) fn mark(&self, user: &str, reason: EndReason) -> bool {
        let first = self.reason.send_if_modified(|slot| {
            if slot.is_some() {
                return false;
            }
            *slot = Some(reason);
            true
        });
        if first {
            tracing::warn!(%user, reason = reason.code(), "session ended by the homeserver; sync stopped");
        }
        first
    }

    pub(crate) fn get(&self) -> Option<EndReason> {
        *self.reason.borrow()
    }

    /// Waits until the session ends.
    pub(crate) async fn wait(&self) -> EndReason {
        let mut rx = self.reason.subscribe();
        loop {
            if let Some(reason) = *rx.borrow_and_update() {
                return reason;
            }
            if rx.changed().await.is_err() {
                // The sender lives as long as `self`; unreachable while borrowed.
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Turns matrix-sdk's session-change broadcast into the session's end. Subscribed before the
/// first request, so no `M_UNKNOWN_TOKEN` is missed; runs until the session's runtime stops.
pub(crate) fn watch_session_changes(
    client: &Client,
    user: String,
    ending: std::sync::Arc<Ending>,
) -> impl Future<Output = ()> + Send + 'static {
    let mut changes = client.subscribe_to_session_changes();
    async move {
        loop {
            match changes.recv().await {
                Ok(SessionChange::UnknownToken(data)) => {
                    let reason = if data.soft_logout {
                        EndReason::SoftLogout
                    } else {
                        EndReason::TokenRevoked
                    };
                    ending.mark(&user, reason);
                }
                Ok(SessionChange::TokensRefreshed) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_wins_and_wakes_waiters() {
        let ending = std::sync::Arc::new(Ending::new());
        assert_eq!(ending.get(), None);
        let waiter = {
            let ending = ending.clone();
            tokio::spawn(async move { ending.wait().await })
        };
        assert!(ending.mark("@a:b", EndReason::SoftLogout));
        assert!(!ending.mark("@a:b", EndReason::TokenRevoked));
        assert_eq!(waiter.await.unwrap(), EndReason::SoftLogout);
        assert_eq!(ending.get(), Some(EndReason::SoftLogout));
    }
}
