//! The cache's events reach a `metrics` recorder under the documented names,
//! labelled with the cache name.

use std::time::Duration;

use cache_facade::{AsyncCache, BoxError};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::{CompositeKey, MetricKind};

fn labels(key: &CompositeKey) -> Vec<(String, String)> {
    key.key().labels().map(|l| (l.key().to_owned(), l.value().to_owned())).collect()
}

#[test]
fn cache_events_are_exported_with_the_cache_label() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        runtime.block_on(async {
            let cache: AsyncCache<u64, u64> =
                AsyncCache::builder().name("users").max_capacity(1).build().unwrap();
            cache.get_with(1, || async { Ok::<_, BoxError>(1) }).await.unwrap();
            cache.get_with(1, || async { Ok::<_, BoxError>(1) }).await.unwrap();
            cache.get_with(2, || async { Err::<u64, BoxError>("down".into()) }).await.unwrap_err();
            cache.insert(3, 3).await; // evicts 1 for size
            let _ = cache.metrics(); // publishes pending hits and misses
            tokio::time::sleep(Duration::ZERO).await;
        });
    });
    let snapshot = snapshotter.snapshot().into_hashmap();
    let find = |name: &str, extra: Option<(&str, &str)>| {
        snapshot
            .iter()
            .find(|(key, _)| {
                let l = labels(key);
                key.key().name() == name
                    && l.contains(&("cache".into(), "users".into()))
                    && extra.is_none_or(|(k, v)| l.contains(&(k.into(), v.into())))
            })
            .map(|(key, (_, _, value))| (key.kind(), value))
            .unwrap_or_else(|| panic!("no series {name} {extra:?}"))
    };
    assert_eq!(find("cache_hits_total", None), (MetricKind::Counter, &DebugValue::Counter(1)));
    assert_eq!(find("cache_misses_total", None), (MetricKind::Counter, &DebugValue::Counter(2)));
    assert_eq!(
        find("cache_loads_total", Some(("outcome", "success"))),
        (MetricKind::Counter, &DebugValue::Counter(1))
    );
    assert_eq!(
        find("cache_loads_total", Some(("outcome", "error"))),
        (MetricKind::Counter, &DebugValue::Counter(1))
    );
    assert_eq!(
        find("cache_evictions_total", Some(("cause", "size"))),
        (MetricKind::Counter, &DebugValue::Counter(1))
    );
    assert!(
        matches!(find("cache_entries", None), (MetricKind::Gauge, DebugValue::Gauge(v)) if v.0 == 1.0)
    );
    match find("cache_load_duration_seconds", None) {
        (MetricKind::Histogram, DebugValue::Histogram(samples)) => assert_eq!(samples.len(), 2),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_entries_gauge_follows_writes_without_a_metrics_call() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let cache: AsyncCache<u64, u64> = AsyncCache::builder().name("gauged").build().unwrap();
            for k in 0..256 {
                cache.insert(k, k).await;
            }
        });
    });
    let entries = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find(|(key, _, _, _)| key.key().name() == "cache_entries")
        .map(|(_, _, _, value)| value);
    assert_eq!(entries, Some(DebugValue::Gauge(256.0.into())), "refreshed by the 256th write");
}
