//! DataLoader-style windowed batching on top of single-flight.

mod batch;
mod config;
#[cfg(not(feature = "shuttle"))]
mod watchdog;

use batch::{Batch, WindowGuard};
pub use config::BatchConfig;

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use futures_util::future::{self, Either};

use cache_core::error::CacheError;
use cache_core::time::Instant;
use cache_core::{BatchLoader, LoadOutcome};
use tokio::sync::Semaphore;

use crate::completer::Completer;
use crate::error::BatchConfigError;
use crate::guarded::{Limit, run_guarded_until};
use crate::single_flight::{Joined, SingleFlight};
use crate::sync::{Arc, Mutex, Notify};
use crate::waiter::Waiter;

/// How late a window timer may fire before the callers waiting on its batch,
/// or the next request, send the batch instead (the timer task may never
/// run: its runtime is blocked or gone).
pub const TIMER_SLACK: std::time::Duration = std::time::Duration::from_millis(10);

/// Stores a loaded value (called under the key's single-flight lock, only for
/// loads not invalidated meanwhile).
pub type Commit<K, V> = Arc<dyn Fn(&K, &V) + Send + Sync>;

/// Groups concurrent requests into `load_batch` calls.
///
/// Each requested key first joins the shared [`SingleFlight`] table, so a key
/// already loading (by `get_or_load` or by another batch) is joined, never
/// loaded twice, and keys are distinct within a batch. Keys that lead a new
/// load are queued; the queue is dispatched as one batch when the window
/// elapses or it reaches `max_batch_size`. Larger demand becomes several
/// batches.
///
/// A key the loader leaves out of its answer resolves to `None` ("not
/// found"); keys it returns that nobody asked for are ignored. An error,
/// panic or timeout of the batch reaches every caller in it, and nothing from
/// it is stored.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use cache_core::batch_loader_fn;
/// use cache_loader::{BatchConfig, Batcher, SingleFlight};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let calls = Arc::new(AtomicUsize::new(0));
/// let counted = Arc::clone(&calls);
/// let loader = batch_loader_fn(move |ids: Vec<u32>| {
///     counted.fetch_add(1, Ordering::SeqCst);
///     async move { Ok::<_, std::io::Error>(ids.into_iter().map(|id| (id, id * 10)).collect::<HashMap<_, _>>()) }
/// });
/// let batcher = Batcher::new(SingleFlight::new(), Arc::new(loader), BatchConfig::default(), Arc::new(|_: &u32, _: &u32| {}))
///     .unwrap();
/// let (a, b, c) = tokio::join!(batcher.get(1, || None), batcher.get(2, || None), batcher.get(1, || None));
/// assert_eq!((a.unwrap(), b.unwrap(), c.unwrap()), (Some(10), Some(20), Some(10)));
/// assert_eq!(calls.load(Ordering::SeqCst), 1, "one batch for all three requests");
/// # }
/// ```
pub struct Batcher<K, V> {
    inner: Arc<Inner<K, V>>,
}

struct Inner<K, V> {
    flights: SingleFlight<K, V>,
    loader: Arc<dyn BatchLoader<K, V>>,
    config: BatchConfig,
    permits: Option<Arc<Semaphore>>,
    commit: Commit<K, V>,
    pending: Mutex<Pending<K, V>>,
    /// Wakes the callers waiting on a batch that is overdue (its timer did
    /// not fire in time), so they send it themselves.
    overdue: Notify,
}

struct Pending<K, V> {
    batch: Vec<Completer<K, V>>,
    /// When the batch collecting keys received its first one.
    opened: Instant,
    /// Bumped at every dispatch, so a window timer armed for an earlier batch
    /// never dispatches a later one early.
    generation: u64,
}

impl<K, V> Batcher<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A batcher sharing `flights` with other loads of the same keys.
    ///
    /// # Errors
    ///
    /// A [`BatchConfigError`] naming the setting out of range.
    pub fn new(
        flights: SingleFlight<K, V>,
        loader: Arc<dyn BatchLoader<K, V>>,
        config: BatchConfig,
        commit: Commit<K, V>,
    ) -> Result<Self, BatchConfigError> {
        config.validate()?;
        let permits = config.max_in_flight.map(|n| Arc::new(Semaphore::new(n)));
        let pending = Mutex::new(Pending {
            batch: Vec::new(),
            opened: cache_core::time::now(),
            generation: 0,
        });
        let inner =
            Inner { flights, loader, config, permits, commit, pending, overdue: Notify::new() };
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The value of `key` through the batch loader: `None` when the loader
    /// does not know the key. `probe` looks the key up in the store first
    /// (see [`SingleFlight::join`]).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the batch is loaded by its own task, so dropping this
    /// future leaves the batch and its other callers unaffected.
    ///
    /// # Batch windows
    ///
    /// The batch is sent when its window elapses, by a timer task on the
    /// runtime of the request that opened it. Should that task never fire
    /// (its runtime is dropped, or has no timers), the batch is sent at
    /// once, or failed with [`CacheError::LoadCancelled`] when no runtime is
    /// left. Should it fire late (its runtime is blocked, or never polled
    /// again), the callers waiting on the batch send it on their own runtime
    /// once it is [`TIMER_SLACK`] (10 ms) overdue, told by a process-wide
    /// watchdog thread, and so does the next request of any key. A queued
    /// key is always sent or failed, and a caller in a live runtime waits for
    /// its batch to be sent at most the window plus that slack (plus
    /// scheduling delays).
    ///
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime, before anything is queued
    /// (nothing is left loading).
    pub async fn get(
        &self,
        key: K,
        probe: impl FnOnce() -> Option<V>,
    ) -> Result<Option<V>, CacheError> {
        match self.request(&key, probe) {
            Request::Present(value) => Ok(Some(value)),
            Request::Waiting(waiter) => found(self.wait(waiter).await),
        }
    }

    /// Waits for a load, sending the batch collecting keys on this caller's
    /// runtime should it be found overdue meanwhile (its window timer could
    /// not run: the runtime that opened it is blocked).
    async fn wait(&self, waiter: Waiter<V>) -> Result<V, CacheError> {
        let mut answer = std::pin::pin!(waiter.wait());
        loop {
            let mut overdue = std::pin::pin!(self.inner.overdue.notified());
            overdue.as_mut().enable();
            match future::select(answer.as_mut(), overdue).await {
                Either::Left((result, _)) => return result,
                // Overdue by this caller's clock too (a paused test clock
                // has the timer fire in time, whatever real time passed).
                Either::Right(((), _)) => Inner::flush(&self.inner, None),
            }
        }
    }

    /// The values of every key the batch loader knows among `keys`; unknown
    /// keys are absent from the map. Keys are de-duplicated and share batches
    /// with concurrent callers.
    ///
    /// # Errors
    ///
    /// The first error among the loads of `keys` (a failed batch fails every
    /// key in it).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`get`](Self::get).
    ///
    /// # Panics
    ///
    /// As [`get`](Self::get): outside a tokio runtime, before anything is
    /// queued.
    pub async fn get_many(
        &self,
        keys: impl IntoIterator<Item = K>,
        probe: impl Fn(&K) -> Option<V>,
    ) -> Result<HashMap<K, V>, CacheError> {
        let mut values = HashMap::new();
        let mut waiting = Vec::new();
        for key in keys {
            if values.contains_key(&key) {
                continue;
            }
            match self.request(&key, || probe(&key)) {
                Request::Present(value) => {
                    values.insert(key, value);
                }
                Request::Waiting(waiter) => waiting.push((key, waiter)),
            }
        }
        for (key, waiter) in waiting {
            if let Some(value) = found(self.wait(waiter).await)? {
                values.insert(key, value);
            }
        }
        Ok(values)
    }

    /// Loads every key of `keys` not already loading, dispatching the keys
    /// this call leads at once in batches of at most `max_batch_size`
    /// (no window: a caller that knows all its keys up front, such as a
    /// warmup, gets the fewest batches whatever the timing), and returns,
    /// for each key, the value (a key the batch loader left out: `None`) or
    /// the error. Keys already loading are joined.
    pub(crate) async fn load_now(&self, keys: Vec<K>) -> Vec<(K, Result<Option<V>, CacheError>)> {
        let mut leaders = Vec::new();
        let mut requests = Vec::with_capacity(keys.len());
        for key in keys {
            let request = match self.inner.flights.join(&key, || None) {
                Joined::Present(value) => Request::Present(value),
                Joined::Waiting(waiter) => Request::Waiting(waiter),
                Joined::Leading(completer) => {
                    let waiter = completer.waiter();
                    leaders.push(completer);
                    Request::Waiting(waiter)
                }
            };
            requests.push((key, request));
        }
        let opened = cache_core::time::now();
        while !leaders.is_empty() {
            let rest = leaders.split_off(leaders.len().min(self.inner.config.max_batch_size));
            let batch = leaders.into_iter().map(Completer::in_batch).collect();
            let observer = Arc::clone(self.inner.flights.observer());
            Inner::dispatch(&self.inner, Batch::new(batch, opened, observer));
            leaders = rest;
        }
        let mut outcomes = Vec::with_capacity(requests.len());
        for (key, request) in requests {
            let outcome = match request {
                Request::Present(value) => Ok(Some(value)),
                Request::Waiting(waiter) => found(waiter.wait().await),
            };
            outcomes.push((key, outcome));
        }
        outcomes
    }

    /// Joins the key's load in flight, or queues the key into the next batch.
    /// A batch whose window has elapsed without its timer firing (the timer
    /// task never ran) is sent first.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, before anything is queued.
    fn request(&self, key: &K, probe: impl FnOnce() -> Option<V>) -> Request<V> {
        assert!(
            crate::sync::can_spawn(),
            "cache_loader::Batcher: batched loads must be requested within a tokio runtime"
        );
        Inner::flush(&self.inner, None);
        match self.inner.flights.join(key, probe) {
            Joined::Present(value) => Request::Present(value),
            Joined::Waiting(waiter) => Request::Waiting(waiter),
            Joined::Leading(completer) => {
                let waiter = completer.waiter();
                Inner::enqueue(&self.inner, completer);
                Request::Waiting(waiter)
            }
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &BatchConfig {
        &self.inner.config
    }
}

enum Request<V> {
    Present(V),
    Waiting(Waiter<V>),
}

/// Maps "the batch loader left the key out" to `None`.
fn found<V>(result: Result<V, CacheError>) -> Result<Option<V>, CacheError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(CacheError::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}

impl<K, V> Inner<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn enqueue(this: &Arc<Self>, completer: Completer<K, V>) {
        let mut pending = this.pending.lock();
        if pending.batch.is_empty() {
            pending.opened = cache_core::time::now();
        }
        pending.batch.push(completer.in_batch());
        if pending.batch.len() >= this.config.max_batch_size {
            let batch = this.take(&mut pending);
            drop(pending);
            Self::dispatch(this, batch);
        } else if pending.batch.len() == 1 {
            let generation = pending.generation;
            drop(pending);
            Self::arm_window(this, generation);
            #[cfg(not(feature = "shuttle"))]
            {
                let target: std::sync::Weak<dyn watchdog::Overdue> = Arc::downgrade(this) as _;
                watchdog::watch(this.config.window + TIMER_SLACK, target, generation);
            }
        }
    }

    /// Takes the batch collecting keys (the caller holds the queue's lock).
    fn take(&self, pending: &mut Pending<K, V>) -> Batch<K, V> {
        pending.generation += 1;
        let completers = std::mem::take(&mut pending.batch);
        Batch::new(completers, pending.opened, Arc::clone(self.flights.observer()))
    }

    /// Dispatches the batch collecting keys now: only batch `generation`
    /// when given (a window that fires late must not send a later batch
    /// early), otherwise whichever batch is collecting once its window has
    /// elapsed by more than [`TIMER_SLACK`] (its timer should have fired).
    fn flush(this: &Arc<Self>, generation: Option<u64>) {
        let mut pending = this.pending.lock();
        let due = match generation {
            Some(generation) => pending.generation == generation,
            None => pending.opened + this.config.window + TIMER_SLACK <= cache_core::time::now(),
        };
        if !due || pending.batch.is_empty() {
            return;
        }
        let batch = this.take(&mut pending);
        drop(pending);
        Self::dispatch(this, batch);
    }

    /// Dispatches batch `generation` when the window elapses, unless it was
    /// already dispatched for being full. Should the timer task end without
    /// firing, its guard dispatches (or fails) the batch.
    fn arm_window(this: &Arc<Self>, generation: u64) {
        let mut guard = WindowGuard { inner: Arc::downgrade(this), generation, fired: false };
        let window = this.config.window;
        crate::sync::spawn(async move {
            crate::sync::window(window).await;
            guard.fired = true;
            if let Some(inner) = guard.inner.upgrade() {
                Self::flush(&inner, Some(guard.generation));
            }
        });
    }

    /// Sends `batch` to the loader on its own task. Without a runtime to
    /// spawn it on, the batch is dropped, which fails its keys.
    fn dispatch(this: &Arc<Self>, batch: Batch<K, V>) {
        if !crate::sync::can_spawn() {
            return; // dropping `batch` cancels its keys
        }
        let inner = Arc::clone(this);
        crate::sync::spawn(async move { inner.load(batch).await });
    }

    /// Loads `batch`: waits for a slot, calls the loader, answers every key.
    /// The load timeout counts from the batch's first request, so it bounds
    /// the callers' whole wait: the window, the wait for a slot and the load.
    async fn load(&self, batch: Batch<K, V>) {
        let observer = Arc::clone(self.flights.observer());
        let limit = Limit::from(batch.opened, self.config.timeout);
        let _permit = match (&self.permits, limit) {
            (None, _) => None,
            (Some(permits), None) => Some(Arc::clone(permits).acquire_owned().await),
            (Some(permits), Some(limit)) => {
                let slot = Arc::clone(permits).acquire_owned();
                if let Ok(permit) = tokio::time::timeout_at(limit.deadline, slot).await {
                    Some(permit)
                } else {
                    let waited = cache_core::time::now().saturating_duration_since(batch.opened);
                    observer.on_load(LoadOutcome::Timeout, waited);
                    batch.fail(&CacheError::Timeout { after: limit.after });
                    return;
                }
            }
        };
        let keys = batch.distinct_keys();
        observer.on_batch(keys.len());
        let loader = Arc::clone(&self.loader);
        let load = async { loader.load_batch(&keys).await };
        match run_guarded_until(load, limit, &*observer).await {
            Ok(values) => batch.answer(&values, &*self.commit),
            Err(error) => batch.fail(&error),
        }
    }
}

#[cfg(not(feature = "shuttle"))]
impl<K, V> watchdog::Overdue for Inner<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Wakes the callers waiting on batch `generation` if it is still
    /// collecting keys.
    fn overdue(&self, generation: u64) {
        let pending = self.pending.lock();
        if pending.generation == generation && !pending.batch.is_empty() {
            drop(pending);
            self.overdue.notify_waiters();
        }
    }
}

impl<K, V> Clone for Batcher<K, V> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<K, V> fmt::Debug for Batcher<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Batcher")
            .field("config", &self.inner.config)
            .field("pending", &self.inner.pending.lock().batch.len())
            .finish()
    }
}
