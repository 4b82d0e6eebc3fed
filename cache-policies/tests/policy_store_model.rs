//! Model-based property tests of `PolicyStore`.

mod policy_model;

use std::collections::HashMap;

use cache_core::time::{Instant, deadline_after};
use cache_core::{Capacity, DynStore, Store, weigher_fn};
use cache_policies::{Fifo, Lfu, Lru, PolicyStore, Sieve, WTinyLfu};
use policy_model::{LruModel, Op, PausedClock, ops, record_removals, take_sorted, weight_of};
use proptest::prelude::*;
use std::time::Duration;

fn deadline(ttl_ms: Option<u64>) -> Option<Instant> {
    ttl_ms.and_then(|ms| deadline_after(Duration::from_millis(ms)))
}

/// Replays `ops` on a `PolicyStore<Lru>` of four shards and an exact LRU
/// model, comparing every answer, every removal report and the recency
/// order: one policy sees the whole store, whatever the shard count.
fn check_exact_lru(capacity: u64, weighted: bool, ops: &[Op]) -> Result<(), TestCaseError> {
    let clock = PausedClock::new();
    clock.run(|clock| {
        let mut builder = PolicyStore::builder(capacity).policy(|_| Lru::new()).shards(4);
        if weighted {
            builder = builder.weigher(weigher_fn(|_: &u8, v: &u32| weight_of(*v)));
        }
        let store = builder.build();
        prop_assert_eq!(store.shard_count(), 4);
        let events = record_removals(&store);
        let mut model = LruModel::new(capacity, weighted);
        for op in ops {
            let now = clock.now();
            match *op {
                Op::Insert { key, value, ttl_ms } => {
                    let d = deadline(ttl_ms);
                    store.insert(key, value, d);
                    model.insert(key, value, d, now);
                }
                Op::Get(key) => {
                    prop_assert_eq!(store.get(&key), model.get(key, now), "get {}", key);
                }
                Op::Remove(key) => {
                    prop_assert_eq!(store.remove(&key), model.remove(key, now), "remove {}", key);
                }
                Op::Clear => {
                    store.clear();
                    model.clear(now);
                }
                Op::Advance(ms) => clock.advance(ms),
                Op::RunPending => {
                    store.run_pending_tasks();
                    model.run_pending(now);
                    prop_assert_eq!(store.len(), model.len());
                }
            }
            prop_assert_eq!(take_sorted(&events), model.take_events(), "reports after {:?}", op);
            prop_assert!(store.weighted_size() <= capacity);
            prop_assert_eq!(store.weighted_size(), model.weighted_size());
            prop_assert_eq!(store.len(), model.len());
        }
        // The recency order: filling the store with fresh keys must evict the
        // model's keys from least to most recently used.
        if !weighted {
            store.run_pending_tasks();
            model.run_pending(clock.now());
            take_sorted(&events);
            let order = model.order();
            for key in (100..).take(usize::try_from(capacity).unwrap()) {
                store.insert(key, 0, None);
            }
            let evicted: Vec<u8> = events.lock().unwrap().iter().map(|e| e.0).collect();
            prop_assert_eq!(evicted, order);
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn lru_store_is_an_exact_lru(capacity in 1u64..6, ops in ops(8, 120)) {
        check_exact_lru(capacity, false, &ops)?;
    }

    #[test]
    fn weighted_lru_store_is_an_exact_weighted_lru(capacity in 0u64..12, ops in ops(8, 120)) {
        check_exact_lru(capacity, true, &ops)?;
    }
}

/// Which policy a run uses.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Lru,
    Fifo,
    Lfu,
    Sieve,
    TinyLfu,
}

fn store_of(
    kind: Kind,
    capacity: u64,
    shards: usize,
    weighted: bool,
) -> Box<dyn DynStore<u8, u32>> {
    fn build<P: cache_core::EvictionPolicy<u8>>(
        capacity: u64,
        shards: usize,
        weighted: bool,
        factory: impl Fn(u64) -> P,
    ) -> Box<dyn DynStore<u8, u32>> {
        let mut builder = PolicyStore::builder(capacity).policy(factory).shards(shards);
        if weighted {
            builder = builder.weigher(weigher_fn(|_: &u8, v: &u32| weight_of(*v)));
        }
        Box::new(builder.build())
    }
    match kind {
        Kind::Lru => build(capacity, shards, weighted, |_| Lru::new()),
        Kind::Fifo => build(capacity, shards, weighted, |_| Fifo::new()),
        Kind::Lfu => build(capacity, shards, weighted, |_| Lfu::new()),
        Kind::Sieve => build(capacity, shards, weighted, |_| Sieve::new()),
        Kind::TinyLfu => build(capacity, shards, weighted, WTinyLfu::new),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any policy, sharded or not: a get returns the latest live value or
    /// nothing, never a removed, replaced or expired one; the bound holds
    /// after every operation; every insert is accounted for.
    #[test]
    fn every_policy_keeps_the_store_contract(
        kind in prop_oneof![
            Just(Kind::Lru), Just(Kind::Fifo), Just(Kind::Lfu), Just(Kind::Sieve), Just(Kind::TinyLfu)
        ],
        capacity in 0u64..16,
        shards in prop_oneof![Just(1usize), Just(2), Just(4)],
        weighted in any::<bool>(),
        ops in ops(12, 150),
    ) {
        let clock = PausedClock::new();
        clock.run(|clock| {
            let store = store_of(kind, capacity, shards, weighted);
            let expected_capacity =
                if weighted { Capacity::Weight(capacity) } else { Capacity::Entries(capacity) };
            prop_assert_eq!(store.capacity(), expected_capacity);
            let events = record_removals(&*store);
            // What a get may still return: the latest value and its deadline.
            let mut latest: HashMap<u8, (u32, Option<Instant>)> = HashMap::new();
            let mut inserts = 0u64;
            let mut reported = 0u64;
            for op in &ops {
                match *op {
                    Op::Insert { key, value, ttl_ms } => {
                        inserts += 1;
                        let d = deadline(ttl_ms);
                        store.insert(key, value, d);
                        latest.insert(key, (value, d));
                    }
                    Op::Get(key) | Op::Remove(key) => {
                        let live = latest
                            .get(&key)
                            .filter(|(_, d)| d.is_none_or(|d| d > clock.now()))
                            .map(|(v, _)| *v);
                        let got = if matches!(op, Op::Get(_)) {
                            store.get(&key)
                        } else {
                            latest.remove(&key);
                            store.remove(&key)
                        };
                        prop_assert!(got.is_none() || got == live, "{:?}: {:?} vs {:?}", op, got, live);
                    }
                    Op::Clear => {
                        store.clear();
                        latest.clear();
                        prop_assert_eq!(store.len(), 0);
                    }
                    Op::Advance(ms) => clock.advance(ms),
                    Op::RunPending => store.run_pending_tasks(),
                }
                reported += take_sorted(&events).len() as u64;
                prop_assert!(store.weighted_size() <= capacity, "over capacity after {:?}", op);
                prop_assert!(store.len() <= capacity);
                prop_assert_eq!(inserts, reported + store.len(), "every value is accounted for");
            }
            store.run_pending_tasks();
            reported += take_sorted(&events).len() as u64;
            prop_assert_eq!(inserts, reported + store.len());
            Ok(())
        })?;
    }
}
