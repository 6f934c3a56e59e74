//! Waiting for the background sync to reflect an action, by polling local state only.

use std::future::Future;
use std::time::Duration;

/// How long an action waits for its own effect to arrive through sync.
pub(crate) const SYNC_ECHO_TIMEOUT: Duration = Duration::from_secs(8);

/// Polls `check` until it yields `Some` or the timeout passes.
pub(crate) async fn until<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
