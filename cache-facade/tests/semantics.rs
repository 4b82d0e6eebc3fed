//! End-to-end semantics: errors are never cached, explicit writes win over
//! loads in flight, registered loaders, timeouts, and exact counts under
//! concurrency.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::error::CacheError;
use cache_facade::{AsyncCache, BoxError, loader_fn};
use tokio::sync::oneshot;

#[derive(Debug, PartialEq)]
struct DbDown;
impl std::fmt::Display for DbDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("db down")
    }
}
impl std::error::Error for DbDown {}

#[tokio::test]
async fn errors_reach_the_caller_typed_and_are_never_cached() {
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().build().unwrap();
    let err = cache.get_with(1, || async { Err::<u64, _>(DbDown) }).await.unwrap_err();
    assert_eq!(err.load_error().and_then(|e| e.downcast_ref::<DbDown>()), Some(&DbDown));
    assert_eq!(cache.len(), 0);
    assert_eq!(cache.get_with(1, || async { Ok::<_, DbDown>(5) }).await.unwrap(), 5);
    let m = cache.metrics();
    assert_eq!((m.loads, m.load_errors.error, m.load_successes), (2, 1, 1));
}

#[tokio::test(start_paused = true)]
async fn a_remove_during_a_load_wins_and_later_callers_load_afresh() {
    let cache: AsyncCache<u64, &'static str> = AsyncCache::builder().build().unwrap();
    let (release, gate) = oneshot::channel::<()>();
    let stale = tokio::spawn({
        let cache = cache.clone();
        async move {
            cache
                .get_with(1, || async move {
                    let _ = gate.await;
                    Ok::<_, DbDown>("stale")
                })
                .await
        }
    });
    tokio::task::yield_now().await;
    assert_eq!(cache.remove(&1).await, None);
    let fresh = cache.get_with(1, || async { Ok::<_, DbDown>("fresh") }).await.unwrap();
    assert_eq!(fresh, "fresh", "a request after the remove does not join the stale load");
    release.send(()).unwrap();
    assert_eq!(stale.await.unwrap().unwrap(), "stale", "its own waiters still get it");
    assert_eq!(cache.get(&1).await, Some("fresh"), "the stale value never overwrote");
}

#[tokio::test(start_paused = true)]
async fn an_insert_or_clear_during_a_load_wins() {
    let cache: AsyncCache<u64, &'static str> = AsyncCache::builder().build().unwrap();
    let mut gates = Vec::new();
    let mut loads = Vec::new();
    for key in [1, 2] {
        let (release, gate) = oneshot::channel::<()>();
        gates.push(release);
        let cache = cache.clone();
        loads.push(tokio::spawn(async move {
            cache
                .get_with(key, || async move {
                    let _ = gate.await;
                    Ok::<_, DbDown>("loaded")
                })
                .await
        }));
    }
    tokio::task::yield_now().await;
    cache.insert(1, "written").await;
    cache.clear().await;
    cache.insert(3, "after clear").await;
    for release in gates {
        release.send(()).unwrap();
    }
    for load in loads {
        assert_eq!(load.await.unwrap().unwrap(), "loaded");
    }
    assert_eq!(cache.get(&1).await, None, "clear came after the insert and wins over the load");
    assert_eq!(cache.get(&2).await, None);
    assert_eq!(cache.get(&3).await, Some("after clear"));
}

#[tokio::test]
async fn load_uses_the_registered_loader_and_refuses_without_one() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let cache: AsyncCache<u64, String> = AsyncCache::builder()
        .loader(loader_fn(move |id: u64| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, DbDown>(format!("user-{id}")) }
        }))
        .build()
        .unwrap();
    assert_eq!(cache.load(3).await.unwrap(), "user-3");
    assert_eq!(cache.load(3).await.unwrap(), "user-3");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let bare: AsyncCache<u64, String> = AsyncCache::builder().build().unwrap();
    assert!(matches!(bare.load(3).await, Err(CacheError::NoLoader)));
    assert!(matches!(bare.get_batched(3).await, Err(CacheError::NoBatchLoader)));
    assert!(matches!(bare.get_many([3]).await, Err(CacheError::NoBatchLoader)));
    assert!(matches!(bare.warmup_batched([3]).await, Err(CacheError::NoBatchLoader)));
}

#[tokio::test(start_paused = true)]
async fn the_load_timeout_fails_slow_loads_with_its_own_kind() {
    let cache: AsyncCache<u64, u64> =
        AsyncCache::builder().load_timeout(Duration::from_millis(100)).build().unwrap();
    let err = cache
        .get_with(1, || async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok::<_, BoxError>(1)
        })
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.to_string(), "load timed out after 100ms");
    assert_eq!(cache.metrics().load_errors.timeout, 1);
    assert_eq!(cache.len(), 0);
}

#[tokio::test]
async fn a_panicking_loader_is_reported_and_counted() {
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().build().unwrap();
    let err = cache
        .get_with(1, || async {
            if true {
                panic!("bad row");
            }
            Ok::<u64, BoxError>(0)
        })
        .await
        .unwrap_err();
    assert!(err.is_panic());
    assert_eq!(cache.metrics().load_errors.panic, 1);
    assert_eq!(cache.get_with(1, || async { Ok::<_, BoxError>(2) }).await.unwrap(), 2);
}

#[test]
fn hits_plus_misses_equal_lookups_under_concurrency() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    let cache: AsyncCache<u64, u64> = AsyncCache::builder().max_capacity(64).build().unwrap();
    runtime.block_on(async {
        for k in 0..32 {
            cache.insert(k, k).await;
        }
        let tasks = (0..4u64).map(|t| {
            let cache = cache.clone();
            tokio::spawn(async move {
                for i in 0..10_000u64 {
                    let _ = cache.get(&((i * 7 + t) % 64)).await;
                }
            })
        });
        for task in futures_util::future::join_all(tasks).await {
            task.unwrap();
        }
    });
    let m = cache.metrics();
    assert_eq!(m.lookups(), 40_000);
    let expected_hits =
        (0..4u64).flat_map(|t| (0..10_000u64).map(move |i| (i * 7 + t) % 64)).filter(|k| *k < 32);
    assert_eq!(m.hits, expected_hits.count() as u64, "keys 0..32 are present, 32..64 are not");
}
