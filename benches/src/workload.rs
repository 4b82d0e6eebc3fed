//! The caches under test and the timed workloads shared by the `compare`
//! binary and the criterion benches.
//!
//! Every cache maps `u64` to `u64`. Async caches (`AsyncCache`,
//! `moka::future::Cache`) are polled in place with a no-op waker: their
//! lookups complete without awaiting, so no runtime is involved and the
//! numbers compare the caches, not an executor.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use cache_core::Store;
use cache_facade::AsyncCache;
use cache_policies::{Lru, LruStore, MokaStore, PolicyStore, Sieve, TtlStore};

use crate::zipf::{SplitMix64, Zipf};

/// Distinct ids of the throughput workloads.
pub const ZIPF_IDS: u64 = 100_000;
/// Zipf exponent of the throughput workloads.
pub const ZIPF_S: f64 = 0.99;
/// Keys present in the hit-path workload.
pub const HIT_KEYS: u64 = 10_000;
/// Capacity of the hit-path workload.
pub const HIT_CAPACITY: u64 = 2 * HIT_KEYS;

/// The one thing every cache under test can do.
pub trait BenchCache: Send + Sync {
    /// Looks `key` up; whether it was found.
    fn get(&self, key: u64) -> bool;
    /// Inserts or replaces `key`.
    fn insert(&self, key: u64, value: u64);
}

/// Runs a future that is expected to complete at once; spins otherwise.
#[inline]
pub fn poll_now<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::hint::spin_loop();
    }
}

/// A raw store, called through `Store` directly (no `dyn`).
#[derive(Debug)]
pub struct Raw<S>(pub S);
impl<S: Store<u64, u64>> BenchCache for Raw<S> {
    #[inline]
    fn get(&self, key: u64) -> bool {
        black_box(self.0.get(&key)).is_some()
    }
    fn insert(&self, key: u64, value: u64) {
        self.0.insert(key, value, None);
    }
}

/// The facade: `AsyncCache::get` over the store `S` (monomorphized: the
/// store is called by its own type; hit/miss counting).
pub struct Facade<S>(pub AsyncCache<u64, u64, S>);
impl<S: Store<u64, u64>> std::fmt::Debug for Facade<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Facade").field(&self.0).finish()
    }
}
impl<S: Store<u64, u64> + 'static> BenchCache for Facade<S> {
    #[inline]
    fn get(&self, key: u64) -> bool {
        black_box(poll_now(self.0.get(&key))).is_some()
    }
    fn insert(&self, key: u64, value: u64) {
        poll_now(self.0.insert(key, value));
    }
}

/// `moka::sync::Cache`.
#[derive(Debug)]
pub struct MokaSync(pub moka::sync::Cache<u64, u64>);
impl BenchCache for MokaSync {
    #[inline]
    fn get(&self, key: u64) -> bool {
        black_box(self.0.get(&key)).is_some()
    }
    fn insert(&self, key: u64, value: u64) {
        self.0.insert(key, value);
    }
}

/// `moka::future::Cache`, polled in place.
#[derive(Debug)]
pub struct MokaFuture(pub moka::future::Cache<u64, u64>);
impl BenchCache for MokaFuture {
    #[inline]
    fn get(&self, key: u64) -> bool {
        black_box(poll_now(self.0.get(&key))).is_some()
    }
    fn insert(&self, key: u64, value: u64) {
        poll_now(self.0.insert(key, value));
    }
}

/// `quick_cache::sync::Cache`.
#[derive(Debug)]
pub struct QuickSync(pub quick_cache::sync::Cache<u64, u64>);
impl BenchCache for QuickSync {
    #[inline]
    fn get(&self, key: u64) -> bool {
        black_box(self.0.get(&key)).is_some()
    }
    fn insert(&self, key: u64, value: u64) {
        self.0.insert(key, value);
    }
}

/// A `Mutex<lru::LruCache>` (parking_lot): the textbook baseline.
#[derive(Debug)]
pub struct MutexLru(pub parking_lot::Mutex<lru::LruCache<u64, u64>>);
impl BenchCache for MutexLru {
    #[inline]
    fn get(&self, key: u64) -> bool {
        black_box(self.0.lock().get(&key).copied()).is_some()
    }
    fn insert(&self, key: u64, value: u64) {
        self.0.lock().put(key, value);
    }
}

/// Receives a freshly built cache of a statically known type.
pub trait Visit {
    /// What the visit returns.
    type Out;
    /// Uses `cache` (monomorphised per cache type).
    fn visit<C: BenchCache + 'static>(&mut self, name: &'static str, cache: C) -> Self::Out;
}

/// The facade over the current default store (`LruStore`).
pub const FACADE_LRU: &str = "AsyncCache<LruStore>";
/// The facade over the proposed default store (`PolicyStore<WTinyLfu>`).
pub const FACADE_TINYLFU: &str = "AsyncCache<PolicyStore<WTinyLfu>>";
/// The reference every ratio of the compare report is taken against.
pub const MOKA_SYNC: &str = "moka::sync::Cache";
/// The peer the fastest store must reach half of.
pub const QUICK_SYNC: &str = "quick_cache::sync::Cache";

/// Every cache under test, in report order: facades, raw stores, peers.
pub const CACHES: [&str; 15] = [
    FACADE_TINYLFU,
    FACADE_LRU,
    "AsyncCache<MokaStore>",
    "AsyncCache<TtlStore>",
    "PolicyStore<WTinyLfu>",
    "PolicyStore<Lru>",
    "PolicyStore<Sieve>",
    "LruStore",
    "MokaStore",
    "TtlStore",
    MOKA_SYNC,
    "moka::future::Cache",
    QUICK_SYNC,
    "Mutex<lru::LruCache>",
    "AsyncCache<PolicyStore<Lru>>",
];

/// For a facade, the raw store it wraps (the hit-path target compares them).
#[must_use]
pub fn raw_of(facade: &str) -> Option<&'static str> {
    let inner = facade.strip_prefix("AsyncCache<")?.strip_suffix('>')?;
    CACHES.iter().copied().find(|c| *c == inner)
}

fn facade<S: Store<u64, u64> + 'static>(store: S) -> Facade<S> {
    Facade(AsyncCache::builder().store(store).build().expect("a valid cache"))
}

/// Builds the cache called `name` with `capacity` entries and hands it to
/// `visitor`; `None` for an unknown name.
pub fn build<V: Visit>(name: &str, capacity: u64, visitor: &mut V) -> Option<V::Out> {
    let cap = usize::try_from(capacity).unwrap_or(usize::MAX);
    let name = CACHES.iter().copied().find(|c| *c == name)?;
    Some(match name {
        FACADE_TINYLFU => visitor.visit(name, facade(PolicyStore::tinylfu(capacity))),
        FACADE_LRU => visitor.visit(name, facade(LruStore::new(capacity))),
        "AsyncCache<PolicyStore<Lru>>" => visitor.visit(name, facade(PolicyStore::lru(capacity))),
        "AsyncCache<MokaStore>" => visitor.visit(name, facade(MokaStore::new(capacity))),
        "AsyncCache<TtlStore>" => visitor.visit(name, facade(TtlStore::with_capacity(capacity))),
        "PolicyStore<WTinyLfu>" => visitor.visit(name, Raw(PolicyStore::tinylfu(capacity))),
        "PolicyStore<Lru>" => visitor.visit(name, Raw(PolicyStore::new(capacity, |_| Lru::new()))),
        "PolicyStore<Sieve>" => {
            visitor.visit(name, Raw(PolicyStore::new(capacity, |_| Sieve::new())))
        }
        "LruStore" => visitor.visit(name, Raw(LruStore::new(capacity))),
        "MokaStore" => visitor.visit(name, Raw(MokaStore::new(capacity))),
        "TtlStore" => visitor.visit(name, Raw(TtlStore::with_capacity(capacity))),
        MOKA_SYNC => visitor.visit(name, MokaSync(moka::sync::Cache::new(capacity))),
        "moka::future::Cache" => {
            visitor.visit(name, MokaFuture(moka::future::Cache::new(capacity)))
        }
        QUICK_SYNC => visitor.visit(name, QuickSync(quick_cache::sync::Cache::new(cap))),
        _ => visitor.visit(
            name,
            MutexLru(parking_lot::Mutex::new(lru::LruCache::new(
                std::num::NonZeroUsize::new(cap.max(1)).expect("positive"),
            ))),
        ),
    })
}

/// What a timed run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// Only lookups (all hits once prefilled).
    ReadOnly,
    /// Nine lookups, then one insert (90% reads, 10% inserts).
    Read90Insert10,
}

/// A workload: its keys per thread, and what it does.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The key sequence of each thread (a power-of-two length, cycled).
    pub keys: Vec<Vec<u64>>,
    /// The ids inserted before timing.
    pub prefill: Vec<u64>,
    /// Reads only, or 90/10.
    pub mix: Mix,
    /// The capacity the caches are built with.
    pub capacity: u64,
}

impl Workload {
    /// The hit path: `HIT_KEYS` keys present in a cache of `HIT_CAPACITY`,
    /// looked up in a fixed pseudo-random order.
    #[must_use]
    pub fn hit_path() -> Self {
        let mut rng = SplitMix64::new(7);
        let keys = (0..4096).map(|_| rng.next_u64() % HIT_KEYS).collect();
        Self {
            keys: vec![keys],
            prefill: (0..HIT_KEYS).collect(),
            mix: Mix::ReadOnly,
            capacity: HIT_CAPACITY,
        }
    }

    /// Zipf(0.99) over 100,000 ids, every id present, from `threads`
    /// threads (each with its own seed).
    #[must_use]
    pub fn zipf(threads: usize, mix: Mix) -> Self {
        Self::zipf_over(ZIPF_IDS, threads, mix)
    }

    /// As [`zipf`](Self::zipf) over `ids` ids (smaller for smoke tests).
    #[must_use]
    pub fn zipf_over(ids: u64, threads: usize, mix: Mix) -> Self {
        let zipf = Zipf::new(ids, ZIPF_S);
        let keys = (0..threads.max(1) as u64)
            .map(|t| {
                let mut rng = SplitMix64::new(1_000 + t);
                (0..1 << 16).map(|_| zipf.sample(&mut rng)).collect()
            })
            .collect();
        Self { keys, prefill: (0..ids).collect(), mix, capacity: 2 * ids }
    }

    /// Inserts the prefill ids into `cache`.
    pub fn prefill<C: BenchCache>(&self, cache: &C) {
        for &k in &self.prefill {
            cache.insert(k, k);
        }
    }

    /// Runs `ops` operations of thread `t` on `cache`, starting at `offset`
    /// in its key sequence; returns the hits.
    #[inline]
    pub fn run<C: BenchCache>(&self, cache: &C, t: usize, offset: usize, ops: u64) -> u64 {
        let keys = &self.keys[t % self.keys.len()];
        let mask = keys.len() - 1;
        let mut hits = 0;
        let mut i = offset;
        for n in 0..ops {
            let key = keys[i & mask];
            i = i.wrapping_add(1);
            if self.mix == Mix::Read90Insert10 && n % 10 == 9 {
                cache.insert(key, n);
            } else {
                hits += u64::from(cache.get(key));
            }
        }
        hits
    }

    /// Runs `threads` threads doing `ops_per_thread` operations each and
    /// returns the wall time.
    pub fn timed_ops<C: BenchCache>(
        &self,
        cache: &C,
        threads: usize,
        ops_per_thread: u64,
    ) -> Duration {
        if threads <= 1 {
            let start = Instant::now();
            black_box(self.run(cache, 0, 0, ops_per_thread));
            return start.elapsed();
        }
        let barrier = Barrier::new(threads + 1);
        let elapsed = Mutex::new(Duration::ZERO);
        std::thread::scope(|s| {
            for t in 0..threads {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    black_box(self.run(cache, t, t * 997, ops_per_thread));
                    barrier.wait();
                });
            }
            barrier.wait();
            let start = Instant::now();
            barrier.wait();
            *elapsed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = start.elapsed();
        });
        elapsed.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `threads` threads for about `duration`; returns operations per
    /// second over all threads.
    #[allow(clippy::cast_precision_loss)]
    pub fn ops_per_sec<C: BenchCache>(&self, cache: &C, threads: usize, duration: Duration) -> f64 {
        const CHUNK: u64 = 4_096;
        let stop = AtomicBool::new(false);
        let total = AtomicU64::new(0);
        let barrier = Barrier::new(threads + 1);
        let mut elapsed = Duration::ZERO;
        std::thread::scope(|s| {
            for t in 0..threads {
                let (stop, total, barrier) = (&stop, &total, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let mut done = 0u64;
                    let mut offset = t * 997;
                    while !stop.load(Ordering::Relaxed) {
                        black_box(self.run(cache, t, offset, CHUNK));
                        offset = offset.wrapping_add(CHUNK as usize);
                        done += CHUNK;
                    }
                    total.fetch_add(done, Ordering::Relaxed);
                    barrier.wait();
                });
            }
            barrier.wait();
            let start = Instant::now();
            std::thread::sleep(duration);
            stop.store(true, Ordering::Relaxed);
            barrier.wait();
            elapsed = start.elapsed();
        });
        total.into_inner() as f64 / elapsed.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Check<'a>(&'a Workload);
    impl Visit for Check<'_> {
        type Out = (u64, u64);
        fn visit<C: BenchCache + 'static>(&mut self, _: &'static str, cache: C) -> (u64, u64) {
            self.0.prefill(&cache);
            (self.0.run(&cache, 0, 0, 1_000), self.0.run(&cache, 1, 0, 1_000))
        }
    }

    #[test]
    fn every_cache_builds_and_hits_after_prefill() {
        let w = Workload::hit_path();
        for name in CACHES {
            let (hits, _) = build(name, w.capacity, &mut Check(&w)).unwrap();
            assert!(hits >= 990, "{name}: {hits}");
        }
        assert!(build("nope", 10, &mut Check(&w)).is_none());
        assert_eq!(raw_of(FACADE_TINYLFU), Some("PolicyStore<WTinyLfu>"));
        assert_eq!(raw_of(MOKA_SYNC), None);
    }

    #[test]
    fn zipf_workload_is_deterministic_and_mixed() {
        let w = Workload::zipf_over(1_000, 2, Mix::Read90Insert10);
        assert_eq!(w.keys, Workload::zipf_over(1_000, 2, Mix::Read90Insert10).keys);
        assert_ne!(w.keys[0], w.keys[1]);
        let cache = Raw(PolicyStore::tinylfu(w.capacity));
        w.prefill(&cache);
        assert_eq!(w.run(&cache, 0, 0, 1_000), 900, "reads hit, every tenth op inserts");
        assert!(w.ops_per_sec(&cache, 2, Duration::from_millis(20)) > 0.0);
        assert!(w.timed_ops(&cache, 2, 1_000) > Duration::ZERO);
    }
}
