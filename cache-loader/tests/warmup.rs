//! Warmup: bounded concurrency, skipping present keys, reporting failures.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_core::error::CacheError;
use cache_core::{BoxError, batch_loader_fn};
use cache_loader::{BatchConfig, Batcher, Commit, warmup};

#[tokio::test(start_paused = true)]
async fn warmup_loads_all_skips_present_and_reports_failures() {
    let running = Arc::new(AtomicUsize::new(0));
    let max_running = Arc::new(AtomicUsize::new(0));
    let pairs = (0..40u32).map(|k| (k, k % 10 == 9)); // every tenth key fails
    let report = warmup(
        pairs,
        4,
        |k| *k < 5,
        |_key, fails| {
            let running = Arc::clone(&running);
            let max_running = Arc::clone(&max_running);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                max_running.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(1)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                if fails { Err(CacheError::LoadCancelled) } else { Ok(()) }
            }
        },
    )
    .await;
    assert_eq!(report.skipped, 5);
    let mut failed: Vec<u32> = report.failed.iter().map(|f| f.key).collect();
    failed.sort_unstable();
    assert_eq!(failed, [9, 19, 29, 39]);
    assert_eq!(report.loaded, 31);
    assert!(!report.is_complete());
    assert_eq!(max_running.load(Ordering::SeqCst), 4, "concurrency is bounded");
}

#[tokio::test(start_paused = true)]
async fn batched_warmup_splits_into_batches_and_counts_unknown_keys() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let loader = batch_loader_fn(move |keys: Vec<u32>| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok::<_, BoxError>(
                keys.into_iter().filter(|k| *k < 200).map(|k| (k, k)).collect::<HashMap<_, _>>(),
            )
        }
    });
    let commit: Commit<u32, u32> = Arc::new(|_, _| {});
    // A window far longer than the test: a warmup never waits for it.
    let config = BatchConfig::default().max_batch_size(100).window(Duration::from_secs(3_600));
    let batcher = Batcher::new(Default::default(), Arc::new(loader), config, commit).unwrap();
    let started = tokio::time::Instant::now();
    // 240 keys to load (one of them listed twice, warmed and counted once), 10 present.
    let report = batcher.warmup((0..250).chain([7]), |k| *k >= 240).await;
    assert_eq!((report.loaded, report.not_found, report.skipped), (200, 40, 10));
    assert!(report.failed.is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 3, "100 + 100 + 40 keys");
    assert_eq!(started.elapsed(), Duration::ZERO, "dispatched at once, not by the window");
}
