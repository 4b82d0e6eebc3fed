//! The hit-ratio simulator: replays a trace through every shipped policy
//! (driven directly through [`EvictionPolicy`]), every shipped store (through
//! [`Store`]), moka and `quick_cache` as peers, and OPT as the ceiling.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::hash::BuildHasher;

use cache_core::{EntryInfo, EvictionPolicy, Store};
use cache_policies::{Fifo, Lfu, Lru, LruStore, MokaStore, PolicyStore, Sieve, TtlStore, WTinyLfu};
use foldhash::fast::FixedState;
use hashbrown::HashSet;

use crate::capacity::CapacitySpec;
use crate::opt::{next_uses, opt_hits};
use crate::trace::Trace;

/// The seed of the hash `policy_hits` names keys by (fixed: reproducible).
const POLICY_HASH_SEED: u64 = 0x5eed_cafe_f00d_d00d;

/// The row reported as the default store: `PolicyStore` with `WTinyLfu`.
pub const DEFAULT_STORE: &str = "PolicyStore<WTinyLfu>";
/// The default store with its hash seeded as [`policy_hits`] seeds the
/// policy's: the same keys get the same hashes, so it shows whether the
/// store decides as its policy alone (the default store's seed is random per
/// store, which moves small caches' hit ratios by chance). It decides
/// exactly as the policy but in quiet runs (2,048 hits and more with no
/// write), where the store hands the policy a sample of the hits.
pub const SEEDED_STORE: &str = "PolicyStore<WTinyLfu> (policy's seed)";
/// The rows of the peers the default store is measured against.
pub const PEERS: [&str; 3] = ["moka", "quick_cache", "exact LRU"];
/// moka with its pending maintenance run after every insert: it never holds
/// more than its capacity (not one of [`PEERS`]; it shows how much of moka's
/// hit ratio at small capacities comes from the up to 64 inserts its write
/// buffer keeps beyond the capacity until its maintenance runs).
pub const MOKA_SYNCED: &str = "moka (synced)";
/// The row of the ceiling.
pub const OPT: &str = "OPT (Belady)";

/// What a simulated contender is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A shipped policy, driven directly.
    Policy,
    /// A shipped store, driven through `Store::get` / `Store::insert`.
    Store,
    /// A peer cache (or the exact LRU reference).
    Peer,
    /// Belady's optimal, offline.
    Ceiling,
}

impl Kind {
    /// A short label.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Policy => "policy",
            Self::Store => "store",
            Self::Peer => "peer",
            Self::Ceiling => "ceiling",
        }
    }
}

type RunFn = fn(&[u64], &[usize], u64) -> u64;

/// One row of the simulator: a name, a kind, and how it replays a trace.
#[derive(Clone, Copy)]
pub struct Contender {
    /// The row's name.
    pub name: &'static str,
    /// What it is.
    pub kind: Kind,
    run: RunFn,
}

impl std::fmt::Debug for Contender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contender").field("name", &self.name).field("kind", &self.kind).finish()
    }
}

impl Contender {
    /// The hits this contender scores on `keys` (`next`: [`next_uses`]) with
    /// room for `capacity` entries.
    #[must_use]
    pub fn hits(&self, keys: &[u64], next: &[usize], capacity: u64) -> u64 {
        (self.run)(keys, next, capacity)
    }
}

/// Every contender, in table order.
#[must_use]
pub fn contenders() -> Vec<Contender> {
    let c = |name, kind, run: RunFn| Contender { name, kind, run };
    vec![
        c("policy Lru", Kind::Policy, |k, _, cap| policy_hits(k, cap, Lru::new())),
        c("policy Fifo", Kind::Policy, |k, _, cap| policy_hits(k, cap, Fifo::new())),
        c("policy Lfu", Kind::Policy, |k, _, cap| policy_hits(k, cap, Lfu::new())),
        c("policy Sieve", Kind::Policy, |k, _, cap| policy_hits(k, cap, Sieve::new())),
        c("policy WTinyLfu", Kind::Policy, |k, _, cap| policy_hits(k, cap, WTinyLfu::new(cap))),
        c(DEFAULT_STORE, Kind::Store, |k, _, cap| store_hits(k, &PolicyStore::tinylfu(cap))),
        c(SEEDED_STORE, Kind::Store, |k, _, cap| store_hits(k, &seeded_store(cap))),
        c("PolicyStore<Lru>", Kind::Store, |k, _, cap| store_hits(k, &PolicyStore::lru(cap))),
        c("LruStore", Kind::Store, |k, _, cap| store_hits(k, &LruStore::new(cap))),
        c("TtlStore", Kind::Store, |k, _, cap| store_hits(k, &TtlStore::with_capacity(cap))),
        c("MokaStore", Kind::Store, |k, _, cap| store_hits(k, &MokaStore::new(cap))),
        c("moka", Kind::Peer, moka_hits),
        c(MOKA_SYNCED, Kind::Peer, moka_synced_hits),
        c("quick_cache", Kind::Peer, quick_cache_hits),
        c("exact LRU", Kind::Peer, exact_lru_hits),
        c(OPT, Kind::Ceiling, |k, next, cap| {
            opt_hits(k, next, usize::try_from(cap).unwrap_or(usize::MAX))
        }),
    ]
}

/// Drives a policy as a store of unit-weight entries would: a resident key is
/// an access, a new key is inserted, then victims leave until it fits. Keys
/// are named by a fixed-seed hash, as a store names them by its own.
pub fn policy_hits<P: EvictionPolicy<u64>>(keys: &[u64], capacity: u64, mut policy: P) -> u64 {
    let hasher = FixedState::with_seed(POLICY_HASH_SEED);
    let cap = usize::try_from(capacity).unwrap_or(usize::MAX);
    let mut resident: HashSet<u64> = HashSet::with_capacity(cap.min(1 << 24) + 1);
    let mut hits = 0;
    for &key in keys {
        let hash = hasher.hash_one(key);
        if resident.contains(&hash) {
            policy.on_access(hash);
            hits += 1;
            continue;
        }
        policy.on_insert(&EntryInfo::new(&key, hash, 1, None));
        resident.insert(hash);
        while resident.len() > cap {
            let Some(victim) = policy.evict() else { break };
            resident.remove(&victim);
        }
    }
    hits
}

/// The default store, its hash seeded as [`policy_hits`] seeds the policy's.
#[must_use]
pub fn seeded_store(capacity: u64) -> PolicyStore<u64, ()> {
    PolicyStore::builder(capacity).hash_seed(POLICY_HASH_SEED).build()
}

/// Drives a store: a `get` that finds the key is a hit, a miss inserts it.
pub fn store_hits<S: Store<u64, ()>>(keys: &[u64], store: &S) -> u64 {
    let mut hits = 0;
    for &key in keys {
        if store.get(&key).is_some() {
            hits += 1;
        } else {
            store.insert(key, (), None);
        }
    }
    hits
}

/// `moka::sync::Cache` used as-is (its maintenance runs when its own buffers
/// fill, as in production; no `run_pending_tasks` calls).
fn moka_hits(keys: &[u64], _: &[usize], capacity: u64) -> u64 {
    let cache = moka::sync::Cache::new(capacity);
    let mut hits = 0;
    for &key in keys {
        if cache.get(&key).is_some() {
            hits += 1;
        } else {
            cache.insert(key, ());
        }
    }
    hits
}

/// moka, its maintenance run after every insert, so that it holds at most
/// `capacity` entries at each request, like every other contender.
fn moka_synced_hits(keys: &[u64], _: &[usize], capacity: u64) -> u64 {
    let cache = moka::sync::Cache::new(capacity);
    let mut hits = 0;
    for &key in keys {
        if cache.get(&key).is_some() {
            hits += 1;
        } else {
            cache.insert(key, ());
            cache.run_pending_tasks();
        }
    }
    hits
}

fn quick_cache_hits(keys: &[u64], _: &[usize], capacity: u64) -> u64 {
    let mut cache =
        quick_cache::unsync::Cache::new(usize::try_from(capacity).unwrap_or(usize::MAX));
    let mut hits = 0;
    for &key in keys {
        if cache.get(&key).is_some() {
            hits += 1;
        } else {
            cache.insert(key, ());
        }
    }
    hits
}

/// The `lru` crate's `LruCache`: the exact-LRU reference.
fn exact_lru_hits(keys: &[u64], _: &[usize], capacity: u64) -> u64 {
    let mut cache = lru::LruCache::unbounded();
    let cap = usize::try_from(capacity).unwrap_or(usize::MAX);
    let mut hits = 0;
    for &key in keys {
        if cache.get(&key).is_some() {
            hits += 1;
        } else {
            cache.put(key, ());
            if cache.len() > cap {
                cache.pop_lru();
            }
        }
    }
    hits
}

/// The hit ratios of one trace: one row per capacity.
#[derive(Debug, Clone)]
pub struct TraceResult {
    /// The trace's name.
    pub trace: String,
    /// Its number of requests.
    pub requests: usize,
    /// Its number of distinct keys.
    pub distinct: usize,
    /// The contenders' names, in column order.
    pub names: Vec<&'static str>,
    /// The contenders' kinds, in column order.
    pub kinds: Vec<Kind>,
    /// One row per capacity.
    pub rows: Vec<CapacityRow>,
}

/// The hits of every contender at one capacity.
#[derive(Debug, Clone)]
pub struct CapacityRow {
    /// The capacity as given.
    pub spec: CapacitySpec,
    /// The capacity in entries.
    pub entries: u64,
    /// Hits of each contender, in the order of [`TraceResult::names`].
    pub hits: Vec<u64>,
}

impl TraceResult {
    /// The hit ratio, in percent, of column `i` in `row`.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn ratio(&self, row: &CapacityRow, i: usize) -> f64 {
        100.0 * row.hits[i] as f64 / self.requests.max(1) as f64
    }

    /// The column of `name`.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }
}

/// Replays `trace` through `which` at each capacity, on `threads` worker
/// threads (each job is one contender at one capacity, run single-threaded).
#[must_use]
pub fn simulate(
    trace: &Trace,
    capacities: &[CapacitySpec],
    which: &[Contender],
    threads: usize,
) -> TraceResult {
    let next = if which.iter().any(|c| c.kind == Kind::Ceiling) {
        next_uses(&trace.keys)
    } else {
        Vec::new()
    };
    let entries: Vec<u64> = capacities.iter().map(|c| c.resolve(trace.distinct)).collect();
    let jobs: Vec<(usize, usize)> =
        (0..entries.len()).flat_map(|r| (0..which.len()).map(move |c| (r, c))).collect();
    let results = Mutex::new(vec![vec![0u64; which.len()]; entries.len()]);
    let cursor = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let j = cursor.fetch_add(1, Ordering::Relaxed);
                    let Some(&(r, c)) = jobs.get(j) else { break };
                    let hits = which[c].hits(&trace.keys, &next, entries[r]);
                    results.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[r][c] = hits;
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    TraceResult {
        trace: trace.name.clone(),
        requests: trace.keys.len(),
        distinct: trace.distinct,
        names: which.iter().map(|c| c.name).collect(),
        kinds: which.iter().map(|c| c.kind).collect(),
        rows: capacities
            .iter()
            .zip(&entries)
            .zip(results)
            .map(|((spec, entries), hits)| CapacityRow { spec: *spec, entries: *entries, hits })
            .collect(),
    }
}

/// A store replayed from several threads at once: `(keys, capacity,
/// threads)` to hits.
pub type ConcurrentFn = fn(&[u64], u64, usize) -> u64;

/// The stores and peers whose hit ratio is measured under concurrency. The
/// default store is seeded as [`seeded_store`]: its replays from 1 and from
/// N threads then hash alike, and their difference is the concurrency's
/// alone (with a random seed per store, the seed's own effect on a small
/// cache, up to ~1.5 points, was counted as a loss or a gain).
#[must_use]
pub fn concurrent_contenders() -> Vec<(&'static str, ConcurrentFn)> {
    vec![
        (DEFAULT_STORE, |k, cap, t| concurrent_hits(k, t, &seeded_store(cap))),
        (DEFAULT_CACHE_GET_WITH, facade_hits),
        (POLICY_BEHIND_MUTEX, |k, cap, t| concurrent_hits(k, t, &PolicyBehindMutex::new(cap))),
        ("PolicyStore<Lru>", |k, cap, t| concurrent_hits(k, t, &PolicyStore::lru(cap))),
        ("LruStore", |k, cap, t| concurrent_hits(k, t, &LruStore::new(cap))),
        ("MokaStore", |k, cap, t| concurrent_hits(k, t, &MokaStore::new(cap))),
        ("moka", |k, cap, t| concurrent_hits(k, t, &MokaPeer(moka::sync::Cache::new(cap)))),
        ("quick_cache", |k, cap, t| {
            let cap = usize::try_from(cap).unwrap_or(usize::MAX);
            concurrent_hits(k, t, &QuickPeer(quick_cache::sync::Cache::new(cap)))
        }),
    ]
}

/// The default cache (`AsyncCache` over the default store, seeded as
/// [`seeded_store`]) replayed through `get_with`: a request is a hit unless
/// it makes a load. Concurrent misses of one key share one load
/// (single-flight), as in a service, so a key requested twice within a few
/// requests costs one load from any number of threads; the raw stores'
/// replays count both requests as misses, a loss that even an exact LRU
/// under one mutex shows and that says nothing of the store.
pub const DEFAULT_CACHE_GET_WITH: &str = "AsyncCache<PolicyStore<WTinyLfu>> (get_with)";

/// Replays `keys` through the default cache's `get_with` from `threads`
/// tasks on as many runtime workers (a shared cursor, as in
/// [`concurrent_hits`]); the hits are the requests that made no load.
fn facade_hits(keys: &[u64], capacity: u64, threads: usize) -> u64 {
    use std::sync::Arc;
    let threads = threads.max(1);
    let cache: cache_facade::AsyncCache<u64, ()> =
        cache_facade::AsyncCache::builder().store(seeded_store(capacity)).build().expect("cache");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .build()
        .expect("a runtime");
    let keys: Arc<[u64]> = Arc::from(keys);
    let cursor = Arc::new(AtomicUsize::new(0));
    let loads = Arc::new(AtomicUsize::new(0));
    runtime.block_on(async {
        let tasks: Vec<_> = (0..threads)
            .map(|_| {
                let (cache, keys) = (cache.clone(), Arc::clone(&keys));
                let (cursor, loads) = (Arc::clone(&cursor), Arc::clone(&loads));
                tokio::spawn(async move {
                    while let Some(&key) = keys.get(cursor.fetch_add(1, Ordering::Relaxed)) {
                        let loads = Arc::clone(&loads);
                        let load = move || async move {
                            loads.fetch_add(1, Ordering::Relaxed);
                            Ok::<(), std::convert::Infallible>(())
                        };
                        cache.get_with(key, load).await.expect("infallible");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("replay task");
        }
    });
    (keys.len() - loads.load(Ordering::Relaxed)) as u64
}

/// The default store's policy alone, exact (no read buffer, no sampling),
/// behind one mutex and replayed as the stores are: a lookup under the lock,
/// then an insert under it again. Its loss under concurrency is the policy's
/// own sensitivity to the order of requests (two threads swap neighbours)
/// plus the harness's double misses, with nothing of the engine's: the
/// reference the default store's loss is read against.
pub const POLICY_BEHIND_MUTEX: &str = "WTinyLfu behind one mutex (exact)";

/// See [`POLICY_BEHIND_MUTEX`].
struct PolicyBehindMutex {
    state: Mutex<(HashSet<u64>, WTinyLfu)>,
    hasher: FixedState,
    capacity: usize,
}

impl PolicyBehindMutex {
    fn new(capacity: u64) -> Self {
        Self {
            state: Mutex::new((HashSet::new(), WTinyLfu::new(capacity))),
            hasher: FixedState::with_seed(POLICY_HASH_SEED),
            capacity: usize::try_from(capacity).unwrap_or(usize::MAX),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashSet<u64>, WTinyLfu)> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Replay for PolicyBehindMutex {
    fn hit_or_insert(&self, key: u64) -> bool {
        let hash = self.hasher.hash_one(key);
        {
            let mut state = self.lock();
            if state.0.contains(&hash) {
                EvictionPolicy::<u64>::on_access(&mut state.1, hash);
                return true;
            }
        }
        let mut state = self.lock();
        let (resident, policy) = &mut *state;
        if resident.contains(&hash) {
            // Another thread inserted it in between: an overwrite, which
            // the store's policy counts as a hit.
            EvictionPolicy::<u64>::on_access(policy, hash);
            return false;
        }
        policy.on_insert(&EntryInfo::new(&key, hash, 1, None));
        resident.insert(hash);
        while resident.len() > self.capacity {
            let Some(victim) = EvictionPolicy::<u64>::evict(policy) else { break };
            resident.remove(&victim);
        }
        false
    }
}

/// A get-or-insert cache shared by replay threads.
trait Replay: Sync {
    fn hit_or_insert(&self, key: u64) -> bool;
}

impl<S: Store<u64, ()>> Replay for S {
    fn hit_or_insert(&self, key: u64) -> bool {
        self.get(&key).is_some() || {
            self.insert(key, (), None);
            false
        }
    }
}

struct MokaPeer(moka::sync::Cache<u64, ()>);
impl Replay for MokaPeer {
    fn hit_or_insert(&self, key: u64) -> bool {
        self.0.get(&key).is_some() || {
            self.0.insert(key, ());
            false
        }
    }
}

struct QuickPeer(quick_cache::sync::Cache<u64, ()>);
impl Replay for QuickPeer {
    fn hit_or_insert(&self, key: u64) -> bool {
        self.0.get(&key).is_some() || {
            self.0.insert(key, ());
            false
        }
    }
}

/// Replays `keys` from `threads` threads at once. The threads take requests
/// in trace order from a shared cursor (as clients take requests from a
/// queue), so the cache sees the trace's order up to scheduling jitter, and
/// any loss against one thread comes from the cache's concurrency (lossy
/// buffers, lazy maintenance), not from a reshuffled trace.
fn concurrent_hits<C: Replay>(keys: &[u64], threads: usize, cache: &C) -> u64 {
    let threads = threads.max(1);
    let hits = AtomicUsize::new(0);
    let cursor = AtomicUsize::new(0);
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (hits, cursor, start) = (&hits, &cursor, &start);
            s.spawn(move || {
                start.wait();
                let mut mine = 0;
                while let Some(&key) = keys.get(cursor.fetch_add(1, Ordering::Relaxed)) {
                    mine += usize::from(cache.hit_or_insert(key));
                }
                hits.fetch_add(mine, Ordering::Relaxed);
            });
        }
    });
    hits.into_inner() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zipf::zipf_keys;

    #[test]
    fn every_contender_runs_and_opt_is_the_ceiling() {
        let trace = Trace::from_keys("zipf", zipf_keys(2_000, 0.9, 20_000, 11));
        let specs = [CapacitySpec::Entries(100), CapacitySpec::Percent(10.0)];
        let result = simulate(&trace, &specs, &contenders(), 2);
        let opt = result.column(OPT).unwrap();
        let lru = result.column("exact LRU").unwrap();
        for row in &result.rows {
            for (i, name) in result.names.iter().enumerate() {
                assert!(row.hits[i] > 0, "{name}");
                assert!(row.hits[i] <= row.hits[opt], "{name} beats OPT");
            }
            // The policy Lru and LruStore are exact LRUs too.
            assert_eq!(row.hits[result.column("policy Lru").unwrap()], row.hits[lru]);
            assert_eq!(row.hits[result.column("LruStore").unwrap()], row.hits[lru]);
        }
    }

    #[test]
    fn the_store_decides_exactly_as_its_policy_given_the_same_hash() {
        let keys = zipf_keys(5_000, 0.8, 60_000, 3);
        for capacity in [10, 100, 1_000, 4_000] {
            let policy = policy_hits(&keys, capacity, WTinyLfu::new(capacity));
            let exact = PolicyStore::builder(capacity)
                .hash_seed(POLICY_HASH_SEED)
                .sample_quiet_hits(false)
                .build();
            assert_eq!(store_hits(&keys, &exact), policy, "capacity {capacity}");
            // The default store samples quiet runs: close, not always equal.
            let sampled = store_hits(&keys, &seeded_store(capacity));
            assert!(sampled.abs_diff(policy) * 1_000 <= keys.len() as u64, "capacity {capacity}");
        }
    }

    #[test]
    fn the_policy_behind_a_mutex_replays_from_one_thread_as_the_policy_alone() {
        let keys = zipf_keys(2_000, 0.8, 30_000, 9);
        for capacity in [20, 300] {
            let alone = policy_hits(&keys, capacity, WTinyLfu::new(capacity));
            let behind = concurrent_hits(&keys, 1, &PolicyBehindMutex::new(capacity));
            assert_eq!(behind, alone, "capacity {capacity}");
        }
    }

    #[test]
    fn concurrent_replay_counts_every_request() {
        let keys = zipf_keys(500, 0.9, 10_000, 5);
        for (name, run) in concurrent_contenders() {
            let one = run(&keys, 100, 1);
            let two = run(&keys, 100, 2);
            assert!(one > 1_000 && two > 1_000, "{name}: {one} {two}");
        }
    }
}
