//! [`MokaStore`]: moka's concurrent TinyLFU cache behind the `Store` contract.

mod budget;
mod clock_drift;
mod entry;
mod expiry;

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cache_core::time::{Instant, is_expired, now};
use cache_core::{
    Capacity, Equivalent, EvictionListener, ListenerSlot, RemovalCause, Store, Weigher,
};
use moka::sync::Cache;

use budget::Budget;
use clock_drift::ClockDrift;
use entry::{DeadlineExpiry, MokaEntry, removal_cause};
use expiry::{cause_for, has_passed};

/// A store over [`moka::sync::Cache`](https://docs.rs/moka/0.12/moka/sync/struct.Cache.html): lock-free reads, and TinyLFU admission
/// that keeps frequently used entries when the store is full.
///
/// - **Admission.** When the store is full, moka admits a new entry only if
///   it looks more popular than the entries it would push out; otherwise the
///   newcomer is simply not stored, and reported as
///   [`RemovalCause::Size`]. So an insert followed by a `get` may miss. Which
///   entries are kept is moka's decision.
/// - **Deadlines.** Each entry carries its deadline on the cache clock
///   ([`cache_core::time`], tokio's), checked on every `get`: an entry past it
///   is never returned; it is invalidated and reported as
///   [`RemovalCause::Expired`]. Moka's own timer also counts down to the
///   deadline on the real clock, so memory comes back without reads in
///   production. When tokio's clock is paused or advanced by hand (tests),
///   the clocks drift apart and [`run_pending_tasks`](Store::run_pending_tasks)
///   also scans for entries past our deadline (one pass; skipped while the
///   clocks agree or no entry ever had a deadline).
/// - **Lazy bookkeeping.** Moka applies inserts and evictions in batches:
///   between operations the store may briefly hold more than its capacity,
///   and [`len`](Store::len) and [`weighted_size`](Store::weighted_size) lag.
///   Both are exact, and within capacity, after `run_pending_tasks`.
/// - A capacity of 0 keeps nothing. An entry heavier than the whole
///   capacity, or already expired when inserted, is not kept (reported as
///   `Size` or `Expired`); the entry it overwrites leaves (`Replaced`).
/// - Eviction listeners are called on the thread that triggers the removal,
///   possibly during moka's maintenance inside another operation.
/// - `contains_key` on a store that has seen deadlines clones the value out to
///   read its deadline (moka keeps no other per-entry data we can read), and
///   counts as an access for admission.
/// - Races: a `get` or purge that invalidates an expired entry while another
///   thread overwrites the same key may remove the fresh value too (reported
///   as `Explicit`; a later `get` misses). Moka offers no conditional removal.
///
/// # Examples
///
/// ```
/// use cache_core::{Capacity, Store};
/// use cache_policies::MokaStore;
///
/// let store = MokaStore::new(1_000);
/// store.insert("a", 1, None);
/// assert_eq!(store.get(&"a"), Some(1));
/// store.run_pending_tasks(); // moka counts lazily
/// assert_eq!(store.len(), 1);
/// assert_eq!(store.capacity(), Capacity::Entries(1_000));
/// ```
pub struct MokaStore<K, V> {
    cache: Cache<K, MokaEntry<V>>,
    listeners: Arc<ListenerSlot<K, V>>,
    budget: Budget<K, V>,
    /// Set by the first insert with a deadline; until then nothing can expire.
    has_deadlines: AtomicBool,
    drift: ClockDrift,
}

impl<K, V> MokaStore<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A store holding at most `max_capacity` entries (0: keeps nothing).
    #[must_use]
    pub fn new(max_capacity: u64) -> Self {
        Self::with_budget(Budget::new(Some(max_capacity), None))
    }

    /// A store without a bound: entries leave only when removed or expired.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store};
    /// use cache_policies::MokaStore;
    ///
    /// let store = MokaStore::unbounded();
    /// for n in 0..1_000u32 {
    ///     store.insert(n, n, None);
    /// }
    /// store.run_pending_tasks();
    /// assert_eq!(store.len(), 1_000);
    /// assert_eq!(store.capacity(), Capacity::Unbounded);
    /// ```
    #[must_use]
    pub fn unbounded() -> Self {
        Self::with_budget(Budget::new(None, None))
    }

    /// A store holding at most `max_weight` in total, each entry weighing
    /// what `weigher` says.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store, weigher_fn};
    /// use cache_policies::MokaStore;
    ///
    /// let store = MokaStore::with_weigher(100, weigher_fn(|_: &u8, v: &Vec<u8>| v.len() as u32));
    /// store.insert(1, vec![0; 40], None);
    /// store.insert(2, vec![0; 101], None); // heavier than the whole capacity: not kept
    /// assert_eq!(store.get(&2), None);
    /// store.run_pending_tasks();
    /// assert_eq!(store.weighted_size(), 40);
    /// assert_eq!(store.capacity(), Capacity::Weight(100));
    /// ```
    #[must_use]
    pub fn with_weigher(max_weight: u64, weigher: Weigher<K, V>) -> Self {
        Self::with_budget(Budget::new(Some(max_weight), Some(weigher)))
    }

    fn with_budget(budget: Budget<K, V>) -> Self {
        let listeners: Arc<ListenerSlot<K, V>> = Arc::new(ListenerSlot::new());
        let forward = Arc::clone(&listeners);
        let mut builder = Cache::builder().expire_after(DeadlineExpiry).eviction_listener(
            move |key: Arc<K>, entry: MokaEntry<V>, cause| {
                forward.notify(&key, &entry.value, removal_cause(cause, &entry));
            },
        );
        if let Some(limit) = budget.limit() {
            builder = builder.max_capacity(limit);
        }
        if let Some(weigher) = budget.weigher().cloned() {
            builder =
                builder.weigher(move |key, entry: &MokaEntry<V>| weigher.weigh(key, &entry.value));
        }
        Self {
            cache: builder.build(),
            listeners,
            budget,
            has_deadlines: AtomicBool::new(false),
            drift: ClockDrift::new(),
        }
    }

    /// Invalidates every entry past its deadline (reported as `Expired`).
    /// One pass over the entries, cloning each value out.
    fn purge_expired(&self) {
        let now = now();
        let mut purged = false;
        for (key, entry) in &self.cache {
            if is_expired(entry.deadline, now) {
                self.cache.invalidate(&*key);
                purged = true;
            }
        }
        if purged {
            self.cache.run_pending_tasks();
        }
    }
}

impl<K, V> Store<K, V> for MokaStore<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        let entry = self.cache.get(key)?;
        if entry.refused {
            return None; // its insert is removing it
        }
        if entry.is_dead() {
            self.cache.invalidate(key);
            return None;
        }
        Some(entry.value)
    }

    fn contains_key<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        if self.has_deadlines.load(Ordering::Relaxed) {
            self.cache.get(key).is_some_and(|entry| !entry.is_dead())
        } else {
            self.cache.contains_key(key)
        }
    }

    fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
        if expires_at.is_some() && !self.has_deadlines.load(Ordering::Relaxed) {
            self.has_deadlines.store(true, Ordering::Relaxed);
        }
        let weight = self.budget.weigh(&key, &value);
        let refused = has_passed(expires_at) || !self.budget.admits(weight);
        if !refused {
            self.cache.insert(key, MokaEntry { value, deadline: expires_at, refused: false });
        } else if self.budget.limit() == Some(0) {
            // Moka stores nothing at all at capacity 0 (and reports nothing).
            self.listeners.notify(&key, &value, cause_for(expires_at, RemovalCause::Size));
        } else {
            // Overwrite (moka reports the old entry as Replaced), then drop the
            // newcomer at once (reported as Size or Expired, being refused).
            let refused = MokaEntry { value, deadline: expires_at, refused: true };
            let entry = self.cache.entry(key).and_upsert_with(|_| refused);
            self.cache.invalidate(entry.key());
        }
    }

    fn remove<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        let entry = self.cache.remove(key)?;
        (!entry.is_dead()).then_some(entry.value)
    }

    fn clear(&self) {
        // Not `invalidate_all`: it hides entries by timestamp, so an insert in
        // the same clock tick could vanish too.
        for (key, _) in &self.cache {
            self.cache.invalidate(&*key);
        }
        self.cache.run_pending_tasks();
    }

    fn run_pending_tasks(&self) {
        self.cache.run_pending_tasks();
        if self.has_deadlines.load(Ordering::Relaxed) && self.drift.has_drifted() {
            self.purge_expired();
        }
    }

    fn len(&self) -> u64 {
        self.cache.entry_count()
    }

    fn weighted_size(&self) -> u64 {
        self.cache.weighted_size()
    }

    fn capacity(&self) -> Capacity {
        self.budget.capacity()
    }

    fn for_each_entry(&self, visit: &mut dyn FnMut(&K, &V)) {
        for (key, entry) in &self.cache {
            if !entry.refused && !entry.is_dead() {
                visit(&key, &entry.value);
            }
        }
    }

    fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
        self.listeners.add(listener);
    }
}

impl<K, V> fmt::Debug for MokaStore<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MokaStore")
            .field("capacity", &self.budget.capacity())
            .field("entry_count", &self.cache.entry_count())
            .field("listeners", &self.listeners)
            .finish()
    }
}
