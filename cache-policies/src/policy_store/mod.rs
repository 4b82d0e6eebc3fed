//! `PolicyStore`: a sharded, concurrent store over any eviction policy.
//!
//! # Design of the hit path
//!
//! Keys are hashed once (foldhash); bits 32.. of the hash pick a shard.
//! Each shard holds a `RwLock` over its hash table, its own policy instance,
//! its capacity share and a deadline queue. A hit takes the shard's *read*
//! lock, checks the deadline (reading the clock only when the entry has one),
//! clones the value, and records the key's hash in the shard's lossy read
//! buffer (one `fetch_add` and one store into a fixed array: no allocation,
//! no exclusive lock). In stores of several shards the buffer is striped by
//! thread (4 stripes, each on its own cache lines), so two threads reading
//! the same shard do not bounce the buffer's lines between their cores; a
//! store of one shard keeps one buffer, in the exact order of its hits. Writes take the write lock and
//! first drain the buffer into the policy, each thread's hits in order, so
//! every eviction decision sees every earlier hit; a reader that fills its
//! stripe drains the buffer itself, under the read lock, if it wins the
//! policy's `try_lock`. In single-threaded use nothing is ever dropped, so
//! `PolicyStore<Lru>` is an exact LRU; under contention a full buffer drops
//! hits (the policy sees slightly fewer accesses, nothing else changes).
//!
//! Expired entries are never returned: a reader that finds one removes it
//! (cause `Expired`); writes and `run_pending_tasks` purge entries whose
//! deadline passed, via a per-shard min-heap of deadlines (amortised
//! O(log n), no scans).

mod builder;
mod expiry;
mod read_buffer;
mod shard;
mod ticks;

use std::fmt;
use std::hash::{BuildHasher, Hash};

use cache_core::time::Instant;
use cache_core::{Capacity, EvictionListener, EvictionPolicy, ListenerSlot, Store, Weigher};
use hashbrown::DefaultHashBuilder;

pub use builder::PolicyStoreBuilder;
use read_buffer::STRIPES;
use shard::{Shard, Shared};

use crate::policies::{Fifo, Lfu, Lru, Sieve, WTinyLfu};

/// Most shards chosen by default.
const MAX_DEFAULT_SHARDS: u64 = 64;
/// Least capacity per shard chosen by default; smaller stores get one shard.
/// Large enough that each shard's policy sees a meaningful sample: W-TinyLFU's
/// hill climber and sketch adapt per shard, and 64 shards of a few hundred
/// entries each cost up to 4 points of hit ratio on the reference traces
/// against one policy over the whole capacity.
const MIN_SHARD_CAPACITY: u64 = 4_096;

/// A bounded, sharded, concurrent [`Store`] whose evictions are decided by an
/// [`EvictionPolicy`] `P` (one instance per shard).
///
/// Hits take a shard's read lock and never allocate: a hit clones the value
/// and records the key's hash in the shard's lossy read buffer, which writes
/// drain into the policy in order (so every eviction decision sees every
/// earlier hit; under heavy contention a full buffer drops hits, which only
/// makes the policy see fewer accesses). Capacity counts entries, or weight
/// when built with a weigher. Stores whose capacity is below 8,192 have a
/// single shard, so the policy's order and the bound are exact.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_core::Store;
/// use cache_core::time::deadline_after;
/// use cache_policies::PolicyStore;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let store = PolicyStore::lru(2);
/// store.insert("a", 1, None);
/// store.insert("b", 2, deadline_after(Duration::from_secs(5)));
/// assert_eq!(store.get(&"a"), Some(1)); // "b" is now least recently used
/// store.insert("c", 3, None);
/// assert_eq!(store.get(&"b"), None);
///
/// tokio::time::advance(Duration::from_secs(5)).await;
/// assert_eq!(store.len(), 2);
/// # }
/// ```
pub struct PolicyStore<K, V, P> {
    shards: Box<[Shard<K, V, P>]>,
    shard_mask: usize,
    hasher: DefaultHashBuilder,
    weigher: Option<Weigher<K, V>>,
    capacity: u64,
    listeners: ListenerSlot<K, V>,
    /// The origin of the shards' compact deadlines.
    epoch: Instant,
}

impl<K, V, P> PolicyStore<K, V, P>
where
    K: Hash + Eq + Clone,
    V: Clone,
    P: EvictionPolicy<K>,
{
    /// A store of `capacity` entries whose shards get their policy from
    /// `factory` (called with each shard's capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::{Fifo, PolicyStore};
    ///
    /// let store = PolicyStore::new(2, |_| Fifo::new());
    /// for key in 1..=3 {
    ///     store.insert(key, key * 10, None);
    /// }
    /// assert_eq!(store.get(&1), None, "first in, first out");
    /// assert_eq!(store.get(&3), Some(30));
    /// ```
    #[must_use]
    pub fn new(capacity: u64, factory: impl Fn(u64) -> P) -> Self {
        Self::from_parts(capacity, &factory, None, None)
    }

    fn from_parts(
        capacity: u64,
        factory: &dyn Fn(u64) -> P,
        weigher: Option<Weigher<K, V>>,
        shards: Option<usize>,
    ) -> Self {
        let count = shards.unwrap_or_else(|| default_shards(capacity));
        let count_u64 = count as u64;
        // One shard: keep every hit in order (see `ReadBuffer`).
        let stripes = if count > 1 { STRIPES } else { 1 };
        let shards: Box<[Shard<K, V, P>]> = (0..count_u64)
            .map(|i| {
                let share = capacity / count_u64 + u64::from(i < capacity % count_u64);
                Shard::new(share, factory(share), stripes)
            })
            .collect();
        Self {
            shards,
            shard_mask: count - 1,
            hasher: DefaultHashBuilder::default(),
            weigher,
            capacity,
            listeners: ListenerSlot::new(),
            epoch: cache_core::time::now(),
        }
    }

    /// The number of shards.
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    #[inline]
    fn locate(&self, key: &K) -> (u64, &Shard<K, V, P>) {
        let hash = self.hasher.hash_one(key);
        // Bits 32.. : hashbrown uses the low bits and the top 7 itself.
        #[allow(clippy::cast_possible_truncation)]
        let index = (hash >> 32) as usize & self.shard_mask;
        (hash, &self.shards[index])
    }

    fn shared(&self) -> Shared<'_, K, V> {
        Shared { hasher: &self.hasher, listeners: &self.listeners, epoch: self.epoch }
    }
}

impl<K, V> PolicyStore<K, V, WTinyLfu<K>>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone,
{
    /// Starts configuring a store of `capacity` (entries, or weight once a
    /// weigher is set), with the adaptive [`WTinyLfu`] policy by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::{Lru, PolicyStore};
    ///
    /// let store = PolicyStore::builder(100).policy(|_| Lru::new()).build();
    /// store.insert(1, "one", None);
    /// assert_eq!(store.get(&1), Some("one"));
    /// ```
    #[must_use]
    pub fn builder(capacity: u64) -> PolicyStoreBuilder<K, V, fn(u64) -> WTinyLfu<K>> {
        PolicyStoreBuilder::new(capacity)
    }

    /// A store of `capacity` entries with the adaptive [`WTinyLfu`] policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::tinylfu(10_000);
    /// store.insert("k", 1, None);
    /// assert!(store.contains_key(&"k"));
    /// ```
    #[must_use]
    pub fn tinylfu(capacity: u64) -> Self {
        Self::new(capacity, WTinyLfu::new)
    }
}

impl<K, V> PolicyStore<K, V, Lru<K>>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone,
{
    /// A store of `capacity` entries with exact [`Lru`] eviction (exact
    /// across the whole store when it has one shard, i.e. capacity < 8,192).
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::lru(1);
    /// store.insert(1, 1, None);
    /// store.insert(2, 2, None);
    /// assert_eq!((store.get(&1), store.get(&2)), (None, Some(2)));
    /// ```
    #[must_use]
    pub fn lru(capacity: u64) -> Self {
        Self::new(capacity, |_| Lru::new())
    }
}

impl<K, V> PolicyStore<K, V, Sieve<K>>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone,
{
    /// A store of `capacity` entries with [`Sieve`] eviction.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::sieve(2);
    /// store.insert(1, (), None);
    /// store.insert(2, (), None);
    /// store.get(&1);
    /// store.insert(3, (), None);
    /// assert!(store.contains_key(&1) && !store.contains_key(&2));
    /// ```
    #[must_use]
    pub fn sieve(capacity: u64) -> Self {
        Self::new(capacity, |_| Sieve::new())
    }
}

impl<K, V> PolicyStore<K, V, Fifo<K>>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone,
{
    /// A store of `capacity` entries with [`Fifo`] eviction.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::fifo(1);
    /// store.insert(1, (), None);
    /// store.insert(2, (), None);
    /// assert!(!store.contains_key(&1));
    /// ```
    #[must_use]
    pub fn fifo(capacity: u64) -> Self {
        Self::new(capacity, |_| Fifo::new())
    }
}

impl<K, V> PolicyStore<K, V, Lfu<K>>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone,
{
    /// A store of `capacity` entries with [`Lfu`] (LFU-DA) eviction.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::lfu(2);
    /// store.insert(1, (), None);
    /// store.insert(2, (), None);
    /// store.get(&1);
    /// store.insert(3, (), None);
    /// assert!(store.contains_key(&1) && !store.contains_key(&2));
    /// ```
    #[must_use]
    pub fn lfu(capacity: u64) -> Self {
        Self::new(capacity, |_| Lfu::new())
    }
}

/// One shard below `2 * MIN_SHARD_CAPACITY`, then as many power-of-two
/// shards as keep at least `MIN_SHARD_CAPACITY` each, up to 64.
fn default_shards(capacity: u64) -> usize {
    let fitting = (capacity / MIN_SHARD_CAPACITY).clamp(1, MAX_DEFAULT_SHARDS);
    // Largest power of two not above `fitting`.
    let count = 1u64 << (63 - fitting.leading_zeros());
    usize::try_from(count).unwrap_or(1)
}

impl<K, V, P> Store<K, V> for PolicyStore<K, V, P>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
    P: EvictionPolicy<K>,
{
    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        let (hash, shard) = self.locate(key);
        shard.get(hash, key, &self.shared())
    }

    fn contains_key(&self, key: &K) -> bool {
        let (hash, shard) = self.locate(key);
        shard.contains(hash, key, &self.shared())
    }

    fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
        let weight = self.weigher.as_ref().map_or(1, |w| w.weigh(&key, &value));
        let (hash, shard) = self.locate(&key);
        shard.insert(hash, key, value, expires_at, weight, &self.shared());
    }

    fn remove(&self, key: &K) -> Option<V> {
        let (hash, shard) = self.locate(key);
        shard.remove(hash, key, &self.shared())
    }

    fn clear(&self) {
        let shared = self.shared();
        for shard in &self.shards {
            shard.clear(&shared);
        }
    }

    fn run_pending_tasks(&self) {
        let shared = self.shared();
        for shard in &self.shards {
            shard.run_pending_tasks(&shared);
        }
    }

    fn len(&self) -> u64 {
        self.shards.iter().map(|s| s.len() as u64).sum()
    }

    fn weighted_size(&self) -> u64 {
        self.shards.iter().map(Shard::weighted_size).sum()
    }

    fn capacity(&self) -> Capacity {
        if self.weigher.is_some() {
            Capacity::Weight(self.capacity)
        } else {
            Capacity::Entries(self.capacity)
        }
    }

    fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
        self.listeners.add(listener);
    }
}

impl<K, V, P> fmt::Debug for PolicyStore<K, V, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyStore")
            .field("capacity", &self.capacity)
            .field("weighted", &self.weigher.is_some())
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_stores_have_one_shard_and_large_ones_up_to_64() {
        assert_eq!(default_shards(0), 1);
        assert_eq!(default_shards(8_191), 1);
        assert_eq!(default_shards(8_192), 2);
        assert_eq!(default_shards(100_000), 16);
        assert_eq!(default_shards(u64::MAX), 64);
    }
}
