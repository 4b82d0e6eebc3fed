//! Reference model and operation generators for the `PolicyStore` property
//! tests (kept apart from `tests/common`, which other test files use).

#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cache_core::time::Instant;
use cache_core::{DynStore, RemovalCause, Store};
use proptest::prelude::*;

/// One step of a test run.
#[derive(Debug, Clone)]
pub enum Op {
    Insert { key: u8, value: u32, ttl_ms: Option<u64> },
    Get(u8),
    Remove(u8),
    Clear,
    Advance(u64),
    RunPending,
}

/// Random operations over `keys` distinct keys, TTLs of 0..50 ms included.
pub fn ops(keys: u8, len: usize) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        6 => (0..keys, any::<u32>(), prop::option::weighted(0.3, 0u64..50))
            .prop_map(|(key, value, ttl_ms)| Op::Insert { key, value, ttl_ms }),
        6 => (0..keys).prop_map(Op::Get),
        2 => (0..keys).prop_map(Op::Remove),
        1 => Just(Op::Clear),
        2 => (1u64..30).prop_map(Op::Advance),
        1 => Just(Op::RunPending),
    ];
    prop::collection::vec(op, 1..len)
}

/// The weight the weighted tests give a value.
pub fn weight_of(value: u32) -> u32 {
    value % 4 + 1
}

/// A removal a store reported.
pub type Event = (u8, u32, RemovalCause);

/// Collects the removals a store reports.
pub fn record_removals(store: &dyn DynStore<u8, u32>) -> Arc<Mutex<Vec<Event>>> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    store.add_eviction_listener(Arc::new(move |k, v, cause| {
        sink.lock().unwrap().push((*k, *v, cause));
    }));
    events
}

/// Takes the events reported so far, sorted (order within one operation is
/// not part of the contract).
pub fn take_sorted(events: &Mutex<Vec<Event>>) -> Vec<Event> {
    let mut taken = std::mem::take(&mut *events.lock().unwrap());
    taken.sort_by_key(|(k, v, c)| (*k, *v, c.as_str()));
    taken
}

#[derive(Debug, Clone)]
struct Slot {
    key: u8,
    value: u32,
    deadline: Option<Instant>,
    weight: u32,
}

/// An exact LRU store with deadlines and weights: what a single-shard
/// `PolicyStore<Lru>` must do, removal reports included.
#[derive(Debug)]
pub struct LruModel {
    capacity: u64,
    weighted: bool,
    /// Least recently used first.
    slots: Vec<Slot>,
    events: Vec<Event>,
}

impl LruModel {
    pub fn new(capacity: u64, weighted: bool) -> Self {
        Self { capacity, weighted, slots: Vec::new(), events: Vec::new() }
    }

    fn weight(&self, value: u32) -> u32 {
        if self.weighted { weight_of(value) } else { 1 }
    }

    fn total(&self) -> u64 {
        self.slots.iter().map(|s| u64::from(s.weight)).sum()
    }

    fn position(&self, key: u8) -> Option<usize> {
        self.slots.iter().position(|s| s.key == key)
    }

    fn expired(slot: &Slot, now: Instant) -> bool {
        slot.deadline.is_some_and(|d| d <= now)
    }

    fn purge(&mut self, now: Instant) {
        let (gone, kept): (Vec<Slot>, Vec<Slot>) =
            self.slots.drain(..).partition(|s| Self::expired(s, now));
        self.slots = kept;
        self.events.extend(gone.into_iter().map(|s| (s.key, s.value, RemovalCause::Expired)));
    }

    pub fn insert(&mut self, key: u8, value: u32, deadline: Option<Instant>, now: Instant) {
        self.purge(now);
        let weight = self.weight(value);
        let old = self.position(key).map(|i| self.slots.remove(i));
        if let Some(old) = old {
            self.events.push((key, old.value, RemovalCause::Replaced));
        }
        if u64::from(weight) > self.capacity {
            self.events.push((key, value, RemovalCause::Size));
            return;
        }
        if deadline.is_some_and(|d| d <= now) {
            self.events.push((key, value, RemovalCause::Expired));
        } else {
            self.slots.push(Slot { key, value, deadline, weight });
        }
        while self.total() > self.capacity {
            let victim = self.slots.remove(0);
            self.events.push((victim.key, victim.value, RemovalCause::Size));
        }
    }

    pub fn get(&mut self, key: u8, now: Instant) -> Option<u32> {
        let i = self.position(key)?;
        if Self::expired(&self.slots[i], now) {
            let slot = self.slots.remove(i);
            self.events.push((slot.key, slot.value, RemovalCause::Expired));
            return None;
        }
        let slot = self.slots.remove(i);
        let value = slot.value;
        self.slots.push(slot);
        Some(value)
    }

    pub fn remove(&mut self, key: u8, now: Instant) -> Option<u32> {
        self.purge(now);
        let slot = self.slots.remove(self.position(key)?);
        if Self::expired(&slot, now) {
            self.events.push((slot.key, slot.value, RemovalCause::Expired));
            None
        } else {
            self.events.push((slot.key, slot.value, RemovalCause::Explicit));
            Some(slot.value)
        }
    }

    pub fn clear(&mut self, now: Instant) {
        self.purge(now);
        for slot in self.slots.drain(..) {
            let cause = if Self::expired(&slot, now) {
                RemovalCause::Expired
            } else {
                RemovalCause::Explicit
            };
            self.events.push((slot.key, slot.value, cause));
        }
    }

    pub fn run_pending(&mut self, now: Instant) {
        self.purge(now);
    }

    pub fn len(&self) -> u64 {
        self.slots.len() as u64
    }

    pub fn weighted_size(&self) -> u64 {
        self.total()
    }

    /// Keys from least to most recently used.
    pub fn order(&self) -> Vec<u8> {
        self.slots.iter().map(|s| s.key).collect()
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        let mut taken = std::mem::take(&mut self.events);
        taken.sort_by_key(|(k, v, c)| (*k, *v, c.as_str()));
        taken
    }
}

/// A paused tokio clock for the tests: entered, never sleeping for real.
pub struct PausedClock {
    rt: tokio::runtime::Runtime,
}

impl PausedClock {
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        Self { rt }
    }

    /// Runs `f` with this clock as the current one.
    pub fn run<R>(&self, f: impl FnOnce(&Self) -> R) -> R {
        let _guard = self.rt.enter();
        f(self)
    }

    pub fn advance(&self, ms: u64) {
        self.rt.block_on(tokio::time::advance(Duration::from_millis(ms)));
    }

    pub fn now(&self) -> Instant {
        cache_core::time::now()
    }
}
