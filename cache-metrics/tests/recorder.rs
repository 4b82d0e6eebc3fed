//! The series emitted through the `metrics` crate, checked with metrics-util's
//! `DebuggingRecorder` installed as a local recorder.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cache_core::{LoadObserver, LoadOutcome, RemovalCause};
use cache_metrics::{CacheMetrics, PUBLISH_EVERY, names};
use metrics::Unit;
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

/// One series: kind, name and sorted labels.
type Series = (MetricKind, String, Vec<(String, String)>);

#[derive(Debug)]
struct Seen {
    values: BTreeMap<Series, DebugValue>,
    units: BTreeMap<String, (Option<Unit>, bool)>,
}

impl Seen {
    fn take(snapshotter: &Snapshotter) -> Self {
        let mut values = BTreeMap::new();
        let mut units = BTreeMap::new();
        for (key, unit, description, value) in snapshotter.snapshot().into_vec() {
            let name = key.key().name().to_owned();
            let mut labels: Vec<_> =
                key.key().labels().map(|l| (l.key().to_owned(), l.value().to_owned())).collect();
            labels.sort();
            units.insert(name.clone(), (unit, description.is_some()));
            values.insert((key.kind(), name, labels), value);
        }
        Self { values, units }
    }

    fn get(
        &self,
        kind: MetricKind,
        name: &str,
        cache: &str,
        extra: &[(&str, &str)],
    ) -> &DebugValue {
        let mut labels = vec![("cache".to_owned(), cache.to_owned())];
        labels.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        labels.sort();
        let series = (kind, name.to_owned(), labels);
        self.values.get(&series).unwrap_or_else(|| panic!("no series {series:?} in {self:#?}"))
    }

    fn counter(&self, name: &str, cache: &str, extra: &[(&str, &str)]) -> u64 {
        match self.get(MetricKind::Counter, name, cache, extra) {
            DebugValue::Counter(n) => *n,
            other => panic!("{name} is not a counter: {other:?}"),
        }
    }

    fn gauge(&self, name: &str, cache: &str) -> f64 {
        match self.get(MetricKind::Gauge, name, cache, &[]) {
            DebugValue::Gauge(v) => v.into_inner(),
            other => panic!("{name} is not a gauge: {other:?}"),
        }
    }

    fn histogram(&self, name: &str, cache: &str) -> Vec<f64> {
        match self.get(MetricKind::Histogram, name, cache, &[]) {
            DebugValue::Histogram(v) => v.iter().map(|x| x.into_inner()).collect(),
            other => panic!("{name} is not a histogram: {other:?}"),
        }
    }
}

fn with_recorder(name: &str) -> (Arc<CacheMetrics>, Snapshotter, DebuggingRecorder) {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let metrics = metrics::with_local_recorder(&recorder, || CacheMetrics::new(name));
    (Arc::new(metrics), snapshotter, recorder)
}

#[test]
fn every_series_is_registered_at_creation_with_the_cache_label() {
    let (_metrics, snapshotter, _recorder) = with_recorder("users");
    let seen = Seen::take(&snapshotter);
    let mut expected: Vec<Series> = Vec::new();
    let cache = || vec![("cache".to_owned(), "users".to_owned())];
    for name in [names::HITS, names::MISSES, names::COALESCED, names::BATCHES] {
        expected.push((MetricKind::Counter, name.to_owned(), cache()));
    }
    for outcome in ["cancelled", "error", "panic", "success", "timeout"] {
        let mut labels = cache();
        labels.push(("outcome".to_owned(), outcome.to_owned()));
        expected.push((MetricKind::Counter, names::LOADS.to_owned(), labels));
    }
    for cause in ["explicit", "expired", "replaced", "size"] {
        let mut labels = cache();
        labels.push(("cause".to_owned(), cause.to_owned()));
        expected.push((MetricKind::Counter, names::EVICTIONS.to_owned(), labels));
    }
    for reason in ["error", "revalidate", "timeout"] {
        let mut labels = cache();
        labels.push(("reason".to_owned(), reason.to_owned()));
        expected.push((MetricKind::Counter, names::STALE_SERVED.to_owned(), labels));
    }
    for outcome in ["failure", "success"] {
        let mut labels = cache();
        labels.push(("outcome".to_owned(), outcome.to_owned()));
        expected.push((MetricKind::Counter, names::REFRESHES.to_owned(), labels));
    }
    expected.push((MetricKind::Counter, names::NEGATIVE_HITS.to_owned(), cache()));
    for name in [names::ENTRIES, names::WEIGHTED_SIZE] {
        expected.push((MetricKind::Gauge, name.to_owned(), cache()));
    }
    for name in [names::LOAD_DURATION, names::BATCH_SIZE] {
        expected.push((MetricKind::Histogram, name.to_owned(), cache()));
    }
    for (_, _, labels) in &mut expected {
        labels.sort();
    }
    expected.sort();
    let registered: Vec<Series> = seen.values.keys().cloned().collect();
    assert_eq!(registered, expected);
    assert!(seen.values.values().all(|v| matches!(
        v,
        DebugValue::Counter(0) | DebugValue::Gauge(_) | DebugValue::Histogram(_)
    )));
}

#[test]
fn the_names_are_those_of_the_design() {
    assert_eq!(
        [names::HITS, names::MISSES, names::LOADS, names::COALESCED, names::EVICTIONS],
        [
            "cache_hits_total",
            "cache_misses_total",
            "cache_loads_total",
            "cache_coalesced_total",
            "cache_evictions_total"
        ]
    );
    assert_eq!(
        [names::BATCHES, names::ENTRIES, names::WEIGHTED_SIZE],
        ["cache_batches_total", "cache_entries", "cache_weighted_size"]
    );
    assert_eq!(
        [names::LOAD_DURATION, names::BATCH_SIZE],
        ["cache_load_duration_seconds", "cache_batch_size"]
    );
}

#[test]
fn every_metric_is_described_with_its_unit() {
    let (_metrics, snapshotter, _recorder) = with_recorder("users");
    let seen = Seen::take(&snapshotter);
    let expect = [
        (names::HITS, Some(Unit::Count)),
        (names::MISSES, Some(Unit::Count)),
        (names::LOADS, Some(Unit::Count)),
        (names::COALESCED, Some(Unit::Count)),
        (names::EVICTIONS, Some(Unit::Count)),
        (names::BATCHES, Some(Unit::Count)),
        (names::ENTRIES, Some(Unit::Count)),
        (names::WEIGHTED_SIZE, None),
        (names::LOAD_DURATION, Some(Unit::Seconds)),
        (names::BATCH_SIZE, Some(Unit::Count)),
    ];
    for (name, unit) in expect {
        assert_eq!(seen.units.get(name), Some(&(unit, true)), "{name}");
    }
}

#[test]
fn loads_are_counted_by_outcome_with_their_durations() {
    let (metrics, snapshotter, _recorder) = with_recorder("users");
    metrics.on_load(LoadOutcome::Success, Duration::from_millis(250));
    metrics.on_load(LoadOutcome::Success, Duration::from_millis(500));
    metrics.on_load(LoadOutcome::Error, Duration::from_secs(1));
    metrics.on_load(LoadOutcome::Panic, Duration::ZERO);
    metrics.on_load(LoadOutcome::Timeout, Duration::from_secs(2));
    metrics.on_load(LoadOutcome::Cancelled, Duration::from_millis(125));
    metrics.on_coalesced();
    metrics.on_coalesced();

    let seen = Seen::take(&snapshotter);
    for (outcome, n) in
        [("success", 2), ("error", 1), ("panic", 1), ("timeout", 1), ("cancelled", 1)]
    {
        assert_eq!(seen.counter(names::LOADS, "users", &[("outcome", outcome)]), n, "{outcome}");
    }
    assert_eq!(seen.counter(names::COALESCED, "users", &[]), 2);
    assert_eq!(
        seen.histogram(names::LOAD_DURATION, "users"),
        [0.25, 0.5, 1.0, 0.0, 2.0, 0.125],
        "seconds, one sample per load"
    );

    let local = metrics.snapshot(0, 0);
    assert_eq!((local.loads, local.load_successes, local.load_errors.total()), (6, 2, 4));
    assert_eq!(local.total_load_time, Duration::from_millis(3875));
}

#[test]
fn evictions_are_counted_by_cause_through_the_listener() {
    let (metrics, snapshotter, _recorder) = with_recorder("pages");
    let listener = metrics.eviction_listener::<String, u32>();
    let key = "k".to_owned();
    for (cause, n) in [
        (RemovalCause::Size, 3),
        (RemovalCause::Expired, 2),
        (RemovalCause::Explicit, 1),
        (RemovalCause::Replaced, 4),
    ] {
        for _ in 0..n {
            listener(&key, &0, cause);
        }
    }
    // Expirations and explicit removals are emitted at once; evictions for
    // size and overwrites (as frequent as writes) lazily, like hits.
    let seen = Seen::take(&snapshotter);
    for (cause, n) in [("size", 0), ("expired", 2), ("explicit", 1), ("replaced", 0)] {
        assert_eq!(seen.counter(names::EVICTIONS, "pages", &[("cause", cause)]), n, "{cause}");
    }
    metrics.publish();
    let seen = Seen::take(&snapshotter);
    for (cause, n) in [("size", 3), ("expired", 2), ("explicit", 1), ("replaced", 4)] {
        assert_eq!(seen.counter(names::EVICTIONS, "pages", &[("cause", cause)]), n, "{cause}");
    }
    let local = metrics.snapshot(0, 0).evictions;
    assert_eq!((local.size, local.expired, local.explicit, local.replaced), (3, 2, 1, 4));
    assert_eq!((local.total(), local.evicted()), (10, 5));
}

#[test]
fn batches_feed_a_counter_and_the_size_histogram() {
    let (metrics, snapshotter, _recorder) = with_recorder("users");
    metrics.on_batch(10);
    metrics.on_batch(1);
    metrics.on_batch(100);
    let seen = Seen::take(&snapshotter);
    assert_eq!(seen.counter(names::BATCHES, "users", &[]), 3);
    assert_eq!(seen.histogram(names::BATCH_SIZE, "users"), [10.0, 1.0, 100.0]);
    let local = metrics.snapshot(0, 0);
    assert_eq!((local.batches, local.keys_batched), (3, 111));
}

#[test]
fn gauges_follow_set_size_and_snapshot() {
    let (metrics, snapshotter, _recorder) = with_recorder("users");
    metrics.set_size(12, 3_000);
    let seen = Seen::take(&snapshotter);
    assert_eq!(seen.gauge(names::ENTRIES, "users"), 12.0);
    assert_eq!(seen.gauge(names::WEIGHTED_SIZE, "users"), 3_000.0);

    let snap = metrics.snapshot(0, 0); // after clear()
    assert_eq!((snap.size, snap.weighted_size), (0, 0));
    let seen = Seen::take(&snapshotter);
    assert_eq!(seen.gauge(names::ENTRIES, "users"), 0.0);
    assert_eq!(seen.gauge(names::WEIGHTED_SIZE, "users"), 0.0);
}

#[test]
fn hits_and_misses_reach_the_recorder_at_each_mark_and_on_publish() {
    let (metrics, snapshotter, _recorder) = with_recorder("users");
    let hits = |s: &Snapshotter| Seen::take(s).counter(names::HITS, "users", &[]);
    let misses = |s: &Snapshotter| Seen::take(s).counter(names::MISSES, "users", &[]);

    for _ in 0..PUBLISH_EVERY - 1 {
        metrics.record_hit();
    }
    metrics.record_miss();
    // (The process-wide flusher may publish at any moment: the recorder is
    // only ever checked for counts that must have reached it.)
    metrics.record_hit(); // the 1024th hit crosses the mark
    assert_eq!(hits(&snapshotter), PUBLISH_EVERY);

    metrics.record_hits(5);
    metrics.publish();
    assert_eq!(hits(&snapshotter), PUBLISH_EVERY + 5);
    assert_eq!(misses(&snapshotter), 1);

    metrics.record_misses(2 * PUBLISH_EVERY); // a bulk add crossing marks publishes too
    assert_eq!(misses(&snapshotter), 2 * PUBLISH_EVERY + 1);

    metrics.record_hit();
    metrics.on_load(LoadOutcome::Success, Duration::ZERO); // a finished load publishes
    assert_eq!(hits(&snapshotter), PUBLISH_EVERY + 6);
    metrics.record_hit();
    let _ = metrics.snapshot(0, 0); // so does a snapshot
    assert_eq!(hits(&snapshotter), PUBLISH_EVERY + 7);
    metrics.record_hit();
    metrics.set_size(0, 0); // and set_size
    assert_eq!(hits(&snapshotter), PUBLISH_EVERY + 8);
}

#[test]
fn dropping_the_metrics_publishes_the_rest() {
    let (metrics, snapshotter, _recorder) = with_recorder("short-lived");
    let listener = metrics.eviction_listener::<u8, u8>();
    metrics.record_hits(3);
    metrics.record_miss();
    drop(metrics);
    drop(listener); // the last Arc
    let seen = Seen::take(&snapshotter);
    assert_eq!(seen.counter(names::HITS, "short-lived", &[]), 3);
    assert_eq!(seen.counter(names::MISSES, "short-lived", &[]), 1);
}

#[test]
fn two_caches_get_two_series_and_reset_leaves_the_export_alone() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let (users, pages) = metrics::with_local_recorder(&recorder, || {
        (CacheMetrics::new("users"), CacheMetrics::new(String::from("pages")))
    });
    assert_eq!((users.name(), pages.name()), ("users", "pages"));
    users.record_hits(2);
    pages.record_hit();
    pages.record_eviction(RemovalCause::Size);
    users.reset();
    users.publish();
    pages.publish();
    let seen = Seen::take(&snapshotter);
    assert_eq!(seen.counter(names::HITS, "users", &[]), 2, "reset is local only");
    assert_eq!(seen.counter(names::HITS, "pages", &[]), 1);
    assert_eq!(seen.counter(names::EVICTIONS, "pages", &[("cause", "size")]), 1);
    assert_eq!(seen.counter(names::EVICTIONS, "users", &[("cause", "size")]), 0);
    assert_eq!(users.snapshot(0, 0).hits, 0);
}

#[test]
fn without_a_recorder_the_local_counters_still_count() {
    let metrics = CacheMetrics::new("quiet");
    for _ in 0..3 * PUBLISH_EVERY {
        metrics.record_hit();
    }
    metrics.on_load(LoadOutcome::Error, Duration::from_millis(1));
    let snap = metrics.snapshot(5, 5);
    assert_eq!(
        (snap.hits, snap.loads, snap.load_errors.error, snap.size),
        (3 * PUBLISH_EVERY, 1, 1, 5)
    );
}

#[test]
fn reset_zeroes_every_local_counter() {
    let (metrics, _snapshotter, _recorder) = with_recorder("users");
    metrics.record_hits(4);
    metrics.record_misses(2);
    metrics.on_load(LoadOutcome::Timeout, Duration::from_millis(9));
    metrics.on_coalesced();
    metrics.on_batch(7);
    metrics.record_eviction(RemovalCause::Replaced);
    assert_ne!(metrics.snapshot(3, 4), cache_metrics::MetricsSnapshot::default());
    metrics.reset();
    let after = metrics.snapshot(3, 4);
    let mut expected = cache_metrics::MetricsSnapshot::default();
    expected.size = 3;
    expected.weighted_size = 4;
    assert_eq!(after, expected, "only the size, read from the store, remains");
    assert_eq!(after.hit_rate(), 0.0);
    assert_eq!(after.average_load_time(), None);
}
