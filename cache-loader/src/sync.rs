//! The one place the concurrency-critical code takes its sync primitives,
//! task spawning and the batch window's timer from, so a model checker can
//! swap them in (tokio's `src/loom/mod.rs` pattern, quick_cache's `shim`).
//!
//! Normally: `parking_lot`'s mutex, `std`'s `Arc`, tokio's tasks and timer.
//! With the `shuttle` feature (tests only, see `tests/shuttle.rs`): shuttle's
//! mutex and tasks, under which every interleaving of their operations can be
//! explored; the window's timer becomes a yield, so it may fire at any point.

pub(crate) use std::sync::OnceLock;
pub(crate) use std::sync::{Arc, Weak};
pub(crate) use tokio::sync::Notify;

#[cfg(not(feature = "shuttle"))]
pub(crate) use parking_lot::{Mutex, MutexGuard};

#[cfg(feature = "shuttle")]
pub(crate) use shuttled::{Mutex, MutexGuard};

/// Runs `task` on its own (detached) task.
#[cfg(not(feature = "shuttle"))]
pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) {
    drop(tokio::spawn(task));
}

/// Whether tasks can be spawned from here.
#[cfg(not(feature = "shuttle"))]
pub(crate) fn can_spawn() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// Waits out a batch window.
#[cfg(not(feature = "shuttle"))]
pub(crate) async fn window(window: std::time::Duration) {
    tokio::time::sleep(window).await;
}

#[cfg(feature = "shuttle")]
pub(crate) use shuttled::{can_spawn, spawn, window};

#[cfg(feature = "shuttle")]
mod shuttled {
    use std::sync::PoisonError;

    /// shuttle's mutex with `parking_lot`'s signature (no poisoning).
    #[derive(Debug, Default)]
    pub(crate) struct Mutex<T>(shuttle::sync::Mutex<T>);

    pub(crate) type MutexGuard<'a, T> = shuttle::sync::MutexGuard<'a, T>;

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Self(shuttle::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) {
        drop(shuttle::future::spawn(task)); // dropping the handle detaches it
    }

    pub(crate) fn can_spawn() -> bool {
        true
    }

    /// The window elapses at whatever point the scheduler picks.
    pub(crate) async fn window(_window: std::time::Duration) {
        shuttle::future::yield_now().await;
    }
}
