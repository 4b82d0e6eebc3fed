//! Regression tests for the defects found by fault injection (issue 15):
//! writes in the batch window, lost window timers, panics while storing,
//! the in-flight cap's range, the load timeout over the wait for a slot, and
//! how cancelled batches and duplicate warmup keys are counted.

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Waker};
use std::time::Duration;

use cache_core::error::CacheError;
use cache_core::{BatchLoader, BoxError, LoadObserver, LoadOutcome, async_trait};
use cache_loader::{BatchConfig, Batcher, Commit, SingleFlight};
use futures_util::future::join_all;
use parking_lot::Mutex;

/// Records every batch; answers `v<key>` after `delay`, or never.
#[derive(Default)]
struct Recorder {
    batches: Mutex<Vec<Vec<u32>>>,
    delay: Duration,
    never: bool,
}

#[async_trait]
impl BatchLoader<u32, String> for Recorder {
    async fn load_batch(&self, keys: &[u32]) -> Result<HashMap<u32, String>, BoxError> {
        self.batches.lock().push(keys.to_vec());
        if self.never {
            std::future::pending::<()>().await;
        }
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        Ok(keys.iter().map(|k| (*k, format!("v{k}"))).collect())
    }
}

/// Counts load outcomes and coalesced callers.
#[derive(Default)]
struct Counts {
    loads: Mutex<Vec<LoadOutcome>>,
    coalesced: AtomicUsize,
}

impl LoadObserver for Counts {
    fn on_load(&self, outcome: LoadOutcome, _elapsed: Duration) {
        self.loads.lock().push(outcome);
    }
    fn on_coalesced(&self) {
        self.coalesced.fetch_add(1, Ordering::SeqCst);
    }
}

type Stored = Arc<Mutex<HashMap<u32, String>>>;

struct Setup {
    batcher: Batcher<u32, String>,
    flights: SingleFlight<u32, String>,
    loader: Arc<Recorder>,
    stored: Stored,
    counts: Arc<Counts>,
}

fn setup(loader: Recorder, config: BatchConfig) -> Setup {
    let loader = Arc::new(loader);
    let counts = Arc::new(Counts::default());
    let flights = SingleFlight::with_observer(Arc::clone(&counts) as _);
    let stored: Stored = Arc::default();
    let sink = Arc::clone(&stored);
    let commit: Commit<u32, String> = Arc::new(move |k, v| {
        sink.lock().insert(*k, v.clone());
    });
    let batcher =
        Batcher::new(flights.clone(), Arc::clone(&loader) as _, config, commit).expect("valid");
    Setup { batcher, flights, loader, stored, counts }
}

fn current_thread(paused: bool) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_all().start_paused(paused);
    builder.build().expect("a runtime")
}

// Item 1: a write inside the batch window.

#[tokio::test(start_paused = true)]
async fn a_write_inside_the_batch_window_leaves_the_keys_of_a_batch_distinct() {
    for write in ["remove", "insert", "clear"] {
        let s = setup(Recorder::default(), BatchConfig::default());
        let first = tokio::spawn({
            let batcher = s.batcher.clone();
            async move { batcher.get(1, || None).await }
        });
        tokio::task::yield_now().await; // the first request is queued
        match write {
            "clear" => s.flights.invalidate_all(|| s.stored.lock().clear()),
            "insert" => s.flights.invalidate(&1, || {
                s.stored.lock().insert(1, "written".into());
            }),
            _ => s.flights.invalidate(&1, || drop(s.stored.lock().remove(&1))),
        }
        let second = s.batcher.get(1, || None).await;
        assert_eq!(first.await.unwrap().unwrap().as_deref(), Some("v1"), "{write}");
        assert_eq!(second.unwrap().as_deref(), Some("v1"), "{write}: the second caller's value");
        assert_eq!(*s.loader.batches.lock(), [vec![1]], "{write}: one batch, key 1 once");
        assert_eq!(s.stored.lock().get(&1).map(String::as_str), Some("v1"), "{write}");
        assert_eq!(s.flights.in_flight(), 0);
    }
}

// Item 2: a batch whose window timer is lost.

#[test]
fn a_batch_opened_by_a_runtime_that_is_dropped_is_failed_not_stranded() {
    let s = setup(Recorder::default(), BatchConfig::default());
    let first = current_thread(true);
    first.block_on(async {
        let batcher = s.batcher.clone();
        drop(tokio::spawn(async move { batcher.get(1, || None).await }));
        tokio::task::yield_now().await;
    });
    assert!(s.flights.is_loading(&1), "key 1 is queued in the window");
    drop(first);
    assert_eq!(s.flights.in_flight(), 0, "the dropped runtime's batch was failed");

    let second = current_thread(true);
    let result = second.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), s.batcher.get(1, || None)).await
    });
    assert_eq!(result.expect("no hang").unwrap().as_deref(), Some("v1"));
    assert_eq!(s.counts.loads.lock().first(), Some(&LoadOutcome::Cancelled));
}

#[test]
fn a_batched_request_outside_a_runtime_panics_before_queuing_anything() {
    let s = setup(Recorder::default(), BatchConfig::default());
    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut request = pin!(s.batcher.get(1, || None));
        request.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending()
    }));
    let message = polled.expect_err("outside a runtime it panics");
    let message = message.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("within a tokio runtime"), "{message}");
    assert_eq!(s.flights.in_flight(), 0, "nothing was queued");
    let value = current_thread(true).block_on(async {
        tokio::time::timeout(Duration::from_secs(10), s.batcher.get(1, || None)).await
    });
    assert_eq!(value.expect("no hang").unwrap().as_deref(), Some("v1"));
}

#[test]
fn a_runtime_without_timers_still_sends_its_batches() {
    let s = setup(Recorder::default(), BatchConfig::default());
    let (sender, receiver) = std::sync::mpsc::channel();
    let batcher = s.batcher.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        let _ = sender.send(runtime.block_on(batcher.get(1, || None)));
    });
    // A bound on a hang (the thread answers at once when the fix holds).
    let result = receiver.recv_timeout(Duration::from_secs(30)).expect("the request ended");
    assert_eq!(result.unwrap().as_deref(), Some("v1"));
}

#[test]
fn a_request_sends_a_batch_whose_window_timer_never_ran() {
    let s = setup(Recorder::default(), BatchConfig::default().window(Duration::from_millis(5)));
    // A runtime that queues key 1, then is never driven again (but lives).
    let stalled = current_thread(false);
    stalled.block_on(async {
        let batcher = s.batcher.clone();
        drop(tokio::spawn(async move { batcher.get(1, || None).await }));
        tokio::task::yield_now().await;
    });
    assert!(s.flights.is_loading(&1));
    let other = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let (one, two) = other.block_on(async {
        // Past the window and its slack, on this runtime's clock.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let bounded = Duration::from_secs(10);
        tokio::join!(
            tokio::time::timeout(bounded, s.batcher.get(1, || None)),
            tokio::time::timeout(bounded, s.batcher.get(2, || None)),
        )
    });
    assert_eq!(one.expect("no hang").unwrap().as_deref(), Some("v1"));
    assert_eq!(two.expect("no hang").unwrap().as_deref(), Some("v2"));
    drop(stalled);
}

#[test]
fn a_caller_waiting_on_a_batch_whose_timer_never_runs_sends_it_itself() {
    let window = Duration::from_millis(5);
    let s = setup(Recorder::default(), BatchConfig::default().window(window));
    // A runtime that queues key 1, then is never driven again (but lives).
    let stalled = current_thread(false);
    stalled.block_on(async {
        let batcher = s.batcher.clone();
        drop(tokio::spawn(async move { batcher.get(1, || None).await }));
        tokio::task::yield_now().await;
    });
    // At once, before the window is over: this caller joins the queued key
    // and no later request comes to send the batch.
    let other = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let started = std::time::Instant::now();
    let result = other.block_on(async {
        tokio::time::timeout(Duration::from_secs(20), s.batcher.get(1, || None)).await
    });
    assert_eq!(result.expect("no hang").unwrap().as_deref(), Some("v1"));
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(5), "sent by the waiting caller after {waited:?}");
    assert_eq!(*s.loader.batches.lock(), [vec![1]]);
    drop(stalled);
}

// Item 3: a panic while storing a loaded value.

#[tokio::test(start_paused = true)]
async fn a_panic_while_storing_fails_every_waiter_and_frees_the_key() {
    let flights = SingleFlight::<u32, String>::new();
    let callers = (0..3).map(|_| {
        flights.get_or_load(
            1,
            || None,
            || async { Ok::<_, BoxError>("one".to_string()) },
            Some(Duration::from_secs(1)),
            |_: &u32, _: &String| panic!("weigher exploded"),
        )
    });
    let results = tokio::time::timeout(Duration::from_secs(60), join_all(callers)).await;
    for result in results.expect("every waiter is answered") {
        match result {
            Err(CacheError::StorePanicked { message }) => {
                assert_eq!(message.as_deref(), Some("weigher exploded"));
            }
            other => panic!("expected StorePanicked, got {other:?}"),
        }
    }
    assert_eq!(flights.in_flight(), 0);
    let next = flights
        .get_or_load(1, || None, || async { Ok::<_, BoxError>("one".into()) }, None, |_, _| {})
        .await;
    assert_eq!(next.unwrap(), "one", "the next call works");

    // The inline path reports the same to its leader.
    let inline = flights
        .get_or_load_inline(
            2,
            || None,
            || async { Ok::<_, BoxError>("two".to_string()) },
            None,
            |_: &u32, _: &String| panic!("store exploded"),
        )
        .await;
    assert!(matches!(inline, Err(CacheError::StorePanicked { .. })), "{inline:?}");
    assert_eq!(flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_panic_while_storing_one_key_of_a_batch_fails_that_key_only() {
    let flights = SingleFlight::<u32, String>::new();
    let commit: Commit<u32, String> = Arc::new(|key, _| assert_ne!(*key, 2, "no room for 2"));
    let loader = Arc::new(Recorder::default());
    let batcher =
        Batcher::new(flights.clone(), loader as _, BatchConfig::default(), commit).expect("valid");
    let all = async {
        tokio::join!(batcher.get(1, || None), batcher.get(2, || None), batcher.get(3, || None))
    };
    let (a, b, c) = tokio::time::timeout(Duration::from_secs(60), all).await.expect("no hang");
    assert_eq!(a.unwrap().as_deref(), Some("v1"));
    assert!(matches!(b, Err(CacheError::StorePanicked { .. })), "{b:?}");
    assert_eq!(c.unwrap().as_deref(), Some("v3"), "keys after the panicking one are answered");
    assert_eq!(flights.in_flight(), 0);
}

// Item 4: the in-flight cap's range.

#[test]
fn an_in_flight_cap_beyond_the_semaphore_range_is_refused_by_name() {
    let err = BatchConfig::default().max_in_flight(usize::MAX).validate().unwrap_err();
    assert_eq!(err.setting(), "max_in_flight");
    let s = Batcher::new(
        SingleFlight::<u32, String>::new(),
        Arc::new(Recorder::default()) as _,
        BatchConfig::default().max_in_flight(usize::MAX),
        Arc::new(|_: &u32, _: &String| {}),
    );
    assert_eq!(s.unwrap_err().setting(), "max_in_flight", "refused, not a panic");
    let largest = BatchConfig::default().max_in_flight(tokio::sync::Semaphore::MAX_PERMITS);
    assert!(largest.validate().is_ok());
}

// Item 5: the load timeout bounds the whole wait.

#[tokio::test(start_paused = true)]
async fn the_load_timeout_bounds_the_wait_for_a_batch_slot() {
    let timeout = Duration::from_millis(100);
    let config = BatchConfig::default().max_batch_size(1).max_in_flight(1).timeout(timeout);
    let s = setup(Recorder { delay: Duration::from_millis(90), ..Recorder::default() }, config);
    let callers = (0..30).map(|key| {
        let batcher = s.batcher.clone();
        async move {
            let started = tokio::time::Instant::now();
            let result = batcher.get(key, || None).await;
            (result, started.elapsed())
        }
    });
    let results = join_all(callers).await;
    let slowest = results.iter().map(|(_, waited)| *waited).max().unwrap();
    assert!(slowest <= timeout, "the slowest caller waited {slowest:?}");
    assert_eq!(results[0].0.as_ref().unwrap().as_deref(), Some("v0"));
    let timed_out = results.iter().filter(|(r, _)| r.as_ref().is_err_and(CacheError::is_timeout));
    assert_eq!(timed_out.count(), 29, "the others could not get a slot in time");
    assert_eq!(s.flights.in_flight(), 0);
    // The second batch got the slot at 90 ms and timed out 10 ms into its
    // load; the other 28 timed out waiting and were never sent.
    assert_eq!(s.loader.batches.lock().len(), 2);
}

#[test]
fn a_batch_window_not_shorter_than_the_load_timeout_is_refused() {
    let config = BatchConfig::default().window(Duration::from_millis(50));
    let err = config.timeout(Duration::from_millis(50)).validate().unwrap_err();
    assert_eq!(err.setting(), "batch_window");
    assert!(config.timeout(Duration::from_millis(51)).validate().is_ok());
}

// Item 9: a batch counts as one load, also when cancelled; warmup keys are
// distinct.

#[test]
fn a_batch_cancelled_at_runtime_shutdown_counts_as_one_cancelled_load() {
    let s = setup(Recorder { never: true, ..Recorder::default() }, BatchConfig::default());
    let runtime = current_thread(true);
    runtime.block_on(async {
        let batcher = s.batcher.clone();
        drop(tokio::spawn(async move { batcher.get_many(0..10, |_| None).await }));
        while s.loader.batches.lock().is_empty() {
            tokio::task::yield_now().await;
            tokio::time::advance(Duration::from_millis(1)).await;
        }
    });
    assert_eq!(s.loader.batches.lock()[0].len(), 10);
    drop(runtime);
    assert_eq!(*s.counts.loads.lock(), [LoadOutcome::Cancelled], "one batch, one load");
    assert_eq!(s.flights.in_flight(), 0);
}

#[tokio::test(start_paused = true)]
async fn batched_warmup_counts_a_repeated_key_once() {
    let s = setup(Recorder::default(), BatchConfig::default());
    let report = s.batcher.warmup([1, 1, 1, 2], |_| false).await;
    assert_eq!((report.loaded, report.skipped, report.not_found), (2, 0, 0));
    assert_eq!(s.counts.coalesced.load(Ordering::SeqCst), 0, "nobody joined anybody");
    assert_eq!(*s.loader.batches.lock(), [vec![1, 2]]);
}
