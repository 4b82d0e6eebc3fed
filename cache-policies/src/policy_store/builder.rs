//! [`PolicyStoreBuilder`]: a `PolicyStore` with a weigher, a policy of one's
//! choice or a given shard count.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use cache_core::{Capacity, EvictionPolicy, Weigher};

use super::PolicyStore;
use crate::policies::WTinyLfu;

/// Configures a [`PolicyStore`]; made by [`PolicyStore::builder`].
///
/// # Examples
///
/// ```
/// use cache_core::{Store, weigher_fn};
/// use cache_policies::{PolicyStore, Sieve};
///
/// let store = PolicyStore::builder(1_000)
///     .weigher(weigher_fn(|_k: &u32, v: &String| v.len() as u32))
///     .policy(|_| Sieve::new())
///     .shards(4)
///     .build();
/// store.insert(1, "x".repeat(600), None);
/// store.insert(2, "y".repeat(600), None); // 1,200 bytes > 1,000: one leaves
/// assert_eq!(store.len(), 1);
/// assert_eq!(store.shard_count(), 4);
/// ```
#[must_use]
pub struct PolicyStoreBuilder<K, V, F> {
    capacity: Capacity,
    factory: F,
    weigher: Option<Weigher<K, V>>,
    shards: Option<usize>,
    hash_seed: Option<u64>,
    sample_quiet_hits: Option<bool>,
    /// Whether the policy is still the default W-TinyLFU.
    default_policy: bool,
    _types: PhantomData<fn(K, V)>,
}

impl<K, V> PolicyStoreBuilder<K, V, fn(u64) -> WTinyLfu> {
    pub(super) fn new(capacity: Capacity) -> Self {
        Self {
            capacity,
            factory: WTinyLfu::new,
            weigher: None,
            shards: None,
            hash_seed: None,
            sample_quiet_hits: None,
            default_policy: true,
            _types: PhantomData,
        }
    }
}

impl<K, V, F> PolicyStoreBuilder<K, V, F> {
    /// The eviction policy, made by `factory` from the capacity.
    pub fn policy<G, P>(self, factory: G) -> PolicyStoreBuilder<K, V, G>
    where
        G: FnOnce(u64) -> P,
        P: EvictionPolicy<K>,
    {
        PolicyStoreBuilder {
            capacity: self.capacity,
            factory,
            weigher: self.weigher,
            shards: self.shards,
            hash_seed: self.hash_seed,
            sample_quiet_hits: self.sample_quiet_hits,
            default_policy: false,
            _types: PhantomData,
        }
    }

    /// Counts capacity in the weight `weigher` gives each entry instead of
    /// in entries.
    pub fn weigher(mut self, weigher: Weigher<K, V>) -> Self {
        if let Capacity::Entries(n) = self.capacity {
            self.capacity = Capacity::Weight(n);
        }
        self.weigher = Some(weigher);
        self
    }

    /// Drops the bound: nothing is evicted for size, and the policy is never
    /// consulted (hits record nothing).
    pub fn unbounded(mut self) -> Self {
        self.capacity = Capacity::Unbounded;
        self
    }

    /// The number of table shards (rounded up to a power of two, 1 to
    /// 1,024). The default is four per core, at most 64; the policy sees
    /// the whole store whatever the count.
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = Some(shards.clamp(1, 1024).next_power_of_two());
        self
    }

    /// Names keys by a hash with this fixed seed instead of a random one per
    /// store: runs become reproducible (the `sim` benchmark replays a trace
    /// through the store and through its policy alone with the same hash,
    /// and gets the same hits, but in quiet runs, see
    /// [`sample_quiet_hits`](Self::sample_quiet_hits)), but an adversary who knows the seed can
    /// pick keys that collide. The hash is foldhash's, as
    /// `foldhash::fast::FixedState::with_seed(seed)` computes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::builder(10).hash_seed(42).build();
    /// store.insert("k", 1, None);
    /// assert_eq!(store.get("k"), Some(1));
    /// ```
    pub fn hash_seed(mut self, seed: u64) -> Self {
        self.hash_seed = Some(seed);
        self
    }

    /// Whether long runs of hits with no write reach the policy sampled:
    /// once readers have drained 2,048 hits since the last insert of a new
    /// key, removal or `clear`, each thread hands the policy one hit in 16
    /// (drawn at random) until the next one. On by default for the default
    /// W-TinyLFU, where applying a hit costs more than finding the entry:
    /// it makes a read-mostly store two to three times as fast, and on
    /// fifteen real traces it kept the hit ratio within 0.25 points of
    /// the policy seeing every hit (−0.24 … +0.25 with the policy's hash
    /// seed). Off by default for a policy given to [`policy`](Self::policy):
    /// it then sees every hit (a single-threaded `PolicyStore<Lru>` is an
    /// exact LRU).
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// // The default policy, every hit applied however long the run.
    /// let store = PolicyStore::builder(100).sample_quiet_hits(false).build();
    /// store.insert(1, "one", None);
    /// assert_eq!(store.get(&1), Some("one"));
    /// ```
    pub fn sample_quiet_hits(mut self, enabled: bool) -> Self {
        self.sample_quiet_hits = Some(enabled);
        self
    }

    /// Builds the store.
    #[must_use]
    pub fn build<P>(self) -> PolicyStore<K, V, P>
    where
        F: FnOnce(u64) -> P,
        P: EvictionPolicy<K>,
        K: Hash + Eq + Clone,
    {
        let policy = (self.factory)(self.capacity.limit().unwrap_or(0));
        let mut store = PolicyStore::from_parts(self.capacity, policy, self.weigher, self.shards);
        if self.default_policy {
            store = store.with_updates_as_hits();
        }
        if let Some(seed) = self.hash_seed {
            store = store.with_hash_seed(seed);
        }
        store = store.with_quiet_sampling(self.sample_quiet_hits.unwrap_or(self.default_policy));
        store
    }
}

impl<K, V, F> fmt::Debug for PolicyStoreBuilder<K, V, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyStoreBuilder")
            .field("capacity", &self.capacity)
            .field("weigher", &self.weigher.is_some())
            .field("shards", &self.shards)
            .field("hash_seed", &self.hash_seed)
            .field("sample_quiet_hits", &self.sample_quiet_hits)
            .finish_non_exhaustive()
    }
}
