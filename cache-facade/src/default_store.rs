//! The store a cache gets when the builder is given none.

use std::hash::Hash;
use std::sync::Arc;

use cache_core::{Store, Weigher};
use cache_policies::{LruStore, PolicyStore};

use crate::direct_store::HeldStore;

/// The store [`AsyncCacheBuilder::build`](crate::AsyncCacheBuilder::build)
/// uses when no [`store`](crate::AsyncCacheBuilder::store) is given.
///
/// - Bounded (`max_capacity` set, entries or weight with a `weigher`): a
///   [`PolicyStore`] over [`WTinyLfu`](cache_policies::WTinyLfu). Hits take a
///   shard's read lock only, so they scale across threads; the policy adapts
///   its admission window (Caffeine's hill climbing) and so stays close to the
///   best of LRU and TinyLFU on both recency-heavy and loop-heavy workloads.
///   See `benches/RESULTS.md` for the figures behind this choice.
/// - Unbounded: an unbounded [`LruStore`], since no eviction decision is
///   ever needed.
#[must_use]
pub fn default_store<K, V>(
    max_capacity: Option<u64>,
    weigher: Option<Weigher<K, V>>,
) -> Arc<dyn Store<K, V>>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    default_store_held(max_capacity, weigher).store
}

/// [`default_store`], with the typed handle the facade's hit path calls.
pub(crate) fn default_store_held<K, V>(
    max_capacity: Option<u64>,
    weigher: Option<Weigher<K, V>>,
) -> HeldStore<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    match (max_capacity, weigher) {
        (Some(max), Some(weigher)) => {
            HeldStore::new(PolicyStore::builder(max).weigher(weigher).build())
        }
        (Some(max), None) => HeldStore::new(PolicyStore::tinylfu(max)),
        (None, _) => HeldStore::new(LruStore::unbounded()),
    }
}
