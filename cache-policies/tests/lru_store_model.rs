//! `LruStore` against an exact LRU list: every result and every reported
//! removal must match the model, operation by operation.

mod store_support;

use cache_core::time::{Instant, is_expired, now};
use cache_core::{RemovalCause, Store, weigher_fn};
use cache_policies::LruStore;
use proptest::prelude::*;
use store_support::{Event, Op, Recorder, advance, deadline, op_strategy, paused_runtime, sorted};

/// An entry of the model.
#[derive(Debug, Clone)]
struct Entry {
    key: u8,
    value: u32,
    deadline: Option<Instant>,
    weight: u32,
}

/// The reference: a list from least to most recently used.
#[derive(Debug)]
struct LruModel {
    entries: Vec<Entry>,
    limit: Option<u64>,
    weighed: bool,
    events: Vec<Event>,
}

impl LruModel {
    fn new(limit: Option<u64>, weighed: bool) -> Self {
        Self { entries: Vec::new(), limit, weighed, events: Vec::new() }
    }

    fn weight(&self) -> u64 {
        self.entries.iter().map(|e| u64::from(e.weight)).sum()
    }

    fn position(&self, key: u8) -> Option<usize> {
        self.entries.iter().position(|e| e.key == key)
    }

    fn leave(&mut self, index: usize, cause: RemovalCause, now: Instant) -> Entry {
        let entry = self.entries.remove(index);
        let cause = if is_expired(entry.deadline, now) { RemovalCause::Expired } else { cause };
        self.events.push((entry.key, entry.value, cause));
        entry
    }

    fn get(&mut self, key: u8, now: Instant) -> Option<u32> {
        let index = self.position(key)?;
        if is_expired(self.entries[index].deadline, now) {
            self.leave(index, RemovalCause::Expired, now);
            return None;
        }
        let entry = self.entries.remove(index);
        let value = entry.value;
        self.entries.push(entry);
        Some(value)
    }

    fn contains(&self, key: u8, now: Instant) -> bool {
        self.position(key).is_some_and(|i| !is_expired(self.entries[i].deadline, now))
    }

    /// Every write first reclaims what expired (the engine's rule).
    fn insert(&mut self, key: u8, value: u32, deadline: Option<Instant>, now: Instant) {
        self.purge(now);
        let weight = if self.weighed { store_support::weight_of(&value) } else { 1 };
        if let Some(index) = self.position(key) {
            self.leave(index, RemovalCause::Replaced, now);
        }
        let fits = self.limit.is_none_or(|limit| limit > 0 && u64::from(weight) <= limit);
        if is_expired(deadline, now) || !fits {
            let cause =
                if is_expired(deadline, now) { RemovalCause::Expired } else { RemovalCause::Size };
            self.events.push((key, value, cause));
            return;
        }
        self.entries.push(Entry { key, value, deadline, weight });
        while self.limit.is_some_and(|limit| self.weight() > limit) {
            self.leave(0, RemovalCause::Size, now);
        }
    }

    fn remove(&mut self, key: u8, now: Instant) -> Option<u32> {
        self.purge(now);
        let index = self.position(key)?;
        let live = !is_expired(self.entries[index].deadline, now);
        let entry = self.leave(index, RemovalCause::Explicit, now);
        live.then_some(entry.value)
    }

    fn clear(&mut self, now: Instant) {
        self.purge(now);
        while !self.entries.is_empty() {
            self.leave(0, RemovalCause::Explicit, now);
        }
    }

    fn purge(&mut self, now: Instant) {
        let mut index = 0;
        while index < self.entries.len() {
            if is_expired(self.entries[index].deadline, now) {
                self.leave(index, RemovalCause::Expired, now);
            } else {
                index += 1;
            }
        }
    }
}

/// Runs `ops` on `store` and on the model, comparing after each one.
fn check(
    store: &LruStore<u8, u32>,
    mut model: LruModel,
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
                advance(&rt, std::time::Duration::from_secs(secs));
            }
            Op::RunPendingTasks => {
                store.run_pending_tasks();
                model.purge(now);
                prop_assert_eq!(store.len(), model.entries.len() as u64);
            }
        }
        // Same removals, same causes (victims follow the exact LRU order;
        // the removals of one operation may come in any order).
        prop_assert_eq!(recorder.take_sorted(), sorted(std::mem::take(&mut model.events)));
        prop_assert_eq!(store.weighted_size(), model.weight());
        if let Some(limit) = model.limit {
            prop_assert!(store.weighted_size() <= limit, "over capacity");
        }
    }
    store.run_pending_tasks();
    model.purge(now());
    prop_assert_eq!(recorder.take_sorted(), sorted(model.events));
    prop_assert_eq!(store.len(), model.entries.len() as u64);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn entry_capacity_matches_exact_lru(
        capacity in 0u64..6,
        ops in prop::collection::vec(op_strategy(8, 10), 1..80),
    ) {
        check(&LruStore::new(capacity), LruModel::new(Some(capacity), false), ops)?;
    }

    #[test]
    fn unbounded_matches_exact_lru(ops in prop::collection::vec(op_strategy(16, 10), 1..80)) {
        check(&LruStore::unbounded(), LruModel::new(None, false), ops)?;
    }

    #[test]
    fn weight_capacity_matches_exact_lru(
        capacity in 0u64..12,
        ops in prop::collection::vec(op_strategy(8, 10), 1..80),
    ) {
        let store = LruStore::with_weigher(capacity, weigher_fn(|_: &u8, v: &u32| store_support::weight_of(v)));
        check(&store, LruModel::new(Some(capacity), true), ops)?;
    }
}
