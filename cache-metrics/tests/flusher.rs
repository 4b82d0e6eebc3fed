//! The process-wide flusher (issue 15, item 7) and the duplicate-name
//! warning (item 8), checked with metrics-util's `DebuggingRecorder`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cache_core::{LoadObserver, LoadOutcome, RemovalCause};
use cache_metrics::{CacheMetrics, FLUSH_INTERVAL, names};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use tracing::span;

/// The value of counter `name` of cache `cache` (with `extra` labels).
fn counter(snapshotter: &Snapshotter, name: &str, cache: &str, extra: &[(&str, &str)]) -> u64 {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find_map(|(key, _, _, value)| {
            let key = key.key();
            let labels: Vec<_> = key.labels().map(|l| (l.key(), l.value())).collect();
            let wanted = labels.contains(&("cache", cache))
                && extra.iter().all(|pair| labels.contains(pair))
                && labels.len() == 1 + extra.len();
            match value {
                DebugValue::Counter(n) if key.name() == name && wanted => Some(n),
                _ => None,
            }
        })
        .unwrap_or(0)
}

/// Waits, up to a generous bound, for the background flusher to make
/// `condition` true; returns how long it took.
fn wait_for(condition: impl Fn() -> bool) -> Duration {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < Duration::from_secs(20), "the flusher never published");
        std::thread::sleep(Duration::from_millis(5)); // polling the condition, bounded above
    }
    started.elapsed()
}

#[test]
fn hits_reach_the_recorder_within_the_flush_interval_without_any_call() {
    assert!(FLUSH_INTERVAL <= Duration::from_millis(500));
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let (shop, users) = metrics::with_local_recorder(&recorder, || {
        (Arc::new(CacheMetrics::new("flush-shop")), Arc::new(CacheMetrics::new("flush-users")))
    });
    // No runtime, no publish, no snapshot: three hits, two misses, an
    // overwrite, far below any publication mark.
    shop.record_hits(3);
    users.record_misses(2);
    users.record_eviction(RemovalCause::Replaced);
    let took = wait_for(|| {
        counter(&snapshotter, names::HITS, "flush-shop", &[]) == 3
            && counter(&snapshotter, names::MISSES, "flush-users", &[]) == 2
            && counter(&snapshotter, names::EVICTIONS, "flush-users", &[("cause", "replaced")]) == 1
    });
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // More activity is picked up by a later pass; the totals stay exact.
    shop.record_hits(4);
    wait_for(|| counter(&snapshotter, names::HITS, "flush-shop", &[]) == 7);
    assert_eq!(shop.snapshot(0, 0).hits, 7);
    assert_eq!(counter(&snapshotter, names::HITS, "flush-shop", &[]), 7);
}

#[test]
fn a_dropped_cache_leaves_the_flusher_and_its_totals_stay_exact() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let metrics = metrics::with_local_recorder(&recorder, || CacheMetrics::new("flush-dropped"));
    metrics.record_hits(5);
    metrics.on_load(LoadOutcome::Success, Duration::ZERO);
    drop(metrics);
    assert_eq!(counter(&snapshotter, names::HITS, "flush-dropped", &[]), 5);
    // Caches made after it are still flushed.
    let later = metrics::with_local_recorder(&recorder, || CacheMetrics::new("flush-later"));
    later.record_hit();
    wait_for(|| counter(&snapshotter, names::HITS, "flush-later", &[]) == 1);
    assert_eq!(counter(&snapshotter, names::LOADS, "flush-dropped", &[("outcome", "success")]), 1);
}

/// Counts the warnings emitted on the thread it is the default of.
#[derive(Default)]
struct Warnings(AtomicUsize);

impl tracing::Subscriber for Warnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }
    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}
    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() == tracing::Level::WARN {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &span::Id) {}
    fn exit(&self, _: &span::Id) {}
}

#[test]
fn a_duplicate_name_warns_once() {
    let warnings = Arc::new(Warnings::default());
    let count = || warnings.0.load(Ordering::SeqCst);
    tracing::subscriber::with_default(Arc::clone(&warnings), || {
        let first = CacheMetrics::new("dup-orders");
        assert_eq!(count(), 0, "a first cache of a name is fine");
        let second = CacheMetrics::new("dup-orders");
        assert_eq!(count(), 1, "a second live cache of the same name warns");
        let third = CacheMetrics::new("dup-orders");
        assert_eq!(count(), 1, "once");
        let other = CacheMetrics::new("dup-invoices");
        assert_eq!(count(), 1, "other names do not warn");
        drop((first, second, third, other));
        let again = CacheMetrics::new("dup-invoices");
        assert_eq!(count(), 1, "a name whose cache is gone is free again");
        drop(again);
    });
}

#[test]
fn the_metrics_crate_is_re_exported() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let metrics = cache_metrics::metrics::with_local_recorder(&recorder, || {
        cache_metrics::metrics::counter!("reexported_total").increment(1);
        CacheMetrics::new("reexport")
    });
    metrics.publish();
    assert!(
        snapshotter
            .snapshot()
            .into_vec()
            .iter()
            .any(|(k, ..)| k.key().name() == "reexported_total")
    );
}
