//! Cross-instance single-flight (a lease in Redis; off by default).

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::AsyncCache;
use cache_redis::{RedisBackplane, RedisTier};
use support::{Space, redis_or_skip};

fn leased(space: &Space, name: &str) -> support::Cache {
    let config = space.config(&cache_redis::testkit::url());
    AsyncCache::builder()
        .name(format!("{}-{name}", space.prefix))
        .remote(RedisTier::new(&config).unwrap())
        .backplane(RedisBackplane::new(&config).unwrap())
        .remote_lease(Duration::from_secs(2))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_cold_gets_on_two_instances_make_one_load() {
    if !redis_or_skip("fifty_cold_gets_on_two_instances_make_one_load").await {
        return;
    }
    let space = Space::new("lease");
    let (a, b) = (leased(&space, "a"), leased(&space, "b"));
    let loads = Arc::new(AtomicUsize::new(0));
    let mut callers = Vec::new();
    for i in 0..50 {
        let cache = if i % 2 == 0 { a.clone() } else { b.clone() };
        let loads = Arc::clone(&loads);
        callers.push(tokio::spawn(async move {
            cache
                .get_with("cold".to_string(), move || async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    // A slow database query (simulated); not synchronisation.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    Ok::<_, std::io::Error>("value".to_string())
                })
                .await
                .unwrap()
        }));
    }
    for caller in callers {
        assert_eq!(caller.await.unwrap(), "value");
    }
    let loads = loads.load(Ordering::SeqCst);
    assert!((1..=2).contains(&loads), "{loads} loads");
    eprintln!("50 cold gets over two instances: {loads} load(s)");
    space.finish().await;
}
