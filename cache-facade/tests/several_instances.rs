//! Two instances over the real Redis: L2 before the loader, cross-instance
//! invalidation, read-your-writes, and the slow-loader race (issue 18).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::{Space, io, received, redis_or_skip};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_miss_reads_l2_before_the_loader_once_for_all_callers() {
    if !redis_or_skip("a_miss_reads_l2_before_the_loader_once_for_all_callers").await {
        return;
    }
    let space = Space::new("l2-first");
    let (a, b) = (space.instance("a").await, space.instance("b").await);
    let loads = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&loads);
    let v = a
        .cache
        .get_with("k".to_string(), move || async move {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::io::Error>("from db".to_string())
        })
        .await
        .unwrap();
    assert_eq!(v, "from db");
    // A announced its fill; once b has heard it, nothing drops b's copy mid-test.
    assert!(received(&b.cache, 1).await);

    let mut callers = Vec::new();
    for _ in 0..50 {
        let (cache, loads) = (b.cache.clone(), Arc::clone(&loads));
        callers.push(tokio::spawn(async move {
            cache
                .get_with("k".to_string(), move || async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, std::io::Error>("loaded again".to_string())
                })
                .await
                .unwrap()
        }));
    }
    for caller in callers {
        assert_eq!(caller.await.unwrap(), "from db");
    }
    assert_eq!(loads.load(Ordering::SeqCst), 1, "b never called its loader");
    let remote = b.cache.metrics().remote.unwrap();
    assert_eq!((remote.l2_hits, remote.l2_reads()), (1, 1), "one L2 read for 50 callers");
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insert_remove_and_clear_invalidate_the_other_instance_only() {
    if !redis_or_skip("insert_remove_and_clear_invalidate_the_other_instance_only").await {
        return;
    }
    let space = Space::new("invalidate");
    let (a, b) = (space.instance("a").await, space.instance("b").await);
    b.cache.insert("k".into(), "v1".into()).await;
    assert!(received(&a.cache, 1).await);
    a.cache.insert("k".into(), "v2".into()).await;
    assert!(received(&b.cache, 1).await);
    assert_eq!(b.cache.get("k").await, None, "b dropped its copy");
    assert_eq!(a.cache.get("k").await.as_deref(), Some("v2"), "a ignored its own message");
    let v = b
        .cache
        .get_with("k".into(), || async { Err::<String, _>(io("not called")) })
        .await
        .unwrap();
    assert_eq!(v, "v2", "read from L2");

    a.cache.remove("k").await;
    assert!(received(&b.cache, 2).await);
    assert_eq!(b.cache.get("k").await, None);
    let v = b
        .cache
        .get_with("k".into(), || async { Ok::<_, std::io::Error>("db".to_string()) })
        .await
        .unwrap();
    assert_eq!(v, "db", "removed from L2 too: b loaded");

    b.cache.insert("x".into(), "1".into()).await;
    b.cache.insert("y".into(), "2".into()).await;
    let before = a.cache.metrics().remote.unwrap().backplane_received;
    a.cache.clear().await;
    assert!(received(&b.cache, 3).await);
    assert_eq!(b.cache.len(), 0, "a's clear emptied b");
    assert!(a.cache.metrics().remote.unwrap().backplane_received >= before);
    assert_eq!(a.cache.metrics().remote.unwrap().backplane_dropped, 0);
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_your_writes_across_instances() {
    if !redis_or_skip("read_your_writes_across_instances").await {
        return;
    }
    let space = Space::new("ryw");
    let (a, b) = (space.instance("a").await, space.instance("b").await);
    let mut latencies = Vec::new();
    for i in 0..100u32 {
        let key = format!("k{}", i % 5);
        // b holds the old value in process.
        b.cache.insert(key.clone(), format!("old{i}")).await;
        let seen = a.cache.metrics().remote.unwrap().backplane_received;
        assert!(received(&a.cache, seen).await);
        let applied_before = b.cache.metrics().remote.unwrap().backplane_received;
        let started = Instant::now();
        a.cache.insert(key.clone(), format!("new{i}")).await;
        assert!(received(&b.cache, applied_before + 1).await);
        latencies.push(started.elapsed());
        let v = b
            .cache
            .get_with(key, || async { Ok::<_, std::io::Error>("stale db".to_string()) })
            .await;
        assert_eq!(v.unwrap(), format!("new{i}"), "never an older value once applied");
    }
    latencies.sort();
    let p99 = latencies[98];
    eprintln!("insert on a until applied on b: p50 {:?}, p99 {p99:?}", latencies[50]);
    assert!(p99 < Duration::from_millis(50), "p99 {p99:?}");
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_loader_on_b_while_a_writes_ends_at_a_value() {
    if !redis_or_skip("a_slow_loader_on_b_while_a_writes_ends_at_a_value").await {
        return;
    }
    let space = Space::new("race");
    let (a, b) = (space.instance("a").await, space.instance("b").await);
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
    let cache = b.cache.clone();
    let slow = tokio::spawn(async move {
        cache
            .get_with("k".to_string(), move || async move {
                let _ = started_tx.send(());
                let _ = released.await;
                Ok::<_, std::io::Error>("old from db".to_string())
            })
            .await
    });
    started.await.unwrap();
    a.cache.insert("k".into(), "new".into()).await;
    assert!(received(&b.cache, 1).await);
    release.send(()).unwrap();
    assert_eq!(slow.await.unwrap().unwrap(), "old from db", "the slow caller gets its load");
    assert_eq!(b.cache.get("k").await, None, "but b did not keep it");
    let v = b
        .cache
        .get_with("k".into(), || async { Ok::<_, std::io::Error>("old again".to_string()) })
        .await;
    assert_eq!(v.unwrap(), "new", "L2 kept a's value: the load did not overwrite it");
    assert_eq!(a.cache.get("k").await.as_deref(), Some("new"));
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_instance_starts_warm_from_l2() {
    if !redis_or_skip("a_restarted_instance_starts_warm_from_l2").await {
        return;
    }
    let space = Space::new("warm");
    let a = space.instance("a").await;
    for i in 0..20 {
        a.cache
            .get_with(
                format!("k{i}"),
                move || async move { Ok::<_, std::io::Error>(format!("v{i}")) },
            )
            .await
            .unwrap();
    }
    drop(a);
    let again = space.instance("a2").await;
    for i in 0..20 {
        let v = again
            .cache
            .get_with(format!("k{i}"), || async { Err::<String, _>(io("cold")) })
            .await
            .unwrap();
        assert_eq!(v, format!("v{i}"));
    }
    assert_eq!(again.cache.metrics().remote.unwrap().l2_hits, 20);
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_and_oversized_values_stay_out_of_l2() {
    if !redis_or_skip("unreadable_and_oversized_values_stay_out_of_l2").await {
        return;
    }
    let space = Space::new("bad-values");
    let config = space.config(&cache_redis::testkit::url()).max_value_bytes(64);
    let tier = cache_redis::RedisTier::new(&config).unwrap();
    let cache: support::Cache =
        cache_facade::AsyncCache::builder().remote(tier.clone()).build().unwrap();
    let mut admin = cache_redis::testkit::admin().await;
    let redis_key = tier.redis_key(cache_facade::remote::WireKey::of("junk").as_bytes());
    cache_redis::testkit::redis::cmd("SET")
        .arg(redis_key)
        .arg("garbage")
        .query_async::<()>(&mut admin)
        .await
        .unwrap();
    let v =
        cache.get_with("junk".into(), || async { Ok::<_, std::io::Error>("db".to_string()) }).await;
    assert_eq!(v.unwrap(), "db", "an unreadable value is a miss");
    let m = cache.metrics().remote.unwrap();
    assert_eq!((m.l2_decode_errors, m.l2_misses), (1, 1));

    cache.insert("big".into(), "x".repeat(100)).await;
    assert_eq!(cache.get("big").await.map(|v| v.len()), Some(100), "kept in process");
    assert_eq!(cache.metrics().remote.unwrap().l2_oversized, 1);
    let other: support::Cache = cache_facade::AsyncCache::builder().remote(tier).build().unwrap();
    let v =
        other.get_with("big".into(), || async { Ok::<_, std::io::Error>("db".to_string()) }).await;
    assert_eq!(v.unwrap(), "db", "never written to L2");
    space.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_loads_read_l2_in_one_round_trip() {
    if !redis_or_skip("batched_loads_read_l2_in_one_round_trip").await {
        return;
    }
    let space = Space::new("batched");
    let a = space.instance("a").await;
    a.cache.insert("k1".into(), "v1".into()).await;
    let config = space.config(&cache_redis::testkit::url());
    let loaded = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&loaded);
    let b: support::Cache = cache_facade::AsyncCache::builder()
        .remote(cache_redis::RedisTier::new(&config).unwrap())
        .batch_loader(cache_facade::batch_loader_fn(move |keys: Vec<String>| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().unwrap().extend(keys.iter().cloned());
                Ok::<_, std::io::Error>(
                    keys.into_iter().map(|k| (k.clone(), format!("db {k}"))).collect(),
                )
            }
        }))
        .build()
        .unwrap();
    let got = b.cache_many(["k1", "k2"]).await;
    assert_eq!(got, [Some("v1".to_string()), Some("db k2".to_string())]);
    assert_eq!(*loaded.lock().unwrap(), ["k2".to_string()], "k1 came from L2");
    space.finish().await;
}

trait Many {
    async fn cache_many(&self, keys: [&str; 2]) -> Vec<Option<String>>;
}

impl Many for support::Cache {
    async fn cache_many(&self, keys: [&str; 2]) -> Vec<Option<String>> {
        let map = self.get_many(keys.iter().map(ToString::to_string)).await.unwrap();
        keys.iter().map(|k| map.get(*k).cloned()).collect()
    }
}
