//! A cache (and its remote tier's counters) built before the global recorder
//! is installed follows it once it is (issue 15, item 8). Its own test binary: the global recorder can be
//! installed once per process.

use std::time::{Duration, Instant};

use cache_core::{LoadObserver, LoadOutcome, RemovalCause};
use cache_metrics::{CacheMetrics, RemoteMetrics, names};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

fn value(snapshotter: &Snapshotter, name: &str, extra: Option<(&str, &str)>) -> Option<DebugValue> {
    snapshotter.snapshot().into_vec().into_iter().find_map(|(key, _, _, value)| {
        let key = key.key();
        let labels: Vec<_> = key.labels().map(|l| (l.key(), l.value())).collect();
        let fits = key.name() == name
            && labels.contains(&("cache", "early"))
            && extra.is_none_or(|pair| labels.contains(&pair));
        fits.then_some(value)
    })
}

#[test]
fn a_cache_built_before_the_recorder_exports_its_whole_count_once_it_is_installed() {
    let early = CacheMetrics::new("early");
    early.record_hits(3);
    early.record_miss();
    early.on_load(LoadOutcome::Success, Duration::from_millis(1));
    early.record_eviction(RemovalCause::Explicit);
    early.set_size(7, 7);
    let remote = RemoteMetrics::new("early");
    remote.record_l2_read(Some(true), Duration::from_millis(1));
    remote.record_l2_read(Some(true), Duration::from_millis(1));
    remote.record_sent();
    remote.set_queued(2);

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::set_global_recorder(recorder).expect("the only recorder of this test binary");

    let expected = [
        (names::HITS, None, DebugValue::Counter(3)),
        (names::MISSES, None, DebugValue::Counter(1)),
        (names::LOADS, Some(("outcome", "success")), DebugValue::Counter(1)),
        (names::EVICTIONS, Some(("cause", "explicit")), DebugValue::Counter(1)),
        (names::L2_READS, Some(("result", "hit")), DebugValue::Counter(2)),
        (names::BACKPLANE_SENT, None, DebugValue::Counter(1)),
    ];
    let started = Instant::now();
    while !expected
        .iter()
        .all(|(name, extra, want)| value(&snapshotter, name, *extra).as_ref() == Some(want))
    {
        assert!(started.elapsed() < Duration::from_secs(20), "never moved to the new recorder");
        std::thread::sleep(Duration::from_millis(5)); // polling the condition, bounded above
    }
    let entries = value(&snapshotter, names::ENTRIES, None);
    assert!(matches!(entries, Some(DebugValue::Gauge(g)) if g.into_inner() == 7.0), "{entries:?}");

    // From now on its events reach the new recorder as they happen.
    early.on_load(LoadOutcome::Error, Duration::ZERO);
    let errors = value(&snapshotter, names::LOADS, Some(("outcome", "error")));
    assert_eq!(errors, Some(DebugValue::Counter(1)));
    let queued = value(&snapshotter, names::L2_QUEUED, None);
    assert!(matches!(queued, Some(DebugValue::Gauge(g)) if g.into_inner() == 2.0), "{queued:?}");
    remote.record_sent();
    let sent = value(&snapshotter, names::BACKPLANE_SENT, None);
    assert_eq!(
        sent,
        Some(DebugValue::Counter(2)),
        "the remote tier's whole count, then as it happens"
    );
}
