//! DataLoader-style windowed batching on top of single-flight.

mod config;

pub use config::BatchConfig;

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use cache_core::BatchLoader;
use cache_core::error::CacheError;
use tokio::sync::Semaphore;

use crate::completer::Completer;
use crate::error::BatchConfigError;
use crate::guarded::run_guarded;
use crate::single_flight::{Joined, SingleFlight};
use crate::sync::{Arc, Mutex};
use crate::waiter::Waiter;

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
}

struct Pending<K, V> {
    batch: Vec<Completer<K, V>>,
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
        let pending = Mutex::new(Pending { batch: Vec::new(), generation: 0 });
        let inner = Inner { flights, loader, config, permits, commit, pending };
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
    /// # Panics
    ///
    /// Panics if called outside a tokio runtime.
    pub async fn get(
        &self,
        key: K,
        probe: impl FnOnce() -> Option<V>,
    ) -> Result<Option<V>, CacheError> {
        match self.request(&key, probe) {
            Request::Present(value) => Ok(Some(value)),
            Request::Waiting(waiter) => found(waiter.wait().await),
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
            if let Some(value) = found(waiter.wait().await)? {
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
        while !leaders.is_empty() {
            let rest = leaders.split_off(leaders.len().min(self.inner.config.max_batch_size));
            Inner::dispatch(&self.inner, leaders);
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
    fn request(&self, key: &K, probe: impl FnOnce() -> Option<V>) -> Request<V> {
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
        pending.batch.push(completer);
        if pending.batch.len() >= this.config.max_batch_size {
            let batch = std::mem::take(&mut pending.batch);
            pending.generation += 1;
            drop(pending);
            Self::dispatch(this, batch);
        } else if pending.batch.len() == 1 {
            let generation = pending.generation;
            drop(pending);
            Self::arm_window(this, generation);
        }
    }

    /// Dispatches batch `generation` when the window elapses, unless it was
    /// already dispatched for being full.
    fn arm_window(this: &Arc<Self>, generation: u64) {
        let inner = Arc::clone(this);
        tokio::spawn(async move {
            tokio::time::sleep(inner.config.window).await;
            let batch = {
                let mut pending = inner.pending.lock();
                if pending.generation != generation || pending.batch.is_empty() {
                    return;
                }
                pending.generation += 1;
                std::mem::take(&mut pending.batch)
            };
            Self::dispatch(&inner, batch);
        });
    }

    fn dispatch(this: &Arc<Self>, batch: Vec<Completer<K, V>>) {
        let inner = Arc::clone(this);
        tokio::spawn(async move {
            let _permit = match &inner.permits {
                Some(permits) => Some(Arc::clone(permits).acquire_owned().await),
                None => None,
            };
            let keys: Vec<K> = batch.iter().map(|c| c.key().clone()).collect();
            let observer = Arc::clone(inner.flights.observer());
            observer.on_batch(keys.len());
            let loader = Arc::clone(&inner.loader);
            let load = async { loader.load_batch(&keys).await };
            match run_guarded(load, inner.config.timeout, &*observer).await {
                Ok(mut values) => {
                    for completer in batch {
                        match values.remove(completer.key()) {
                            Some(value) => completer.complete(Ok(value), &*inner.commit),
                            None => completer.complete(Err(CacheError::NotFound), |_, _| {}),
                        };
                    }
                }
                Err(error) => {
                    for completer in batch {
                        completer.complete(Err(error.clone()), |_, _| {});
                    }
                }
            }
        });
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
