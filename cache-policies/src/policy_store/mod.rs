//! `PolicyStore`: the store engine. Every shipped store (the default one,
//! `LruStore`, `TtlStore`) is a configuration of it.
//!
//! # Parts
//!
//! - **Table**: entries live in a hash table split into shards (four per
//!   core, each behind its own read-write lock); no memory is reserved for
//!   entries before they arrive.
//! - **One policy, one clock, one weight account** behind one mutex (the
//!   *maintenance* state): the eviction policy sees the whole store, so a
//!   sharded store decides exactly as its policy alone would; expiry is one
//!   [`TimerWheel`](timer_wheel::TimerWheel); the total weight is counted
//!   once, so any entry up to the whole capacity fits.
//! - **Read buffer**: a hit takes its shard's *read* lock, clones the value
//!   and records the key's hash in a lossy ring buffer striped by thread
//!   (each thread leases a stripe it alone writes: a plain load and store, no
//!   locked instruction, no allocation). Writes drain the buffer into the
//!   policy before deciding anything, each thread's hits in order, so a
//!   single-threaded `PolicyStore<Lru>` is an exact LRU; a reader that fills
//!   its stripe drains it if the maintenance lock is free, else its hits
//!   wait or are dropped (the policy sees fewer hits, nothing else changes).
//!   An unbounded store never consults its policy and records no hits.
//! - **Quiet runs** (the default W-TinyLFU, or on request): once readers
//!   have drained 2,048 hits since the last write that took the maintenance
//!   lock, each thread records one hit in 16, drawn at random, until the
//!   next such write (see `quiet_runs.rs` for why and what it was measured
//!   to cost). Other policies see every hit.
//!
//! # Invariants
//!
//! - Lock order: the maintenance mutex, then at most one shard lock at a
//!   time. Every write (insert, remove, clear, purge, eviction) holds the
//!   maintenance mutex, so the policy, the wheel and the weight account
//!   agree with the table whenever the mutex is free. The one exception
//!   changes nothing they track: an overwrite of a live entry's value that
//!   keeps its weight and its lack of a deadline, in a store whose wheel is
//!   empty and whose policy takes such an update as a hit (the shipped
//!   W-TinyLFU, LRU and FIFO), takes only the shard's write lock and
//!   records a hit, as Caffeine does. A hit takes one shard
//!   read lock and at most `try_lock`s the mutex, so it never waits on a
//!   writer for longer than one table operation.
//! - An insert of a new key that finds the mutex taken publishes its entry
//!   first, as *pending* (under its shard's write lock alone, holding no
//!   mutex, so the lock order holds), and then waits for the mutex: readers
//!   find the entry while its insert waits, instead of missing it and
//!   loading it again (two threads missing one key within a few requests
//!   lost up to 1.5 points of hit ratio on a real trace that way). Pending
//!   entries are outside the policy, the wheel and the weight account;
//!   each insert that published one *adopts* the key's pending entry, if
//!   one is still there, as soon as it holds the mutex. So the policy, the
//!   wheel and the account agree with the table's *counted* entries
//!   whenever the mutex is free, and the table holds at most one pending
//!   entry per waiting insert. A write that meets a pending entry under the
//!   mutex settles it: an insert of the key adopts it with its own value, a
//!   remove, a clear or an expiry takes it (uncounted, unknown to the
//!   policy); the waiting insert then finds nothing to adopt, as if it had
//!   come first. Without contention an insert takes the mutex first, as
//!   before, and nothing is ever pending.
//! - Every entry with a deadline has an item in the wheel (stale items of
//!   removed or overwritten entries are checked against the table when they
//!   come due, and compacted away once they outnumber the entries).
//! - `len` and `weighted_size` are atomics published under the mutex: O(1),
//!   exact at rest once [`run_pending_tasks`](Store::run_pending_tasks) has
//!   purged what expired.

mod builder;
#[cfg(all(test, not(feature = "shuttle")))]
mod pending_inserts;
mod quiet_runs;
mod read_buffer;
mod table;
mod ticks;
mod timer_wheel;

use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use cache_core::time::{Instant, now};
use cache_core::{
    Capacity, EntryInfo, Equivalent, EvictionListener, EvictionPolicy, ListenerSlot, RemovalCause,
    Store, Weigher,
};
use crossbeam_utils::CachePadded;
use foldhash::SharedSeed;
use foldhash::fast::SeedableRandomState;
use parking_lot::Mutex;

pub use builder::PolicyStoreBuilder;
use quiet_runs::{QuietHits, QuietRuns};
use read_buffer::ReadBuffer;
pub(crate) use table::make_room;
use table::{Entry, NO_CAP, Table};
use ticks::Ticks;
use timer_wheel::TimerWheel;

use crate::policies::{Fifo, Lfu, Lru, Sieve, WTinyLfu};

/// After this many victims named by the policy that the store does not hold,
/// the store evicts an arbitrary entry instead (a misbehaving custom policy
/// must not break the capacity bound or loop forever).
const MAX_BOGUS_VICTIMS: u32 = 16;

/// The store engine: a sharded, concurrent [`Store`] whose evictions are
/// decided by one [`EvictionPolicy`] `P` for the whole store (W-TinyLFU by
/// default), with expiry on a timer wheel and one weight account.
///
/// Hits take a shard's read lock and never allocate; writes take the
/// maintenance lock, except an overwrite that changes only a value (same
/// weight, no deadline), which takes the shard's write lock and counts as
/// a hit (see the module docs for the design). Capacity counts
/// entries, or weight when built with a weigher; an entry up to the whole
/// capacity is kept. Memory follows the entries held, never the capacity.
/// Expired entries are never returned and are reclaimed without reads, by
/// later writes (amortised O(1) each) or
/// [`run_pending_tasks`](Store::run_pending_tasks).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_core::Store;
/// use cache_core::time::deadline_after;
/// use cache_policies::PolicyStore;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let store = PolicyStore::lru(2);
/// store.insert("a", 1, None);
/// store.insert("b", 2, deadline_after(Duration::from_secs(5)));
/// assert_eq!(store.get("a"), Some(1)); // "b" is now least recently used
/// store.insert("c", 3, None);
/// assert_eq!(store.get("b"), None);
///
/// tokio::time::advance(Duration::from_secs(5)).await;
/// assert_eq!(store.len(), 2);
/// # }
/// ```
pub struct PolicyStore<K, V, P = WTinyLfu> {
    table: Table<K, V>,
    /// On its own cache lines, apart from the fields every hit reads (the
    /// hasher, the capacity, the sampling flag): drains write it.
    state: CachePadded<Mutex<State<P>>>,
    reads: ReadBuffer,
    /// Whether long runs of hits with no write reach the policy sampled.
    quiet: QuietRuns,
    /// Random per store, unless fixed by
    /// [`PolicyStoreBuilder::hash_seed`].
    hasher: SeedableRandomState,
    /// Whether the policy treats an overwrite that keeps the entry's weight
    /// and its lack of a deadline exactly as a hit (`on_update` ≡
    /// `on_access` for such an entry; set for the shipped policies where
    /// it holds). Such overwrites then skip the maintenance lock: they
    /// replace the value under the shard's write lock and record a hit.
    updates_as_hits: bool,
    /// Whether the timer wheel holds items (published under the mutex): a
    /// write skipping the mutex has no expired entries to purge while it
    /// is false.
    timed: AtomicBool,
    weigher: Option<Weigher<K, V>>,
    capacity: Capacity,
    /// The weight bound (`u64::MAX` when unbounded).
    limit: u64,
    len: AtomicU64,
    weight: AtomicU64,
    listeners: ListenerSlot<K, V>,
    /// Writes that may still report removals to the listeners (see
    /// [`Store::reports_in_flight`]); every write of a store with listeners
    /// (the facade's) changes it twice, so it has its own cache lines.
    reporting: CachePadded<AtomicUsize>,
    /// The origin of every deadline's [`Ticks`].
    epoch: Instant,
    /// Time to idle, in nanoseconds: a hit moves the entry's deadline this
    /// far from now (never past its own expiry).
    idle: Option<u64>,
}

/// Entries a write removed, reported to the listeners once every lock is
/// released (so a listener may call back into the store).
struct Removals<K, V>(Vec<(K, V, RemovalCause)>);

impl<K, V> Removals<K, V> {
    fn new() -> Self {
        Self(Vec::new())
    }

    fn push(&mut self, key: K, value: V, cause: RemovalCause) {
        self.0.push((key, value, cause));
    }

    fn entry(&mut self, entry: Entry<K, V>, cause: RemovalCause) {
        self.0.push((entry.key, entry.value, cause));
    }

    fn report(self, listeners: &ListenerSlot<K, V>) {
        for (key, value, cause) in &self.0 {
            listeners.notify(key, value, *cause);
        }
    }
}

/// A write that may report removals, counted from before it takes any
/// entry out until its listeners were told (dropped last).
struct Reporting<'a>(&'a AtomicUsize);

impl Drop for Reporting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Release);
    }
}

/// What the maintenance mutex guards.
#[derive(Debug)]
struct State<P> {
    policy: P,
    wheel: TimerWheel,
    weight: u64,
    len: u64,
    quiet_hits: QuietHits,
}

impl<K, V, P> PolicyStore<K, V, P>
where
    K: Hash + Eq + Clone,
    P: EvictionPolicy<K>,
{
    /// A store of `capacity` entries whose policy `factory` makes (called
    /// once, with the capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::{Fifo, PolicyStore};
    ///
    /// let store = PolicyStore::new(2, |_| Fifo::new());
    /// for key in 1..=3 {
    ///     store.insert(key, key * 10, None);
    /// }
    /// assert_eq!(store.get(&1), None, "first in, first out");
    /// assert_eq!(store.get(&3), Some(30));
    /// ```
    #[must_use]
    pub fn new(capacity: u64, factory: impl FnOnce(u64) -> P) -> Self {
        Self::from_parts(Capacity::Entries(capacity), factory(capacity), None, None)
    }

    /// The engine with `policy` (the shipped configurations).
    pub(crate) fn configured(
        capacity: Capacity,
        policy: P,
        weigher: Option<Weigher<K, V>>,
    ) -> Self {
        Self::from_parts(capacity, policy, weigher, None)
    }

    fn from_parts(
        capacity: Capacity,
        policy: P,
        weigher: Option<Weigher<K, V>>,
        shards: Option<usize>,
    ) -> Self {
        let epoch = now();
        Self {
            table: Table::new(shards.unwrap_or_else(table::default_shard_count)),
            state: CachePadded::new(Mutex::new(State {
                policy,
                wheel: TimerWheel::new(Ticks::at(epoch, epoch)),
                weight: 0,
                len: 0,
                quiet_hits: QuietHits::default(),
            })),
            reads: ReadBuffer::new(),
            quiet: QuietRuns::new(false),
            hasher: SeedableRandomState::random(),
            updates_as_hits: false,
            timed: AtomicBool::new(false),
            weigher,
            capacity,
            limit: capacity.limit().unwrap_or(u64::MAX),
            len: AtomicU64::new(0),
            weight: AtomicU64::new(0),
            listeners: ListenerSlot::new(),
            reporting: CachePadded::new(AtomicUsize::new(0)),
            epoch,
            idle: None,
        }
    }

    /// Expires every entry not read (or written) for `idle`, on top of its
    /// own expiry: a hit moves the entry's deadline to `idle` from now, never
    /// later than the expiry it was inserted with and never earlier than it
    /// was. An entry whose own expiry comes first keeps that expiry exactly;
    /// one kept alive by reads past its idle deadline may leave up to a
    /// second before its own expiry, which a hit sees in whole seconds.
    /// Each hit then reads the clock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let store = PolicyStore::tinylfu(100).with_time_to_idle(Duration::from_secs(10));
    /// store.insert("read", 1, None);
    /// store.insert("idle", 2, None);
    /// for _ in 0..3 {
    ///     tokio::time::advance(Duration::from_secs(6)).await;
    ///     assert_eq!(store.get("read"), Some(1), "each read keeps it another 10 s");
    /// }
    /// assert_eq!(store.get("idle"), None, "not read for 18 s");
    /// # }
    /// ```
    #[must_use]
    pub fn with_time_to_idle(mut self, idle: std::time::Duration) -> Self {
        self.idle = Some(u64::try_from(idle.as_nanos()).unwrap_or(u64::MAX));
        self
    }

    /// Marks the policy as one whose `on_update`, for an entry whose weight
    /// is unchanged and which has no deadline, does exactly what
    /// `on_access` does (see `updates_as_hits`).
    pub(crate) fn with_updates_as_hits(mut self) -> Self {
        self.updates_as_hits = true;
        self
    }

    /// Samples hits in long runs with no write (see
    /// [`PolicyStoreBuilder::sample_quiet_hits`]).
    pub(crate) fn with_quiet_sampling(mut self, enabled: bool) -> Self {
        self.quiet.set_enabled(enabled);
        self
    }

    /// Fixes the seed of the keys' hash (see
    /// [`PolicyStoreBuilder::hash_seed`]).
    pub(crate) fn with_hash_seed(mut self, seed: u64) -> Self {
        self.hasher = SeedableRandomState::with_seed(seed, SharedSeed::global_fixed());
        self
    }

    /// An insert that only replaces the value of a live entry of the same
    /// weight, with no deadline before or after, in a store whose policy
    /// takes such an update as a hit and whose wheel is empty (nothing to
    /// purge): replaced under the shard's write lock alone, the hit
    /// recorded in the read buffer, as Caffeine does for an update that
    /// keeps the weight. The policy, the wheel and the weight account stay
    /// in agreement with the table (nothing they track changes). Gives the
    /// key and value back when the insert needs the maintenance lock.
    #[inline]
    fn overwrite(&self, hash: u64, key: K, value: V, weight: u32) -> Result<(), (K, V)> {
        let mut entries = self.table.shard(hash).entries.write();
        let Some(slot) = entries.find_mut(hash, |e| e.key == key) else {
            return Err((key, value));
        };
        if slot.weight != weight || slot.deadline.get().is_some() {
            return Err((key, value));
        }
        let old = std::mem::replace(&mut slot.value, value);
        let replaced = (!self.listeners.is_empty()).then(|| slot.key.clone());
        drop(entries);
        if self.bounded() && self.reads.record(hash, self.quiet.sampling()) {
            self.drain_from_reader();
        }
        if let Some(key) = replaced {
            self.listeners.notify(&key, &old, RemovalCause::Replaced);
        }
        Ok(())
    }

    /// The deadline and cap of an entry inserted now with `expires_at`.
    fn deadline_of(&self, expires_at: Option<Instant>) -> (Ticks, u32) {
        let ttl = Ticks::of(expires_at, self.epoch);
        let Some(idle) = self.idle else {
            return (ttl, NO_CAP);
        };
        let idle_deadline = self.now().plus_nanos(idle);
        if ttl.is_some() {
            (ttl.min(idle_deadline), ttl.whole_seconds())
        } else {
            (idle_deadline, NO_CAP)
        }
    }

    /// A hit at `now` in a store with a time to idle: the deadline it asks
    /// for, `idle` from now but no later than the cap (the entry's own
    /// expiry in whole seconds, rounded down). The hit keeps the later of
    /// this and the current deadline: the cap may lie before the current
    /// deadline (an expiry 1.5 s from the epoch has a cap of 1 s), and a
    /// hit that moved the deadline back to it would expire at once an entry
    /// its own expiry still allowed (every hit would, with a sub-second TTL),
    /// and leave it behind the wheel, which only follows deadlines that
    /// moved later.
    #[inline]
    fn touched(now: Ticks, idle: u64, cap: u32) -> Ticks {
        let moved = now.plus_nanos(idle);
        if cap == NO_CAP { moved } else { moved.min(Ticks::of_whole_seconds(cap)) }
    }

    /// The number of shards of the table.
    #[must_use]
    pub fn shard_count(&self) -> usize {
        self.table.shards().len()
    }

    /// Whether the policy is consulted (an unbounded store never evicts).
    #[inline]
    fn bounded(&self) -> bool {
        !matches!(self.capacity, Capacity::Unbounded)
    }

    #[inline]
    fn now(&self) -> Ticks {
        Ticks::at(now(), self.epoch)
    }

    fn hash_of(&self, key: &K) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Applies buffered hits to the policy, each thread's in order; returns
    /// how many.
    fn drain_reads(&self, state: &mut State<P>) -> usize {
        let mut drained = 0;
        if self.bounded() {
            self.reads.drain(|hashes| {
                drained += hashes.len();
                state.policy.on_accesses(hashes);
            });
        }
        drained
    }

    /// [`drain_reads`](Self::drain_reads) for a write that may pick victims:
    /// it also ends a quiet run.
    fn drain_for_write(&self, state: &mut State<P>) {
        self.quiet.wrote(&mut state.quiet_hits);
        self.drain_reads(state);
    }

    /// A reader's stripe is half full: drain it unless a writer holds the
    /// lock (never waits for it).
    #[cold]
    fn drain_from_reader(&self) {
        if let Some(mut state) = self.state.try_lock() {
            let drained = self.drain_reads(&mut state);
            self.quiet.reader_drained(&mut state.quiet_hits, drained);
        }
    }

    fn publish(&self, state: &State<P>) {
        // Stores only what changed: these fields share cache lines with
        // those every hit reads, and a full store that evicts as it inserts
        // keeps its count and (unweighted) its weight.
        let timed = state.wheel.len() > 0;
        if self.timed.load(Ordering::Relaxed) != timed {
            self.timed.store(timed, Ordering::Relaxed);
        }
        if self.len.load(Ordering::Relaxed) != state.len {
            self.len.store(state.len, Ordering::Relaxed);
        }
        if self.weight.load(Ordering::Relaxed) != state.weight {
            self.weight.store(state.weight, Ordering::Relaxed);
        }
    }

    /// Counts a write as reporting until the guard drops, while the store
    /// has listeners. Taken before the write takes any entry out: a reader
    /// that finds an entry gone then finds the count raised until the
    /// listeners have it (the shard lock orders the two).
    fn reporting(&self) -> Option<Reporting<'_>> {
        if self.listeners.is_empty() {
            return None;
        }
        self.reporting.fetch_add(1, Ordering::Relaxed);
        Some(Reporting(&self.reporting))
    }

    /// Removes the entry `hash` names if `matches`, accounting for it (but
    /// not telling the policy; a pending entry was never counted, and the
    /// policy does not know it: see [`forget`](Self::forget)).
    fn take(
        &self,
        state: &mut State<P>,
        hash: u64,
        matches: impl Fn(&Entry<K, V>) -> bool,
    ) -> Option<Entry<K, V>> {
        let mut entries = self.table.shard(hash).entries.write();
        let (entry, _) = entries.find_entry(hash, |e| matches(e)).ok()?.remove();
        drop(entries);
        if !entry.is_pending() {
            state.weight -= u64::from(entry.weight);
            state.len -= 1;
        }
        Some(entry)
    }

    /// Why `old`, displaced by a write, left: `Expired` if its time had
    /// passed (a pending entry is not in the wheel, so no purge removed it
    /// first), else `otherwise`.
    fn displaced(&self, old: &Entry<K, V>, otherwise: RemovalCause) -> RemovalCause {
        if old.deadline.get().is_some() && old.is_expired(self.now()) {
            RemovalCause::Expired
        } else {
            otherwise
        }
    }

    /// Tells the policy that `entry` (just [taken](Self::take)) left, if
    /// it knew it.
    fn forget(&self, state: &mut State<P>, hash: u64, entry: &Entry<K, V>) {
        if self.bounded() && !entry.is_pending() {
            state.policy.on_remove(hash);
        }
    }

    /// Inserts into the table and tells the policy; returns the weight the
    /// entry replaced, if any.
    /// (Any expired counted entry was purged before: an overwritten one was
    /// live. A pending one is not in the wheel and may have expired.)
    fn store_entry(
        &self,
        state: &mut State<P>,
        hash: u64,
        entry: Entry<K, V>,
        removed: &mut Removals<K, V>,
    ) -> Option<u32> {
        let bounded = self.bounded();
        let (weight, deadline, cap) = (entry.weight, entry.deadline.get(), entry.cap());
        let expires_at = (deadline.is_some()).then(|| deadline.instant(self.epoch));
        let mut entries = self.table.shard(hash).entries.write();
        if let Some(slot) = entries.find_mut(hash, |e| e.key == entry.key) {
            if slot.is_pending() {
                // Published by an insert still waiting for the lock: this
                // one adopts it with its own value (the waiting insert then
                // finds it adopted and does nothing).
                let cause = self.displaced(slot, RemovalCause::Replaced);
                let old_value = std::mem::replace(&mut slot.value, entry.value);
                slot.weight = weight;
                slot.deadline.set(deadline);
                slot.set_cap(cap);
                self.count(state, hash, slot);
                if !self.listeners.is_empty() {
                    removed.push(slot.key.clone(), old_value, cause);
                }
                return None;
            }
            let old_value = std::mem::replace(&mut slot.value, entry.value);
            let old_weight = std::mem::replace(&mut slot.weight, weight);
            slot.deadline.set(deadline);
            slot.set_cap(cap);
            if bounded {
                let info = EntryInfo::new(&slot.key, hash, weight, expires_at);
                state.policy.on_update(&info, old_weight);
            }
            if !self.listeners.is_empty() {
                removed.push(slot.key.clone(), old_value, RemovalCause::Replaced);
            }
            drop(entries);
            state.weight = state.weight - u64::from(old_weight) + u64::from(weight);
            return Some(old_weight);
        }
        if entries.len() == entries.capacity() {
            make_room(&mut entries, |e| self.hasher.hash_one(&e.key));
        }
        let stored = entries.insert_unique(hash, entry, |e| self.hasher.hash_one(&e.key));
        if bounded {
            let info = EntryInfo::new(&stored.get().key, hash, weight, expires_at);
            state.policy.on_insert(&info);
        }
        drop(entries);
        state.weight += u64::from(weight);
        state.len += 1;
        None
    }

    /// Removes the wheel item's entry if it still has that deadline.
    fn expire_item(
        &self,
        state: &mut State<P>,
        (deadline, hash): (Ticks, u64),
        removed: &mut Removals<K, V>,
    ) {
        let expired = self
            .take(state, hash, |e| e.deadline.get() == deadline && self.hash_of(&e.key) == hash);
        if expired.is_none() && self.idle.is_some() {
            // Hits moved the deadline of this entry later: follow it.
            let moved = self
                .table
                .shard(hash)
                .entries
                .read()
                .find(hash, |e| self.hash_of(&e.key) == hash)
                .map(|e| e.deadline.get());
            if let Some(later) = moved.filter(|later| *later > deadline) {
                state.wheel.schedule(later, hash);
            }
        }
        if let Some(entry) = expired {
            self.forget(state, hash, &entry);
            removed.entry(entry, RemovalCause::Expired);
        }
    }

    /// Purges every entry that expired by now (the start of every write).
    fn purge(&self, state: &mut State<P>, removed: &mut Removals<K, V>) {
        if state.wheel.len() == 0 {
            return;
        }
        let mut due = Vec::new();
        state.wheel.advance(self.now(), &mut |item| due.push(item));
        for item in due {
            self.expire_item(state, item, removed);
        }
        if state.wheel.len() > 2 * usize::try_from(state.len).unwrap_or(usize::MAX) + 64 {
            let table = &self.table;
            state.wheel.retain(|(deadline, hash)| {
                table
                    .shard(hash)
                    .entries
                    .read()
                    .find(hash, |e| {
                        (e.deadline.get() == deadline || self.idle.is_some())
                            && self.hash_of(&e.key) == hash
                    })
                    .is_some()
            });
        }
    }

    /// Asks the policy for victims until the store fits its capacity.
    fn evict_to_capacity(&self, state: &mut State<P>, removed: &mut Removals<K, V>) {
        let mut bogus = 0;
        while state.weight > self.limit {
            let victim = state.policy.evict();
            if let Some(hash) = victim {
                let named = |e: &Entry<K, V>| !e.is_pending() && self.hash_of(&e.key) == hash;
                if let Some(entry) = self.take(state, hash, named) {
                    removed.entry(entry, RemovalCause::Size);
                    continue;
                }
            }
            bogus += 1;
            if (victim.is_none() || bogus > MAX_BOGUS_VICTIMS) && !self.evict_any(state, removed) {
                break;
            }
        }
    }

    /// Evicts some entry the policy failed to name; false when empty.
    #[cold]
    fn evict_any(&self, state: &mut State<P>, removed: &mut Removals<K, V>) -> bool {
        let found = self.table.shards().iter().find_map(|shard| {
            let entries = shard.entries.read();
            let counted = entries.iter().find(|e| !e.is_pending());
            counted.map(|e| self.hash_of(&e.key))
        });
        let Some(hash) = found else {
            state.weight = 0;
            state.len = 0;
            return false;
        };
        if let Some(entry) =
            self.take(state, hash, |e| !e.is_pending() && self.hash_of(&e.key) == hash)
        {
            self.forget(state, hash, &entry);
            removed.entry(entry, RemovalCause::Size);
        }
        true
    }

    /// An entry heavier than the whole capacity: never kept, and the value
    /// it would have replaced is gone too.
    #[cold]
    fn refuse(
        &self,
        state: &mut State<P>,
        hash: u64,
        key: K,
        value: V,
        removed: &mut Removals<K, V>,
    ) {
        if let Some(old) = self.take(state, hash, |e| e.key == key) {
            self.forget(state, hash, &old);
            let cause = self.displaced(&old, RemovalCause::Replaced);
            removed.entry(old, cause);
        }
        removed.push(key, value, RemovalCause::Size);
    }

    /// Publishes a new key's entry before its insert takes the maintenance
    /// lock: as a *pending* entry, which readers find but the policy, the
    /// wheel and the weight account do not count until
    /// [`adopt`](Self::adopt). Gives the entry back when the key is present
    /// and counted (an update: it waits for the lock). A pending entry of
    /// the key (another insert waiting for the lock) takes this value.
    fn publish_pending(
        &self,
        hash: u64,
        mut entry: Entry<K, V>,
        removed: &mut Removals<K, V>,
    ) -> Option<Entry<K, V>> {
        let mut entries = self.table.shard(hash).entries.write();
        if let Some(slot) = entries.find_mut(hash, |e| e.key == entry.key) {
            if !slot.is_pending() {
                return Some(entry);
            }
            entry.set_pending(true);
            let old = std::mem::replace(slot, entry);
            drop(entries);
            let cause = self.displaced(&old, RemovalCause::Replaced);
            removed.entry(old, cause);
            return None;
        }
        if entries.len() == entries.capacity() {
            make_room(&mut entries, |e| self.hasher.hash_one(&e.key));
        }
        entry.set_pending(true);
        entries.insert_unique(hash, entry, |e| self.hasher.hash_one(&e.key));
        None
    }

    /// Counts the pending entry this thread published for `hash`, if it is
    /// still pending (a remove, a clear or an expiry may have taken it, and
    /// another insert of the key may have adopted it with its own value:
    /// then there is nothing left to do). Its deadline when it was adopted.
    fn adopt(&self, state: &mut State<P>, hash: u64) -> Option<Ticks> {
        let mut entries = self.table.shard(hash).entries.write();
        let slot = entries.find_mut(hash, |e| e.is_pending() && self.hash_of(&e.key) == hash)?;
        self.count(state, hash, slot);
        Some(slot.deadline.get())
    }

    /// Counts the pending entry `slot` (of `hash`): the policy, the weight
    /// account and the length learn of it, as of a new insert.
    fn count(&self, state: &mut State<P>, hash: u64, slot: &mut Entry<K, V>) {
        slot.set_pending(false);
        let (weight, deadline) = (slot.weight, slot.deadline.get());
        if self.bounded() {
            let expires_at = (deadline.is_some()).then(|| deadline.instant(self.epoch));
            state.policy.on_insert(&EntryInfo::new(&slot.key, hash, weight, expires_at));
        }
        state.weight += u64::from(weight);
        state.len += 1;
    }

    /// After an entry with `deadline` was counted: schedules its expiry and
    /// evicts down to the capacity.
    fn settle(
        &self,
        state: &mut State<P>,
        hash: u64,
        deadline: Ticks,
        removed: &mut Removals<K, V>,
    ) {
        if deadline.is_some() {
            state.wheel.schedule(deadline, hash);
            // Already expired on arrival: it leaves at once.
            self.purge(state, removed);
        }
        self.evict_to_capacity(state, removed);
    }

    /// A reader found `key` expired: remove it if it still is.
    #[cold]
    fn expire_read<Q: Hash + Equivalent<K> + ?Sized>(&self, hash: u64, key: &Q) {
        let _reporting = self.reporting();
        let mut state = self.state.lock();
        let now = self.now();
        let expired = self.take(&mut state, hash, |e| key.equivalent(&e.key) && e.is_expired(now));
        if let Some(entry) = &expired {
            self.forget(&mut state, hash, entry);
        }
        self.publish(&state);
        drop(state);
        if let Some(entry) = expired {
            self.listeners.notify(&entry.key, &entry.value, RemovalCause::Expired);
        }
    }
}

impl<K, V, P> PolicyStore<K, V, P>
where
    K: Hash + Eq + Clone,
    V: Clone,
    P: EvictionPolicy<K>,
{
    /// The hit path: the live value, its deadline (after a time-to-idle
    /// move) and the clock reading that checked it (when it has one),
    /// recording the access.
    ///
    /// Always inlined (and so is `get`): in a binary with several stores
    /// the compiler kept it out of line, and the call cost ~8% of a Zipf
    /// read at one thread (`compare`: 0.83-0.84x quick_cache out of line,
    /// 0.89-0.93x inlined, three runs each). Its slow paths are `#[cold]`
    /// calls, so the inlined body stays small.
    #[inline(always)]
    fn hit<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<(V, Ticks, Option<Ticks>)> {
        let hash = self.hasher.hash_one(key);
        let entries = self.table.shard(hash).entries.read();
        let entry = entries.find(hash, |e| key.equivalent(&e.key))?;
        let mut deadline = entry.deadline.get();
        let mut checked = None;
        if deadline.is_some() {
            let now = self.now();
            checked = Some(now);
            if deadline.has_passed(now) {
                drop(entries);
                self.expire_read(hash, key);
                return None;
            }
            if let Some(idle) = self.idle {
                let wanted = Self::touched(now, idle, entry.cap());
                if wanted > deadline {
                    // No write at all once the cap holds the deadline.
                    deadline = entry.deadline.extend_to(wanted);
                }
            }
        }
        let value = entry.value.clone();
        drop(entries);
        if self.bounded() && self.reads.record(hash, self.quiet.sampling()) {
            self.drain_from_reader();
        }
        Some((value, deadline, checked))
    }
}

impl<K, V> PolicyStore<K, V, WTinyLfu>
where
    K: Hash + Eq + Clone,
{
    /// Starts configuring a store of `capacity` (entries, or weight once a
    /// weigher is set), with the adaptive [`WTinyLfu`] policy by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::{Lru, PolicyStore};
    ///
    /// let store = PolicyStore::builder(100).policy(|_| Lru::new()).build();
    /// store.insert(1, "one", None);
    /// assert_eq!(store.get(&1), Some("one"));
    /// ```
    pub fn builder(capacity: u64) -> PolicyStoreBuilder<K, V, fn(u64) -> WTinyLfu> {
        PolicyStoreBuilder::new(Capacity::Entries(capacity))
    }

    /// A store of `capacity` entries with the adaptive [`WTinyLfu`] policy.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::Store;
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::tinylfu(10_000);
    /// store.insert("k", 1, None);
    /// assert!(store.contains_key("k"));
    /// ```
    #[must_use]
    pub fn tinylfu(capacity: u64) -> Self {
        Self::new(capacity, WTinyLfu::new).with_updates_as_hits().with_quiet_sampling(true)
    }

    /// A store without a bound: nothing is evicted for size, the policy is
    /// never consulted and hits record nothing (no exclusive lock on a
    /// hit); expired entries are still reclaimed without reads.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store};
    /// use cache_policies::PolicyStore;
    ///
    /// let store = PolicyStore::unbounded();
    /// for key in 0..1_000 {
    ///     store.insert(key, (), None);
    /// }
    /// assert_eq!((store.len(), store.capacity()), (1_000, Capacity::Unbounded));
    /// ```
    #[must_use]
    pub fn unbounded() -> Self {
        Self::from_parts(Capacity::Unbounded, WTinyLfu::new(0), None, None)
    }
}

macro_rules! policy_constructor {
    ($policy:ident, $name:ident, $what:literal, $example:literal) => {
        impl<K, V> PolicyStore<K, V, $policy>
        where
            K: Hash + Eq + Clone,
        {
            #[doc = concat!("A store of `capacity` entries with ", $what, " eviction.")]
            ///
            /// # Examples
            ///
            /// ```
            /// use cache_core::Store;
            /// use cache_policies::PolicyStore;
            ///
            #[doc = $example]
            /// ```
            #[must_use]
            pub fn $name(capacity: u64) -> Self {
                Self::new(capacity, |_| $policy::new()).with_updates_as_hits()
            }
        }
    };
}

policy_constructor!(
    Lru,
    lru,
    "exact [`Lru`]",
    "let store = PolicyStore::lru(1);\nstore.insert(1, 1, None);\nstore.insert(2, 2, None);\nassert_eq!((store.get(&1), store.get(&2)), (None, Some(2)));"
);
policy_constructor!(
    Sieve,
    sieve,
    "[`Sieve`]",
    "let store = PolicyStore::sieve(2);\nstore.insert(1, (), None);\nstore.insert(2, (), None);\nstore.get(&1);\nstore.insert(3, (), None);\nassert!(store.contains_key(&1) && !store.contains_key(&2));"
);
policy_constructor!(
    Fifo,
    fifo,
    "[`Fifo`]",
    "let store = PolicyStore::fifo(1);\nstore.insert(1, (), None);\nstore.insert(2, (), None);\nassert!(!store.contains_key(&1));"
);
policy_constructor!(
    Lfu,
    lfu,
    "[`Lfu`] (LFU-DA)",
    "let store = PolicyStore::lfu(2);\nstore.insert(1, (), None);\nstore.insert(2, (), None);\nstore.get(&1);\nstore.insert(3, (), None);\nassert!(store.contains_key(&1) && !store.contains_key(&2));"
);

impl<K, V, P> Store<K, V> for PolicyStore<K, V, P>
where
    K: Hash + Eq + Clone + Send + Sync,
    V: Clone + Send + Sync,
    P: EvictionPolicy<K>,
{
    #[inline(always)]
    fn get<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        self.hit(key).map(|(value, _, _)| value)
    }

    #[inline]
    fn get_with_time_left<Q: Hash + Equivalent<K> + ?Sized>(
        &self,
        key: &Q,
    ) -> Option<(V, Option<std::time::Duration>)> {
        let (value, deadline, now) = self.hit(key)?;
        let left = now.map(|now| std::time::Duration::from_nanos(deadline.get() - now.get()));
        Some((value, left))
    }

    fn contains_key<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> bool {
        let hash = self.hasher.hash_one(key);
        let entries = self.table.shard(hash).entries.read();
        entries
            .find(hash, |e| key.equivalent(&e.key))
            .is_some_and(|e| !e.deadline.get().is_some() || !e.is_expired(self.now()))
    }

    fn insert(&self, key: K, value: V, expires_at: Option<Instant>) {
        let weight = self.weigher.as_ref().map_or(1, |w| w.weigh(&key, &value));
        let hash = self.hash_of(&key);
        let (key, value) = if expires_at.is_none()
            && self.idle.is_none()
            && (self.updates_as_hits || !self.bounded())
            && !self.timed.load(Ordering::Relaxed)
        {
            match self.overwrite(hash, key, value, weight) {
                Ok(()) => return,
                Err(back) => back,
            }
        } else {
            (key, value)
        };
        let (deadline, cap) = self.deadline_of(expires_at);
        let _reporting = self.reporting();
        let mut removed = Removals::new();
        let oversized = u64::from(weight) > self.limit || self.limit == 0;
        let entry = Entry::new(key, value, deadline, weight, cap);
        let (mut state, entry) = match self.state.try_lock() {
            Some(state) => (state, Some(entry)),
            None if oversized => (self.state.lock(), Some(entry)),
            None => {
                // Another write holds the lock (for as long as it takes, and
                // a parked waiter may wait for longer): the entry is
                // published first, so that readers find it meanwhile.
                let entry = self.publish_pending(hash, entry, &mut removed);
                (self.state.lock(), entry)
            }
        };
        self.drain_for_write(&mut state);
        self.purge(&mut state, &mut removed);
        match entry {
            Some(entry) if oversized => {
                // Heavier than the whole capacity, or a capacity of 0.
                self.refuse(&mut state, hash, entry.key, entry.value, &mut removed);
            }
            Some(entry) => {
                self.store_entry(&mut state, hash, entry, &mut removed);
                self.settle(&mut state, hash, deadline, &mut removed);
            }
            None => {
                if let Some(deadline) = self.adopt(&mut state, hash) {
                    self.settle(&mut state, hash, deadline, &mut removed);
                }
            }
        }
        self.publish(&state);
        drop(state);
        removed.report(&self.listeners);
    }

    fn remove<Q: Hash + Equivalent<K> + ?Sized>(&self, key: &Q) -> Option<V> {
        let hash = self.hasher.hash_one(key);
        let _reporting = self.reporting();
        let mut removed = Removals::new();
        let mut state = self.state.lock();
        self.drain_for_write(&mut state);
        self.purge(&mut state, &mut removed);
        let entry = self.take(&mut state, hash, |e| key.equivalent(&e.key));
        if let Some(entry) = &entry {
            self.forget(&mut state, hash, entry);
        }
        self.publish(&state);
        drop(state);
        removed.report(&self.listeners);
        let entry = entry?;
        if entry.is_expired(self.now()) {
            self.listeners.notify(&entry.key, &entry.value, RemovalCause::Expired);
            None
        } else {
            self.listeners.notify(&entry.key, &entry.value, RemovalCause::Explicit);
            Some(entry.value)
        }
    }

    fn clear(&self) {
        let _reporting = self.reporting();
        let mut removed = Removals::new();
        let mut state = self.state.lock();
        self.quiet.wrote(&mut state.quiet_hits);
        self.reads.drain(|_| {});
        self.purge(&mut state, &mut removed);
        let mut drained = Vec::new();
        for shard in self.table.shards() {
            drained.extend(shard.entries.write().drain());
        }
        state.policy.clear();
        state.wheel.clear();
        state.weight = 0;
        state.len = 0;
        self.publish(&state);
        drop(state);
        removed.report(&self.listeners);
        for entry in drained {
            let cause = self.displaced(&entry, RemovalCause::Explicit);
            self.listeners.notify(&entry.key, &entry.value, cause);
        }
    }

    fn run_pending_tasks(&self) {
        let _reporting = self.reporting();
        let mut removed = Removals::new();
        let mut state = self.state.lock();
        self.drain_reads(&mut state);
        self.purge(&mut state, &mut removed);
        self.publish(&state);
        drop(state);
        removed.report(&self.listeners);
    }

    #[inline]
    fn len(&self) -> u64 {
        self.len.load(Ordering::Relaxed)
    }

    #[inline]
    fn weighted_size(&self) -> u64 {
        self.weight.load(Ordering::Relaxed)
    }

    fn capacity(&self) -> Capacity {
        self.capacity
    }

    fn time_to_idle(&self) -> Option<std::time::Duration> {
        self.idle.map(std::time::Duration::from_nanos)
    }

    fn for_each_entry(&self, visit: &mut dyn FnMut(&K, &V)) {
        let now = self.now();
        for shard in self.table.shards() {
            for entry in shard.entries.read().iter() {
                if !entry.is_expired(now) {
                    visit(&entry.key, &entry.value);
                }
            }
        }
    }

    fn add_eviction_listener(&self, listener: EvictionListener<K, V>) {
        self.listeners.add(listener);
    }

    #[inline]
    fn reports_in_flight(&self) -> bool {
        self.reporting.load(Ordering::Acquire) > 0
    }
}

impl<K, V, P> fmt::Debug for PolicyStore<K, V, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyStore")
            .field("capacity", &self.capacity)
            .field("weighted", &self.weigher.is_some())
            .field("shards", &self.table.shards().len())
            .field("len", &self.len.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}
