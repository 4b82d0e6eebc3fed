//! The process-wide flusher: one std thread, started with the first cache,
//! that publishes every live cache's exact counts to the recorder every
//! [`FLUSH_INTERVAL`], and moves caches built before a global recorder was
//! installed onto it.
//!
//! It needs no async runtime (it works under any, or none, and outlives
//! runtimes that come and go) and holds only [`Weak`] references: a dropped
//! cache leaves the list at the next tick. The hit path never touches it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use crate::counters::Shared;

/// What the flusher publishes: a cache's counters, or its remote tier's.
pub(crate) trait Flush: Send + Sync {
    /// Moves the handles to a global recorder installed since, then
    /// publishes every counter's exact lifetime total.
    fn flush(&self);
}

/// How often the flusher publishes every live cache's counters: the
/// recorder's totals are never more than this (plus the time one pass
/// takes) behind the exact counts.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);

/// Every cache registered so far (dead ones are dropped at each pass), and
/// the names already warned about.
struct Registry {
    caches: Vec<Weak<Shared>>,
    /// Other counters (remote tiers'), which share their cache's name.
    others: Vec<Weak<dyn Flush>>,
    warned: HashSet<String>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        Mutex::new(Registry { caches: Vec::new(), others: Vec::new(), warned: HashSet::new() })
    })
}

/// Adds a cache to the flusher's list, starting the flusher on first use.
/// Warns once per name (through `tracing`) when a live cache already has
/// this name: their series would be merged.
pub(crate) fn register(shared: &Arc<Shared>) {
    let mut registry = registry().lock().unwrap_or_else(PoisonError::into_inner);
    registry.caches.retain(|cache| cache.strong_count() > 0);
    let name = shared.name();
    let taken = registry.caches.iter().filter_map(Weak::upgrade).any(|c| c.name() == name);
    if taken && registry.warned.insert(name.to_owned()) {
        tracing::warn!(
            cache = name,
            "two live caches are named {name:?}: their exported metric series are merged; \
             give each cache its own name"
        );
    }
    registry.caches.push(Arc::downgrade(shared));
    drop(registry);
    start();
}

/// Adds counters other than a cache's own (a remote tier's) to the
/// flusher's list, starting the flusher on first use.
pub(crate) fn register_other(other: Weak<dyn Flush>) {
    let mut registry = registry().lock().unwrap_or_else(PoisonError::into_inner);
    registry.others.retain(|other| other.strong_count() > 0);
    registry.others.push(other);
    drop(registry);
    start();
}

fn start() {
    static STARTED: OnceLock<bool> = OnceLock::new();
    STARTED.get_or_init(|| {
        std::thread::Builder::new().name("cache-metrics-flush".into()).spawn(run).is_ok()
    });
}

/// The flusher's loop: sleeping is its job, between passes.
fn run() {
    loop {
        std::thread::sleep(FLUSH_INTERVAL);
        flush_all();
    }
}

/// One pass: every live cache publishes its exact counts.
pub(crate) fn flush_all() {
    let (live, others): (Vec<Arc<Shared>>, Vec<Arc<dyn Flush>>) = {
        let mut registry = registry().lock().unwrap_or_else(PoisonError::into_inner);
        registry.caches.retain(|cache| cache.strong_count() > 0);
        registry.others.retain(|other| other.strong_count() > 0);
        (
            registry.caches.iter().filter_map(Weak::upgrade).collect(),
            registry.others.iter().filter_map(Weak::upgrade).collect(),
        )
    };
    for cache in live {
        cache.flush();
    }
    for other in others {
        other.flush();
    }
}
