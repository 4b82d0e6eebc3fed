//! [`LruStore`]: exact least-recently-used order on the `lru` crate.

use std::fmt;
use std::hash::Hash;

use cache_core::time::{Instant, is_expired, now};
use cache_core::{Capacity, EvictionListener, ListenerSlot, RemovalCause, Store, Weigher};
use lru::LruCache;
use parking_lot::Mutex;

use crate::budget::Budget;
use crate::expiry::{cause_for, has_passed};

/// A store that evicts the least recently used entry first, in exact order.
///
/// Entries live in an [`lru::LruCache`] behind one mutex; every `get` hit
/// moves the entry to the most recently used end, every insert puts it there,
/// and when the store is over its capacity entries leave from the least
/// recently used end (reported as [`RemovalCause::Size`]). This is Python's
/// `AsyncLRU` order.
///
/// - Capacity counts entries ([`LruStore::new`]), weight
///   ([`LruStore::with_weigher`]) or nothing ([`LruStore::unbounded`],
///   Python's `maxsize=None`). A capacity of 0 keeps nothing: every insert is
///   reported as `Size` at once.
/// - Each entry keeps its deadline beside the value. `get` on an expired entry
///   returns `None`, removes it and reports [`RemovalCause::Expired`]; expired
///   entries nobody reads are purged by
///   [`run_pending_tasks`](Store::run_pending_tasks) (one pass over the
///   entries, skipped while no deadline can have passed).
/// - An entry heavier than the whole capacity, or already expired when
///   inserted, is not kept (reported as `Size` or `Expired`); the entry it
///   replaces still leaves (`Replaced`).
/// - An entry whose deadline had passed is reported as `Expired` whatever
///   removed it.
///
/// # Examples
///
/// ```
/// use cache_core::Store;
/// use cache_policies::LruStore;
///
/// let store = LruStore::new(2);
/// store.insert("a", 1, None);
/// store.insert("b", 2, None);
/// assert_eq!(store.get(&"a"), Some(1)); // "a" is now the most recently used
/// store.insert("c", 3, None); // so "b" leaves
/// assert_eq!(store.get(&"b"), None);
/// assert_eq!((store.get(&"a"), store.get(&"c")), (Some(1), Some(3)));
/// assert_eq!(store.len(), 2);
/// ```
pub struct LruStore<K, V> {
    inner: Mutex<Lru<K, V>>,
    budget: Budget<K, V>,
    listeners: ListenerSlot<K, V>,
}

/// A stored value with its deadline and weight.
struct Slot<V> {
    value: V,
    deadline: Option<Instant>,
    weight: u32,
}

/// The state behind the mutex: the recency list and its total weight.
struct Lru<K, V> {
    entries: LruCache<K, Slot<V>>,
    weight: u64,
    /// No entry expires before this instant (a lower bound; `None`: no entry
    /// has a deadline), so a purge can be skipped cheaply.
    earliest_deadline: Option<Instant>,
}

impl<K: Hash + Eq, V> Lru<K, V> {
    fn new() -> Self {
        Self { entries: LruCache::unbounded(), weight: 0, earliest_deadline: None }
    }

    /// Inserts as most recently used, returning the entry it replaced.
    fn push(&mut self, key: K, slot: Slot<V>) -> Option<(K, Slot<V>)> {
        self.weight += u64::from(slot.weight);
        self.earliest_deadline = earlier(self.earliest_deadline, slot.deadline);
        let replaced = self.entries.push(key, slot)?;
        self.weight -= u64::from(replaced.1.weight);
        Some(replaced)
    }

    /// Removes the entry for `key`.
    fn take(&mut self, key: &K) -> Option<(K, Slot<V>)> {
        let taken = self.entries.pop_entry(key)?;
        self.weight -= u64::from(taken.1.weight);
        Some(taken)
    }

    /// Removes the least recently used entry.
    fn pop_lru(&mut self) -> Option<(K, Slot<V>)> {
        let popped = self.entries.pop_lru()?;
        self.weight -= u64::from(popped.1.weight);
        Some(popped)
    }
}

/// The earlier of two optional deadlines, where `None` means "never".
fn earlier(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl<K: Hash + Eq, V> LruStore<K, V> {
    /// A store holding at most `capacity` entries (0: keeps nothing).
    #[must_use]
    pub fn new(capacity: u64) -> Self {
        Self::with_budget(Budget::new(Some(capacity), None))
    }

    /// A store without a bound: entries leave only when removed or expired
    /// (Python's `maxsize=None`).
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store};
    /// use cache_policies::LruStore;
    ///
    /// let store = LruStore::unbounded();
    /// for n in 0..10_000u32 {
    ///     store.insert(n, n, None);
    /// }
    /// assert_eq!(store.len(), 10_000);
    /// assert_eq!(store.capacity(), Capacity::Unbounded);
    /// ```
    #[must_use]
    pub fn unbounded() -> Self {
        Self::with_budget(Budget::new(None, None))
    }

    /// A store holding at most `max_weight` in total, each entry weighing
    /// what `weigher` says; least recently used entries leave until the total
    /// fits. An entry heavier than `max_weight` is not kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store, weigher_fn};
    /// use cache_policies::LruStore;
    ///
    /// let store = LruStore::with_weigher(10, weigher_fn(|_: &u8, v: &String| v.len() as u32));
    /// store.insert(1, "four".to_string(), None);
    /// store.insert(2, "sixsix".to_string(), None);
    /// store.insert(3, "two".to_string(), None); // 13 > 10: key 1 leaves
    /// assert_eq!(store.get(&1), None);
    /// assert_eq!(store.weighted_size(), 9);
    /// assert_eq!(store.capacity(), Capacity::Weight(10));
    /// ```
    #[must_use]
    pub fn with_weigher(max_weight: u64, weigher: Weigher<K, V>) -> Self {
        Self::with_budget(Budget::new(Some(max_weight), Some(weigher)))
    }

    fn with_budget(budget: Budget<K, V>) -> Self {
        Self { inner: Mutex::new(Lru::new()), budget, listeners: ListenerSlot::new() }
    }
}

impl<K, V> Store<K, V> for LruStore<K, V>
where
    K: Hash + Eq + Send + Sync,
    V: Clone + Send + Sync,
{
    #[inline]
    fn get(&self, key: &K) -> Option<V> {
        let mut lru = self.inner.lock();
        let slot = lru.entries.get(key)?;
        if !has_passed(slot.deadline) {
            return Some(slot.value.clone());
        }
        if let Some((key, slot)) = lru.take(key) {
            self.listeners.notify(&key, &slot.value, RemovalCause::Expired);
        }
        None
    }

    fn contains_key(&self, key: &K) -> bool {
        self.inner.lock().entries.peek(key).is_some_and(|slot| !has_passed(slot.deadline))
    }

    fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
        let weight = self.budget.weigh(&key, &value);
        let slot = Slot { value, deadline: expires_at, weight };
        let mut lru = self.inner.lock();
        let rejected = if has_passed(expires_at) {
            Some(RemovalCause::Expired)
        } else if self.budget.admits(weight) {
            None
        } else {
            Some(RemovalCause::Size)
        };
        if let Some(cause) = rejected {
            // The newcomer is not kept, but the entry it overwrites leaves all the same.
            if let Some((old_key, old)) = lru.take(&key) {
                let old_cause = cause_for(old.deadline, RemovalCause::Replaced);
                self.listeners.notify(&old_key, &old.value, old_cause);
            }
            self.listeners.notify(&key, &slot.value, cause);
            return;
        }
        if let Some((old_key, old)) = lru.push(key, slot) {
            let cause = cause_for(old.deadline, RemovalCause::Replaced);
            self.listeners.notify(&old_key, &old.value, cause);
        }
        // The newcomer fits on its own and is the most recently used, so this
        // loop stops before reaching it.
        while self.budget.is_exceeded_by(lru.weight) {
            let Some((key, slot)) = lru.pop_lru() else { break };
            let cause = cause_for(slot.deadline, RemovalCause::Size);
            self.listeners.notify(&key, &slot.value, cause);
        }
    }

    fn remove(&self, key: &K) -> Option<V> {
        let (key, slot) = self.inner.lock().take(key)?;
        let cause = cause_for(slot.deadline, RemovalCause::Explicit);
        self.listeners.notify(&key, &slot.value, cause);
        (cause == RemovalCause::Explicit).then_some(slot.value)
    }

    fn clear(&self) {
        let old = std::mem::replace(&mut *self.inner.lock(), Lru::new());
        for (key, slot) in old.entries {
            let cause = cause_for(slot.deadline, RemovalCause::Explicit);
            self.listeners.notify(&key, &slot.value, cause);
        }
    }

    /// Purges every expired entry (reported as `Expired`), keeping the
    /// recency order of the others. One pass over the entries, skipped while
    /// no deadline can have passed.
    fn run_pending_tasks(&self) {
        let mut lru = self.inner.lock();
        let now = now();
        if !is_expired(lru.earliest_deadline, now) {
            return;
        }
        let mut earliest = None;
        for _ in 0..lru.entries.len() {
            // Rotate: least recently used out, back in as most recently used.
            let Some((key, slot)) = lru.entries.pop_lru() else { break };
            if is_expired(slot.deadline, now) {
                lru.weight -= u64::from(slot.weight);
                self.listeners.notify(&key, &slot.value, RemovalCause::Expired);
            } else {
                earliest = earlier(earliest, slot.deadline);
                lru.entries.push(key, slot);
            }
        }
        lru.earliest_deadline = earliest;
    }

    fn len(&self) -> u64 {
        self.inner.lock().entries.len() as u64
    }

    fn weighted_size(&self) -> u64 {
        self.inner.lock().weight
    }

    fn capacity(&self) -> Capacity {
        self.budget.capacity()
    }

    fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
        self.listeners.add(listener);
    }
}

impl<K: Hash + Eq, V> fmt::Debug for LruStore<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LruStore")
            .field("capacity", &self.budget.capacity())
            .field("len", &self.inner.try_lock().map(|lru| lru.entries.len()))
            .field("listeners", &self.listeners)
            .finish()
    }
}
