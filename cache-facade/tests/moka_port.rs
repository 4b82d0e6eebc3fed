//! moka's documented examples of `get_with`, `try_get_with`,
//! `optionally_get_with`, `entry`, `invalidate_entries_if` and the eviction
//! listener, ported to this API: each behaves as moka documents it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_facade::error::LoadFailure;
use cache_facade::{AsyncCache, Computed, Op, RemovalCause};
use futures_util::future::join_all;

/// moka: "get_with ... concurrent calls on the same key are coalesced into
/// one evaluation of the init future".
#[tokio::test(start_paused = true)]
async fn get_with_evaluates_init_once_for_concurrent_callers() {
    let cache: AsyncCache<u32, Arc<Vec<u8>>> =
        AsyncCache::builder().max_capacity(100).build().unwrap();
    let inits = Arc::new(AtomicUsize::new(0));
    let tasks = (0..16).map(|_| {
        let (cache, inits) = (cache.clone(), Arc::clone(&inits));
        tokio::spawn(async move {
            cache
                .get_with(1, move || async move {
                    inits.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    Ok::<_, std::io::Error>(Arc::new(vec![0u8; 1024]))
                })
                .await
                .unwrap()
        })
    });
    let values: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(inits.load(Ordering::SeqCst), 1);
    assert!(values.iter().all(|v| Arc::ptr_eq(v, &values[0])), "one value, shared");
}

/// moka: "try_get_with ... an error is shared by the concurrent callers as
/// `Arc<E>` and is not cached".
#[tokio::test(start_paused = true)]
async fn try_get_with_shares_one_arc_of_the_error_and_caches_nothing() {
    let cache: AsyncCache<u32, u64> = AsyncCache::builder().build().unwrap();
    let calls = (0..8).map(|_| {
        cache.try_get_with(1, || async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Err::<u64, _>(std::io::Error::new(std::io::ErrorKind::NotFound, "no file"))
        })
    });
    let errors: Vec<Arc<std::io::Error>> = join_all(calls)
        .await
        .into_iter()
        .map(|r| match r {
            Err(LoadFailure::Loader(e)) => e,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(errors.iter().all(|e| Arc::ptr_eq(e, &errors[0])), "the same Arc<E> for everyone");
    assert_eq!(errors[0].kind(), std::io::ErrorKind::NotFound);
    assert!(!cache.contains_key(&1), "errors are not cached");
    assert_eq!(cache.try_get_with(1, || async { Ok::<_, std::io::Error>(9) }).await.unwrap(), 9);
}

/// moka: "optionally_get_with ... None is not cached".
#[tokio::test]
async fn optionally_get_with_does_not_cache_none() {
    let cache: AsyncCache<u32, String> = AsyncCache::builder().build().unwrap();
    assert_eq!(cache.optionally_get_with(1, || async { None }).await.unwrap(), None);
    assert!(cache.is_empty());
    let found = cache.optionally_get_with(1, || async { Some("x".to_owned()) }).await.unwrap();
    assert_eq!(found.as_deref(), Some("x"));
    assert_eq!(cache.get(&1).await.as_deref(), Some("x"));
}

/// moka's entry examples: `or_insert_with` reports whether the value is
/// fresh; `and_compute_with` as a counter, then removal.
#[tokio::test]
async fn entry_or_insert_with_and_compute_with() {
    let cache: AsyncCache<String, u64> = AsyncCache::builder().build().unwrap();
    let entry = cache.entry("k".to_owned()).or_insert_with(async { 3 }).await.unwrap();
    assert!(entry.is_fresh());
    assert_eq!(*entry.value(), 3);
    let entry = cache.entry("k".to_owned()).or_insert_with(async { 6 }).await.unwrap();
    assert!(!entry.is_fresh());
    assert_eq!(entry.into_value(), 3);

    let incr = |old: Option<u64>| async move { Op::Put(old.map_or(1, |n| n + 1)) };
    let key = || "counter".to_owned();
    assert_eq!(cache.entry(key()).and_compute_with(incr).await.unwrap(), Computed::Inserted(1));
    assert_eq!(cache.entry(key()).and_compute_with(incr).await.unwrap(), Computed::ReplacedWith(2));
    let keep = |_| async { Op::Nop };
    assert_eq!(cache.entry(key()).and_compute_with(keep).await.unwrap(), Computed::Unchanged(2));
    let remove = |_| async { Op::Remove };
    assert_eq!(cache.entry(key()).and_compute_with(remove).await.unwrap(), Computed::Removed(2));
    assert_eq!(cache.entry(key()).and_compute_with(remove).await.unwrap(), Computed::StillNone);
}

/// Concurrent computations of one key run one after the other: no lost
/// update.
#[tokio::test(start_paused = true)]
async fn concurrent_computations_of_a_key_lose_no_update() {
    let cache: AsyncCache<u32, u64> = AsyncCache::builder().build().unwrap();
    let increments = (0..20).map(|_| {
        cache.entry(7).and_compute_with(|old: Option<u64>| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Op::Put(old.unwrap_or(0) + 1)
        })
    });
    join_all(increments).await;
    assert_eq!(cache.get(&7).await, Some(20));
}

/// A write during a computation wins (the explicit-writes-win rule).
#[tokio::test(start_paused = true)]
async fn a_write_during_a_computation_wins() {
    let cache: AsyncCache<u32, u64> = AsyncCache::builder().build().unwrap();
    let compute = cache.entry(1).and_compute_with(|_| async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Op::Put(100)
    });
    let write = async {
        tokio::time::sleep(Duration::from_millis(1)).await;
        cache.insert(1, 5).await;
    };
    let (computed, ()) = tokio::join!(compute, write);
    assert_eq!(computed.unwrap(), Computed::Superseded);
    assert_eq!(cache.get(&1).await, Some(5));
}

/// moka's `invalidate_entries_if` example, and `retain` / `iter`.
#[tokio::test]
async fn invalidate_entries_if_retain_and_iter() {
    let cache: AsyncCache<u32, &str> = AsyncCache::builder().build().unwrap();
    for (k, v) in [(0, "alice"), (1, "bob"), (2, "alex")] {
        cache.insert(k, v).await;
    }
    let removed = cache.invalidate_entries_if(|_k, v| v.starts_with("al")).await;
    assert_eq!(removed, 2);
    assert_eq!(cache.iter().collect::<Vec<_>>(), [(1, "bob")]);
    cache.insert(3, "carol").await;
    assert_eq!(cache.retain(|k, _| *k == 3).await, 1);
    assert_eq!(cache.iter().collect::<Vec<_>>(), [(3, "carol")]);
    assert_eq!(cache.metrics().evictions.explicit, 3);
    cache.invalidate_all().await;
    assert!(cache.is_empty());
}

/// moka's eviction-listener example: size, explicit and replaced causes,
/// with the evicted key and value.
#[tokio::test(start_paused = true)]
async fn the_eviction_listener_hears_every_cause() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let cache: AsyncCache<u32, String> = AsyncCache::builder()
        .max_capacity(2)
        .default_ttl(Duration::from_secs(10))
        .eviction_listener(move |k: &u32, v: &String, cause| {
            sink.lock().unwrap().push((*k, v.clone(), cause));
        })
        .build()
        .unwrap();
    cache.insert(1, "one".into()).await;
    cache.insert(1, "uno".into()).await; // replaced
    cache.remove(&1).await; // explicit
    cache.insert(2, "two".into()).await;
    tokio::time::advance(Duration::from_secs(10)).await;
    cache.insert(3, "three".into()).await; // 2 expired, reclaimed by this write
    for k in 10..20 {
        cache.insert(k, "filler".into()).await; // some leave for size
    }
    let events = events.lock().unwrap();
    assert_eq!(events[0], (1, "one".into(), RemovalCause::Replaced));
    assert_eq!(events[1], (1, "uno".into(), RemovalCause::Explicit));
    assert_eq!(events[2], (2, "two".into(), RemovalCause::Expired));
    assert!(events[3..].iter().all(|(_, _, cause)| *cause == RemovalCause::Size));
    assert_eq!(events.len() - 3, 11 - 2, "11 entries into a capacity of 2");
}

/// Time to idle and per-entry expiry work over every store of the engine.
#[tokio::test(start_paused = true)]
async fn time_to_idle_and_per_entry_expiry() {
    let cache: AsyncCache<u32, u64> = AsyncCache::builder()
        .max_capacity(100)
        .time_to_idle(Duration::from_secs(5))
        .expiry(|_k: &u32, v: &u64| Some(Duration::from_secs(*v)))
        .build()
        .unwrap();
    cache.insert(1, 60).await; // lives 60 s if read, 5 s idle
    cache.insert(2, 3).await; // its own 3 s TTL comes first
    for _ in 0..4 {
        tokio::time::advance(Duration::from_secs(4)).await;
        assert_eq!(cache.get(&1).await, Some(60), "read every 4 s: kept");
    }
    assert_eq!(cache.get(&2).await, None, "its 3 s TTL");
    tokio::time::advance(Duration::from_secs(5)).await;
    assert_eq!(cache.get(&1).await, None, "idle for 5 s");

    let store = cache_facade::LruStore::new(10).with_time_to_idle(Duration::from_secs(5));
    let lru = AsyncCache::builder().store(store).time_to_idle(Duration::from_secs(5)).build();
    let lru = lru.unwrap();
    lru.insert(1, 1).await;
    tokio::time::advance(Duration::from_secs(5)).await;
    assert_eq!(lru.get(&1).await, None);
    let mismatch = AsyncCache::<u32, u64>::builder()
        .store(cache_facade::LruStore::new(10))
        .time_to_idle(Duration::from_secs(5))
        .build();
    assert_eq!(mismatch.unwrap_err().setting(), "time_to_idle");
}
