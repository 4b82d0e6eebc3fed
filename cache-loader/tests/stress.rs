//! Randomized stress: loaders succeed, fail, panic or have their callers
//! cancelled at random, on a multi-threaded runtime. Afterwards no caller hung,
//! loads of one key never overlapped, and the in-flight table is empty.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_core::error::CacheError;
use cache_loader::SingleFlight;

const KEYS: usize = 16;
const TASKS: u64 = 200;
const OPS_PER_TASK: u64 = 40;

/// A small deterministic generator (xorshift), so failures replay.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(Debug)]
struct Flaky;
impl std::fmt::Display for Flaky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("flaky")
    }
}
impl std::error::Error for Flaky {}

#[test]
fn random_failures_panics_and_cancellations_leave_nothing_behind() {
    std::panic::set_hook(Box::new(|info| {
        if !info.to_string().contains("random loader panic") {
            eprintln!("{info}");
        }
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let flights = SingleFlight::<usize, u64>::new();
    let active: Arc<Vec<AtomicUsize>> = Arc::new((0..KEYS).map(|_| AtomicUsize::new(0)).collect());
    let overlaps = Arc::new(AtomicUsize::new(0));
    let loads = Arc::new(AtomicUsize::new(0));

    let outcome = runtime.block_on(async {
        let tasks = (0..TASKS).map(|seed| {
            let flights = flights.clone();
            let active = Arc::clone(&active);
            let overlaps = Arc::clone(&overlaps);
            let loads = Arc::clone(&loads);
            tokio::spawn(async move {
                let mut rng = Rng(seed * 7919 + 1);
                for _ in 0..OPS_PER_TASK {
                    let key = (rng.next() as usize) % KEYS;
                    let behaviour = rng.next() % 4;
                    let yields = rng.next() % 5;
                    let (active, overlaps, loads) =
                        (Arc::clone(&active), Arc::clone(&overlaps), Arc::clone(&loads));
                    let call = owned_load(flights.clone(), key, move || async move {
                        loads.fetch_add(1, Ordering::SeqCst);
                        if active[key].fetch_add(1, Ordering::SeqCst) != 0 {
                            overlaps.fetch_add(1, Ordering::SeqCst);
                        }
                        for _ in 0..yields {
                            tokio::task::yield_now().await;
                        }
                        active[key].fetch_sub(1, Ordering::SeqCst);
                        match behaviour {
                            0 => Err(Flaky),
                            1 => panic!("random loader panic"),
                            _ => Ok(key as u64),
                        }
                    });
                    if rng.next() % 4 == 0 {
                        // The caller gives up: spawn it and abort it at once.
                        let handle = tokio::spawn(call);
                        tokio::task::yield_now().await;
                        handle.abort();
                        let _ = handle.await;
                    } else {
                        match call.await {
                            Ok(value) => assert_eq!(value, key as u64),
                            Err(CacheError::Load(_) | CacheError::LoaderPanicked { .. }) => {}
                            Err(other) => panic!("unexpected error {other:?}"),
                        }
                    }
                }
            })
        });
        let all = futures_util::future::join_all(tasks);
        tokio::time::timeout(Duration::from_secs(120), all).await
    });
    let results = outcome.expect("no caller may hang");
    assert!(results.iter().all(Result::is_ok), "no task failed");
    // Loads run in their own tasks: let any whose callers all left finish.
    runtime.block_on(async {
        while flights.in_flight() != 0 {
            tokio::task::yield_now().await;
        }
    });
    assert_eq!(overlaps.load(Ordering::SeqCst), 0, "loads of one key never overlap");
    assert!(loads.load(Ordering::SeqCst) > 0);
    assert_eq!(flights.in_flight(), 0);
}

/// Loads through a table owned by the future, so the call can be spawned.
async fn owned_load<F, Fut>(
    flights: SingleFlight<usize, u64>,
    key: usize,
    loader: F,
) -> Result<u64, CacheError>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<u64, Flaky>> + Send + 'static,
{
    flights.get_or_load(key, || None, loader, None, |_, _| {}).await
}
