//! [`FailSafe`]: expired entries kept aside, to serve when a reload fails.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use cache_core::time::deadline_after;
use cache_core::{Equivalent, EvictionListener, RemovalCause, Store};
use cache_policies::PolicyStore;

/// The stale store of a cache with `fail_safe(max_stale)`: every entry that
/// expires in the cache is copied here, alive for `max_stale` more (its own
/// engine store, so the copies are reclaimed without reads and never count
/// in the cache's `len()`).
pub(crate) struct FailSafe<K, V> {
    stale: Arc<PolicyStore<K, V>>,
    /// Keys whose stale value was re-armed after a failure, for the
    /// throttle: refresh-ahead leaves them alone meanwhile.
    throttled: PolicyStore<K, ()>,
    max_stale: Duration,
    /// How long a stale value served after a failure lives again in the
    /// cache, so the backend is not asked at every request.
    pub(crate) throttle: Duration,
}

impl<K, V> FailSafe<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A stale store holding at most `capacity` entries (unbounded: `None`).
    pub(crate) fn new(capacity: Option<u64>, max_stale: Duration, throttle: Duration) -> Self {
        let stale = match capacity {
            Some(capacity) => PolicyStore::tinylfu(capacity),
            None => PolicyStore::unbounded(),
        };
        Self { stale: Arc::new(stale), throttled: PolicyStore::unbounded(), max_stale, throttle }
    }

    /// The listener to add to the cache's store: expired entries move here.
    pub(crate) fn listener(&self) -> EvictionListener<K, V> {
        let (stale, max_stale) = (Arc::clone(&self.stale), self.max_stale);
        Arc::new(move |key: &K, value: &V, cause| {
            // Kept from its first expiry: a stale value re-armed after a
            // failure and expiring again keeps its original bound.
            if cause == RemovalCause::Expired && !stale.contains_key(key) {
                stale.insert(key.clone(), value.clone(), deadline_after(max_stale));
            }
        })
    }

    pub(crate) fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        self.stale.get(key)
    }

    pub(crate) fn forget<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) {
        self.stale.remove(key);
        self.throttled.remove(key);
    }

    pub(crate) fn clear(&self) {
        self.stale.clear();
        self.throttled.clear();
    }

    /// `key`'s stale value was re-armed: hold its reloads back for the
    /// throttle.
    pub(crate) fn throttle_key(&self, key: K) {
        self.throttled.insert(key, (), deadline_after(self.throttle));
    }

    /// Whether `key` is held back by the throttle.
    pub(crate) fn is_throttled<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        self.throttled.contains_key(key)
    }
}
