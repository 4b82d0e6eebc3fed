//! Exported metrics and their definitions (issue 15, items 7 to 9): counts
//! reach the recorder without any call, in or out of a runtime; every count
//! follows its documented definition.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cache_facade::{AsyncCache, BoxError, DynStore, LruStore, batch_loader_fn};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

fn counter(snapshotter: &Snapshotter, name: &str, cache: &str) -> u64 {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find_map(|(key, _, _, value)| {
            let fits = key.key().name() == name
                && key.key().labels().any(|l| l.key() == "cache" && l.value() == cache);
            match value {
                DebugValue::Counter(n) if fits => Some(n),
                _ => None,
            }
        })
        .unwrap_or(0)
}

/// Polls `condition` (made true by the background flusher) with a bound.
fn wait_for(condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < Duration::from_secs(20), "the flusher never published");
        std::thread::sleep(Duration::from_millis(5)); // polling the condition, bounded above
    }
}

#[test]
fn hits_of_caches_that_only_insert_and_get_reach_the_recorder_without_a_metrics_call() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let (a, b): (AsyncCache<u64, u64>, AsyncCache<u64, u64>) =
        cache_facade::metrics::with_local_recorder(&recorder, || {
            let a = AsyncCache::builder().name("only-gets-a").build().unwrap();
            let b = AsyncCache::builder().name("only-gets-b").build().unwrap();
            (a, b)
        });
    // A runtime that comes and goes.
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        a.insert(1, 1).await;
        b.insert(1, 1).await;
        assert_eq!(a.get(&1).await, Some(1));
        assert_eq!(a.get(&1).await, Some(1));
        assert_eq!(b.get(&1).await, Some(1));
        assert_eq!(b.get(&2).await, None);
    });
    drop(runtime);
    wait_for(|| {
        counter(&snapshotter, "cache_hits_total", "only-gets-a") == 2
            && counter(&snapshotter, "cache_hits_total", "only-gets-b") == 1
            && counter(&snapshotter, "cache_misses_total", "only-gets-b") == 1
    });
    // And without any runtime at all.
    drop(a.get(&1)); // the lookup happens at the call
    wait_for(|| counter(&snapshotter, "cache_hits_total", "only-gets-a") == 3);
}

// Definitions, one test each.

/// `loads`: a batch counts as one load, however it ends, also when it is
/// cancelled at runtime shutdown.
#[test]
fn a_batch_cancelled_at_runtime_shutdown_counts_one_cancelled_load() {
    let never = batch_loader_fn(|_keys: Vec<u64>| async {
        std::future::pending::<()>().await;
        Ok::<_, BoxError>(HashMap::<u64, u64>::new())
    });
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().batch_loader(never).build().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let batched = cache.clone();
        drop(tokio::spawn(async move { batched.get_many(0..10).await }));
        while cache.metrics().batches == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    });
    drop(runtime);
    let m = cache.metrics();
    assert_eq!((m.batches, m.keys_batched), (1, 10));
    assert_eq!((m.loads, m.load_errors.cancelled), (1, 1), "{m}");
}

/// `coalesced`: callers that joined a load already in flight; a key listed
/// twice in one warmup is warmed once and joins nothing.
#[tokio::test(start_paused = true)]
async fn a_key_listed_twice_in_a_batched_warmup_is_loaded_once_and_not_coalesced() {
    let loader = batch_loader_fn(|keys: Vec<u64>| async move {
        Ok::<_, BoxError>(keys.into_iter().map(|k| (k, k)).collect::<HashMap<_, _>>())
    });
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().batch_loader(loader).build().unwrap();
    let report = cache.warmup_batched([1, 1, 1, 2]).await.unwrap();
    assert_eq!((report.loaded, report.skipped), (2, 0));
    let m = cache.metrics();
    assert_eq!((m.coalesced, m.batches, m.keys_batched, m.loads), (0, 1, 2, 1));
}

type Shared = AsyncCache<u64, u64, Arc<dyn DynStore<u64, u64>>>;

/// `evictions`: entries that left the store, counted once however many
/// caches share it (by the first one built over it).
#[tokio::test(start_paused = true)]
async fn caches_sharing_a_store_count_its_evictions_once() {
    let store: Arc<dyn DynStore<u64, u64>> = Arc::new(LruStore::new(1));
    let first: Shared =
        AsyncCache::builder().name("shared-1").shared_store(Arc::clone(&store)).build().unwrap();
    let second: Shared =
        AsyncCache::builder().name("shared-2").shared_store(Arc::clone(&store)).build().unwrap();
    first.insert(1, 1).await;
    second.insert(2, 2).await; // evicts 1 for size
    second.remove(&2).await;
    let (a, b) = (first.metrics().evictions, second.metrics().evictions);
    assert_eq!((a.size + b.size, a.explicit + b.explicit), (1, 1), "{a:?} {b:?}");

    // A store no longer shared is counted by the next cache built over it.
    drop(first);
    let alone: Arc<dyn DynStore<u64, u64>> = Arc::new(LruStore::new(1));
    let third: Shared = AsyncCache::builder().shared_store(Arc::clone(&alone)).build().unwrap();
    third.insert(1, 1).await;
    third.insert(2, 2).await;
    assert_eq!(third.metrics().evictions.size, 1);
}
