//! Four threads hammer each store with mixed operations on a paused clock;
//! afterwards capacity holds and every insert is accounted for: reported as
//! removed (with any cause) or still held.

mod store_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_core::time::deadline_after;
use cache_core::{Capacity, DynStore, Store, weigher_fn};
use cache_policies::{LruStore, MokaStore, TtlStore};
use store_support::{Recorder, XorShift, advance, paused_runtime, weight_of};
use tokio::runtime::Runtime;

const THREADS: u64 = 4;
const ROUNDS: u64 = 3;
const OPS_PER_THREAD: u32 = 2_000;
const KEYS: u64 = 64;

/// Values carry their key, so a read can be checked against it.
fn value_for(key: u8, n: u32) -> u32 {
    u32::from(key) * 1_000_000 + n
}

fn within_capacity(store: &dyn DynStore<u8, u32>) -> bool {
    match store.capacity() {
        Capacity::Entries(limit) => store.len() <= limit,
        Capacity::Weight(limit) => store.weighted_size() <= limit,
        _ => true,
    }
}

/// Mixed operations from one thread.
fn worker(store: &dyn DynStore<u8, u32>, seed: u64, inserts: &AtomicUsize, exact: bool) {
    let mut rng = XorShift::new(seed);
    for n in 0..OPS_PER_THREAD {
        let key = u8::try_from(rng.below(KEYS)).expect("keys fit in u8");
        match rng.below(100) {
            0..=39 => {
                let ttl = rng.below(6);
                let deadline =
                    (ttl > 0).then(|| deadline_after(Duration::from_secs(ttl))).flatten();
                store.insert(key, value_for(key, n), deadline);
                inserts.fetch_add(1, Ordering::Relaxed);
            }
            40..=79 => {
                if let Some(value) = store.get(&key) {
                    assert_eq!(value / 1_000_000, u32::from(key), "a value of another key");
                }
            }
            80..=89 => {
                if let Some(value) = store.remove(&key) {
                    assert_eq!(value / 1_000_000, u32::from(key), "a value of another key");
                }
            }
            90..=97 => {
                let _ = store.contains_key(&key);
            }
            98 => store.run_pending_tasks(),
            _ => {
                if rng.below(10) == 0 {
                    store.clear();
                }
            }
        }
        if exact {
            assert!(within_capacity(store), "over capacity after an operation");
        }
    }
}

/// Runs the workers for a few rounds, advancing the clock between rounds so
/// that entries expire, then checks the invariants at rest. `exact` stores
/// also hold their capacity after every single operation.
fn hammer(store: &dyn DynStore<u8, u32>, rt: &Runtime, exact: bool) {
    let recorder = Recorder::attach(store);
    let inserts = AtomicUsize::new(0);
    for round in 0..ROUNDS {
        std::thread::scope(|scope| {
            for thread in 0..THREADS {
                let handle = rt.handle().clone();
                let inserts = &inserts;
                scope.spawn(move || {
                    let _clock = handle.enter();
                    worker(store, round * THREADS + thread + 1, inserts, exact);
                });
            }
        });
        advance(rt, Duration::from_secs(3));
    }
    advance(rt, Duration::from_secs(10));
    let _clock = rt.enter();
    store.run_pending_tasks();
    assert!(within_capacity(store), "over capacity at rest");
    let held = usize::try_from(store.len()).expect("len fits in usize");
    assert_eq!(inserts.load(Ordering::Relaxed), recorder.len() + held, "an insert unaccounted for");
}

#[test]
fn lru_store_survives_concurrent_use() {
    let rt = paused_runtime();
    hammer(&LruStore::new(32), &rt, true);
    let weighted = LruStore::with_weigher(64, weigher_fn(|_: &u8, v: &u32| weight_of(v)));
    hammer(&weighted, &rt, true);
}

#[test]
fn moka_store_survives_concurrent_use() {
    let rt = paused_runtime();
    hammer(&MokaStore::new(32), &rt, false);
    let weighted = MokaStore::with_weigher(64, weigher_fn(|_: &u8, v: &u32| weight_of(v)));
    hammer(&weighted, &rt, false);
}

#[test]
fn ttl_store_survives_concurrent_use() {
    let rt = paused_runtime();
    hammer(&TtlStore::with_capacity(32), &rt, true);
    let weighted = TtlStore::with_weigher(64, weigher_fn(|_: &u8, v: &u32| weight_of(v)));
    hammer(&weighted, &rt, true);
}
