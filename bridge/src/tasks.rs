//! The bridge's background work — agent turns, handoff deliveries, relays to the inbox, webhook
//! handling — spawned through one tracker instead of bare `tokio::spawn`, for two reasons: a
//! shutdown can stop what waits (a retry's backoff) and give what runs a bounded time to finish,
//! and a test can wait until everything set off has settled instead of sleeping and hoping.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Spawns and tracks background work; cheap to clone, every clone tracks the same tasks.
#[derive(Debug, Clone, Default)]
pub struct Tasks {
    tracker: TaskTracker,
    stopping: CancellationToken,
}

impl Tasks {
    /// A tracker with nothing running.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `work` in the background, tracked.
    pub fn spawn<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(work);
    }

    /// How many tasks are running or waiting.
    pub fn running(&self) -> usize {
        self.tracker.len()
    }

    /// Completes once nothing tracked is running, including work that running work set off
    /// before it ended.
    pub async fn settled(&self) {
        loop {
            // `wait` completes only on a closed tracker: close it for the look, then reopen so
            // new work is still accepted. A task spawned meanwhile is counted by `len`.
            self.tracker.close();
            self.tracker.wait().await;
            self.tracker.reopen();
            if self.tracker.is_empty() {
                return;
            }
        }
    }

    /// Whether the bridge is stopping.
    pub fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Waits `wait`, or less if the bridge starts stopping; whether the whole wait passed.
    pub async fn sleep(&self, wait: Duration) -> bool {
        tokio::select! {
            () = tokio::time::sleep(wait) => true,
            () = self.stopping.cancelled() => false,
        }
    }

    /// Tells waiting work to stop.
    pub fn stop(&self) {
        self.stopping.cancel();
    }

    /// Gives running work up to `grace` to finish; whether it all did.
    pub async fn finish(&self, grace: Duration) -> bool {
        self.tracker.close();
        tokio::time::timeout(grace, self.tracker.wait()).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn settled_waits_for_work_and_for_the_work_it_sets_off() {
        let tasks = Tasks::new();
        let done = Arc::new(AtomicUsize::new(0));
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let (inner_tasks, inner_done) = (tasks.clone(), Arc::clone(&done));
        tasks.spawn(async move {
            let _ = wait.await;
            let counted = Arc::clone(&inner_done);
            inner_tasks.spawn(async move {
                tokio::task::yield_now().await;
                counted.fetch_add(1, Ordering::SeqCst);
            });
            inner_done.fetch_add(1, Ordering::SeqCst);
        });
        let settled = tasks.clone();
        let watcher = tokio::spawn(async move { settled.settled().await });
        tokio::task::yield_now().await;
        assert!(!watcher.is_finished(), "work is still waiting");
        release.send(()).expect("the task waits");
        watcher.await.expect("settles");
        assert_eq!(done.load(Ordering::SeqCst), 2, "both the work and what it set off ran");
        assert_eq!(tasks.running(), 0);
        tasks.spawn(async {});
        tasks.settled().await;
    }

    #[tokio::test]
    async fn stopping_cuts_a_backoff_short_and_waits_for_running_work() {
        let tasks = Tasks::new();
        let waiter = tasks.clone();
        let finished = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&finished);
        tasks.spawn(async move {
            let whole = waiter.sleep(Duration::from_secs(3600)).await;
            assert!(!whole, "the hour-long wait was cut short");
            counted.fetch_add(1, Ordering::SeqCst);
        });
        tasks.stop();
        assert!(tasks.finish(Duration::from_secs(60)).await, "the work finished within the grace");
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        assert!(tasks.is_stopping());
    }
}
