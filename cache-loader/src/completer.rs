//! The leader's obligation to end a load: a guard that never leaves waiters
//! hanging.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cache_core::LoadOutcome;
use cache_core::error::CacheError;

use crate::flight::Flight;
use crate::guarded::panic_message;
use crate::single_flight::Detach;
use crate::sync::Arc;
use crate::waiter::Waiter;

/// Held by the leader of a load; ends the load exactly once.
///
/// [`complete`](Completer::complete) commits a value (if the load is still
/// current), removes the key from the in-flight table and wakes the waiters.
/// Dropping a completer without completing it (the task running the load was
/// aborted, the runtime shut down) still removes the key and wakes every
/// waiter with [`CacheError::LoadCancelled`]: no waiter hangs and the table
/// never leaks the key.
///
/// A panic while storing the value (in `commit`: a weigher, an eviction
/// listener, a custom store) is caught: every waiter then receives
/// [`CacheError::StorePanicked`], nothing stays in the table, and the next
/// caller loads again.
pub struct Completer<K, V> {
    table: Arc<dyn Detach<K, V>>,
    key: K,
    flight: Arc<Flight<V>>,
    done: bool,
    /// Whether dropping it unfinished reports a cancelled load to the
    /// observer (not for a batch's keys: the batch reports once).
    reports: bool,
}

impl<K, V: Clone> Completer<K, V> {
    pub(crate) fn new(table: Arc<dyn Detach<K, V>>, key: K, flight: Arc<Flight<V>>) -> Self {
        Self { table, key, flight, done: false, reports: true }
    }

    /// This completer as one key of a batch: the batch, not the key, counts
    /// as the load when it is cancelled.
    pub(crate) fn in_batch(mut self) -> Self {
        self.reports = false;
        self
    }

    /// The key this load is for.
    #[must_use]
    pub fn key(&self) -> &K {
        &self.key
    }

    /// A waiter on this load (the leader awaits its own result this way).
    #[must_use]
    pub fn waiter(&self) -> Waiter<V> {
        Waiter::new(Arc::clone(&self.flight))
    }

    /// Ends the load with `result`.
    ///
    /// On success `commit(key, value)` runs under the key's lock, but only if
    /// the load is still current: no `invalidate` of the key happened since
    /// the load began. Then every waiter receives a clone of the result, or
    /// [`CacheError::StorePanicked`] if `commit` panicked. Returns whether
    /// the value was committed.
    pub fn complete(mut self, result: Result<V, CacheError>, commit: impl FnOnce(&K, &V)) -> bool {
        self.done = true;
        let stored = self.detach(|key| {
            let value = result.as_ref().ok()?;
            Some(catch_unwind(AssertUnwindSafe(|| commit(key, value))))
        });
        let (committed, result) = match stored.flatten() {
            Some(Ok(())) => (true, result),
            Some(Err(payload)) => {
                (false, Err(CacheError::StorePanicked { message: panic_message(&*payload) }))
            }
            None => (false, result),
        };
        self.flight.finish(result);
        committed
    }

    /// Ends the load without a value (the entry API's removal, or a
    /// computation that left the key absent): `write(key)` runs under the
    /// key's lock, but only if the load is still current; every waiter gets
    /// [`CacheError::NotFound`]. Returns whether `write` ran.
    pub fn complete_without_value(mut self, write: impl FnOnce(&K)) -> bool {
        self.done = true;
        let ran = self.detach(|key| write(key)).is_some();
        self.flight.finish(Err(CacheError::NotFound));
        ran
    }

    /// Removes the key from the table if this load is still its current one,
    /// running `on_current` under the lock in that case.
    fn detach<R>(&self, on_current: impl FnOnce(&K) -> R) -> Option<R> {
        let mut on_current = Some(on_current);
        let mut out = None;
        self.table.detach_if_current(&self.key, &self.flight, &mut |key| {
            if let Some(f) = on_current.take() {
                out = Some(f(key));
            }
        });
        out
    }
}

impl<K, V> Drop for Completer<K, V> {
    fn drop(&mut self) {
        if !self.done {
            self.cancel();
        }
    }
}

impl<K, V> Completer<K, V> {
    #[cold]
    fn cancel(&mut self) {
        self.table.detach_if_current(&self.key, &self.flight, &mut |_| {});
        if self.reports {
            self.table.observer().on_load(LoadOutcome::Cancelled, std::time::Duration::ZERO);
        }
        self.flight.finish(Err(CacheError::LoadCancelled));
    }
}

impl<K: fmt::Debug, V> fmt::Debug for Completer<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completer").field("key", &self.key).field("done", &self.done).finish()
    }
}
