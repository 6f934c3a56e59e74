//! A session's own runtime for everything that processes sync responses.
//!
//! matrix-sdk 0.18 starts its "latest events" listener lazily inside the first processed
//! sync (once the event cache is subscribed) and hands that task a `SendQueue`, which holds
//! a strong `Client`. The task's abort handle lives inside the client itself, so the client
//! can never be dropped: every logged-out session kept its four SQLite stores open (≈14–22
//! file handles and 2–5 MiB per login). Running sync processing on a runtime owned by the
//! session, and dropping that runtime on logout, ends every task spawned from there —
//! that listener included — so the last `Client` reference goes with the session.

use std::future::Future;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

use crate::core::{CoreError, CoreResult};

/// A current-thread runtime on its own thread, alive until [`SyncRuntime::shut_down`] or
/// drop. Tasks spawned on it (and the tasks those spawn) are dropped with it.
pub(crate) struct SyncRuntime {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SyncRuntime {
    pub(crate) async fn start(name: &str) -> CoreResult<SyncRuntime> {
        let (handle_tx, handle_rx) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("sync {name}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = handle_tx.send(Err(e));
                        return;
                    }
                };
                let _ = handle_tx.send(Ok(runtime.handle().clone()));
                runtime.block_on(async {
                    let _ = stopped.await;
                });
                // Dropping the runtime here drops every task still spawned on it.
            })
            .map_err(CoreError::internal)?;
        let handle = handle_rx
            .await
            .map_err(CoreError::internal)?
            .map_err(CoreError::internal)?;
        Ok(SyncRuntime {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Runs `future` on this runtime and waits for its result.
    pub(crate) async fn run<F>(&self, future: F) -> CoreResult<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future).await.map_err(CoreError::internal)
    }

    /// Starts `future` on this runtime; it ends with the runtime.
    pub(crate) fn spawn<F>(&self, future: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.handle.spawn(future));
    }

    /// Stops the runtime and waits until its thread (and so every task of it) is gone.
    pub(crate) async fn shut_down(mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for SyncRuntime {
    fn drop(&mut self) {
        // Without an explicit shut-down (a session dropped while logged in) the thread is
        // told to stop and left to finish on its own.
        let _ = self.stop.take().map(|s| s.send(()));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    /// What logout relies on: a task that the runtime's own tasks spawned — and that waits
    /// forever holding a reference — is gone once the runtime is shut down.
    #[tokio::test]
    async fn shut_down_drops_tasks_spawned_from_inside() {
        let held = Arc::new(());
        let runtime = SyncRuntime::start("test").await.expect("runtime");
        let inner = held.clone();
        runtime.spawn(async move {
            tokio::spawn(async move {
                let _keep = inner;
                std::future::pending::<()>().await;
            });
            std::future::pending::<()>().await;
        });
        let answer = runtime.run(async { 41 + 1 }).await.expect("run");
        assert_eq!(answer, 42);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(Arc::strong_count(&held), 2, "the nested task holds its reference");
        runtime.shut_down().await;
        assert_eq!(Arc::strong_count(&held), 1, "shut-down dropped the nested task");
    }
}
