//! [`CacheMetrics`]: the local counters and the `metrics` handles of one cache.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use cache_core::{EvictionListener, LoadObserver, LoadOutcome, RemovalCause};
use metrics::{Counter, Gauge, Histogram, Unit};

use crate::flusher;
use crate::lazy_counter::LazyCounter;
use crate::names;
use crate::snapshot::{Evictions, LoadErrors, MetricsSnapshot, Refreshes, StaleServed};
use crate::striped::StripedCounter;

/// A writer refreshes the size gauges once every this many writes counted
/// on its thread's stripe (see [`CacheMetrics::record_write`]).
pub const SIZE_GAUGE_EVERY: u64 = 256;

// Slots of the cold counters (everything but hits and misses).
const LOAD_SUCCESS: usize = 0;
const LOAD_ERROR: usize = 1;
const LOAD_PANIC: usize = 2;
const LOAD_TIMEOUT: usize = 3;
const LOAD_CANCELLED: usize = 4;
const LOAD_OTHER: usize = 5;
const EVICT_SIZE: usize = 6;
const EVICT_EXPIRED: usize = 7;
const EVICT_EXPLICIT: usize = 8;
const EVICT_REPLACED: usize = 9;
const EVICT_OTHER: usize = 10;
const COALESCED: usize = 11;
const BATCHES: usize = 12;
const KEYS_BATCHED: usize = 13;
const LOAD_NANOS: usize = 14;
const STALE_ERROR: usize = 15;
const STALE_TIMEOUT: usize = 16;
const STALE_REVALIDATE: usize = 17;
const REFRESH_SUCCESS: usize = 18;
const REFRESH_FAILURE: usize = 19;
const NEGATIVE_HITS: usize = 20;
const COLD: usize = 21;
// In a full reading, hits and misses follow the cold counters.
const HITS: usize = COLD;
const MISSES: usize = COLD + 1;
const ALL: usize = COLD + 2;

/// The outcomes with a handle registered at construction, in slot order.
const KNOWN_OUTCOMES: [LoadOutcome; 5] = [
    LoadOutcome::Success,
    LoadOutcome::Error,
    LoadOutcome::Panic,
    LoadOutcome::Timeout,
    LoadOutcome::Cancelled,
];

/// Why a caller was given a stale value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StaleReason {
    /// The reload failed (an error or a panic): fail-safe.
    Error = 0,
    /// The reload was slower than the soft timeout.
    Timeout = 1,
    /// Stale-while-revalidate: served at once while a reload runs.
    Revalidate = 2,
}

impl StaleReason {
    /// Every reason, in label order.
    pub const ALL: [StaleReason; 3] = [Self::Error, Self::Timeout, Self::Revalidate];

    /// The `reason` label: `error`, `timeout`, `revalidate`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Timeout => "timeout",
            Self::Revalidate => "revalidate",
        }
    }
}

/// The causes with a handle registered at construction, in slot order.
const KNOWN_CAUSES: [RemovalCause; 4] =
    [RemovalCause::Size, RemovalCause::Expired, RemovalCause::Explicit, RemovalCause::Replaced];

/// The handles registered once, at construction.
#[derive(Debug)]
struct Handles {
    hits: Counter,
    misses: Counter,
    loads: [Counter; KNOWN_OUTCOMES.len()],
    coalesced: Counter,
    evictions: [Counter; KNOWN_CAUSES.len()],
    batches: Counter,
    /// By reason: error, timeout, revalidate.
    stale_served: [Counter; 3],
    /// By outcome: success, failure.
    refreshes: [Counter; 2],
    negative_hits: Counter,
    entries: Gauge,
    weighted_size: Gauge,
    load_duration: Histogram,
    batch_size: Histogram,
}

impl Handles {
    fn register(cache: &str) -> Self {
        describe();
        let label = || cache.to_owned();
        Self {
            hits: metrics::counter!(names::HITS, names::CACHE => label()),
            misses: metrics::counter!(names::MISSES, names::CACHE => label()),
            loads: KNOWN_OUTCOMES.map(|outcome| {
                let outcome = outcome.as_str();
                metrics::counter!(names::LOADS, names::CACHE => label(), names::OUTCOME => outcome)
            }),
            coalesced: metrics::counter!(names::COALESCED, names::CACHE => label()),
            evictions: KNOWN_CAUSES.map(|cause| {
                let cause = cause.as_str();
                metrics::counter!(names::EVICTIONS, names::CACHE => label(), names::CAUSE => cause)
            }),
            batches: metrics::counter!(names::BATCHES, names::CACHE => label()),
            stale_served: StaleReason::ALL.map(|reason| {
                let reason = reason.as_str();
                metrics::counter!(names::STALE_SERVED, names::CACHE => label(), names::REASON => reason)
            }),
            refreshes: ["success", "failure"].map(|outcome| {
                metrics::counter!(names::REFRESHES, names::CACHE => label(), names::OUTCOME => outcome)
            }),
            negative_hits: metrics::counter!(names::NEGATIVE_HITS, names::CACHE => label()),
            entries: metrics::gauge!(names::ENTRIES, names::CACHE => label()),
            weighted_size: metrics::gauge!(names::WEIGHTED_SIZE, names::CACHE => label()),
            load_duration: metrics::histogram!(names::LOAD_DURATION, names::CACHE => label()),
            batch_size: metrics::histogram!(names::BATCH_SIZE, names::CACHE => label()),
        }
    }
}

/// Describes every metric to the current recorder (name, unit, meaning).
fn describe() {
    metrics::describe_counter!(names::HITS, Unit::Count, "Lookups that found a live entry.");
    metrics::describe_counter!(names::MISSES, Unit::Count, "Lookups that found no live entry.");
    metrics::describe_counter!(
        names::LOADS,
        Unit::Count,
        "Loads finished (a batch counts as one), by outcome."
    );
    metrics::describe_counter!(
        names::COALESCED,
        Unit::Count,
        "Callers that joined a load already in flight."
    );
    metrics::describe_counter!(
        names::EVICTIONS,
        Unit::Count,
        "Entries that left the cache, by cause."
    );
    metrics::describe_counter!(
        names::BATCHES,
        Unit::Count,
        "Batches dispatched to the batch loader."
    );
    metrics::describe_counter!(
        names::STALE_SERVED,
        Unit::Count,
        "Callers given a stale value instead of an error or a wait, by reason."
    );
    metrics::describe_counter!(
        names::REFRESHES,
        Unit::Count,
        "Background reloads of entries past refresh_after, by outcome."
    );
    metrics::describe_counter!(
        names::NEGATIVE_HITS,
        Unit::Count,
        "Lookups answered by a cached not-found."
    );
    metrics::describe_gauge!(names::ENTRIES, Unit::Count, "Entries held by the cache.");
    metrics::describe_gauge!(
        names::WEIGHTED_SIZE,
        "Total weight held by the cache, in the weigher's unit (entries without one)."
    );
    metrics::describe_histogram!(
        names::LOAD_DURATION,
        Unit::Seconds,
        "Duration of each load, whatever its outcome."
    );
    metrics::describe_histogram!(names::BATCH_SIZE, Unit::Count, "Distinct keys per batch.");
}

/// The instrumentation of one cache: exact local counters, and the same
/// events emitted through the [`metrics`] crate.
///
/// Share it behind an [`Arc`]; every method takes `&self` and is safe to call
/// from any number of threads. Counters are atomics: no update is ever lost.
///
/// The `metrics` handles are registered with the recorder that is current
/// when [`new`](CacheMetrics::new) runs. When that is the process' global
/// recorder, or none (no local recorder set with
/// [`metrics::with_local_recorder`](https://docs.rs/metrics/0.24/metrics/fn.with_local_recorder.html)), the handles follow the global recorder:
/// one installed later is picked up within [`FLUSH_INTERVAL`](crate::FLUSH_INTERVAL),
/// and every counter is exported with its whole count since creation (the
/// histogram samples taken before it are lost). Handles registered with a
/// local recorder stay with it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use cache_core::{LoadObserver, LoadOutcome, RemovalCause};
/// use cache_metrics::CacheMetrics;
///
/// let metrics = Arc::new(CacheMetrics::new("users"));
/// metrics.record_miss();
/// metrics.on_load(LoadOutcome::Success, Duration::from_millis(4));
/// metrics.record_hit();
/// metrics.record_eviction(RemovalCause::Size);
///
/// let m = metrics.snapshot(1, 1);
/// assert_eq!((m.hits, m.misses, m.loads, m.evictions.size), (1, 1, 1, 1));
/// assert_eq!(m.hit_rate(), 0.5);
/// assert_eq!(m.average_load_time(), Some(Duration::from_millis(4)));
///
/// metrics.reset();
/// assert_eq!(metrics.snapshot(1, 1).lookups(), 0);
/// ```
pub struct CacheMetrics {
    /// What the process-wide flusher publishes (it holds a `Weak` of it).
    shared: Arc<Shared>,
    /// Writes counted to pace the size gauges (not exported).
    writes: StripedCounter,
    /// Lifetime readings at the last `reset` (all zero before any); snapshots
    /// report the difference. The local counters themselves only grow, so the
    /// export of hits and misses never sees them go back.
    baseline: Mutex<[u64; ALL]>,
}

/// The lifetime counts of one cache and its `metrics` handles: everything
/// the flusher needs to publish them.
pub(crate) struct Shared {
    hits: LazyCounter,
    misses: LazyCounter,
    /// Evictions for capacity and overwrites: as hot as writes.
    evicted_size: LazyCounter,
    replaced: LazyCounter,
    /// Everything but hits and misses; written off the hit path.
    cold: [AtomicU64; COLD],
    /// The last size given to `set_size` (entries, weight), for a recorder
    /// installed later.
    size: [AtomicU64; 2],
    handles: ArcSwap<Handles>,
    /// When the handles follow the global recorder: the address of the
    /// recorder they are registered with (the global one, or the no-op one).
    /// `None`: registered with a local recorder, kept for good.
    follows_global: Option<AtomicUsize>,
    name: String,
}

/// The address of the recorder the `metrics` macros use on this thread.
pub(crate) fn current_recorder() -> usize {
    metrics::with_recorder(|recorder| std::ptr::from_ref(recorder).cast::<()>().addr())
}

/// The recorder of a thread without a local one: the global recorder, or
/// the no-op one.
/// `None` when no thread can be started (the cache then keeps the handles
/// it registered).
pub(crate) fn plain_recorder() -> Option<usize> {
    std::thread::scope(|s| {
        let probe = std::thread::Builder::new().name("cache-metrics-probe".into());
        probe.spawn_scoped(s, current_recorder).ok()?.join().ok()
    })
}

impl Shared {
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// One pass of the flusher (on its own thread, where no local recorder
    /// is set): moves the handles to a global recorder installed since, then
    /// publishes every counter's lifetime total.
    pub(crate) fn flush(&self) {
        if let Some(registered) = &self.follows_global {
            let now = current_recorder();
            if registered.swap(now, Relaxed) != now {
                self.handles.store(Arc::new(Handles::register(&self.name)));
                self.publish_gauges();
            }
        }
        self.publish_all();
    }

    /// Publishes the hot counters (hits, misses, evictions for size and
    /// overwrites) as their exact lifetime totals.
    fn publish_hot(&self) {
        let handles = self.handles.load();
        self.hits.publish(&handles.hits);
        self.misses.publish(&handles.misses);
        self.evicted_size.publish(&handles.evictions[0]);
        self.replaced.publish(&handles.evictions[EVICT_REPLACED - EVICT_SIZE]);
    }

    /// Publishes every counter as its exact lifetime total. The cold ones
    /// are also set as they happen (each event sets the total it made, never
    /// an increment, so a pass racing an event can neither lose nor double
    /// it); setting them again here serves a recorder installed since, or
    /// one that keeps the latest value set rather than the largest.
    fn publish_all(&self) {
        let handles = self.handles.load();
        self.hits.publish_again(&handles.hits);
        self.misses.publish_again(&handles.misses);
        self.evicted_size.publish_again(&handles.evictions[0]);
        self.replaced.publish_again(&handles.evictions[EVICT_REPLACED - EVICT_SIZE]);
        for (slot, counter) in handles.loads.iter().enumerate() {
            counter.absolute(self.cold[LOAD_SUCCESS + slot].load(Relaxed));
        }
        for slot in [EVICT_EXPIRED, EVICT_EXPLICIT] {
            handles.evictions[slot - EVICT_SIZE].absolute(self.cold[slot].load(Relaxed));
        }
        handles.coalesced.absolute(self.cold[COALESCED].load(Relaxed));
        handles.batches.absolute(self.cold[BATCHES].load(Relaxed));
        for (slot, counter) in handles.stale_served.iter().enumerate() {
            counter.absolute(self.cold[STALE_ERROR + slot].load(Relaxed));
        }
        for (slot, counter) in handles.refreshes.iter().enumerate() {
            counter.absolute(self.cold[REFRESH_SUCCESS + slot].load(Relaxed));
        }
        handles.negative_hits.absolute(self.cold[NEGATIVE_HITS].load(Relaxed));
    }

    /// Adds one to the cold counter `slot` and sets `counter` to the total
    /// it made (never an increment: see `publish_all`).
    fn bump(&self, slot: usize, counter: impl FnOnce(&Handles) -> &Counter) {
        let total = self.cold[slot].fetch_add(1, Relaxed) + 1;
        counter(&self.handles.load()).absolute(total);
    }

    #[allow(clippy::cast_precision_loss)] // gauges are f64; exact below 2^53
    fn publish_gauges(&self) {
        let handles = self.handles.load();
        handles.entries.set(self.size[0].load(Relaxed) as f64);
        handles.weighted_size.set(self.size[1].load(Relaxed) as f64);
    }
}

impl CacheMetrics {
    /// Counters for the cache called `name`, which labels every series
    /// (`cache="<name>"`). Registers and describes every metric with the
    /// current recorder, and hands the counters to the process-wide flusher
    /// (see the crate docs).
    ///
    /// Give every live cache its own name: the exported counters are set to
    /// each cache's totals, so two caches of one name overwrite each other's
    /// series. Creating a second one warns once (through `tracing`).
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        let registered = current_recorder();
        let follows_global =
            (plain_recorder() == Some(registered)).then(|| AtomicUsize::new(registered));
        let handles = Handles::register(&name);
        let shared = Arc::new(Shared {
            hits: LazyCounter::new(),
            misses: LazyCounter::new(),
            evicted_size: LazyCounter::new(),
            replaced: LazyCounter::new(),
            cold: std::array::from_fn(|_| AtomicU64::new(0)),
            size: [AtomicU64::new(0), AtomicU64::new(0)],
            handles: ArcSwap::from_pointee(handles),
            follows_global,
            name,
        });
        flusher::register(&shared);
        Self { shared, writes: StripedCounter::default(), baseline: Mutex::new([0; ALL]) }
    }

    /// The cache name given to [`new`](CacheMetrics::new).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Counts one hit: a load and a store on this thread's stripe. The recorder hears of it
    /// lazily (see the crate docs).
    #[inline]
    pub fn record_hit(&self) {
        self.record_hits(1);
    }

    /// Counts `n` hits at once (a `get_many`, say).
    #[inline]
    pub fn record_hits(&self, n: u64) {
        if self.shared.hits.add(n) {
            self.shared.publish_hot();
        }
    }

    /// Counts one miss: a load and a store on this thread's stripe. The recorder hears of it
    /// lazily (see the crate docs).
    #[inline]
    pub fn record_miss(&self) {
        self.record_misses(1);
    }

    /// Counts `n` misses at once.
    #[inline]
    pub fn record_misses(&self, n: u64) {
        if self.shared.misses.add(n) {
            self.shared.publish_hot();
        }
    }

    /// Counts one entry leaving the cache (`cache_evictions_total{cause}`):
    /// evictions for capacity and overwrites, as frequent as writes, are
    /// counted on stripes and exported lazily like hits; expirations and
    /// explicit removals are emitted at once.
    pub fn record_eviction(&self, cause: RemovalCause) {
        let shared = &*self.shared;
        let slot = match cause {
            RemovalCause::Size => {
                if shared.evicted_size.add(1) {
                    shared.publish_hot();
                }
                return;
            }
            RemovalCause::Replaced => {
                if shared.replaced.add(1) {
                    shared.publish_hot();
                }
                return;
            }
            RemovalCause::Expired => EVICT_EXPIRED,
            RemovalCause::Explicit => EVICT_EXPLICIT,
            other => {
                shared.cold[EVICT_OTHER].fetch_add(1, Relaxed);
                let (cache, cause) = (shared.name.clone(), other.as_str());
                metrics::counter!(names::EVICTIONS, names::CACHE => cache, names::CAUSE => cause)
                    .increment(1);
                return;
            }
        };
        let total = shared.cold[slot].fetch_add(1, Relaxed) + 1;
        shared.handles.load().evictions[slot - EVICT_SIZE].absolute(total);
    }

    /// Counts one write to the cache (not exported) and says whether the
    /// size gauges are due: once every [`SIZE_GAUGE_EVERY`] writes counted
    /// on the calling thread's stripe. Threads count on stripes of their
    /// own, so writers on different cores do not contend.
    #[inline]
    pub fn record_write(&self) -> bool {
        let before = self.writes.add(1);
        (before + 1) % SIZE_GAUGE_EVERY == 0
    }

    /// An [`EvictionListener`] that forwards every removal to
    /// [`record_eviction`](CacheMetrics::record_eviction); register it on the
    /// store with `Store::add_eviction_listener`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use cache_core::RemovalCause;
    /// use cache_metrics::CacheMetrics;
    ///
    /// let metrics = Arc::new(CacheMetrics::new("pages"));
    /// let listener = metrics.eviction_listener::<String, Vec<u8>>();
    /// listener(&"home".to_string(), &vec![1, 2], RemovalCause::Expired);
    /// assert_eq!(metrics.snapshot(0, 0).evictions.expired, 1);
    /// ```
    #[must_use]
    pub fn eviction_listener<K, V>(self: &Arc<Self>) -> EvictionListener<K, V>
    where
        K: 'static,
        V: 'static,
    {
        let metrics = Arc::clone(self);
        Arc::new(move |_key: &K, _value: &V, cause| metrics.record_eviction(cause))
    }

    /// Counts a caller given a stale value, and why.
    pub fn record_stale_served(&self, reason: StaleReason) {
        let slot = reason as usize;
        self.shared.bump(STALE_ERROR + slot, |h| &h.stale_served[slot]);
    }

    /// Counts a background refresh that ended, and whether it succeeded.
    pub fn record_refresh(&self, succeeded: bool) {
        let slot = usize::from(!succeeded);
        self.shared.bump(REFRESH_SUCCESS + slot, |h| &h.refreshes[slot]);
    }

    /// Counts a lookup answered by a cached "not found".
    pub fn record_negative_hit(&self) {
        self.shared.bump(NEGATIVE_HITS, |h| &h.negative_hits);
    }

    /// Sets the `cache_entries` and `cache_weighted_size` gauges, and
    /// publishes the hits and misses not yet exported.
    pub fn set_size(&self, entries: u64, weighted: u64) {
        self.shared.size[0].store(entries, Relaxed);
        self.shared.size[1].store(weighted, Relaxed);
        self.shared.publish_gauges();
        self.publish();
    }

    /// Sends the recorder the exact totals of hits, misses and evictions
    /// for size and overwrites. Cheap when there is nothing new; safe to
    /// call concurrently. The process-wide flusher calls the equivalent
    /// every [`FLUSH_INTERVAL`](crate::FLUSH_INTERVAL) anyway.
    pub fn publish(&self) {
        self.shared.publish_hot();
    }

    /// The counters since creation or the last [`reset`](CacheMetrics::reset),
    /// with the size the caller read from its store. Also sets the size
    /// gauges and publishes, like [`set_size`](CacheMetrics::set_size).
    #[must_use]
    pub fn snapshot(&self, entries: u64, weighted: u64) -> MetricsSnapshot {
        self.set_size(entries, weighted);
        let baseline = self.baseline.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.read();
        let c: [u64; ALL] = std::array::from_fn(|i| now[i].saturating_sub(baseline[i]));
        drop(baseline);
        let load_errors = LoadErrors {
            error: c[LOAD_ERROR],
            panic: c[LOAD_PANIC],
            timeout: c[LOAD_TIMEOUT],
            cancelled: c[LOAD_CANCELLED],
            other: c[LOAD_OTHER],
        };
        MetricsSnapshot {
            hits: c[HITS],
            misses: c[MISSES],
            size: entries,
            weighted_size: weighted,
            loads: c[LOAD_SUCCESS].saturating_add(load_errors.total()),
            load_successes: c[LOAD_SUCCESS],
            load_errors,
            coalesced: c[COALESCED],
            evictions: Evictions {
                size: c[EVICT_SIZE],
                expired: c[EVICT_EXPIRED],
                explicit: c[EVICT_EXPLICIT],
                replaced: c[EVICT_REPLACED],
                other: c[EVICT_OTHER],
            },
            batches: c[BATCHES],
            keys_batched: c[KEYS_BATCHED],
            total_load_time: Duration::from_nanos(c[LOAD_NANOS]),
            remote: None,
            stale_served: StaleServed {
                error: c[STALE_ERROR],
                timeout: c[STALE_TIMEOUT],
                revalidate: c[STALE_REVALIDATE],
            },
            refreshes: Refreshes { succeeded: c[REFRESH_SUCCESS], failed: c[REFRESH_FAILURE] },
            negative_hits: c[NEGATIVE_HITS],
        }
    }

    /// Zeroes every count a [`snapshot`](CacheMetrics::snapshot) reports.
    ///
    /// Events recorded concurrently land either before the reset (and are
    /// dropped) or after it (and are kept); none is lost half-way. The series
    /// exported through `metrics` are *not* reset: they are monotonic
    /// counters, and a drop would read as a process restart to rate
    /// functions such as Prometheus' `rate()`.
    pub fn reset(&self) {
        let mut baseline = self.baseline.lock().unwrap_or_else(PoisonError::into_inner);
        *baseline = self.read();
    }

    /// Every lifetime counter, read one after another.
    fn read(&self) -> [u64; ALL] {
        let shared = &*self.shared;
        let mut all = [0; ALL];
        for (slot, counter) in all.iter_mut().zip(&shared.cold) {
            *slot = counter.load(Relaxed);
        }
        all[HITS] = shared.hits.sum();
        all[MISSES] = shared.misses.sum();
        all[EVICT_SIZE] = shared.evicted_size.sum();
        all[EVICT_REPLACED] = shared.replaced.sum();
        all
    }
}

impl LoadObserver for CacheMetrics {
    /// Counts the load by outcome, adds its duration to the total and the
    /// `cache_load_duration_seconds` histogram, and publishes pending hits and
    /// misses (a load is slow next to that).
    fn on_load(&self, outcome: LoadOutcome, elapsed: Duration) {
        let shared = &*self.shared;
        let handles = shared.handles.load();
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        shared.cold[LOAD_NANOS].fetch_add(nanos, Relaxed);
        handles.load_duration.record(elapsed.as_secs_f64());
        let slot = match outcome {
            LoadOutcome::Success => LOAD_SUCCESS,
            LoadOutcome::Error => LOAD_ERROR,
            LoadOutcome::Panic => LOAD_PANIC,
            LoadOutcome::Timeout => LOAD_TIMEOUT,
            LoadOutcome::Cancelled => LOAD_CANCELLED,
            other => {
                shared.cold[LOAD_OTHER].fetch_add(1, Relaxed);
                let (cache, outcome) = (shared.name.clone(), other.as_str());
                metrics::counter!(names::LOADS, names::CACHE => cache, names::OUTCOME => outcome)
                    .increment(1);
                self.publish();
                return;
            }
        };
        let total = shared.cold[slot].fetch_add(1, Relaxed) + 1;
        handles.loads[slot - LOAD_SUCCESS].absolute(total);
        self.publish();
    }

    /// Counts one caller that joined a load in flight.
    fn on_coalesced(&self) {
        let total = self.shared.cold[COALESCED].fetch_add(1, Relaxed) + 1;
        self.shared.handles.load().coalesced.absolute(total);
    }

    /// Counts one batch of `keys` keys, and records `keys` in the
    /// `cache_batch_size` histogram.
    #[allow(clippy::cast_precision_loss)] // batch sizes are far below 2^53
    fn on_batch(&self, keys: usize) {
        let keys = keys as u64;
        let shared = &*self.shared;
        let total = shared.cold[BATCHES].fetch_add(1, Relaxed) + 1;
        shared.cold[KEYS_BATCHED].fetch_add(keys, Relaxed);
        let handles = shared.handles.load();
        handles.batches.absolute(total);
        handles.batch_size.record(keys as f64);
    }
}

/// Publishes the hits and misses not yet exported, so the recorder ends with
/// the exact totals.
impl Drop for CacheMetrics {
    fn drop(&mut self) {
        self.publish();
    }
}

impl fmt::Debug for CacheMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheMetrics")
            .field("name", &self.shared.name)
            .field("hits", &self.shared.hits.sum())
            .field("misses", &self.shared.misses.sum())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_known_variants() {
        for (i, cause) in KNOWN_CAUSES.into_iter().enumerate() {
            assert_eq!(cause, RemovalCause::ALL[i]);
        }
        assert_eq!(KNOWN_OUTCOMES[LOAD_CANCELLED - LOAD_SUCCESS], LoadOutcome::Cancelled);
        assert_eq!(KNOWN_CAUSES[EVICT_REPLACED - EVICT_SIZE], RemovalCause::Replaced);
    }

    /// Events set the totals they made, so flusher passes racing them can
    /// neither lose nor double a count (an increment after a pass that
    /// already set the total would count it twice, for good).
    #[test]
    fn flusher_passes_racing_events_keep_the_recorder_exact() {
        use metrics_util::debugging::{DebugValue, DebuggingRecorder};

        const EVENTS: u64 = 20_000;
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let metrics = metrics::with_local_recorder(&recorder, || CacheMetrics::new("racing"));
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..EVENTS {
                    metrics.on_coalesced();
                    metrics.record_eviction(RemovalCause::Explicit);
                }
                done.store(true, Relaxed);
            });
            s.spawn(|| {
                while !done.load(Relaxed) {
                    metrics.shared.flush();
                }
            });
        });
        let seen = |name: &str| {
            snapshotter.snapshot().into_vec().into_iter().find_map(|(key, _, _, value)| {
                let explicit =
                    key.key().labels().all(|l| l.key() != "cause" || l.value() == "explicit");
                match value {
                    DebugValue::Counter(n) if key.key().name() == name && explicit => Some(n),
                    _ => None,
                }
            })
        };
        assert_eq!(seen(names::COALESCED), Some(EVENTS));
        assert_eq!(seen(names::EVICTIONS), Some(EVENTS));
    }
}
