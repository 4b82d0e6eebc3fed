//! Helpers shared by the store tests (`LruStore`, `MokaStore`, `TtlStore`):
//! a listener that records removals, a paused clock, random operations.
#![allow(dead_code)] // each test binary uses its own subset

use std::sync::Arc;
use std::time::Duration;

use cache_core::time::Instant;
use cache_core::{DynStore, RemovalCause, Store};
use parking_lot::Mutex;
use proptest::prelude::*;
use tokio::runtime::Runtime;

/// One reported removal.
pub(crate) type Event = (u8, u32, RemovalCause);

/// Records every removal a store reports.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorder {
    events: Arc<Mutex<Vec<Event>>>,
}

impl Recorder {
    /// A recorder listening to `store`.
    pub(crate) fn attach(store: &dyn DynStore<u8, u32>) -> Self {
        let recorder = Self::default();
        let events = Arc::clone(&recorder.events);
        store.add_eviction_listener(Arc::new(move |key, value, cause| {
            events.lock().push((*key, *value, cause));
        }));
        recorder
    }

    /// The removals reported since the last call, in order.
    pub(crate) fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock())
    }

    /// The removals reported since the last `take`, sorted (for comparing
    /// the removals of one operation whatever their order).
    pub(crate) fn take_sorted(&self) -> Vec<Event> {
        sorted(self.take())
    }

    /// How many removals with `cause` are recorded (and not yet taken).
    pub(crate) fn count(&self, cause: RemovalCause) -> usize {
        self.events.lock().iter().filter(|(_, _, c)| *c == cause).count()
    }

    /// How many removals are recorded (and not yet taken).
    pub(crate) fn len(&self) -> usize {
        self.events.lock().len()
    }
}

/// `events` in a canonical order.
pub(crate) fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by_key(|(key, value, cause)| (*key, *value, cause.as_str()));
    events
}

/// A current-thread runtime whose clock starts paused: time moves only with
/// [`advance`].
pub(crate) fn paused_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime builds")
}

/// Moves the paused clock of `rt` forward.
pub(crate) fn advance(rt: &Runtime, by: Duration) {
    rt.block_on(tokio::time::advance(by));
}

/// One operation of a model-based test.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Insert, expiring `ttl` seconds from now (`None`: no deadline given).
    Insert {
        key: u8,
        value: u32,
        ttl: Option<u64>,
    },
    Get(u8),
    Contains(u8),
    Remove(u8),
    Clear,
    /// Move the clock forward this many seconds.
    Advance(u64),
    RunPendingTasks,
}

/// Random operations on keys `0..keys`, TTLs up to `max_ttl` seconds.
pub(crate) fn op_strategy(keys: u8, max_ttl: u64) -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..keys, any::<u32>(), prop::option::of(1..=max_ttl))
            .prop_map(|(key, value, ttl)| Op::Insert { key, value, ttl }),
        4 => (0..keys).prop_map(Op::Get),
        1 => (0..keys).prop_map(Op::Contains),
        2 => (0..keys).prop_map(Op::Remove),
        1 => Just(Op::Clear),
        2 => (1..=max_ttl).prop_map(Op::Advance),
        1 => Just(Op::RunPendingTasks),
    ]
}

/// The deadline `ttl` seconds after `now`.
pub(crate) fn deadline(now: Instant, ttl: Option<u64>) -> Option<Instant> {
    ttl.map(|secs| now + Duration::from_secs(secs))
}

/// The weight the weighted tests give a value: 0 to 7.
pub(crate) fn weight_of(value: &u32) -> u32 {
    value % 8
}

/// A tiny deterministic random number generator (xorshift) for stress tests.
#[derive(Debug, Clone)]
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// A number below `bound`.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}
