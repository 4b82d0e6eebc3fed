//! Regression tests, through the facade, for the loading defects found by
//! fault injection (issue 15): writes in the batch window, panics while
//! storing, the in-flight cap's range, and the load timeout's reach.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cache_facade::error::CacheError;
use cache_facade::{AsyncCache, BoxError, batch_loader_fn};
use futures_util::future::join_all;
use parking_lot::Mutex;

fn batched(
    delay: Duration,
    seen: &Arc<Mutex<Vec<Vec<u64>>>>,
) -> impl cache_facade::BatchLoader<u64, String> + use<> {
    let seen = Arc::clone(seen);
    batch_loader_fn(move |keys: Vec<u64>| {
        seen.lock().push(keys.clone());
        async move {
            tokio::time::sleep(delay).await;
            Ok::<_, BoxError>(
                keys.into_iter().map(|k| (k, format!("v{k}"))).collect::<HashMap<_, _>>(),
            )
        }
    })
}

#[tokio::test(start_paused = true)]
async fn a_remove_inside_the_batch_window_does_not_lose_the_second_callers_value() {
    let seen = Arc::default();
    let cache: AsyncCache<u64, String> =
        AsyncCache::builder().batch_loader(batched(Duration::ZERO, &seen)).build().unwrap();
    let first = tokio::spawn({
        let cache = cache.clone();
        async move { cache.get_batched(1).await }
    });
    tokio::task::yield_now().await;
    cache.remove(&1).await;
    let second = cache.get_batched(1).await;
    assert_eq!(second.unwrap().as_deref(), Some("v1"));
    assert_eq!(first.await.unwrap().unwrap().as_deref(), Some("v1"));
    assert_eq!(*seen.lock(), [vec![1]]);
    assert_eq!(cache.get(&1).await.as_deref(), Some("v1"), "the value was stored");
}

#[tokio::test(start_paused = true)]
async fn a_weigher_that_panics_fails_every_waiter_and_the_next_call_works() {
    let cache: AsyncCache<u64, String> = AsyncCache::builder()
        .max_capacity(100)
        .weigher(|_k, v: &String| {
            assert_ne!(v, "poison", "cannot weigh it");
            1
        })
        .load_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let herd =
        (0..3).map(|_| cache.get_with(1, || async { Ok::<_, BoxError>("poison".to_string()) }));
    let results = tokio::time::timeout(Duration::from_secs(60), join_all(herd)).await;
    for result in results.expect("every waiter is answered") {
        assert!(matches!(result, Err(CacheError::StorePanicked { .. })), "{result:?}");
    }
    let next = cache.get_with(1, || async { Ok::<_, BoxError>("fine".to_string()) }).await;
    assert_eq!(next.unwrap(), "fine");
    assert_eq!(cache.get(&1).await.as_deref(), Some("fine"));
}

#[test]
fn an_in_flight_cap_beyond_the_semaphore_range_is_a_build_error() {
    let seen = Arc::default();
    let err = AsyncCache::<u64, String>::builder()
        .batch_loader(batched(Duration::ZERO, &seen))
        .max_batches_in_flight(usize::MAX)
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), "max_batches_in_flight");
}

#[tokio::test(start_paused = true)]
async fn the_load_timeout_bounds_a_batched_callers_whole_wait() {
    let seen = Arc::default();
    let timeout = Duration::from_millis(100);
    let cache: AsyncCache<u64, String> = AsyncCache::builder()
        .batch_loader(batched(Duration::from_millis(90), &seen))
        .max_batch_size(1)
        .max_batches_in_flight(1)
        .load_timeout(timeout)
        .build()
        .unwrap();
    let callers = (0..30).map(|key| {
        let cache = cache.clone();
        async move {
            let started = tokio::time::Instant::now();
            let result = cache.get_batched(key).await;
            (result, started.elapsed())
        }
    });
    let results = join_all(callers).await;
    let slowest = results.iter().map(|(_, waited)| *waited).max().unwrap();
    assert!(slowest <= timeout, "the slowest caller waited {slowest:?}");
    assert_eq!(results[0].0.as_ref().unwrap().as_deref(), Some("v0"));
    assert!(results[1..].iter().all(|(r, _)| r.as_ref().is_err_and(CacheError::is_timeout)));
    // Timed-out keys load again on the next request.
    assert_eq!(cache.get_batched(29).await.unwrap().as_deref(), Some("v29"));
}

#[test]
fn a_batch_window_not_shorter_than_the_load_timeout_is_a_build_error() {
    let seen = Arc::default();
    let err = AsyncCache::<u64, String>::builder()
        .batch_loader(batched(Duration::ZERO, &seen))
        .batch_window(Duration::from_millis(20))
        .load_timeout(Duration::from_millis(20))
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), "batch_window");
}

#[tokio::test(start_paused = true)]
async fn without_a_load_timeout_a_loader_that_never_finishes_blocks_its_key_until_removed() {
    let cache: AsyncCache<u64, String> = AsyncCache::builder().build().unwrap();
    let stuck = tokio::spawn({
        let cache = cache.clone();
        async move { cache.get_with(1, std::future::pending::<Result<String, BoxError>>).await }
    });
    tokio::task::yield_now().await;
    // A later caller joins the stuck load (its own loader is never called).
    let joined = tokio::time::timeout(
        Duration::from_secs(3600),
        cache.get_with(1, || async { Ok::<_, BoxError>("fresh".to_string()) }),
    )
    .await;
    assert!(joined.is_err(), "documented: still waiting an hour later");
    cache.remove(&1).await;
    let after = cache.get_with(1, || async { Ok::<_, BoxError>("fresh".to_string()) }).await;
    assert_eq!(after.unwrap(), "fresh", "remove detached the stuck load");
    assert!(!stuck.is_finished());
    stuck.abort();

    // With a load timeout, the same loader fails its callers and frees the key.
    let bounded: AsyncCache<u64, String> =
        AsyncCache::builder().load_timeout(Duration::from_secs(1)).build().unwrap();
    let err = bounded.get_with(1, std::future::pending::<Result<String, BoxError>>).await;
    assert!(err.unwrap_err().is_timeout());
    let next = bounded.get_with(1, || async { Ok::<_, BoxError>("fresh".to_string()) }).await;
    assert_eq!(next.unwrap(), "fresh");
}
