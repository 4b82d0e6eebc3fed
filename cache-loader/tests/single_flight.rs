//! Single-flight: herds, errors, panics, cancellation, timeouts, invalidation.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_core::error::CacheError;
use cache_loader::{Joined, SingleFlight};
use futures_util::future::join_all;
use parking_lot::Mutex;
use tokio::sync::{Barrier, oneshot};
use tokio_test::{assert_pending, task};

#[derive(Debug, PartialEq)]
struct DbDown;
impl std::fmt::Display for DbDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("db down")
    }
}
impl std::error::Error for DbDown {}

type Map = Arc<Mutex<HashMap<u64, String>>>;

fn store() -> Map {
    Arc::new(Mutex::new(HashMap::new()))
}

fn commit_into(map: &Map) -> impl FnOnce(&u64, &String) + Send + 'static {
    let map = Arc::clone(map);
    move |k, v| {
        map.lock().insert(*k, v.clone());
    }
}

/// A loader that counts its calls and waits for `gate` before answering.
fn gated_loader(
    calls: &Arc<AtomicUsize>,
    gate: oneshot::Receiver<()>,
    value: &str,
) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = Result<String, DbDown>> + Send>> + use<>
{
    let calls = Arc::clone(calls);
    let value = value.to_string();
    move || {
        calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _ = gate.await;
            Ok(value)
        })
    }
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_waiters_share_one_load() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let map = store();
    let herd = (0..10_000).map(|_| {
        let calls = Arc::clone(&calls);
        flights.get_or_load(
            1,
            || None,
            move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(10)).await;
                Ok::<_, DbDown>("one".to_string())
            },
            None,
            commit_into(&map),
        )
    });
    let results = join_all(herd).await;
    assert_eq!(results.len(), 10_000);
    assert!(results.iter().all(|r| r.as_deref().ok() == Some("one")));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(map.lock().get(&1).map(String::as_str), Some("one"));
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn distinct_keys_load_concurrently() {
    let flights = SingleFlight::<u64, String>::new();
    // Each load waits until both have started: sequential loading would hang.
    let both_started = Arc::new(Barrier::new(2));
    let load = |key: u64| {
        let both_started = Arc::clone(&both_started);
        flights.get_or_load(
            key,
            || None,
            move || async move {
                both_started.wait().await;
                Ok::<_, DbDown>(key.to_string())
            },
            None,
            |_, _| {},
        )
    };
    let joined =
        tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(load(1), load(2)) })
            .await
            .expect("loads of distinct keys must run concurrently");
    assert_eq!((joined.0.unwrap(), joined.1.unwrap()), ("1".into(), "2".into()));
}

#[tokio::test(start_paused = true)]
async fn an_error_reaches_every_waiter_and_is_not_cached() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let map = store();
    let herd = (0..100).map(|_| {
        let calls = Arc::clone(&calls);
        flights.get_or_load(
            1,
            || None,
            move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Err::<String, _>(DbDown)
            },
            None,
            commit_into(&map),
        )
    });
    for result in join_all(herd).await {
        let error = result.unwrap_err();
        let original = error.load_error().and_then(|e| e.downcast_ref::<DbDown>());
        assert_eq!(original, Some(&DbDown), "the loader's own error stays recoverable");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(map.lock().is_empty(), "errors are never cached");
    assert_eq!(flights.in_flight(), 0);

    let calls_again = Arc::clone(&calls);
    let retry = flights
        .get_or_load(
            1,
            || None,
            move || async move {
                calls_again.fetch_add(1, Ordering::SeqCst);
                Ok::<_, DbDown>("back".to_string())
            },
            None,
            commit_into(&map),
        )
        .await;
    assert_eq!(retry.unwrap(), "back");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "the next request loads again");
}

#[tokio::test(start_paused = true)]
async fn a_panic_reaches_every_waiter_without_hanging_or_poisoning() {
    let flights = SingleFlight::<u64, String>::new();
    let herd = (0..100).map(|_| {
        flights.get_or_load(
            1,
            || None,
            || async {
                tokio::task::yield_now().await;
                if true {
                    panic!("loader exploded");
                }
                Ok::<String, DbDown>(String::new())
            },
            None,
            |_, _| {},
        )
    });
    for result in join_all(herd).await {
        match result {
            Err(CacheError::LoaderPanicked { message }) => {
                assert_eq!(message.as_deref(), Some("loader exploded"));
            }
            other => panic!("expected a panic error, got {other:?}"),
        }
    }
    assert_eq!(flights.in_flight(), 0);
    let after = flights
        .get_or_load(1, || None, || async { Ok::<_, DbDown>("fine".to_string()) }, None, |_, _| {})
        .await;
    assert_eq!(after.unwrap(), "fine", "no poisoned state after a panic");
}

#[tokio::test(start_paused = true)]
async fn waiters_get_the_value_when_the_leader_is_cancelled() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let map = store();
    let (release, gate) = oneshot::channel();
    let leader = {
        let flights = flights.clone();
        let loader = gated_loader(&calls, gate, "v");
        let commit = commit_into(&map);
        tokio::spawn(async move { flights.get_or_load(1, || None, loader, None, commit).await })
    };
    tokio::task::yield_now().await; // the leader starts the load
    assert!(flights.is_loading(&1));
    let waiters: Vec<_> = (0..100)
        .map(|_| {
            let flights = flights.clone();
            let loader = gated_loader(&calls, oneshot::channel().1, "never");
            tokio::spawn(
                async move { flights.get_or_load(1, || None, loader, None, |_, _| {}).await },
            )
        })
        .collect();
    tokio::task::yield_now().await;
    leader.abort();
    assert!(leader.await.unwrap_err().is_cancelled());
    release.send(()).unwrap();
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap().unwrap(), "v");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(map.lock().get(&1).map(String::as_str), Some("v"), "the load went on and stored");
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_leader_that_is_never_polled_again_does_not_stall_waiters() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let (release, gate) = oneshot::channel();
    let mut leader = task::spawn(flights.get_or_load(
        1,
        || None,
        gated_loader(&calls, gate, "v"),
        None,
        |_, _| {},
    ));
    assert_pending!(leader.poll()); // polled once, then abandoned (moka #240)
    let waiter = flights.get_or_load(
        1,
        || None,
        gated_loader(&calls, oneshot::channel().1, "never"),
        None,
        |_, _| {},
    );
    release.send(()).unwrap();
    assert_eq!(waiter.await.unwrap(), "v");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    drop(leader);
}

#[tokio::test(start_paused = true)]
async fn a_slow_load_times_out_for_every_waiter() {
    let flights = SingleFlight::<u64, String>::new();
    let map = store();
    let herd = (0..10).map(|_| {
        flights.get_or_load(
            1,
            || None,
            || async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                Ok::<_, DbDown>("late".to_string())
            },
            Some(Duration::from_secs(1)),
            commit_into(&map),
        )
    });
    let started = tokio::time::Instant::now();
    for result in join_all(herd).await {
        match result {
            Err(CacheError::Timeout { after }) => assert_eq!(after, Duration::from_secs(1)),
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert!(map.lock().is_empty());
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn remove_during_a_load_wins_over_its_value() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let map = store();
    let (release, gate) = oneshot::channel();
    let stale = tokio::spawn({
        let flights = flights.clone();
        let loader = gated_loader(&calls, gate, "stale");
        let commit = commit_into(&map);
        async move { flights.get_or_load(1, || None, loader, None, commit).await }
    });
    tokio::task::yield_now().await;
    flights.invalidate(&1, || map.lock().remove(&1));
    assert!(!flights.is_loading(&1), "invalidation detaches the load in flight");

    // A request after the write starts a fresh load instead of joining the stale one.
    let (release_fresh, fresh_gate) = oneshot::channel();
    let fresh = tokio::spawn({
        let flights = flights.clone();
        let loader = gated_loader(&calls, fresh_gate, "fresh");
        let commit = commit_into(&map);
        async move { flights.get_or_load(1, || None, loader, None, commit).await }
    });
    tokio::task::yield_now().await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    release.send(()).unwrap();
    assert_eq!(stale.await.unwrap().unwrap(), "stale", "joined waiters still get the value");
    assert!(map.lock().get(&1).is_none(), "a stale load never stores over a remove");

    release_fresh.send(()).unwrap();
    assert_eq!(fresh.await.unwrap().unwrap(), "fresh");
    assert_eq!(map.lock().get(&1).map(String::as_str), Some("fresh"));
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn insert_and_clear_during_a_load_win_over_its_value() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let map = store();
    let (release_a, gate_a) = oneshot::channel();
    let (release_b, gate_b) = oneshot::channel();
    let load = |key: u64, gate| {
        let flights = flights.clone();
        let loader = gated_loader(&calls, gate, "loaded");
        let commit = commit_into(&map);
        tokio::spawn(async move { flights.get_or_load(key, || None, loader, None, commit).await })
    };
    let a = load(1, gate_a);
    let b = load(2, gate_b);
    tokio::task::yield_now().await;
    flights.invalidate(&1, || map.lock().insert(1, "written".to_string()));
    // Read-your-writes: the probe finds the written value, no load starts.
    match flights.join(&1, || map.lock().get(&1).cloned()) {
        Joined::Present(value) => assert_eq!(value, "written"),
        other => panic!("expected the written value, got {other:?}"),
    }
    flights.invalidate_all(|| map.lock().clear());
    release_a.send(()).unwrap();
    release_b.send(()).unwrap();
    assert_eq!(a.await.unwrap().unwrap(), "loaded");
    assert_eq!(b.await.unwrap().unwrap(), "loaded");
    assert!(map.lock().is_empty(), "loads begun before clear never store after it");
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test]
async fn a_dropped_completer_cancels_its_waiters_and_leaves_no_entry() {
    let flights = SingleFlight::<u64, String>::new();
    let Joined::Leading(completer) = flights.join(&1, || None) else {
        panic!("first caller leads");
    };
    let Joined::Waiting(waiter) = flights.join(&1, || None) else {
        panic!("second caller waits");
    };
    drop(completer);
    assert!(matches!(waiter.wait().await, Err(CacheError::LoadCancelled)));
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test]
async fn the_probe_prevents_a_second_load_after_one_completed() {
    let flights = SingleFlight::<u64, String>::new();
    match flights.join(&1, || Some("stored".to_string())) {
        Joined::Present(value) => assert_eq!(value, "stored"),
        other => panic!("expected the probed value, got {other:?}"),
    }
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn inline_loads_may_borrow_and_coalesce() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = AtomicUsize::new(0); // borrowed, not 'static
    let map = store();
    let load = || {
        flights.get_or_load_inline(
            1,
            || None,
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok::<_, DbDown>("inline".to_string())
            },
            None,
            |k, v| {
                map.lock().insert(*k, v.clone());
            },
        )
    };
    let (a, b, c) = tokio::join!(load(), load(), load());
    assert_eq!(
        (a.unwrap(), b.unwrap(), c.unwrap()),
        ("inline".into(), "inline".into(), "inline".into())
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(map.lock().get(&1).map(String::as_str), Some("inline"));
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_waiter_takes_an_inline_load_over_when_its_leader_is_dropped() {
    let flights = SingleFlight::<u64, String>::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let load = |value: &'static str| {
        let calls = Arc::clone(&calls);
        flights.get_or_load_inline(
            1,
            || None,
            move || async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok::<_, DbDown>(value.to_string())
            },
            None,
            |_, _| {},
        )
    };
    let mut leader = task::spawn(load("leader"));
    assert_pending!(leader.poll());
    let mut waiter = task::spawn(load("waiter"));
    assert_pending!(waiter.poll());
    drop(leader); // cancelled mid-load
    assert!(waiter.is_woken(), "the waiter is woken to take over");
    assert_eq!(waiter.await.unwrap(), "waiter");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(flights.in_flight(), 0);
}
