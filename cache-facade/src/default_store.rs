//! The store a cache gets when the builder is given none.

use std::hash::Hash;

use cache_core::Weigher;
use cache_policies::{PolicyStore, WTinyLfu};

/// The store [`AsyncCacheBuilder::build`](crate::AsyncCacheBuilder::build)
/// uses when no [`store`](crate::AsyncCacheBuilder::store) is given, and the
/// default `S` of [`AsyncCache<K, V, S>`](crate::AsyncCache): the engine
/// ([`PolicyStore`]) over the adaptive [`WTinyLfu`] policy.
///
/// Bounded (`max_capacity` set, entries or weight with a `weigher`), one
/// policy sees the whole store; unbounded, the policy is never consulted and
/// a hit takes one shard's read lock only. Memory follows the entries held
/// in both cases, whatever the capacity. See `benches/RESULTS.md` for the
/// figures behind this choice.
pub type DefaultStore<K, V> = PolicyStore<K, V, WTinyLfu>;

/// Builds the default store for `max_capacity` (unbounded when `None`) and
/// an optional weigher (which makes `max_capacity` a weight budget).
///
/// # Examples
///
/// ```
/// use cache_facade::{Capacity, Store, default_store};
///
/// let store = default_store::<u64, String>(Some(1_000), None);
/// assert_eq!(store.capacity(), Capacity::Entries(1_000));
/// let unbounded = default_store::<u64, String>(None, None);
/// assert_eq!(unbounded.capacity(), Capacity::Unbounded);
/// ```
#[must_use]
pub fn default_store<K, V>(
    max_capacity: Option<u64>,
    weigher: Option<Weigher<K, V>>,
) -> DefaultStore<K, V>
where
    K: Hash + Eq + Clone,
{
    match (max_capacity, weigher) {
        (Some(max), Some(weigher)) => PolicyStore::builder(max).weigher(weigher).build(),
        (Some(max), None) => PolicyStore::tinylfu(max),
        (None, _) => PolicyStore::unbounded(),
    }
}

/// [`default_store`] with a time to idle, as the builder makes it.
pub(crate) fn default_store_idle<K, V>(
    max_capacity: Option<u64>,
    weigher: Option<Weigher<K, V>>,
    idle: Option<std::time::Duration>,
) -> DefaultStore<K, V>
where
    K: Hash + Eq + Clone,
{
    let store = default_store(max_capacity, weigher);
    match idle {
        Some(idle) => store.with_time_to_idle(idle),
        None => store,
    }
}
