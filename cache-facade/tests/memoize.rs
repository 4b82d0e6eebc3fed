//! The Python suite's decorator cases, on the wrappers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_facade::{AsyncLru, AsyncTtl};
use futures_util::future::join_all;

#[derive(Debug, Clone, PartialEq)]
struct NotFound(u64);
impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no row {}", self.0)
    }
}
impl std::error::Error for NotFound {}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

#[tokio::test]
async fn the_second_call_is_a_hit_and_concurrent_equal_calls_run_once() {
    let runs = counter();
    let counted = Arc::clone(&runs);
    let double = AsyncLru::new(128).memoize(move |x: u64| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::task::yield_now().await;
            Ok::<_, NotFound>(x * 2)
        }
    });
    let results = join_all((0..10).map(|_| double.call(21))).await;
    assert!(results.iter().all(|r| *r.as_ref().unwrap() == 42));
    assert_eq!(double.call(21).await.unwrap(), 42);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let m = double.metrics();
    assert_eq!((m.hits, m.misses), (1, 10));
}

#[tokio::test]
async fn several_arguments_form_a_tuple_key() {
    let runs = counter();
    let counted = Arc::clone(&runs);
    let add = AsyncLru::new(16).memoize(move |a: u64, b: String| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, NotFound>(format!("{a}{b}")) }
    });
    assert_eq!(add.call((1, "x".into())).await.unwrap(), "1x");
    assert_eq!(add.call((1, "x".into())).await.unwrap(), "1x");
    assert_eq!(add.call((1, "y".into())).await.unwrap(), "1y");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn only_ok_is_cached_and_errors_reach_every_waiter() {
    let runs = counter();
    let counted = Arc::clone(&runs);
    let lookup = AsyncLru::new(16).memoize(move |id: u64| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move {
            tokio::task::yield_now().await;
            if id == 0 { Err(NotFound(id)) } else { Ok(id) }
        }
    });
    for result in join_all((0..5).map(|_| lookup.call(0))).await {
        let err = result.unwrap_err();
        assert_eq!(err.load_error().and_then(|e| e.downcast_ref::<NotFound>()), Some(&NotFound(0)));
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(lookup.call(0).await.is_err());
    assert_eq!(runs.load(Ordering::SeqCst), 2, "errors are not cached");
    assert_eq!(lookup.metrics().size, 0);
}

#[tokio::test]
async fn refresh_reloads_invalidate_drops_one_and_clear_drops_all() {
    let runs = counter();
    let counted = Arc::clone(&runs);
    let versioned = AsyncLru::new(16).memoize(move |id: u64| {
        let run = counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, NotFound>((id, run)) }
    });
    assert_eq!(versioned.call(1).await.unwrap(), (1, 0));
    assert_eq!(versioned.refresh(1).await.unwrap(), (1, 1), "refresh runs the body again");
    assert_eq!(versioned.call(1).await.unwrap(), (1, 1), "and stores its result");
    versioned.call(2).await.unwrap();
    assert!(versioned.invalidate(&1).await);
    assert!(!versioned.invalidate(&1).await);
    assert_eq!(versioned.metrics().size, 1);
    assert_eq!(versioned.call(1).await.unwrap(), (1, 3));
    versioned.clear().await;
    assert_eq!(versioned.metrics().size, 0);
}

#[tokio::test]
async fn size_equals_maxsize_after_100_distinct_calls_with_maxsize_50() {
    let identity = AsyncLru::new(50).memoize(|x: u64| async move { Ok::<_, NotFound>(x) });
    for x in 0..100 {
        identity.call(x).await.unwrap();
    }
    let m = identity.metrics();
    assert_eq!((m.size, m.evictions.size), (50, 50));
}

#[tokio::test]
async fn maxsize_zero_caches_nothing() {
    let runs = counter();
    let counted = Arc::clone(&runs);
    let uncached = AsyncLru::new(0).memoize(move |x: u64| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, NotFound>(x) }
    });
    uncached.call(1).await.unwrap();
    uncached.call(1).await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn ttl_results_expire_on_the_paused_clock() {
    let runs = counter();
    let counted = Arc::clone(&runs);
    let quote =
        AsyncTtl::new(Duration::from_secs(60)).max_capacity(8).memoize(move |sku: String| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, NotFound>(sku.len()) }
        });
    quote.call("abc".into()).await.unwrap();
    tokio::time::advance(Duration::from_secs(59)).await;
    quote.call("abc".into()).await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    tokio::time::advance(Duration::from_secs(1)).await;
    quote.call("abc".into()).await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2, "expired after 60 s");
}

/// Memoized functions are named after the function they wrap, so two of
/// them never share their metric series.
#[tokio::test]
async fn wrappers_are_named_after_their_function_by_default() {
    async fn fetch_user(id: u64) -> Result<u64, std::io::Error> {
        Ok(id)
    }
    async fn fetch_order(id: u64) -> Result<u64, std::io::Error> {
        Ok(id)
    }
    let users = cache_facade::AsyncLru::new(8).memoize(fetch_user);
    let orders =
        cache_facade::AsyncTtl::new(std::time::Duration::from_secs(1)).memoize(fetch_order);
    assert!(users.cache().name().ends_with("fetch_user"), "{}", users.cache().name());
    assert!(orders.cache().name().ends_with("fetch_order"), "{}", orders.cache().name());
    let named = cache_facade::AsyncLru::new(8).name("users").memoize(fetch_user);
    assert_eq!(named.cache().name(), "users");
}
