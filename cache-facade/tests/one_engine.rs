//! TTL means the same over every store, and a memoizing macro builds the
//! same cache as the wrapper with the same options.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::{
    AsyncCache, AsyncTtl, DynStore, LruStore, MetricsSnapshot, MokaStore, PolicyStore, TtlStore,
    async_ttl,
};

type Erased = Arc<dyn DynStore<String, u32>>;

fn stores() -> Vec<(&'static str, Erased)> {
    vec![
        ("default", Arc::new(cache_facade::default_store(Some(100), None))),
        ("default-unbounded", Arc::new(cache_facade::default_store(None, None))),
        ("lru", Arc::new(LruStore::new(100))),
        ("ttl", Arc::new(TtlStore::with_capacity(100))),
        ("policy-sieve", Arc::new(PolicyStore::sieve(100))),
        ("moka", Arc::new(MokaStore::new(100))),
    ]
}

#[tokio::test(start_paused = true)]
async fn the_default_ttl_and_none_mean_the_same_over_every_store() {
    for (name, store) in stores() {
        let cache = AsyncCache::builder()
            .shared_store(store)
            .default_ttl(Duration::from_secs(1))
            .build()
            .unwrap();
        cache.insert("defaulted".to_owned(), 1).await;
        cache.insert_with_ttl("forever".to_owned(), 2, None).await;
        cache.insert_with_ttl("long".to_owned(), 3, Duration::from_secs(60)).await;
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(cache.get("defaulted").await, None, "{name}: the default TTL applies");
        assert_eq!(cache.get("forever").await, Some(2), "{name}: None means never");
        assert_eq!(cache.get("long").await, Some(3), "{name}");
        tokio::time::advance(Duration::from_secs(3_600)).await;
        assert_eq!(cache.get("forever").await, Some(2), "{name}: still never");
        assert_eq!(cache.len(), 1, "{name}");
        assert_eq!(cache.metrics().evictions.expired, 2, "{name}: both counted as expired");
    }
}

static MACRO_RUNS: AtomicUsize = AtomicUsize::new(0);

#[async_ttl(ttl_secs = 5, maxsize = 3)]
async fn by_macro(x: u32) -> u32 {
    MACRO_RUNS.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(10)).await;
    x * 2
}

/// The same calls, timings and cancellations, through either form.
async fn drive<F, Fut>(call: F) -> Vec<Option<u32>>
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = Option<u32>>,
{
    let mut seen = Vec::new();
    for x in [1, 2, 1, 3, 4, 5, 1, 2] {
        seen.push(call(x).await);
    }
    // A caller dropped mid-load: the next caller still gets the value.
    let dropped = tokio::time::timeout(Duration::from_millis(1), call(9)).await;
    seen.push(dropped.ok().flatten());
    seen.push(call(9).await);
    tokio::time::advance(Duration::from_secs(5)).await;
    for x in [9, 1] {
        seen.push(call(x).await);
    }
    seen
}

fn comparable(m: MetricsSnapshot) -> (u64, u64, u64, u64, u64, u64, u64) {
    let e = m.evictions;
    (m.hits, m.misses, m.loads, m.size, e.size, e.expired, e.explicit + e.replaced)
}

#[tokio::test(start_paused = true)]
async fn a_macro_and_a_wrapper_with_the_same_options_behave_alike() {
    let wrapper_runs = Arc::new(AtomicUsize::new(0));
    let runs = Arc::clone(&wrapper_runs);
    let wrapped = AsyncTtl::new(Duration::from_secs(5)).max_capacity(3).memoize(move |x: u32| {
        runs.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok::<_, std::convert::Infallible>(x * 2)
        }
    });

    let by_wrapper = drive(|x| {
        let wrapped = wrapped.clone();
        async move { wrapped.call(x).await.ok() }
    })
    .await;
    let wrapper_metrics = wrapped.metrics();
    let by_macro = drive(|x| async move { Some(by_macro(x).await) }).await;

    assert_eq!(by_macro, by_wrapper);
    assert_eq!(MACRO_RUNS.load(Ordering::SeqCst), wrapper_runs.load(Ordering::SeqCst));
    assert_eq!(comparable(by_macro_metrics()), comparable(wrapper_metrics));
    assert_eq!(by_macro_cache().capacity(), wrapped.cache().capacity());
    assert_eq!(by_macro_cache().default_ttl(), wrapped.cache().default_ttl());
}
