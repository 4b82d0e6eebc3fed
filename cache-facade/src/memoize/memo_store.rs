//! [`MemoStore`]: the store behind every memoized function, wrapper or macro.

use std::hash::Hash;

use cache_core::EvictionPolicy;
use cache_policies::PolicyStore;

use crate::AsyncCache;

/// The store of a memoized function ([`AsyncLru`](crate::AsyncLru),
/// [`AsyncTtl`](crate::AsyncTtl), `#[async_lru]`, `#[async_ttl]`): the
/// engine with the policy chosen by the wrapper (exact LRU for `AsyncLru`,
/// W-TinyLFU for a bounded `AsyncTtl`). One type for all, so a macro and a
/// wrapper with the same options build the same cache.
pub type MemoStore<K, V> = PolicyStore<K, V, Box<dyn EvictionPolicy<K>>>;

/// The cache of a memoized function: an [`AsyncCache`] over a [`MemoStore`].
pub type MemoCache<K, V> = AsyncCache<K, V, MemoStore<K, V>>;

/// A memo store of `max` entries (unbounded when `None`) evicting by the
/// policy `policy` makes from the capacity; `sample_quiet_hits` as
/// [`PolicyStoreBuilder::sample_quiet_hits`](cache_policies::PolicyStoreBuilder::sample_quiet_hits)
/// (on for W-TinyLFU, as in the default store; off for an exact LRU).
pub(crate) fn memo_store<K: Hash + Eq + Clone + 'static, V>(
    max: Option<u64>,
    policy: fn(u64) -> Box<dyn EvictionPolicy<K>>,
    sample_quiet_hits: bool,
) -> MemoStore<K, V> {
    let builder =
        PolicyStore::builder(max.unwrap_or(0)).policy(policy).sample_quiet_hits(sample_quiet_hits);
    match max {
        Some(_) => builder.build(),
        None => builder.unbounded().build(),
    }
}
