//! The storage contract.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

pub use equivalent::Equivalent;

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
/// Sync`). Lookups and removals take any borrowed form of the key that hashes
/// alike and is [`Equivalent`] to it (`&str` for `String` keys), as
/// `HashMap` and moka do. For type erasure, `Arc<dyn DynStore<K, V>>` is a
/// `Store` too (see [`DynStore`]).
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
/// - [`len`](Store::len) and [`weighted_size`](Store::weighted_size) are
///   cheap (never a walk over the entries) and exact once
///   [`run_pending_tasks`](Store::run_pending_tasks) has run.
///
/// # Examples
///
/// A complete (if slow) unbounded store over a mutex-guarded map:
///
/// ```
/// use std::hash::Hash;
/// use std::sync::Mutex;
/// use cache_core::time::{Instant, is_expired, now};
/// use cache_core::{Capacity, Equivalent, EvictionListener, ListenerSlot, RemovalCause, Store};
///
/// #[derive(Debug)]
/// struct MapStore<K, V> {
///     map: Mutex<Vec<(K, V, Option<Instant>)>>,
///     listeners: ListenerSlot<K, V>,
/// }
///
/// impl<K, V> Store<K, V> for MapStore<K, V>
/// where
///     K: Hash + Eq + Send + Sync,
///     V: Clone + Send + Sync,
/// {
///     fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
///         let map = self.map.lock().unwrap();
///         let (_, v, d) = map.iter().find(|(k, _, _)| key.equivalent(k))?;
///         (!is_expired(*d, now())).then(|| v.clone())
///     }
///     fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
///         let mut map = self.map.lock().unwrap();
///         if let Some(i) = map.iter().position(|(k, _, _)| *k == key) {
///             let (k, old, _) = map.swap_remove(i);
///             self.listeners.notify(&k, &old, RemovalCause::Replaced);
///         }
///         map.push((key, value, expires_at));
///     }
///     fn remove<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
///         let mut map = self.map.lock().unwrap();
///         let i = map.iter().position(|(k, _, _)| key.equivalent(k))?;
///         let (k, v, _) = map.swap_remove(i);
///         self.listeners.notify(&k, &v, RemovalCause::Explicit);
///         Some(v)
///     }
///     fn clear(&self) {
///         for (k, v, _) in self.map.lock().unwrap().drain(..) {
///             self.listeners.notify(&k, &v, RemovalCause::Explicit);
///         }
///     }
///     fn run_pending_tasks(&self) {
///         let now = now();
///         self.map.lock().unwrap().retain(|(k, v, d)| {
///             let keep = !is_expired(*d, now);
///             if !keep { self.listeners.notify(k, v, RemovalCause::Expired) }
///             keep
///         });
///     }
///     fn len(&self) -> u64 { self.map.lock().unwrap().len() as u64 }
///     fn weighted_size(&self) -> u64 { self.len() }
///     fn capacity(&self) -> Capacity { Capacity::Unbounded }
///     fn for_each_entry(&self, visit: &mut dyn FnMut(&K, &V)) {
///         let now = now();
///         for (k, v, d) in self.map.lock().unwrap().iter() {
///             if !is_expired(*d, now) { visit(k, v) }
///         }
///     }
///     fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
///         self.listeners.add(listener);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// let store = MapStore { map: Mutex::new(Vec::new()), listeners: ListenerSlot::new() };
/// store.insert("a".to_string(), 1, cache_core::time::deadline_after(Duration::from_secs(1)));
/// assert_eq!(store.get("a"), Some(1), "a &str finds a String key");
/// tokio::time::advance(Duration::from_secs(1)).await;
/// assert_eq!(store.get("a"), None, "expired entries are never returned");
/// store.run_pending_tasks();
/// assert_eq!(store.len(), 0);
/// # }
/// ```
pub trait Store<K, V>: Send + Sync {
    /// A clone of the live value for `key`, or `None` when absent or expired.
    ///
    /// Counts as an access for the store's eviction policy.
    fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V>;

    /// Whether a live entry for `key` is present, without cloning it and
    /// without counting as an access.
    fn contains_key<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        self.get(key).is_some()
    }

    /// As [`get`](Store::get), with how long the entry has left to live
    /// (`None`: it never expires, or the store does not say). The cache's
    /// `refresh_after` reads an entry's age from it. The default says
    /// nothing; the engine's stores answer from the clock reading their hit
    /// makes anyway.
    fn get_with_time_left<Q: Hash + Equivalent<K> + ?Sized>(
        &self,
        key: &Q,
    ) -> Option<(V, Option<std::time::Duration>)> {
        self.get(key).map(|value| (value, None))
    }

    /// Inserts or replaces the entry for `key`, expiring at `expires_at`
    /// (`None`: never). May evict other entries to stay within capacity; an
    /// entry heavier than the whole capacity is not kept (reported as `Size`).
    fn insert(&self, key: K, value: V, expires_at: Option<Instant>);

    /// Removes the entry for `key`, returning its value if it was live.
    fn remove<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V>;

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

    /// How long an entry may go unread before it expires, if the store
    /// expires idle entries. The default: `None`.
    fn time_to_idle(&self) -> Option<std::time::Duration> {
        None
    }

    /// Visits every live entry: a weakly consistent walk (an entry inserted
    /// or removed meanwhile may or may not be seen), not an access. `visit`
    /// must not write to the store (it may run under a lock of it).
    fn for_each_entry(&self, visit: &mut dyn FnMut(&K, &V));

    /// Adds a listener told of every entry that leaves the store from now on.
    fn add_eviction_listener(&self, listener: EvictionListener<K, V>);

    /// Whether a write may have taken entries out of the store that its
    /// eviction listeners have not been told of yet (a store reports once
    /// its locks are released, so that a listener may call back into it).
    /// A caller that misses a key and looks for what a listener kept of it
    /// (fail-safe's stale value) waits while this holds. The default:
    /// `false`, for stores that report before an entry disappears.
    fn reports_in_flight(&self) -> bool {
        false
    }
}

/// A borrowed key behind a trait object: what [`DynStore`] passes to the
/// store it erases. It hashes exactly as the key it wraps.
pub trait KeyRef<K: ?Sized> {
    /// Feeds the key to `state`, as `Hash::hash` would.
    fn hash_key(&self, state: &mut dyn Hasher);
    /// Whether the key equals `key`.
    fn matches(&self, key: &K) -> bool;
}

impl<K: ?Sized, Q: Hash + Equivalent<K> + ?Sized> KeyRef<K> for Probe<'_, Q> {
    fn hash_key(&self, mut state: &mut dyn Hasher) {
        self.0.hash(&mut state);
    }
    fn matches(&self, key: &K) -> bool {
        self.0.equivalent(key)
    }
}

/// Wraps a borrowed key (possibly unsized) so it can become a `dyn KeyRef`.
struct Probe<'a, Q: ?Sized>(&'a Q);

impl<K: ?Sized> Hash for dyn KeyRef<K> + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.hash_key(state);
    }
}

impl<K: ?Sized> Equivalent<K> for dyn KeyRef<K> + '_ {
    fn equivalent(&self, key: &K) -> bool {
        self.matches(key)
    }
}

/// The dyn-compatible form of [`Store`], implemented for every store:
/// `Arc<dyn DynStore<K, V>>` (also `Box` and `&`) is itself a [`Store`], for caches that pick
/// their store at run time or share one store between caches.
///
/// Lookups through it hash the key through a `dyn Hasher`, a little slower
/// than a store called by its own type.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use cache_core::{DynStore, Store};
/// # use cache_core::{Capacity, Equivalent, EvictionListener};
/// # use std::hash::Hash;
/// # struct One;
/// # impl Store<String, u8> for One {
/// #     fn get<Q: Hash + Equivalent<String> + ?Sized>(&self, k: &Q) -> Option<u8> {
/// #         k.equivalent(&"one".to_string()).then_some(1)
/// #     }
/// #     fn insert(&self, _: String, _: u8, _: Option<cache_core::time::Instant>) {}
/// #     fn remove<Q: Hash + Equivalent<String> + ?Sized>(&self, _: &Q) -> Option<u8> { None }
/// #     fn clear(&self) {}
/// #     fn len(&self) -> u64 { 1 }
/// #     fn weighted_size(&self) -> u64 { 1 }
/// #     fn capacity(&self) -> Capacity { Capacity::Unbounded }
/// #     fn for_each_entry(&self, visit: &mut dyn FnMut(&String, &u8)) { visit(&"one".into(), &1) }
/// #     fn add_eviction_listener(&self, _: EvictionListener<String, u8>) {}
/// # }
///
/// let erased: Arc<dyn DynStore<String, u8>> = Arc::new(One);
/// assert_eq!(erased.get("one"), Some(1), "still looked up by &str");
/// assert_eq!(erased.len(), 1);
/// ```
pub trait DynStore<K, V>: Send + Sync {
    /// [`Store::get`].
    fn dyn_get(&self, key: &dyn KeyRef<K>) -> Option<V>;
    /// [`Store::contains_key`].
    fn dyn_contains_key(&self, key: &dyn KeyRef<K>) -> bool;
    /// [`Store::get_with_time_left`].
    fn dyn_get_with_time_left(
        &self,
        key: &dyn KeyRef<K>,
    ) -> Option<(V, Option<std::time::Duration>)>;
    /// [`Store::insert`].
    fn dyn_insert(&self, key: K, value: V, expires_at: Option<Instant>);
    /// [`Store::remove`].
    fn dyn_remove(&self, key: &dyn KeyRef<K>) -> Option<V>;
    /// [`Store::clear`].
    fn dyn_clear(&self);
    /// [`Store::run_pending_tasks`].
    fn dyn_run_pending_tasks(&self);
    /// [`Store::len`].
    fn dyn_len(&self) -> u64;
    /// [`Store::weighted_size`].
    fn dyn_weighted_size(&self) -> u64;
    /// [`Store::capacity`].
    fn dyn_capacity(&self) -> Capacity;
    /// [`Store::time_to_idle`].
    fn dyn_time_to_idle(&self) -> Option<std::time::Duration>;
    /// [`Store::for_each_entry`].
    fn dyn_for_each_entry(&self, visit: &mut dyn FnMut(&K, &V));
    /// [`Store::add_eviction_listener`].
    fn dyn_add_eviction_listener(&self, listener: EvictionListener<K, V>);
    /// [`Store::reports_in_flight`].
    fn dyn_reports_in_flight(&self) -> bool;
}

impl<K, V, S: Store<K, V>> DynStore<K, V> for S {
    fn dyn_get(&self, key: &dyn KeyRef<K>) -> Option<V> {
        self.get(key)
    }
    fn dyn_contains_key(&self, key: &dyn KeyRef<K>) -> bool {
        self.contains_key(key)
    }
    fn dyn_get_with_time_left(
        &self,
        key: &dyn KeyRef<K>,
    ) -> Option<(V, Option<std::time::Duration>)> {
        self.get_with_time_left(key)
    }
    fn dyn_insert(&self, key: K, value: V, expires_at: Option<Instant>) {
        self.insert(key, value, expires_at);
    }
    fn dyn_remove(&self, key: &dyn KeyRef<K>) -> Option<V> {
        self.remove(key)
    }
    fn dyn_clear(&self) {
        self.clear();
    }
    fn dyn_run_pending_tasks(&self) {
        self.run_pending_tasks();
    }
    fn dyn_len(&self) -> u64 {
        self.len()
    }
    fn dyn_weighted_size(&self) -> u64 {
        self.weighted_size()
    }
    fn dyn_capacity(&self) -> Capacity {
        self.capacity()
    }
    fn dyn_time_to_idle(&self) -> Option<std::time::Duration> {
        self.time_to_idle()
    }
    fn dyn_for_each_entry(&self, visit: &mut dyn FnMut(&K, &V)) {
        self.for_each_entry(visit);
    }
    fn dyn_add_eviction_listener(&self, listener: EvictionListener<K, V>) {
        self.add_eviction_listener(listener);
    }
    fn dyn_reports_in_flight(&self) -> bool {
        self.reports_in_flight()
    }
}

/// `Store` for the erased forms of a store: each call goes through
/// [`DynStore`].
macro_rules! erased_store {
    ($($erased:ty),+) => {$(
impl<K, V> Store<K, V> for $erased {
        fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
            (**self).dyn_get(&Probe(key))
        }
        fn contains_key<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
            (**self).dyn_contains_key(&Probe(key))
        }
        fn get_with_time_left<Q: Hash + Equivalent<K> + ?Sized>(
            &self,
            key: &Q,
        ) -> Option<(V, Option<std::time::Duration>)> {
            (**self).dyn_get_with_time_left(&Probe(key))
        }
        fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
            (**self).dyn_insert(key, value, expires_at);
        }
        fn remove<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
            (**self).dyn_remove(&Probe(key))
        }
        fn clear(&self) {
            (**self).dyn_clear();
        }
        fn run_pending_tasks(&self) {
            (**self).dyn_run_pending_tasks();
        }
        fn len(&self) -> u64 {
            (**self).dyn_len()
        }
        fn weighted_size(&self) -> u64 {
            (**self).dyn_weighted_size()
        }
        fn capacity(&self) -> Capacity {
            (**self).dyn_capacity()
        }
        fn time_to_idle(&self) -> Option<std::time::Duration> {
            (**self).dyn_time_to_idle()
        }
        fn for_each_entry(&self, visit: &mut dyn FnMut(&K, &V)) {
            (**self).dyn_for_each_entry(visit);
        }
        fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
            (**self).dyn_add_eviction_listener(listener);
        }
        fn reports_in_flight(&self) -> bool {
            (**self).dyn_reports_in_flight()
        }
    }
    )+};
}

erased_store!(Arc<dyn DynStore<K, V>>, Box<dyn DynStore<K, V>>, &dyn DynStore<K, V>);

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;
    impl Store<u8, u8> for Nothing {
        fn get<Q: Hash + Equivalent<u8> + ?Sized>(&self, _: &Q) -> Option<u8> {
            None
        }
        fn insert(&self, _: u8, _: u8, _: Option<Instant>) {}
        fn remove<Q: Hash + Equivalent<u8> + ?Sized>(&self, _: &Q) -> Option<u8> {
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
        fn for_each_entry(&self, _: &mut dyn FnMut(&u8, &u8)) {}
        fn add_eviction_listener(&self, _: EvictionListener<u8, u8>) {}
    }

    #[test]
    fn store_is_dyn_compatible_and_defaults_follow_required_methods() {
        let store: Arc<dyn DynStore<u8, u8>> = Arc::new(Nothing);
        assert!(store.is_empty());
        assert!(!store.contains_key(&1));
        assert_eq!(store.capacity().limit(), Some(0));
        assert_eq!(Capacity::Unbounded.limit(), None);
    }
}
