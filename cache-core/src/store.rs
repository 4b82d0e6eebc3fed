//! The storage contract.

use crate::removal::EvictionListener;
use crate::time::Instant;

/// How much a store may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capacity {
    /// No bound: entries leave only when removed or expired.
    Unbounded,
    /// At most this many entries.
    Entries(u64),
    /// At most this total weight, as measured by the store's weigher.
    Weight(u64),
}

impl Capacity {
    /// The bound as a number, `None` when unbounded.
    #[must_use]
    pub const fn limit(self) -> Option<u64> {
        match self {
            Self::Unbounded => None,
            Self::Entries(n) | Self::Weight(n) => Some(n),
        }
    }
}

/// Where a cache keeps its entries.
///
/// A store is synchronous and non-blocking: no method awaits, performs I/O or
/// waits on another thread for long. It is shared between threads (`Send +
/// Sync`) and dyn-compatible: the cache facade holds an `Arc<dyn Store<K, V>>`.
///
/// Every store keeps these promises:
/// - [`get`](Store::get) never returns an entry whose deadline has passed
///   (deadlines are read from [`time::now`](crate::time::now)); on a hit it
///   clones the value out and should not allocate.
/// - After any method returns, the store holds no more than its
///   [`capacity`](Store::capacity).
/// - Every entry that leaves is reported to the eviction listeners with its
///   [`RemovalCause`](crate::RemovalCause): `Size`, `Expired`, `Explicit`
///   (`remove`, `clear`) or `Replaced` (an insert over an existing key).
/// - [`len`](Store::len) and [`weighted_size`](Store::weighted_size) are exact
///   once [`run_pending_tasks`](Store::run_pending_tasks) has run.
///
/// # Examples
///
/// A complete (if slow) unbounded store over a mutex-guarded map:
///
/// ```
/// use std::collections::HashMap;
/// use std::hash::Hash;
/// use std::sync::Mutex;
/// use cache_core::time::{Instant, is_expired, now};
/// use cache_core::{Capacity, EvictionListener, ListenerSlot, RemovalCause, Store};
///
/// #[derive(Debug)]
/// struct MapStore<K, V> {
///     map: Mutex<HashMap<K, (V, Option<Instant>)>>,
///     listeners: ListenerSlot<K, V>,
/// }
///
/// impl<K, V> Store<K, V> for MapStore<K, V>
/// where
///     K: Hash + Eq + Send + Sync,
///     V: Clone + Send + Sync,
/// {
///     fn get(&self, key: &K) -> Option<V> {
///         let map = self.map.lock().unwrap();
///         map.get(key).filter(|(_, d)| !is_expired(*d, now())).map(|(v, _)| v.clone())
///     }
///     fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
///         let mut map = self.map.lock().unwrap();
///         if let Some((old, _)) = map.get(&key) {
///             self.listeners.notify(&key, old, RemovalCause::Replaced);
///         }
///         map.insert(key, (value, expires_at));
///     }
///     fn remove(&self, key: &K) -> Option<V> {
///         let (value, _) = self.map.lock().unwrap().remove_entry(key).map(|(_, e)| e)?;
///         self.listeners.notify(key, &value, RemovalCause::Explicit);
///         Some(value)
///     }
///     fn clear(&self) {
///         for (k, (v, _)) in self.map.lock().unwrap().drain() {
///             self.listeners.notify(&k, &v, RemovalCause::Explicit);
///         }
///     }
///     fn run_pending_tasks(&self) {
///         let now = now();
///         self.map.lock().unwrap().retain(|k, (v, d)| {
///             let keep = !is_expired(*d, now);
///             if !keep { self.listeners.notify(k, v, RemovalCause::Expired) }
///             keep
///         });
///     }
///     fn len(&self) -> u64 { self.map.lock().unwrap().len() as u64 }
///     fn weighted_size(&self) -> u64 { self.len() }
///     fn capacity(&self) -> Capacity { Capacity::Unbounded }
///     fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
///         self.listeners.add(listener);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// let store = MapStore { map: Mutex::new(HashMap::new()), listeners: ListenerSlot::new() };
/// store.insert("a", 1, cache_core::time::deadline_after(Duration::from_secs(1)));
/// assert_eq!(store.get(&"a"), Some(1));
/// tokio::time::advance(Duration::from_secs(1)).await;
/// assert_eq!(store.get(&"a"), None, "expired entries are never returned");
/// store.run_pending_tasks();
/// assert_eq!(store.len(), 0);
/// # }
/// ```
pub trait Store<K, V>: Send + Sync {
    /// A clone of the live value for `key`, or `None` when absent or expired.
    ///
    /// Counts as an access for the store's eviction policy.
    fn get(&self, key: &K) -> Option<V>;

    /// Whether a live entry for `key` is present, without cloning it and
    /// without counting as an access.
    fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    /// Inserts or replaces the entry for `key`, expiring at `expires_at`
    /// (`None`: never). May evict other entries to stay within capacity; an
    /// entry heavier than the whole capacity is not kept (reported as `Size`).
    fn insert(&self, key: K, value: V, expires_at: Option<Instant>);

    /// Removes the entry for `key`, returning its value if it was live.
    fn remove(&self, key: &K) -> Option<V>;

    /// Removes every entry (each reported as `Explicit`).
    fn clear(&self);

    /// Performs deferred work now: purges expired entries, applies buffered
    /// accesses. Stores that do all work inline keep the default no-op.
    fn run_pending_tasks(&self) {}

    /// The number of entries held. Exact after
    /// [`run_pending_tasks`](Store::run_pending_tasks); between operations it
    /// may still count expired entries not yet purged.
    fn len(&self) -> u64;

    /// Whether the store holds no entry (see [`len`](Store::len)).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The total weight held (equal to `len` without a weigher).
    fn weighted_size(&self) -> u64;

    /// The bound this store keeps to.
    fn capacity(&self) -> Capacity;

    /// Adds a listener told of every entry that leaves the store from now on.
    fn add_eviction_listener(&self, listener: EvictionListener<K, V>);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct Nothing;
    impl Store<u8, u8> for Nothing {
        fn get(&self, _: &u8) -> Option<u8> {
            None
        }
        fn insert(&self, _: u8, _: u8, _: Option<Instant>) {}
        fn remove(&self, _: &u8) -> Option<u8> {
            None
        }
        fn clear(&self) {}
        fn len(&self) -> u64 {
            0
        }
        fn weighted_size(&self) -> u64 {
            0
        }
        fn capacity(&self) -> Capacity {
            Capacity::Entries(0)
        }
        fn add_eviction_listener(&self, _: EvictionListener<u8, u8>) {}
    }

    #[test]
    fn store_is_dyn_compatible_and_defaults_follow_required_methods() {
        let store: Arc<dyn Store<u8, u8>> = Arc::new(Nothing);
        assert!(store.is_empty());
        assert!(!store.contains_key(&1));
        assert_eq!(store.capacity().limit(), Some(0));
        assert_eq!(Capacity::Unbounded.limit(), None);
    }
}
