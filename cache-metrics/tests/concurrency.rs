//! Exactness of the local counters (and of the exported totals) when many
//! threads count at once.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use cache_core::{LoadObserver, LoadOutcome, RemovalCause};
use cache_metrics::{CacheMetrics, PUBLISH_EVERY};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

const THREADS: u64 = 4;
const PER_THREAD: u64 = 100_000;

/// Runs `work(thread_index)` on `THREADS` OS threads started together.
fn on_threads(metrics: &Arc<CacheMetrics>, work: impl Fn(&CacheMetrics, u64) + Send + Sync) {
    let barrier = Barrier::new(THREADS as usize);
    thread::scope(|s| {
        for t in 0..THREADS {
            let (metrics, barrier, work) = (Arc::clone(metrics), &barrier, &work);
            s.spawn(move || {
                barrier.wait();
                work(&metrics, t);
            });
        }
    });
}

fn counter(snapshotter: &Snapshotter, name: &str) -> u64 {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find_map(|(key, _, _, value)| match value {
            DebugValue::Counter(n) if key.key().name() == name => Some(n),
            _ => None,
        })
        .unwrap_or(0)
}

#[test]
fn hits_and_misses_from_four_threads_are_exact() {
    let metrics = Arc::new(CacheMetrics::new("exact"));
    on_threads(&metrics, |m, _| {
        for _ in 0..PER_THREAD {
            m.record_hit();
            m.record_miss();
        }
    });
    let snap = metrics.snapshot(0, 0);
    assert_eq!(snap.hits, THREADS * PER_THREAD);
    assert_eq!(snap.misses, THREADS * PER_THREAD);
    assert_eq!(snap.lookups(), 2 * THREADS * PER_THREAD);
    assert!((snap.hit_rate() - 0.5).abs() < f64::EPSILON);
}

#[test]
fn skewed_lookups_add_up_exactly() {
    // Thread t does hits on even iterations of a pattern that differs per
    // thread; the expected totals are computed independently.
    let metrics = Arc::new(CacheMetrics::new("skewed"));
    on_threads(&metrics, |m, t| {
        for i in 0..PER_THREAD {
            if i % (t + 2) == 0 { m.record_miss() } else { m.record_hit() }
        }
    });
    let expected_misses: u64 = (0..THREADS).map(|t| PER_THREAD.div_ceil(t + 2)).sum();
    let snap = metrics.snapshot(0, 0);
    assert_eq!(snap.misses, expected_misses);
    assert_eq!(snap.hits + snap.misses, THREADS * PER_THREAD);
}

#[test]
fn recorder_totals_are_exact_with_concurrent_publishers() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let metrics =
        Arc::new(metrics::with_local_recorder(&recorder, || CacheMetrics::new("exported")));
    on_threads(&metrics, |m, t| {
        for i in 0..PER_THREAD {
            m.record_hit();
            if i % 3 == 0 {
                m.record_miss();
            }
            // Two threads also publish often, racing the mark-crossing ones.
            if t < 2 && i % 97 == 0 {
                m.publish();
            }
        }
    });
    let hits = THREADS * PER_THREAD;
    let misses = THREADS * PER_THREAD.div_ceil(3);
    // At rest, before any explicit publish, the recorder lags by less than a
    // mark per counting thread.
    let (seen_hits, seen_misses) =
        (counter(&snapshotter, "cache_hits_total"), counter(&snapshotter, "cache_misses_total"));
    let lag = THREADS * PUBLISH_EVERY;
    assert!(seen_hits <= hits && hits - seen_hits < lag, "{seen_hits}");
    assert!(seen_misses <= misses && misses - seen_misses < lag, "{seen_misses}");

    metrics.publish();
    assert_eq!(counter(&snapshotter, "cache_hits_total"), hits);
    assert_eq!(counter(&snapshotter, "cache_misses_total"), misses);
    metrics.publish();
    assert_eq!(counter(&snapshotter, "cache_hits_total"), hits, "publishing twice adds nothing");
}

#[test]
fn loads_evictions_and_batches_from_four_threads_are_exact() {
    const N: u64 = 20_000;
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let metrics = Arc::new(metrics::with_local_recorder(&recorder, || CacheMetrics::new("mixed")));
    on_threads(&metrics, |m, _| {
        for i in 0..N {
            let outcome = match i % 5 {
                0 => LoadOutcome::Success,
                1 => LoadOutcome::Error,
                2 => LoadOutcome::Panic,
                3 => LoadOutcome::Timeout,
                _ => LoadOutcome::Cancelled,
            };
            m.on_load(outcome, Duration::from_micros(1));
            m.on_coalesced();
            m.record_eviction(RemovalCause::ALL[(i % 4) as usize]);
            m.on_batch(3);
        }
    });
    let total = THREADS * N;
    let s = metrics.snapshot(0, 0);
    assert_eq!(s.loads, total);
    assert_eq!(s.load_successes, total / 5);
    assert_eq!(s.load_errors.total(), total / 5 * 4);
    assert_eq!(
        [s.load_errors.error, s.load_errors.panic, s.load_errors.timeout, s.load_errors.cancelled],
        [total / 5; 4]
    );
    assert_eq!(s.coalesced, total);
    assert_eq!(
        [s.evictions.size, s.evictions.expired, s.evictions.explicit, s.evictions.replaced],
        [total / 4; 4]
    );
    assert_eq!(s.evictions.total(), total);
    assert_eq!((s.batches, s.keys_batched), (total, 3 * total));
    assert_eq!(s.total_load_time, Duration::from_micros(total));
    assert_eq!(s.average_load_time(), Some(Duration::from_micros(1)));
    assert_eq!(counter(&snapshotter, "cache_coalesced_total"), total);
    assert_eq!(counter(&snapshotter, "cache_batches_total"), total);
}

#[test]
fn reset_during_traffic_loses_nothing_afterwards() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let metrics = Arc::new(metrics::with_local_recorder(&recorder, || CacheMetrics::new("reset")));
    on_threads(&metrics, |m, t| {
        for i in 0..PER_THREAD {
            m.record_hit();
            if t == 0 && i % 1000 == 0 {
                m.reset();
                let s = m.snapshot(0, 0);
                assert!(s.hits <= THREADS * PER_THREAD, "never underflows: {}", s.hits);
            }
        }
    });
    let after_traffic = metrics.snapshot(0, 0).hits;
    assert!(after_traffic <= THREADS * PER_THREAD);
    metrics.reset();
    assert_eq!(metrics.snapshot(0, 0).hits, 0);
    metrics.record_hits(5);
    assert_eq!(metrics.snapshot(0, 0).hits, 5);
    // The exported counter is monotonic: resets never reach it.
    assert_eq!(counter(&snapshotter, "cache_hits_total"), THREADS * PER_THREAD + 5);
}
