//! `TtlStore` against a reference model: every result and every reported
//! removal must match, operation by operation (removals compared as a set per
//! operation: `clear` reports in hash order).

mod store_support;

use std::time::Duration;

use cache_core::time::{Instant, is_expired, now};
use cache_core::{RemovalCause, Store, weigher_fn};
use cache_policies::TtlStore;
use proptest::prelude::*;
use store_support::{
    Event, Op, Recorder, advance, deadline, op_strategy, paused_runtime, sorted, weight_of,
};

#[derive(Debug, Clone)]
struct Entry {
    key: u8,
    value: u32,
    deadline: Option<Instant>,
    weight: u32,
    seq: u64,
}

impl Entry {
    /// Eviction and expiry order: earliest deadline, no deadline last, then
    /// insertion order.
    fn order(&self) -> (bool, Option<Instant>, u64) {
        (self.deadline.is_none(), self.deadline, self.seq)
    }
}

/// The reference: entries in a plain list, scanned on every operation.
#[derive(Debug)]
struct TtlModel {
    entries: Vec<Entry>,
    limit: Option<u64>,
    weighed: bool,
    default_ttl: Option<Duration>,
    next_seq: u64,
    events: Vec<Event>,
}

impl TtlModel {
    fn new(limit: Option<u64>, weighed: bool, default_ttl: Option<Duration>) -> Self {
        Self { entries: Vec::new(), limit, weighed, default_ttl, next_seq: 0, events: Vec::new() }
    }

    fn weight(&self) -> u64 {
        self.entries.iter().map(|e| u64::from(e.weight)).sum()
    }

    fn position(&self, key: u8) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    fn leave(&mut self, index: usize, cause: RemovalCause) -> Entry {
        let entry = self.entries.remove(index);
        self.events.push((entry.key, entry.value, cause));
        entry
    }

    fn purge(&mut self, now: Instant) {
        while let Some(index) = self.entries.iter().position(|e| is_expired(e.deadline, now)) {
            self.leave(index, RemovalCause::Expired);
        }
    }

    /// A read that finds its entry expired removes that entry only.
    fn get(&mut self, key: u8, now: Instant) -> Option<u32> {
        let index = self.position(key)?;
        if !is_expired(self.entries[index].deadline, now) {
            return Some(self.entries[index].value);
        }
        self.leave(index, RemovalCause::Expired);
        None
    }

    fn contains(&self, key: u8, now: Instant) -> bool {
        self.position(key).is_some_and(|i| !is_expired(self.entries[i].deadline, now))
    }

    fn insert(&mut self, key: u8, value: u32, expires_at: Option<Instant>, now: Instant) {
        self.purge(now);
        let deadline = expires_at.or_else(|| self.default_ttl.map(|ttl| now + ttl));
        let weight = if self.weighed { weight_of(&value) } else { 1 };
        if let Some(index) = self.position(key) {
            self.leave(index, RemovalCause::Replaced);
        }
        if is_expired(deadline, now) {
            self.events.push((key, value, RemovalCause::Expired));
            return;
        }
        if !self.limit.is_none_or(|limit| limit > 0 && u64::from(weight) <= limit) {
            self.events.push((key, value, RemovalCause::Size));
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.push(Entry { key, value, deadline, weight, seq });
        while self.limit.is_some_and(|limit| self.weight() > limit) {
            let victim = (0..self.entries.len())
                .filter(|&i| self.entries[i].seq != seq)
                .min_by_key(|&i| self.entries[i].order())
                .expect("the newcomer fits alone");
            self.leave(victim, RemovalCause::Size);
        }
    }

    fn remove(&mut self, key: u8, now: Instant) -> Option<u32> {
        self.purge(now);
        let index = self.position(key)?;
        Some(self.leave(index, RemovalCause::Explicit).value)
    }

    fn clear(&mut self, now: Instant) {
        self.purge(now);
        while !self.entries.is_empty() {
            self.leave(0, RemovalCause::Explicit);
        }
    }
}

fn check(
    store: &TtlStore<u8, u32>,
    mut model: TtlModel,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let rt = paused_runtime();
    let _clock = rt.enter();
    let recorder = Recorder::attach(store);
    for op in ops {
        let now = now();
        match op {
            Op::Insert { key, value, ttl } => {
                store.insert(key, value, deadline(now, ttl));
                model.insert(key, value, deadline(now, ttl), now);
            }
            Op::Get(key) => prop_assert_eq!(store.get(&key), model.get(key, now), "get {}", key),
            Op::Contains(key) => {
                prop_assert_eq!(store.contains_key(&key), model.contains(key, now));
            }
            Op::Remove(key) => prop_assert_eq!(store.remove(&key), model.remove(key, now)),
            Op::Clear => {
                store.clear();
                model.clear(now);
            }
            Op::Advance(secs) => {
                advance(&rt, Duration::from_secs(secs));
            }
            Op::RunPendingTasks => {
                store.run_pending_tasks();
                model.purge(now);
            }
        }
        prop_assert_eq!(recorder.take_sorted(), sorted(std::mem::take(&mut model.events)));
        // Without any read, len follows the model: purges happen on writes.
        prop_assert_eq!(store.len(), model.entries.len() as u64);
        prop_assert_eq!(store.weighted_size(), model.weight());
        if let Some(limit) = model.limit {
            prop_assert!(store.weighted_size() <= limit, "over capacity");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn bounded_store_matches_model(
        capacity in 0u64..6,
        ops in prop::collection::vec(op_strategy(8, 10), 1..80),
    ) {
        let store = TtlStore::with_capacity(capacity);
        check(&store, TtlModel::new(Some(capacity), false, None), ops)?;
    }

    #[test]
    fn unbounded_store_matches_model(ops in prop::collection::vec(op_strategy(16, 10), 1..80)) {
        check(&TtlStore::new(), TtlModel::new(None, false, None), ops)?;
    }

    #[test]
    fn weighted_store_matches_model(
        capacity in 0u64..12,
        ops in prop::collection::vec(op_strategy(8, 10), 1..80),
    ) {
        let store =
            TtlStore::with_weigher(capacity, weigher_fn(|_: &u8, v: &u32| weight_of(v)));
        check(&store, TtlModel::new(Some(capacity), true, None), ops)?;
    }
}
