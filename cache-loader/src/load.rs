//! `get_or_load`: single-flight loading of one key with a caller's loader.

use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

use cache_core::BoxError;
use cache_core::error::CacheError;

use crate::guarded::run_guarded;
use crate::single_flight::{Joined, SingleFlight};

impl<K, V> SingleFlight<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Loads `key` once however many callers ask for it concurrently.
    ///
    /// `probe` looks the key up in the store (see [`join`](Self::join)). If a
    /// load of the key is in flight the caller waits for it; otherwise `loader`
    /// is called and its future runs as a spawned tokio task, which reports
    /// the outcome, calls `commit(key, value)` on success (unless the key was
    /// invalidated meanwhile) and hands the result to every waiter. An error,
    /// panic or elapsed `timeout` reaches every waiter as a [`CacheError`];
    /// nothing is committed then, and the next call loads again.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe. The load runs in its own task, so dropping this future
    /// (a request timeout, a closed connection) never stalls the other
    /// waiters: the load goes on, is committed, and answers them. The loader
    /// also makes progress when its leader is never polled again. This is a
    /// deliberate choice over handing the load to a waiter: it costs one task
    /// spawn per miss and requires a `'static` loader future, and in exchange
    /// no caller's fate depends on another caller's scheduling.
    ///
    /// # Concurrent calls on the same key
    ///
    /// Exactly one `loader` runs per load; the others are dropped uncalled.
    /// Callers arriving after an [`invalidate`](Self::invalidate) of the key
    /// do not join a load that began before it.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime (it spawns the load).
    pub async fn get_or_load<F, Fut, E>(
        &self,
        key: K,
        probe: impl FnOnce() -> Option<V>,
        loader: F,
        timeout: Option<Duration>,
        commit: impl FnOnce(&K, &V) + Send + 'static,
    ) -> Result<V, CacheError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        match self.join(&key, probe) {
            Joined::Present(value) => Ok(value),
            Joined::Waiting(waiter) => waiter.wait().await,
            Joined::Leading(completer) => {
                self.lead_in_task(completer, loader, timeout, commit).wait().await
            }
        }
    }
}

impl<K, V> SingleFlight<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Starts a load of `key` in the background, now, unless one is in
    /// flight (refresh-ahead, stale-while-revalidate): joins the key's
    /// single-flight slot before returning, so a write of the key from now
    /// on detaches this load, and calls `loader` only when it leads.
    /// Returns a [`Waiter`](crate::Waiter) on the started load, or `None`
    /// when one was in flight already.
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime (it spawns the load).
    pub fn spawn_load<F, Fut, E>(
        &self,
        key: &K,
        loader: F,
        timeout: Option<Duration>,
        commit: impl FnOnce(&K, &V) + Send + 'static,
    ) -> Option<crate::Waiter<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let Joined::Leading(completer) = self.join(key, || None) else {
            return None;
        };
        Some(self.lead_in_task(completer, loader, timeout, commit))
    }

    /// Runs the load this caller leads in a task of its own: reports its
    /// outcome, commits a value unless the key was invalidated meanwhile,
    /// and hands the result to every waiter. Returns a waiter on it.
    fn lead_in_task<F, Fut, E>(
        &self,
        completer: crate::Completer<K, V>,
        loader: F,
        timeout: Option<Duration>,
        commit: impl FnOnce(&K, &V) + Send + 'static,
    ) -> crate::Waiter<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let waiter = completer.waiter();
        let load = loader();
        let observer = std::sync::Arc::clone(self.observer());
        crate::sync::spawn(async move {
            let load = async move { load.await.map_err(Into::into) };
            let result = run_guarded(load, timeout, &*observer).await;
            completer.complete(result, commit);
        });
        waiter
    }

    /// As [`get_or_load`](Self::get_or_load), but the load runs inside the
    /// leader's own future instead of a spawned task, so `loader` and its
    /// future may borrow (a `&self`, a `&Db`), and no runtime is needed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, by hand-over: if the leader is dropped mid-load, its
    /// [`Completer`](crate::Completer) wakes the waiters, and the first of
    /// them to run takes the load over with its own `loader` (the others wait
    /// for that one). No waiter hangs; the price, against
    /// [`get_or_load`](Self::get_or_load), is that a leader which is never
    /// polled again (but not dropped) delays its waiters until it is.
    ///
    /// # Concurrent calls on the same key
    ///
    /// One `loader` runs at a time per key; waiters share its result, error
    /// included, and only take over when the leader was cancelled.
    pub async fn get_or_load_inline<F, Fut, E>(
        &self,
        key: K,
        probe: impl Fn() -> Option<V>,
        loader: F,
        timeout: Option<Duration>,
        commit: impl FnOnce(&K, &V),
    ) -> Result<V, CacheError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
        E: Into<BoxError>,
    {
        loop {
            match self.join(&key, &probe) {
                Joined::Present(value) => return Ok(value),
                Joined::Waiting(waiter) => match waiter.wait().await {
                    Err(CacheError::LoadCancelled) => continue, // take over
                    result => return result,
                },
                Joined::Leading(completer) => {
                    let load = async move { loader().await.map_err(Into::into) };
                    let result = run_guarded(load, timeout, &**self.observer()).await;
                    let waiter = completer.waiter();
                    completer.complete(result, commit);
                    // The stored outcome: a panic while storing replaces the value.
                    return waiter.try_result().unwrap_or(Err(CacheError::LoadCancelled));
                }
            }
        }
    }
}
