//! Behaviours of Python's async-cache, ported: herds, batching, warmup, TTL,
//! LRU order, capacity under concurrent loads, metrics after clear.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::{AsyncCache, BatchLoader, BoxError, LruStore, async_trait};
use futures_util::future::join_all;

fn counting_loader(
    calls: &Arc<AtomicUsize>,
    value: u64,
) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<u64, BoxError>> + Send>> + use<>
{
    let calls = Arc::clone(calls);
    move || {
        Box::pin(async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(value)
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_herd_of_100_makes_one_load_and_counts_100_misses() {
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let herd = (0..100).map(|_| cache.get_with(1, counting_loader(&calls, 42)));
    let values = join_all(herd).await;
    assert!(values.iter().all(|v| *v.as_ref().unwrap() == 42));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let m = cache.metrics();
    assert_eq!((m.misses, m.hits, m.loads, m.coalesced), (100, 0, 1, 99));
    assert_eq!(m.size, 1);
    assert_eq!(cache.get(&1).await, Some(42));
    assert_eq!(cache.metrics().hits, 1);
}

#[derive(Debug, Default)]
struct CountingBatches(AtomicUsize);

#[async_trait]
impl BatchLoader<u64, String> for CountingBatches {
    async fn load_batch(&self, keys: &[u64]) -> Result<HashMap<u64, String>, BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(keys.iter().map(|k| (*k, format!("v{k}"))).collect())
    }
}

#[tokio::test(start_paused = true)]
async fn three_batched_gets_make_one_batch_call() {
    let loader = Arc::new(CountingBatches::default());
    let cache: AsyncCache<u64, String> =
        AsyncCache::builder().batch_loader(SharedBatches(Arc::clone(&loader))).build().unwrap();
    let (a, b, c) = tokio::join!(cache.get_batched(1), cache.get_batched(2), cache.get_batched(3));
    assert_eq!(
        (a.unwrap(), b.unwrap(), c.unwrap()),
        (Some("v1".into()), Some("v2".into()), Some("v3".into()))
    );
    assert_eq!(loader.0.load(Ordering::SeqCst), 1);
    let m = cache.metrics();
    assert_eq!((m.batches, m.keys_batched, m.misses, m.size), (1, 3, 3, 3));
    // Now cached: no new batch.
    assert_eq!(cache.get_batched(2).await.unwrap().as_deref(), Some("v2"));
    assert_eq!(loader.0.load(Ordering::SeqCst), 1);
}

#[derive(Debug)]
struct SharedBatches(Arc<CountingBatches>);

#[async_trait]
impl BatchLoader<u64, String> for SharedBatches {
    async fn load_batch(&self, keys: &[u64]) -> Result<HashMap<u64, String>, BoxError> {
        self.0.load_batch(keys).await
    }
}

#[tokio::test(start_paused = true)]
async fn warmup_loads_all_and_skips_present_keys() {
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().build().unwrap();
    cache.insert(1, 1000).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let pairs: Vec<_> = (1..=5).map(|k| (k, counting_loader(&calls, k * 10))).collect();
    let report = cache.warmup(pairs).await;
    assert_eq!((report.loaded, report.skipped, report.failed.len()), (4, 1, 0));
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(cache.get(&1).await, Some(1000), "present keys are not reloaded");
    assert_eq!(cache.get(&5).await, Some(50));
    assert_eq!(cache.len(), 5);
}

#[tokio::test(start_paused = true)]
async fn per_entry_ttl_overrides_the_default_and_none_never_expires() {
    let cache: AsyncCache<&'static str, u32> =
        AsyncCache::builder().default_ttl(Duration::from_secs(10)).build().unwrap();
    cache.insert("default", 1).await;
    cache.insert_with_ttl("short", 2, Duration::from_secs(2)).await;
    cache.insert_with_ttl("forever", 3, None).await;

    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(cache.get(&"short").await, None, "expired at its own TTL");
    assert_eq!(cache.get(&"default").await, Some(1));

    tokio::time::advance(Duration::from_secs(8)).await;
    assert_eq!(cache.get(&"default").await, None, "expired at the default TTL");
    tokio::time::advance(Duration::from_secs(1_000_000)).await;
    assert_eq!(cache.get(&"forever").await, Some(3));
    assert_eq!(cache.len(), 1, "expired entries are purged and not counted");
    assert_eq!(cache.metrics().evictions.expired, 2);
}

#[tokio::test(start_paused = true)]
async fn loaded_values_take_the_default_ttl() {
    let cache: AsyncCache<u64, u64> =
        AsyncCache::builder().default_ttl(Duration::from_secs(5)).build().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    cache.get_with(1, counting_loader(&calls, 7)).await.unwrap();
    tokio::time::advance(Duration::from_secs(4)).await;
    assert_eq!(cache.get(&1).await, Some(7));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(cache.get(&1).await, None);
    cache.get_with(1, counting_loader(&calls, 8)).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "an expired entry is loaded again");
}

#[tokio::test]
async fn lru_store_at_capacity_three_evicts_the_least_recently_used() {
    let cache: AsyncCache<String, u32, LruStore<String, u32>> =
        AsyncCache::builder().store(LruStore::new(3)).build().unwrap();
    for (k, v) in [("a", 1), ("b", 2), ("c", 3)] {
        cache.insert(k.to_string(), v).await;
    }
    assert_eq!(cache.get(&"a".to_string()).await, Some(1)); // a is now most recent
    cache.insert("d".to_string(), 4).await; // evicts b
    assert_eq!(cache.get(&"b".to_string()).await, None);
    cache.insert("e".to_string(), 5).await; // evicts c
    assert_eq!(cache.get(&"c".to_string()).await, None);
    for (k, v) in [("a", 1), ("d", 4), ("e", 5)] {
        assert_eq!(cache.get(&k.to_string()).await, Some(v));
    }
    let m = cache.metrics();
    assert_eq!((m.size, m.evictions.size), (3, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_holds_under_100_concurrent_loads_of_distinct_keys() {
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().max_capacity(10).build().unwrap();
    let tasks = (0..100u64).map(|k| {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get_with(k, move || async move {
                    tokio::task::yield_now().await;
                    Ok::<_, BoxError>(k)
                })
                .await
        })
    });
    for (k, result) in join_all(tasks).await.into_iter().enumerate() {
        assert_eq!(result.unwrap().unwrap(), k as u64, "every caller gets its own value");
    }
    assert!(cache.len() <= 10, "len {} over capacity", cache.len());
    let m = cache.metrics();
    assert_eq!(m.loads, 100);
    assert_eq!(m.evictions.size + m.size, 100, "every loaded entry is held or was evicted");
}

#[tokio::test]
async fn clear_empties_the_cache_but_keeps_the_counters() {
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().build().unwrap();
    for k in 0..5 {
        cache.insert(k, k).await;
    }
    assert_eq!(cache.get(&1).await, Some(1));
    assert_eq!(cache.get(&9).await, None);
    cache.clear().await;
    let m = cache.metrics();
    assert_eq!((m.size, m.hits, m.misses, m.evictions.explicit), (0, 1, 1, 5));
    assert_eq!(cache.get(&1).await, None);
    cache.reset_metrics();
    let m = cache.metrics();
    assert_eq!((m.hits, m.misses, m.hit_rate()), (0, 0, 0.0));
}
