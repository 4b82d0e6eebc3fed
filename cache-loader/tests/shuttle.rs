//! Model checks with shuttle: the single-flight table and its drop guard,
//! and the batcher's queue and dispatch, under many interleavings of two or
//! three tasks (issue 15, item 10).
//!
//! Run with `cargo test -p cache-loader --features shuttle --test shuttle`
//! (`.ci/run` does). The feature swaps the primitives of `src/sync.rs` for
//! shuttle's; the batch window's timer becomes a yield, so a window may
//! close at any point of another task.
#![cfg(feature = "shuttle")]

use std::collections::HashMap;
use std::sync::Arc;

use cache_core::error::CacheError;
use cache_core::{BatchLoader, BoxError, async_trait};
use cache_loader::{BatchConfig, Batcher, Commit, Joined, SingleFlight};
use shuttle::future::block_on;
use shuttle::sync::Mutex;
use shuttle::thread;

/// Interleavings tried per check (random and PCT schedules each).
const ITERATIONS: usize = 2_000;

/// Runs `model` under a random scheduler and under PCT (which finds bugs
/// of small depth with a known probability).
fn check(model: impl Fn() + Send + Sync + 'static) {
    let model = Arc::new(model);
    let again = Arc::clone(&model);
    shuttle::check_random(move || model(), ITERATIONS);
    shuttle::check_pct(move || again(), ITERATIONS, 3);
}

type Store = Arc<Mutex<HashMap<u32, &'static str>>>;

fn commit_into(store: &Store) -> impl FnOnce(&u32, &&'static str) + use<> {
    let store = Arc::clone(store);
    move |key, value| {
        store.lock().unwrap().insert(*key, *value);
    }
}

#[test]
fn a_write_during_a_load_always_wins() {
    check(|| {
        let flights = SingleFlight::<u32, &'static str>::new();
        let store: Store = Arc::default();
        let loading = {
            let (flights, store) = (flights.clone(), Arc::clone(&store));
            thread::spawn(move || {
                block_on(flights.get_or_load_inline(
                    1,
                    || store.lock().unwrap().get(&1).copied(),
                    || async { Ok::<_, BoxError>("loaded") },
                    None,
                    commit_into(&store),
                ))
            })
        };
        let writing = {
            let (flights, store) = (flights.clone(), Arc::clone(&store));
            thread::spawn(move || {
                flights.invalidate(&1, || store.lock().unwrap().insert(1, "written"));
            })
        };
        let got = loading.join().unwrap().unwrap();
        assert!(["loaded", "written"].contains(&got), "its load, or the write it found: {got}");
        writing.join().unwrap();
        // A load that began before the write never stores over it.
        assert_eq!(store.lock().unwrap().get(&1), Some(&"written"), "the write wins");
        assert_eq!(flights.in_flight(), 0);
    });
}

#[test]
fn a_cancelled_leader_never_strands_a_waiter() {
    check(|| {
        let flights = SingleFlight::<u32, &'static str>::new();
        let store: Store = Arc::default();
        let Joined::Leading(leader) = flights.join(&1, || None) else { panic!("first") };
        let cancelling = thread::spawn(move || drop(leader));
        let waiting = {
            let (flights, store) = (flights.clone(), Arc::clone(&store));
            thread::spawn(move || {
                block_on(flights.get_or_load_inline(
                    1,
                    || None,
                    || async { Ok::<_, BoxError>("taken over") },
                    None,
                    commit_into(&store),
                ))
            })
        };
        cancelling.join().unwrap();
        // Joined before the drop: takes the load over; after: leads its own.
        assert_eq!(waiting.join().unwrap().unwrap(), "taken over");
        assert_eq!(store.lock().unwrap().get(&1), Some(&"taken over"));
        assert_eq!(flights.in_flight(), 0, "the drop guard left no entry");
    });
}

#[test]
fn a_panicking_loader_fails_every_caller_and_leaves_nothing() {
    check(|| {
        let flights = SingleFlight::<u32, &'static str>::new();
        let callers: Vec<_> = (0..2)
            .map(|_| {
                let flights = flights.clone();
                thread::spawn(move || {
                    block_on(flights.get_or_load_inline(
                        1,
                        || None,
                        || async { panic!("loader exploded") as Result<&'static str, BoxError> },
                        None,
                        |_: &u32, _: &&'static str| unreachable!("nothing to store"),
                    ))
                })
            })
            .collect();
        for caller in callers {
            let result: Result<&str, CacheError> = caller.join().unwrap();
            assert!(result.unwrap_err().is_panic());
        }
        assert_eq!(flights.in_flight(), 0);
    });
}

/// Records every batch; answers `"v"` for every key.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<Vec<u32>>>);

#[async_trait]
impl BatchLoader<u32, &'static str> for Recorder {
    async fn load_batch(&self, keys: &[u32]) -> Result<HashMap<u32, &'static str>, BoxError> {
        self.0.lock().unwrap().push(keys.to_vec());
        shuttle::future::yield_now().await; // the load takes a while
        Ok(keys.iter().map(|k| (*k, "v")).collect())
    }
}

#[test]
fn a_write_during_the_batch_window_keeps_the_keys_of_a_batch_distinct() {
    check(|| {
        let flights = SingleFlight::<u32, &'static str>::new();
        let store: Store = Arc::default();
        let loader = Arc::new(Recorder::default());
        let sink = Arc::clone(&store);
        let commit: Commit<u32, &'static str> = Arc::new(move |key, value| {
            sink.lock().unwrap().insert(*key, *value);
        });
        let batcher =
            Batcher::new(flights.clone(), Arc::clone(&loader) as _, BatchConfig::default(), commit)
                .unwrap();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let batcher = batcher.clone();
                thread::spawn(move || block_on(batcher.get(1, || None)))
            })
            .collect();
        let writer = {
            let (flights, store) = (flights.clone(), Arc::clone(&store));
            thread::spawn(move || {
                flights.invalidate(&1, || store.lock().unwrap().remove(&1));
            })
        };
        for reader in readers {
            assert_eq!(reader.join().unwrap().unwrap(), Some("v"), "every caller gets the value");
        }
        writer.join().unwrap();
        for batch in loader.0.lock().unwrap().iter() {
            assert_eq!(batch, &[1], "a batch holds a key once");
        }
        assert_eq!(flights.in_flight(), 0, "no key is left loading");
    });
}

#[test]
fn a_panic_while_storing_reaches_every_waiter() {
    check(|| {
        let flights = SingleFlight::<u32, &'static str>::new();
        let callers: Vec<_> = (0..2)
            .map(|_| {
                let flights = flights.clone();
                thread::spawn(move || {
                    block_on(flights.get_or_load_inline(
                        1,
                        || None,
                        || async { Ok::<_, BoxError>("unweighable") },
                        None,
                        |_: &u32, _: &&'static str| panic!("weigher exploded"),
                    ))
                })
            })
            .collect();
        for caller in callers {
            let result = caller.join().unwrap();
            assert!(matches!(result, Err(CacheError::StorePanicked { .. })), "{result:?}");
        }
        assert_eq!(flights.in_flight(), 0);
    });
}
