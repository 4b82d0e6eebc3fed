//! [`LruStore`]: the engine configured for exact least-recently-used order.

use std::hash::Hash;

use cache_core::{Capacity, Weigher};

use crate::delegate::delegate_store;
use crate::policies::Lru;
use crate::policy_store::PolicyStore;

/// A store that evicts the least recently used entry first: the engine
/// ([`PolicyStore`]) with the [`Lru`] policy.
///
/// The order is exact for one thread (every hit reaches the policy, in
/// order); under concurrency each thread's hits stay in order and a full
/// read buffer may drop some. Hits take a shard's read lock only. The
/// unbounded store never consults its policy: a hit records nothing.
///
/// # Examples
///
/// ```
/// use cache_core::Store;
/// use cache_policies::LruStore;
///
/// let store = LruStore::new(2);
/// store.insert("a".to_string(), 1, None);
/// store.insert("b".to_string(), 2, None);
/// assert_eq!(store.get("a"), Some(1)); // "b" is now the least recently used
/// store.insert("c".to_string(), 3, None);
/// assert_eq!(store.get("b"), None);
/// assert_eq!(store.len(), 2);
/// ```
pub struct LruStore<K, V>(PolicyStore<K, V, Lru>);

impl<K: Hash + Eq + Clone, V> LruStore<K, V> {
    /// A store of at most `capacity` entries (0 keeps nothing).
    #[must_use]
    pub fn new(capacity: u64) -> Self {
        Self(PolicyStore::lru(capacity))
    }

    /// A store without a bound: entries leave only when removed or expired.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store};
    /// use cache_policies::LruStore;
    ///
    /// let store: LruStore<u64, u64> = LruStore::unbounded();
    /// assert_eq!(store.capacity(), Capacity::Unbounded);
    /// ```
    #[must_use]
    pub fn unbounded() -> Self {
        Self(PolicyStore::configured(Capacity::Unbounded, Lru::new(), None))
    }

    /// A store of at most `max_weight` total weight, as `weigher` measures
    /// each entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store, weigher_fn};
    /// use cache_policies::LruStore;
    ///
    /// let store = LruStore::with_weigher(10, weigher_fn(|_: &u8, v: &String| v.len() as u32));
    /// store.insert(1, "123456".into(), None);
    /// store.insert(2, "123456".into(), None);
    /// assert_eq!((store.len(), store.weighted_size()), (1, 6));
    /// assert_eq!(store.capacity(), Capacity::Weight(10));
    /// ```
    #[must_use]
    pub fn with_weigher(max_weight: u64, weigher: Weigher<K, V>) -> Self {
        Self(PolicyStore::builder(max_weight).weigher(weigher).policy(|_| Lru::new()).build())
    }
}

impl<K: Hash + Eq + Clone, V> LruStore<K, V> {
    /// Also expires entries not read for `idle` (see
    /// [`PolicyStore::with_time_to_idle`]).
    #[must_use]
    pub fn with_time_to_idle(self, idle: std::time::Duration) -> Self {
        Self(self.0.with_time_to_idle(idle))
    }
}

delegate_store!(LruStore);
