//! Counters of a cache's remote tier and backplane: [`RemoteMetrics`] and its
//! [`RemoteSnapshot`].

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Weak};
use std::time::Duration;

use arc_swap::ArcSwap;
use metrics::{Counter, Gauge, Histogram, Unit};

use crate::counters::{current_recorder, plain_recorder};
use crate::flusher::{self, Flush};
use crate::names;

/// The remote tier's and the backplane's counters at one moment (the
/// `remote` field of a [`MetricsSnapshot`](crate::MetricsSnapshot)).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_metrics::RemoteMetrics;
///
/// let m = RemoteMetrics::new("users");
/// m.record_l2_read(Some(true), Duration::from_micros(300));
/// m.record_l2_read(Some(false), Duration::from_micros(100));
/// m.record_l2_read(None, Duration::from_millis(50));
/// let s = m.snapshot();
/// assert_eq!((s.l2_hits, s.l2_misses, s.l2_errors), (1, 1, 1));
/// assert_eq!(s.l2_reads(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct RemoteSnapshot {
    /// In-process misses answered by the remote tier.
    pub l2_hits: u64,
    /// Remote reads that found nothing (absent, expired, removed, unreadable).
    pub l2_misses: u64,
    /// Remote operations that failed or passed the soft timeout.
    pub l2_errors: u64,
    /// Stored values that could not be decoded (also counted as misses).
    pub l2_decode_errors: u64,
    /// Values kept in process only: their encoding was over the tier's limit.
    pub l2_oversized: u64,
    /// Values written to the remote tier (writes and loads).
    pub l2_writes: u64,
    /// Time spent in remote reads, summed.
    pub l2_read_time: Duration,
    /// Invalidations published.
    pub backplane_sent: u64,
    /// Invalidations from other instances applied.
    pub backplane_received: u64,
    /// Messages lost: publishes that failed for good, messages unreadable.
    pub backplane_dropped: u64,
    /// Subscriptions lost then restored (each flushes the in-process tier).
    pub reconnects: u64,
    /// Remote writes and publishes waiting to be replayed now.
    pub queued_writes: u64,
    /// Queued writes replayed successfully.
    pub replayed_writes: u64,
}

impl RemoteSnapshot {
    /// Remote reads, whatever their outcome.
    #[must_use]
    pub const fn l2_reads(&self) -> u64 {
        self.l2_hits.saturating_add(self.l2_misses).saturating_add(self.l2_errors)
    }
}

/// Exact counters of a cache's remote tier and backplane, also exported
/// through `metrics` (see the crate docs' table for the names). Counters are
/// exported as their exact totals; a tier built while no recorder was
/// installed follows the global recorder installed later, as a cache's own
/// counters do (within [`FLUSH_INTERVAL`](crate::FLUSH_INTERVAL), with its
/// whole counts; read-latency samples taken before are lost).
#[derive(Debug)]
pub struct RemoteMetrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    counts: [AtomicU64; COUNTS],
    read_nanos: AtomicU64,
    queued: AtomicU64,
    handles: ArcSwap<Handles>,
    /// When the handles follow the global recorder: the address of the
    /// recorder they are registered with. `None`: registered with a local
    /// recorder, kept for good.
    follows_global: Option<AtomicUsize>,
    name: String,
}

const L2_HITS: usize = 0;
const L2_MISSES: usize = 1;
const L2_ERRORS: usize = 2;
const L2_DECODE: usize = 3;
const L2_OVERSIZED: usize = 4;
const L2_WRITES: usize = 5;
const BP_SENT: usize = 6;
const BP_RECEIVED: usize = 7;
const BP_DROPPED: usize = 8;
const RECONNECTS: usize = 9;
const REPLAYED: usize = 10;
const COUNTS: usize = 11;

#[derive(Debug)]
struct Handles {
    counters: [Counter; COUNTS],
    read_latency: Histogram,
    queued: Gauge,
}

impl Handles {
    /// Describes the metrics to the current recorder and registers a
    /// handle for each.
    fn register(name: &str) -> Self {
        describe();
        let label = [(names::CACHE, name.to_owned())];
        let l2 = |result: &'static str| {
            metrics::counter!(
                names::L2_READS,
                &[(names::CACHE, name.to_owned()), (names::RESULT, result.to_owned())]
            )
        };
        let counters = [
            l2("hit"),
            l2("miss"),
            l2("error"),
            metrics::counter!(names::L2_DECODE_ERRORS, &label),
            metrics::counter!(names::L2_OVERSIZED, &label),
            metrics::counter!(names::L2_WRITES, &label),
            metrics::counter!(names::BACKPLANE_SENT, &label),
            metrics::counter!(names::BACKPLANE_RECEIVED, &label),
            metrics::counter!(names::BACKPLANE_DROPPED, &label),
            metrics::counter!(names::BACKPLANE_RECONNECTS, &label),
            metrics::counter!(names::L2_REPLAYED, &label),
        ];
        Self {
            counters,
            read_latency: metrics::histogram!(names::L2_READ_DURATION, &label),
            queued: metrics::gauge!(names::L2_QUEUED, &label),
        }
    }
}

impl Flush for Inner {
    fn flush(&self) {
        if let Some(registered) = &self.follows_global {
            let now = current_recorder();
            if registered.swap(now, Relaxed) != now {
                self.handles.store(Arc::new(Handles::register(&self.name)));
            }
        }
        let handles = self.handles.load();
        for (count, counter) in self.counts.iter().zip(&handles.counters) {
            counter.absolute(count.load(Relaxed));
        }
        #[allow(clippy::cast_precision_loss)] // a queue length, far below 2^52
        handles.queued.set(self.queued.load(Relaxed) as f64);
    }
}

impl RemoteMetrics {
    /// Counters for the cache `name`, registered with the current recorder
    /// (and handed to the process-wide flusher, which moves them to a
    /// global recorder installed later).
    #[must_use]
    pub fn new(name: &str) -> Self {
        let registered = current_recorder();
        let follows_global =
            (plain_recorder() == Some(registered)).then(|| AtomicUsize::new(registered));
        let inner = Arc::new(Inner {
            counts: Default::default(),
            read_nanos: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            handles: ArcSwap::from_pointee(Handles::register(name)),
            follows_global,
            name: name.to_owned(),
        });
        let weak: Weak<dyn Flush> = Arc::downgrade(&inner) as Weak<Inner>;
        flusher::register_other(weak);
        Self { inner }
    }

    /// Counts one event and exports the total it made (never an increment,
    /// so the flusher re-publishing totals can neither lose nor double it).
    fn add(&self, which: usize) {
        let total = self.inner.counts[which].fetch_add(1, Relaxed) + 1;
        self.inner.handles.load().counters[which].absolute(total);
    }

    /// A remote read: `Some(found)`, or `None` when it failed or timed out.
    pub fn record_l2_read(&self, found: Option<bool>, took: Duration) {
        self.add(match found {
            Some(true) => L2_HITS,
            Some(false) => L2_MISSES,
            None => L2_ERRORS,
        });
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.inner.read_nanos.fetch_add(nanos, Relaxed);
        self.inner.handles.load().read_latency.record(took.as_secs_f64());
    }

    /// A remote write or delete that failed or timed out.
    pub fn record_l2_error(&self) {
        self.add(L2_ERRORS);
    }

    /// A stored value that could not be decoded.
    pub fn record_decode_error(&self) {
        self.add(L2_DECODE);
    }

    /// A value kept in process only, over the tier's size limit.
    pub fn record_oversized(&self) {
        self.add(L2_OVERSIZED);
    }

    /// A value written to the remote tier.
    pub fn record_l2_write(&self) {
        self.add(L2_WRITES);
    }

    /// An invalidation published.
    pub fn record_sent(&self) {
        self.add(BP_SENT);
    }

    /// An invalidation from another instance applied.
    pub fn record_received(&self) {
        self.add(BP_RECEIVED);
    }

    /// A message lost (a publish failed for good, or one arrived unreadable).
    pub fn record_dropped(&self) {
        self.add(BP_DROPPED);
    }

    /// A lost subscription restored.
    pub fn record_reconnect(&self) {
        self.add(RECONNECTS);
    }

    /// A queued write replayed.
    pub fn record_replayed(&self) {
        self.add(REPLAYED);
    }

    /// The number of writes waiting to be replayed.
    pub fn set_queued(&self, queued: u64) {
        self.inner.queued.store(queued, Relaxed);
        #[allow(clippy::cast_precision_loss)] // a queue length, far below 2^52
        self.inner.handles.load().queued.set(queued as f64);
    }

    /// The counters now.
    #[must_use]
    pub fn snapshot(&self) -> RemoteSnapshot {
        let inner = &self.inner;
        let c = |i: usize| inner.counts[i].load(Relaxed);
        RemoteSnapshot {
            l2_hits: c(L2_HITS),
            l2_misses: c(L2_MISSES),
            l2_errors: c(L2_ERRORS),
            l2_decode_errors: c(L2_DECODE),
            l2_oversized: c(L2_OVERSIZED),
            l2_writes: c(L2_WRITES),
            l2_read_time: Duration::from_nanos(inner.read_nanos.load(Relaxed)),
            backplane_sent: c(BP_SENT),
            backplane_received: c(BP_RECEIVED),
            backplane_dropped: c(BP_DROPPED),
            reconnects: c(RECONNECTS),
            queued_writes: inner.queued.load(Relaxed),
            replayed_writes: c(REPLAYED),
        }
    }
}

fn describe() {
    let counters = [
        (names::L2_READS, "remote tier reads, by result"),
        (names::L2_DECODE_ERRORS, "remote values that could not be decoded (read as misses)"),
        (names::L2_OVERSIZED, "values kept in process only, over the remote tier's size limit"),
        (names::L2_WRITES, "values written to the remote tier"),
        (names::BACKPLANE_SENT, "invalidations published"),
        (names::BACKPLANE_RECEIVED, "invalidations from other instances applied"),
        (names::BACKPLANE_DROPPED, "invalidations lost: failed publishes, unreadable messages"),
        (names::BACKPLANE_RECONNECTS, "backplane subscriptions lost then restored"),
        (names::L2_REPLAYED, "queued remote writes replayed"),
    ];
    for (name, help) in counters {
        metrics::describe_counter!(name, Unit::Count, help);
    }
    metrics::describe_histogram!(
        names::L2_READ_DURATION,
        Unit::Seconds,
        "duration of each remote read"
    );
    metrics::describe_gauge!(names::L2_QUEUED, Unit::Count, "remote writes waiting to be replayed");
}

#[cfg(test)]
mod tests {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    use super::*;

    #[test]
    fn counts_locally_and_through_the_recorder() {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        let m = metrics::with_local_recorder(&recorder, || RemoteMetrics::new("l2"));
        m.record_l2_read(Some(true), Duration::from_millis(1));
        m.record_l2_read(None, Duration::from_millis(3));
        m.record_sent();
        m.record_sent();
        m.record_received();
        m.record_dropped();
        m.record_reconnect();
        m.record_decode_error();
        m.set_queued(4);
        let s = m.snapshot();
        assert_eq!((s.l2_hits, s.l2_errors, s.l2_read_time), (1, 1, Duration::from_millis(4)));
        assert_eq!((s.backplane_sent, s.backplane_received, s.backplane_dropped), (2, 1, 1));
        assert_eq!((s.reconnects, s.l2_decode_errors, s.queued_writes), (1, 1, 4));

        let exported = snapshotter.snapshot().into_vec();
        let value = |name: &str, result: Option<&str>| {
            exported.iter().find_map(|(key, _, _, value)| {
                let labels_match = key.key().labels().all(|l| {
                    (l.key() == names::CACHE && l.value() == "l2")
                        || (l.key() == names::RESULT && Some(l.value()) == result)
                });
                (key.key().name() == name && labels_match).then_some(value)
            })
        };
        assert_eq!(value(names::L2_READS, Some("hit")), Some(&DebugValue::Counter(1)));
        assert_eq!(value(names::L2_READS, Some("error")), Some(&DebugValue::Counter(1)));
        assert_eq!(value(names::BACKPLANE_SENT, None), Some(&DebugValue::Counter(2)));
        assert_eq!(value(names::BACKPLANE_RECONNECTS, None), Some(&DebugValue::Counter(1)));
        assert!(
            matches!(value(names::L2_QUEUED, None), Some(DebugValue::Gauge(g)) if g.into_inner() == 4.0)
        );
        assert!(
            matches!(value(names::L2_READ_DURATION, None), Some(DebugValue::Histogram(h)) if h.len() == 2)
        );
    }
}
