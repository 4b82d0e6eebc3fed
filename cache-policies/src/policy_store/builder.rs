//! Configuration of a `PolicyStore`.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use cache_core::{EvictionPolicy, Weigher};

use super::PolicyStore;
use crate::policies::WTinyLfu;

/// Builds a [`PolicyStore`]: capacity, policy factory, optional weigher and
/// shard count. Obtained from [`PolicyStore::builder`]; the policy is
/// [`WTinyLfu`] unless [`policy`](Self::policy) picks another.
///
/// # Examples
///
/// ```
/// use cache_core::{Capacity, Store, weigher_fn};
/// use cache_policies::{PolicyStore, Sieve};
///
/// let store = PolicyStore::builder(1_000)
///     .policy(|_shard_capacity| Sieve::new())
///     .weigher(weigher_fn(|_key: &u32, value: &String| value.len() as u32))
///     .shards(4)
///     .build();
/// store.insert(1, "hello".to_string(), None);
/// assert_eq!(store.weighted_size(), 5);
/// assert_eq!(store.capacity(), Capacity::Weight(1_000));
/// ```
pub struct PolicyStoreBuilder<K, V, F> {
    capacity: u64,
    factory: F,
    weigher: Option<Weigher<K, V>>,
    shards: Option<usize>,
    _types: PhantomData<fn(K, V)>,
}

impl<K, V> PolicyStoreBuilder<K, V, fn(u64) -> WTinyLfu<K>>
where
    K: Hash + Eq + Clone,
{
    pub(super) fn new(capacity: u64) -> Self {
        Self { capacity, factory: WTinyLfu::new, weigher: None, shards: None, _types: PhantomData }
    }
}

impl<K, V, F> PolicyStoreBuilder<K, V, F> {
    /// Sets the policy: `factory` is called once per shard with that shard's
    /// capacity (entries, or weight with a weigher) and returns its policy.
    #[must_use]
    pub fn policy<G, P>(self, factory: G) -> PolicyStoreBuilder<K, V, G>
    where
        G: Fn(u64) -> P,
        P: EvictionPolicy<K>,
    {
        PolicyStoreBuilder {
            capacity: self.capacity,
            factory,
            weigher: self.weigher,
            shards: self.shards,
            _types: PhantomData,
        }
    }

    /// Measures entries with `weigher`: the capacity becomes a weight budget.
    #[must_use]
    pub fn weigher(mut self, weigher: Weigher<K, V>) -> Self {
        self.weigher = Some(weigher);
        self
    }

    /// Overrides the number of shards (rounded up to a power of two, at most
    /// 1024; 0 counts as 1). The default has one shard for small capacities,
    /// so that the policy's order and the capacity are exact, and up to 64
    /// for large ones. Each shard holds its share of the capacity, so with a
    /// weigher an entry heavier than one share is not kept.
    #[must_use]
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = Some(shards.clamp(1, 1024).next_power_of_two());
        self
    }

    /// Builds the store.
    #[must_use]
    pub fn build<P>(self) -> PolicyStore<K, V, P>
    where
        F: Fn(u64) -> P,
        P: EvictionPolicy<K>,
        K: Hash + Eq + Clone,
        V: Clone,
    {
        PolicyStore::from_parts(self.capacity, &self.factory, self.weigher, self.shards)
    }
}

impl<K, V, F> fmt::Debug for PolicyStoreBuilder<K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyStoreBuilder")
            .field("capacity", &self.capacity)
            .field("weigher", &self.weigher.is_some())
            .field("shards", &self.shards)
            .finish_non_exhaustive()
    }
}
