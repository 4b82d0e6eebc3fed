//! [`Negative`]: keys a loader reported absent, remembered for a while.

use std::hash::Hash;
use std::time::Duration;

use cache_core::time::deadline_after;
use cache_core::{Equivalent, Store};
use cache_policies::PolicyStore;

/// The "not found" answers of a cache with `negative_ttl(d)`, each kept for
/// `d` in a store of its own (never counted as entries or hits).
pub(crate) struct Negative<K> {
    absent: std::sync::Arc<PolicyStore<K, ()>>,
    ttl: Duration,
}

impl<K: Hash + Eq + Clone + Send + Sync> Negative<K> {
    pub(crate) fn new(capacity: Option<u64>, ttl: Duration) -> Self {
        let absent = match capacity {
            Some(capacity) => PolicyStore::tinylfu(capacity),
            None => PolicyStore::unbounded(),
        };
        Self { absent: std::sync::Arc::new(absent), ttl }
    }

    /// Whether `key` was found absent less than the negative TTL ago.
    pub(crate) fn knows_absent<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        self.absent.get(key).is_some()
    }

    pub(crate) fn remember(&self, key: K) {
        self.absent.insert(key, (), deadline_after(self.ttl));
    }

    pub(crate) fn forget<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) {
        self.absent.remove(key);
    }

    pub(crate) fn clear(&self) {
        self.absent.clear();
    }
}
