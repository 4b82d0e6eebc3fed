//! One batch's keys on their way to the batch loader, and the guard that
//! keeps a queued batch from being stranded when its window timer is lost.

use std::collections::HashSet;
use std::hash::Hash;
use std::time::Duration;

use cache_core::LoadOutcome;
use cache_core::error::CacheError;
use cache_core::time::Instant;

use super::Inner;
use crate::completer::Completer;
use crate::sync::{Arc, Weak};

/// The completers of one batch. Dropped before it ends (its task aborted,
/// its runtime shut down), it counts one cancelled load, however many keys
/// it holds (a batch counts as one load), and its keys' waiters receive
/// [`CacheError::LoadCancelled`].
pub(super) struct Batch<K, V> {
    pub(super) completers: Vec<Completer<K, V>>,
    /// When its first key was requested: the load timeout counts from here.
    pub(super) opened: Instant,
    inner_observer: Arc<dyn cache_core::LoadObserver>,
    ended: bool,
}

impl<K, V> Batch<K, V>
where
    K: Hash + Eq + Clone,
    V: Clone,
{
    pub(super) fn new(
        completers: Vec<Completer<K, V>>,
        opened: Instant,
        observer: Arc<dyn cache_core::LoadObserver>,
    ) -> Self {
        Self { completers, opened, inner_observer: observer, ended: false }
    }

    /// The distinct keys of the batch, in request order. A key can appear
    /// twice when a write detached its first load while the batch was
    /// collecting keys; the loader still sees it once.
    pub(super) fn distinct_keys(&self) -> Vec<K> {
        let mut seen = HashSet::with_capacity(self.completers.len());
        self.completers.iter().map(Completer::key).filter(|k| seen.insert(*k)).cloned().collect()
    }

    /// Ends every key of the batch with the loader's answer: a key it left
    /// out is [`CacheError::NotFound`].
    pub(super) fn answer(
        mut self,
        values: &std::collections::HashMap<K, V>,
        commit: &dyn Fn(&K, &V),
    ) {
        self.ended = true;
        for completer in std::mem::take(&mut self.completers) {
            match values.get(completer.key()) {
                Some(value) => completer.complete(Ok(value.clone()), commit),
                None => completer.complete(Err(CacheError::NotFound), |_, _| {}),
            };
        }
    }

    /// Ends every key of the batch with `error`.
    pub(super) fn fail(mut self, error: &CacheError) {
        self.ended = true;
        for completer in std::mem::take(&mut self.completers) {
            completer.complete(Err(error.clone()), |_, _| {});
        }
    }
}

impl<K, V> Drop for Batch<K, V> {
    fn drop(&mut self) {
        if !self.ended && !self.completers.is_empty() {
            self.inner_observer.on_load(LoadOutcome::Cancelled, Duration::ZERO);
        }
    }
}

/// Held by a batch's window timer task. If the task ends without firing (its
/// runtime was dropped, or it panicked because the runtime has no timers),
/// the guard sends the batch at once, or fails it when no runtime is left to
/// send it on: a queued key is always dispatched or failed.
pub(super) struct WindowGuard<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    pub(super) inner: Weak<Inner<K, V>>,
    pub(super) generation: u64,
    pub(super) fired: bool,
}

impl<K, V> Drop for WindowGuard<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn drop(&mut self) {
        if self.fired {
            return;
        }
        if let Some(inner) = self.inner.upgrade() {
            Inner::flush(&inner, Some(self.generation));
        }
    }
}
