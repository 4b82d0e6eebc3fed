//! [`TtlStore`]: a store where entries expire, purged proactively.

mod deadline_queue;
mod table;

use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::time::Duration;

use cache_core::time::{Instant, is_expired, now};
use cache_core::{Capacity, EvictionListener, ListenerSlot, RemovalCause, Store, Weigher};
use hashbrown::DefaultHashBuilder;
use parking_lot::RwLock;

use crate::budget::Budget;
use crate::expiry::{cause_for, has_passed};
use table::{Entry, Table};

/// A store built around expiry: every write purges the entries whose
/// deadline has passed, so memory comes back without anyone reading them.
///
/// - **Deadlines.** An entry expires at the deadline given to
///   [`insert`](Store::insert); when that is `None`, at the store's default
///   TTL from now ([`TtlStore::new`]`(Some(ttl))`), or never without one. (So a
///   store with a default TTL cannot hold entries that never expire: a caller
///   that decides TTLs itself uses `TtlStore::new(None)`.)
/// - **Proactive purge.** Entries sit in a queue ordered by deadline; every
///   write (`insert`, `remove`, `clear`, `run_pending_tasks`) first takes the
///   expired ones off its front and reports them as
///   [`RemovalCause::Expired`]. Each purged entry costs `O(log n)`, never a
///   scan. `get` never returns an expired entry either.
/// - **Eviction when full** ([`max_capacity`](TtlStore::max_capacity)): the
///   entry closest to its deadline leaves first, entries without a deadline
///   last, ties in insertion order; the entry being inserted is never its own
///   victim. It keeps the entries with the most life left. Reported as
///   [`RemovalCause::Size`].
/// - **Reads run in parallel** (a read lock); writes take a write lock.
/// - A capacity of 0 keeps nothing; an entry heavier than the whole capacity,
///   or already expired when inserted, is not kept (reported as `Size` or
///   `Expired`) and the entry it replaces still leaves (`Replaced`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_core::Store;
/// use cache_policies::TtlStore;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let store = TtlStore::new(Some(Duration::from_secs(60))).max_capacity(1_000);
/// store.insert("session", 7, None); // the default TTL applies
/// tokio::time::advance(Duration::from_secs(60)).await;
/// store.insert("other", 8, None); // every write purges what has expired
/// assert_eq!(store.len(), 1);
/// assert_eq!(store.get(&"session"), None);
/// # }
/// ```
pub struct TtlStore<K, V> {
    table: RwLock<Table<K, V>>,
    hasher: DefaultHashBuilder,
    budget: Budget<K, V>,
    default_ttl: Option<Duration>,
    listeners: ListenerSlot<K, V>,
}

impl<K: Eq, V> TtlStore<K, V> {
    /// An unbounded store whose entries inserted without a deadline expire
    /// `default_ttl` after their insert (`None`: never).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_core::{Capacity, Store};
    /// use cache_policies::TtlStore;
    ///
    /// let store: TtlStore<u64, String> = TtlStore::new(Some(Duration::from_secs(300)));
    /// assert_eq!(store.default_ttl(), Some(Duration::from_secs(300)));
    /// assert_eq!(store.capacity(), Capacity::Unbounded);
    /// ```
    #[must_use]
    pub fn new(default_ttl: Option<Duration>) -> Self {
        Self {
            table: RwLock::new(Table::new()),
            hasher: DefaultHashBuilder::default(),
            budget: Budget::new(None, None),
            default_ttl,
            listeners: ListenerSlot::new(),
        }
    }

    /// Bounds the store to `capacity` entries, or to `capacity` total weight
    /// with a [`weigher`](TtlStore::weigher). 0 keeps nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_core::Store;
    /// use cache_core::time::deadline_after;
    /// use cache_policies::TtlStore;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let store = TtlStore::new(None).max_capacity(2);
    /// store.insert("soon", 1, deadline_after(Duration::from_secs(5)));
    /// store.insert("later", 2, deadline_after(Duration::from_secs(50)));
    /// store.insert("never", 3, None); // full: the entry closest to its deadline leaves
    /// assert_eq!(store.get(&"soon"), None);
    /// assert_eq!(store.get(&"later"), Some(2));
    /// # }
    /// ```
    #[must_use]
    pub fn max_capacity(self, capacity: u64) -> Self {
        Self { budget: self.budget.with_limit(Some(capacity)), ..self }
    }

    /// Weighs entries with `weigher`: the capacity set by
    /// [`max_capacity`](TtlStore::max_capacity) becomes a total weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store, weigher_fn};
    /// use cache_policies::TtlStore;
    ///
    /// let store = TtlStore::new(None)
    ///     .max_capacity(8)
    ///     .weigher(weigher_fn(|_: &u8, v: &Vec<u8>| v.len() as u32));
    /// store.insert(1, vec![0; 5], None);
    /// store.insert(2, vec![0; 9], None); // heavier than the whole capacity: not kept
    /// assert_eq!(store.get(&2), None);
    /// assert_eq!(store.weighted_size(), 5);
    /// assert_eq!(store.capacity(), Capacity::Weight(8));
    /// ```
    #[must_use]
    pub fn weigher(self, weigher: Weigher<K, V>) -> Self {
        Self { budget: self.budget.with_weigher(weigher), ..self }
    }

    /// The TTL given to entries inserted without a deadline.
    #[must_use]
    pub fn default_ttl(&self) -> Option<Duration> {
        self.default_ttl
    }
}

impl<K: Hash + Eq, V> TtlStore<K, V> {
    fn hash(&self, key: &K) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Takes every entry expired at `now` off the front of the queue.
    fn purge(&self, table: &mut Table<K, V>, now: Instant) {
        while let Some(entry) = table.pop_expired(now) {
            self.listeners.notify(&entry.key, &entry.value, RemovalCause::Expired);
        }
    }

    /// A reader found an expired entry: purge it (and anything else due)
    /// now rather than on the next write. Out of line: the hit path stays
    /// small enough to inline.
    #[cold]
    #[inline(never)]
    fn purge_on_read(&self) {
        self.purge(&mut self.table.write(), now());
    }

    fn notify(&self, entry: &Entry<K, V>, cause: RemovalCause) {
        self.listeners.notify(&entry.key, &entry.value, cause);
    }
}

impl<K, V> Store<K, V> for TtlStore<K, V>
where
    K: Hash + Eq + Send + Sync,
    V: Clone + Send + Sync,
{
    // Always inlined: small once the expired branch is out of line, and the
    // facade's typed hit path (and any caller's) gains a call's overhead.
    #[inline(always)]
    fn get(&self, key: &K) -> Option<V> {
        let hash = self.hash(key);
        {
            let table = self.table.read();
            let entry = table.get(hash, key)?;
            if !has_passed(entry.deadline) {
                return Some(entry.value.clone());
            }
        }
        self.purge_on_read();
        None
    }

    fn contains_key(&self, key: &K) -> bool {
        let hash = self.hash(key);
        self.table.read().get(hash, key).is_some_and(|entry| !has_passed(entry.deadline))
    }

    fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
        let weight = self.budget.weigh(&key, &value);
        let hash = self.hash(&key);
        let mut table = self.table.write();
        let now = now();
        self.purge(&mut table, now);
        let deadline = expires_at.or_else(|| now.checked_add(self.default_ttl?));
        let replaced = table.take(hash, &key);
        if let Some(old) = &replaced {
            // Live: anything expired was just purged.
            self.notify(old, RemovalCause::Replaced);
        }
        if is_expired(deadline, now) {
            self.listeners.notify(&key, &value, RemovalCause::Expired);
            return;
        }
        if !self.budget.admits(weight) {
            self.listeners.notify(&key, &value, RemovalCause::Size);
            return;
        }
        let seq = table.insert_new(hash, key, value, deadline, weight);
        while self.budget.is_exceeded_by(table.weight()) {
            let Some(victim) = table.pop_victim(seq) else { break };
            self.notify(&victim, RemovalCause::Size);
        }
    }

    fn remove(&self, key: &K) -> Option<V> {
        let hash = self.hash(key);
        let mut table = self.table.write();
        self.purge(&mut table, now());
        let entry = table.take(hash, key)?;
        self.notify(&entry, RemovalCause::Explicit);
        Some(entry.value)
    }

    fn clear(&self) {
        let entries = self.table.write().take_all();
        for entry in entries {
            self.notify(&entry, cause_for(entry.deadline, RemovalCause::Explicit));
        }
    }

    fn run_pending_tasks(&self) {
        self.purge(&mut self.table.write(), now());
    }

    fn len(&self) -> u64 {
        self.table.read().len() as u64
    }

    fn weighted_size(&self) -> u64 {
        self.table.read().weight()
    }

    fn capacity(&self) -> Capacity {
        self.budget.capacity()
    }

    fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
        self.listeners.add(listener);
    }
}

impl<K: Eq, V> fmt::Debug for TtlStore<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TtlStore")
            .field("capacity", &self.budget.capacity())
            .field("default_ttl", &self.default_ttl)
            .field("len", &self.table.try_read().map(|table| table.len()))
            .field("listeners", &self.listeners)
            .finish()
    }
}
