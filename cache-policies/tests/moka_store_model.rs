//! `MokaStore` against a model of what may be returned. Admission makes the
//! content unpredictable, so the checks are: a read returns nothing or the
//! latest value inserted for the key (never a removed, cleared or expired
//! one), capacity holds at rest, and every insert is accounted for (reported
//! as removed, or still held).

mod store_support;

use std::collections::HashMap;
use std::time::Duration;

use cache_core::time::{Instant, is_expired, now};
use cache_core::{Capacity, Store, weigher_fn};
use cache_policies::MokaStore;
use proptest::prelude::*;
use store_support::{Op, Recorder, advance, deadline, op_strategy, paused_runtime, weight_of};

/// The latest value inserted per key, with its deadline, until removed.
#[derive(Debug, Default)]
struct Latest(HashMap<u8, (u32, Option<Instant>)>);

impl Latest {
    /// Whether `seen` is an acceptable read of `key` at `now`.
    fn allows(&self, key: u8, seen: Option<u32>, now: Instant) -> bool {
        match (seen, self.0.get(&key)) {
            (None, _) => true,
            (Some(value), Some((latest, deadline))) => {
                value == *latest && !is_expired(*deadline, now)
            }
            (Some(_), None) => false,
        }
    }
}

fn check(store: &MokaStore<u8, u32>, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let rt = paused_runtime();
    let _clock = rt.enter();
    let recorder = Recorder::attach(store);
    let mut latest = Latest::default();
    let mut inserts = 0usize;
    let at_rest = |store: &MokaStore<u8, u32>| -> Result<(), TestCaseError> {
        store.run_pending_tasks();
        match store.capacity() {
            Capacity::Entries(limit) => prop_assert!(store.len() <= limit),
            Capacity::Weight(limit) => prop_assert!(store.weighted_size() <= limit),
            _ => {}
        }
        Ok(())
    };
    for op in ops {
        let now = now();
        match op {
            Op::Insert { key, value, ttl } => {
                store.insert(key, value, deadline(now, ttl));
                latest.0.insert(key, (value, deadline(now, ttl)));
                inserts += 1;
            }
            Op::Get(key) => {
                let seen = store.get(&key);
                prop_assert!(latest.allows(key, seen, now), "get {} returned {:?}", key, seen);
            }
            Op::Contains(key) => {
                if store.contains_key(&key) {
                    let (_, deadline) = latest.0.get(&key).expect("only inserted keys are present");
                    prop_assert!(!is_expired(*deadline, now));
                }
            }
            Op::Remove(key) => {
                let seen = store.remove(&key);
                prop_assert!(latest.allows(key, seen, now), "remove {} returned {:?}", key, seen);
                latest.0.remove(&key);
            }
            Op::Clear => {
                store.clear();
                latest.0.clear();
            }
            Op::Advance(secs) => advance(&rt, Duration::from_secs(secs)),
            Op::RunPendingTasks => at_rest(store)?,
        }
    }
    at_rest(store)?;
    // Every insert was reported as removed, or is still held.
    prop_assert_eq!(inserts, recorder.len() + store.len() as usize);
    // Nothing past its deadline is still held once pending tasks ran.
    let now = now();
    let held_expired = latest.0.values().filter(|(_, d)| is_expired(*d, now)).count();
    let live_max = latest.0.len() - held_expired;
    prop_assert!(store.len() as usize <= live_max, "expired entries still counted");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn bounded_store_never_returns_stale_values(
        capacity in 0u64..6,
        ops in prop::collection::vec(op_strategy(8, 10), 1..60),
    ) {
        check(&MokaStore::new(capacity), ops)?;
    }

    #[test]
    fn unbounded_store_never_returns_stale_values(
        ops in prop::collection::vec(op_strategy(16, 10), 1..60),
    ) {
        check(&MokaStore::unbounded(), ops)?;
    }

    #[test]
    fn weighted_store_never_returns_stale_values(
        capacity in 0u64..12,
        ops in prop::collection::vec(op_strategy(8, 10), 1..60),
    ) {
        let store = MokaStore::with_weigher(capacity, weigher_fn(|_: &u8, v: &u32| weight_of(v)));
        check(&store, ops)?;
    }
}
