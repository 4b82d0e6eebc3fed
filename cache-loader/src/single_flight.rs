//! The in-flight table: at most one load per key at a time.

use std::fmt;
use std::hash::{BuildHasher, Hash};

use hashbrown::{DefaultHashBuilder, Equivalent, HashMap};

use cache_core::{LoadObserver, NoopObserver};

use crate::completer::Completer;
use crate::flight::Flight;
use crate::sync::{Arc, Mutex, MutexGuard};
use crate::waiter::Waiter;

const SHARDS: usize = 16;

/// What [`SingleFlight::join`] found for a key.
#[derive(Debug)]
pub enum Joined<K, V> {
    /// The probe found the value (a load that finished meanwhile stored it).
    Present(V),
    /// A load of the key is in flight: wait for it.
    Waiting(Waiter<V>),
    /// No load was in flight: the caller leads a new one and must complete it.
    Leading(Completer<K, V>),
}

/// Coalesces concurrent loads of one key into a single load.
///
/// The table maps each key to its load in flight. The first caller for a key
/// becomes the leader and receives a [`Completer`]; every later caller waits on
/// the same load. When the load ends, the completer stores the value through a
/// commit callback, removes the key from the table and wakes every waiter, in
/// that order.
///
/// # Explicit writes win
///
/// [`invalidate`](SingleFlight::invalidate) detaches the key's load in flight
/// and runs a write (a store remove or insert) under the same lock. A detached
/// load still answers the waiters that already joined it, but its value is
/// never committed over the newer state, and callers arriving after the write
/// start a fresh load (or find the written value) instead of joining it.
///
/// Cheap to clone: clones share one table.
///
/// # Examples
///
/// ```
/// use cache_loader::{Joined, SingleFlight};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let flights = SingleFlight::<&str, u32>::new();
/// let Joined::Leading(completer) = flights.join(&"a", || None) else { unreachable!() };
/// let Joined::Waiting(waiter) = flights.join(&"a", || None) else { unreachable!() };
/// completer.complete(Ok(7), |_key, _value| { /* store it */ });
/// assert_eq!(waiter.wait().await.unwrap(), 7);
/// assert_eq!(flights.in_flight(), 0);
/// # }
/// ```
pub struct SingleFlight<K, V> {
    pub(crate) inner: Arc<Table<K, V>>,
}

/// One shard of the table: key to its load in flight.
pub(crate) type Shard<K, V> = HashMap<K, Arc<Flight<V>>>;

pub(crate) struct Table<K, V> {
    shards: Box<[Mutex<Shard<K, V>>]>,
    hasher: DefaultHashBuilder,
    pub(crate) observer: Arc<dyn LoadObserver>,
}

impl<K, V> Table<K, V>
where
    K: Hash + Eq,
{
    pub(crate) fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> MutexGuard<'_, Shard<K, V>> {
        // The high bits pick the shard; the shard's own map hashes with its own seed.
        let index = ((self.hasher.hash_one(key) >> 32) as usize) % self.shards.len();
        self.shards[index].lock()
    }
}

/// What a [`Completer`] needs of the table, without the key bounds (so the
/// completer, and the types holding one, carry none).
pub(crate) trait Detach<K, V>: Send + Sync {
    /// If `flight` is still the load in flight for `key`, removes it and runs
    /// `on_current` under the key's lock.
    fn detach_if_current(&self, key: &K, flight: &Arc<Flight<V>>, on_current: &mut dyn FnMut(&K));

    /// The observer load outcomes are reported to.
    fn observer(&self) -> &dyn LoadObserver;
}

impl<K, V> Detach<K, V> for Table<K, V>
where
    K: Hash + Eq + Send,
    V: Send + Sync,
{
    fn detach_if_current(&self, key: &K, flight: &Arc<Flight<V>>, on_current: &mut dyn FnMut(&K)) {
        let mut shard = self.shard(key);
        if shard.get(key).is_some_and(|f| Arc::ptr_eq(f, flight)) {
            shard.remove(key);
            on_current(key);
        }
    }

    fn observer(&self) -> &dyn LoadObserver {
        &*self.observer
    }
}

impl<K, V> SingleFlight<K, V>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// An empty table reporting to no observer.
    #[must_use]
    pub fn new() -> Self {
        Self::with_observer(Arc::new(NoopObserver))
    }

    /// An empty table reporting coalesced callers and load outcomes to
    /// `observer`.
    #[must_use]
    pub fn with_observer(observer: Arc<dyn LoadObserver>) -> Self {
        let shards = (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect();
        Self { inner: Arc::new(Table { shards, hasher: DefaultHashBuilder::default(), observer }) }
    }

    /// Joins the load in flight for `key`, or starts leading one.
    ///
    /// `probe` runs under the key's lock when no load is in flight: if it finds
    /// the value (a load that completed between the caller's own lookup and
    /// this call), nothing is started. This closes the window in which two
    /// loads of one key could otherwise run back to back.
    pub fn join(&self, key: &K, probe: impl FnOnce() -> Option<V>) -> Joined<K, V> {
        let mut shard = self.inner.shard(key);
        if let Some(flight) = shard.get(key) {
            let waiter = Waiter::new(Arc::clone(flight));
            drop(shard);
            self.inner.observer.on_coalesced();
            return Joined::Waiting(waiter);
        }
        if let Some(value) = probe() {
            return Joined::Present(value);
        }
        let flight = Arc::new(Flight::new());
        shard.insert(key.clone(), Arc::clone(&flight));
        drop(shard);
        let table: Arc<dyn Detach<K, V>> = Arc::clone(&self.inner) as _;
        Joined::Leading(Completer::new(table, key.clone(), flight))
    }

    /// Detaches the load in flight for `key` (if any) and runs `write` under
    /// the key's lock, so no load that began before the write can commit after
    /// it.
    ///
    /// `key` may be any borrowed form of the key that hashes alike.
    pub fn invalidate<Q, R>(&self, key: &Q, write: impl FnOnce() -> R) -> R
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let mut shard = self.inner.shard(key);
        shard.remove(key);
        write()
    }

    /// Runs `write` under the key's lock, leaving the key's load in flight
    /// (if any) attached: for a write that yields to newer state instead of
    /// replacing it (fail-safe re-arms a stale value only while the key is
    /// absent), so that no explicit write or commit of the key lands between
    /// its check and its write.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use std::sync::Mutex;
    /// use cache_loader::{Joined, SingleFlight};
    ///
    /// let flights = SingleFlight::<&str, u32>::new();
    /// let store = Mutex::new(HashMap::new());
    /// let Joined::Leading(load) = flights.join(&"a", || None) else { unreachable!() };
    /// flights.locked(&"a", || {
    ///     store.lock().unwrap().entry("a").or_insert(1);
    /// });
    /// assert_eq!(flights.in_flight(), 1, "the load stays attached");
    /// load.complete(Ok(2), |k, v| {
    ///     store.lock().unwrap().insert(*k, *v);
    /// });
    /// assert_eq!(store.lock().unwrap()["a"], 2, "and still commits");
    /// ```
    pub fn locked<Q, R>(&self, key: &Q, write: impl FnOnce() -> R) -> R
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let _shard = self.inner.shard(key);
        write()
    }

    /// Detaches every load in flight and runs `write` while holding every
    /// shard's lock (for `clear`).
    pub fn invalidate_all<R>(&self, write: impl FnOnce() -> R) -> R {
        let mut guards: Vec<_> = self.inner.shards.iter().map(|s| s.lock()).collect();
        for guard in &mut guards {
            guard.clear();
        }
        write()
    }

    /// The number of keys with a load in flight.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.inner.shards.iter().map(|s| s.lock().len()).sum()
    }

    /// Whether a load of `key` is in flight.
    #[must_use]
    pub fn is_loading<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        self.inner.shard(key).contains_key(key)
    }

    /// The observer this table reports to.
    #[must_use]
    pub fn observer(&self) -> &Arc<dyn LoadObserver> {
        &self.inner.observer
    }
}

impl<K, V> Default for SingleFlight<K, V>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> Clone for SingleFlight<K, V> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<K, V> fmt::Debug for SingleFlight<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_flight: usize = self.inner.shards.iter().map(|s| s.lock().len()).sum();
        f.debug_struct("SingleFlight").field("in_flight", &in_flight).finish()
    }
}
