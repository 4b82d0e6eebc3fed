//! Windowed batching: grouping, splitting, de-duplication, missing keys,
//! errors, the in-flight cap and configuration errors.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_core::{BatchLoader, BoxError, async_trait, batch_loader_fn};
use cache_loader::{BatchConfig, Batcher, Commit, SingleFlight};
use futures_util::future::join_all;
use parking_lot::Mutex;

/// Records every batch it receives; knows keys below `known_below`; sleeps
/// `delay` per batch; tracks the most batches loading at once.
#[derive(Default)]
struct Recorder {
    batches: Mutex<Vec<Vec<u32>>>,
    known_below: u32,
    delay: Duration,
    fail: bool,
    loading: AtomicUsize,
    max_loading: AtomicUsize,
}

#[async_trait]
impl BatchLoader<u32, String> for Recorder {
    async fn load_batch(&self, keys: &[u32]) -> Result<HashMap<u32, String>, BoxError> {
        self.batches.lock().push(keys.to_vec());
        let now = self.loading.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_loading.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.loading.fetch_sub(1, Ordering::SeqCst);
        if self.fail {
            return Err("batch failed".into());
        }
        let mut found: HashMap<u32, String> =
            keys.iter().filter(|k| **k < self.known_below).map(|k| (*k, format!("v{k}"))).collect();
        found.insert(9_999, "nobody asked".into());
        Ok(found)
    }
}

fn recorder(known_below: u32) -> Arc<Recorder> {
    Arc::new(Recorder { known_below, ..Recorder::default() })
}

type Stored = Arc<Mutex<HashMap<u32, String>>>;

fn batcher(loader: &Arc<Recorder>, config: BatchConfig) -> (Batcher<u32, String>, Stored) {
    let stored: Stored = Arc::default();
    let sink = Arc::clone(&stored);
    let commit: Commit<u32, String> = Arc::new(move |k, v| {
        sink.lock().insert(*k, v.clone());
    });
    let loader: Arc<dyn BatchLoader<u32, String>> = Arc::clone(loader) as _;
    (Batcher::new(SingleFlight::new(), loader, config, commit).unwrap(), stored)
}

#[tokio::test(start_paused = true)]
async fn a_thousand_requests_over_250_keys_make_three_batches() {
    let loader = recorder(u32::MAX);
    let (batcher, stored) = batcher(&loader, BatchConfig::default().max_batch_size(100));
    let requests = (0..1_000u32).map(|i| batcher.get(i % 250, || None));
    let results = join_all(requests).await;
    for (i, result) in results.into_iter().enumerate() {
        assert_eq!(result.unwrap(), Some(format!("v{}", i % 250)));
    }
    let batches = loader.batches.lock();
    assert_eq!(batches.len(), 3);
    let mut sizes: Vec<_> = batches.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 100, 100]);
    let mut all: Vec<u32> = batches.iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 250, "each key loaded exactly once");
    assert_eq!(stored.lock().len(), 250, "unasked keys are ignored, not stored");
}

#[tokio::test(start_paused = true)]
async fn demand_larger_than_the_batch_size_is_split() {
    let loader = recorder(u32::MAX);
    let (batcher, _) = batcher(&loader, BatchConfig::default().max_batch_size(2));
    let results = join_all((0..5).map(|k| batcher.get(k, || None))).await;
    assert!(results.iter().all(Result::is_ok));
    let sizes: Vec<_> = loader.batches.lock().iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1]);
}

#[tokio::test(start_paused = true)]
async fn the_window_groups_requests_that_arrive_within_it() {
    let loader = recorder(u32::MAX);
    let config = BatchConfig::default().window(Duration::from_millis(5));
    let (batcher, _) = batcher(&loader, config);
    let first = tokio::spawn({
        let batcher = batcher.clone();
        async move { batcher.get(1, || None).await }
    });
    tokio::time::sleep(Duration::from_millis(3)).await;
    let second = tokio::spawn({
        let batcher = batcher.clone();
        async move { batcher.get(2, || None).await }
    });
    assert!(first.await.unwrap().is_ok() && second.await.unwrap().is_ok());
    assert_eq!(*loader.batches.lock(), [vec![1, 2]]);

    // After the window closed, a new request opens a new batch.
    batcher.get(3, || None).await.unwrap();
    assert_eq!(loader.batches.lock().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_key_the_loader_omits_is_not_found() {
    let loader = recorder(10);
    let (batcher, stored) = batcher(&loader, BatchConfig::default());
    let (known, unknown) = tokio::join!(batcher.get(3, || None), batcher.get(42, || None));
    assert_eq!(known.unwrap().as_deref(), Some("v3"));
    assert_eq!(unknown.unwrap(), None);
    assert!(!stored.lock().contains_key(&42));

    let many = batcher.get_many([1, 2, 42, 1], |_| None).await.unwrap();
    assert_eq!(many.len(), 2);
    assert_eq!(many[&2], "v2");
}

#[tokio::test(start_paused = true)]
async fn a_batch_error_fails_every_caller_and_stores_nothing() {
    let loader = Arc::new(Recorder { fail: true, known_below: u32::MAX, ..Recorder::default() });
    let (batcher, stored) = batcher(&loader, BatchConfig::default());
    let results = join_all((0..10).map(|k| batcher.get(k, || None))).await;
    for result in results {
        assert_eq!(result.unwrap_err().to_string(), "loader failed: batch failed");
    }
    assert!(stored.lock().is_empty());
    assert_eq!(loader.batches.lock().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_key_already_loading_is_joined_not_batched() {
    let flights = SingleFlight::<u32, String>::new();
    let loader = recorder(u32::MAX);
    let commit: Commit<u32, String> = Arc::new(|_, _| {});
    let batcher =
        Batcher::new(flights.clone(), loader.clone() as _, BatchConfig::default(), commit).unwrap();
    let single = flights.get_or_load(
        7,
        || None,
        || async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, std::io::Error>("single".to_string())
        },
        None,
        |_, _| {},
    );
    let (single, batched, other) =
        tokio::join!(single, batcher.get(7, || None), batcher.get(8, || None));
    assert_eq!(single.unwrap(), "single");
    assert_eq!(batched.unwrap().as_deref(), Some("single"), "joined the load in flight");
    assert_eq!(other.unwrap().as_deref(), Some("v8"));
    assert_eq!(*loader.batches.lock(), [vec![8]], "7 was never batched");
}

#[tokio::test(start_paused = true)]
async fn the_in_flight_cap_limits_concurrent_batches() {
    let loader = Arc::new(Recorder {
        known_below: u32::MAX,
        delay: Duration::from_millis(20),
        ..Recorder::default()
    });
    let config = BatchConfig::default().max_batch_size(1).max_in_flight(1);
    let (batcher, _) = batcher(&loader, config);
    let results = join_all((0..4).map(|k| batcher.get(k, || None))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(loader.batches.lock().len(), 4);
    assert_eq!(loader.max_loading.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_or_slow_batch_loader_fails_its_callers() {
    let panicking = batch_loader_fn(|_keys: Vec<u32>| async move {
        panic!("batch exploded") as Result<HashMap<u32, u32>, BoxError>
    });
    let commit: Commit<u32, u32> = Arc::new(|_, _| {});
    let batcher = Batcher::new(
        SingleFlight::new(),
        Arc::new(panicking),
        BatchConfig::default(),
        commit.clone(),
    )
    .unwrap();
    assert!(batcher.get(1, || None).await.unwrap_err().is_panic());

    let slow = batch_loader_fn(|keys: Vec<u32>| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        Ok::<_, BoxError>(keys.into_iter().map(|k| (k, k)).collect::<HashMap<_, _>>())
    });
    let config = BatchConfig::default().timeout(Duration::from_secs(1));
    let batcher = Batcher::new(SingleFlight::new(), Arc::new(slow), config, commit).unwrap();
    assert!(batcher.get(1, || None).await.unwrap_err().is_timeout());
}

#[test]
fn out_of_range_settings_are_refused_by_name() {
    let loader = recorder(0);
    let commit: Commit<u32, String> = Arc::new(|_, _| {});
    let build = |config: BatchConfig| {
        Batcher::new(SingleFlight::new(), loader.clone() as _, config, commit.clone())
            .map(|_| ())
            .map_err(|e| e.setting())
    };
    assert_eq!(build(BatchConfig::default().max_batch_size(0)), Err("max_batch_size"));
    assert_eq!(
        build(BatchConfig::default().window(Duration::ZERO).max_batch_size(0)),
        Err("max_batch_size")
    );
    assert_eq!(build(BatchConfig::default().max_in_flight(0)), Err("max_in_flight"));
    assert_eq!(build(BatchConfig::default().timeout(Duration::ZERO)), Err("timeout"));
    assert_eq!(
        build(BatchConfig::default().window(Duration::from_secs(7200))),
        Err("batch_window")
    );
    assert_eq!(build(BatchConfig::default().window(Duration::ZERO).max_batch_size(1)), Ok(()));
    let message = BatchConfig::default().max_batch_size(0).validate().unwrap_err().to_string();
    assert_eq!(message, "invalid `max_batch_size`: must be at least 1");
}
