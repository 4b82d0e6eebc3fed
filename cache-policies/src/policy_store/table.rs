//! The engine's entries: a hash table split into shards, each behind its own
//! read-write lock, so concurrent hits on different shards share no lock.

use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::HashTable;
use parking_lot::RwLock;

use super::ticks::Ticks;

/// An entry: 32 bytes for `u64` keys and values. Its hash is not stored
/// (paths that find entries by hash alone, which are off the hit path,
/// rehash the key).
#[derive(Debug)]
pub(crate) struct Entry<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
    /// When it expires: a hit moves it later in a store with a time to idle
    /// (under the shard's read lock, hence atomic).
    pub(crate) deadline: Deadline,
    pub(crate) weight: u32,
    /// Bits 0–30: with a time to idle, the latest a hit may move the
    /// deadline to (the entry's own expiry, in whole seconds from the
    /// store's epoch, rounded down), [`NO_CAP`] without one. Bit 31:
    /// [`PENDING`].
    cap_and_pending: u32,
}

/// No cap on how late a hit may move a deadline.
pub(crate) const NO_CAP: u32 = u32::MAX >> 1;
/// The flag of an entry published by an insert that has not taken the
/// maintenance lock yet: readers see it, but the policy, the wheel and the
/// weight account do not count it until its inserter *adopts* it (see the
/// store's invariants).
const PENDING: u32 = 1 << 31;

impl<K, V> Entry<K, V> {
    /// An entry counted by the store (`cap` at most [`NO_CAP`]).
    pub(crate) fn new(key: K, value: V, deadline: Ticks, weight: u32, cap: u32) -> Self {
        debug_assert!(cap <= NO_CAP);
        let deadline = Deadline::new(deadline);
        Self { key, value, deadline, weight, cap_and_pending: cap & NO_CAP }
    }

    pub(crate) fn is_expired(&self, now: Ticks) -> bool {
        self.deadline.get().has_passed(now)
    }

    /// The latest a hit may move the deadline to ([`NO_CAP`]: none).
    #[inline]
    pub(crate) fn cap(&self) -> u32 {
        self.cap_and_pending & NO_CAP
    }

    pub(crate) fn set_cap(&mut self, cap: u32) {
        self.cap_and_pending = (self.cap_and_pending & PENDING) | (cap & NO_CAP);
    }

    /// Whether the entry is published but not adopted yet.
    pub(crate) fn is_pending(&self) -> bool {
        self.cap_and_pending & PENDING != 0
    }

    pub(crate) fn set_pending(&mut self, pending: bool) {
        self.cap_and_pending = (self.cap_and_pending & NO_CAP) | if pending { PENDING } else { 0 };
    }
}

/// An entry's deadline, readable and movable under a shared lock.
#[derive(Debug)]
pub(crate) struct Deadline(AtomicU64);

impl Deadline {
    pub(crate) fn new(at: Ticks) -> Self {
        Self(AtomicU64::new(at.get()))
    }

    #[inline]
    pub(crate) fn get(&self) -> Ticks {
        Ticks::from_raw(self.0.load(Ordering::Relaxed))
    }

    pub(crate) fn set(&self, at: Ticks) {
        self.0.store(at.get(), Ordering::Relaxed);
    }

    /// Moves the deadline to `at` unless it is already later (a hit never
    /// moves a deadline earlier, whichever of two concurrent hits lands
    /// last); the deadline after.
    pub(crate) fn extend_to(&self, at: Ticks) -> Ticks {
        let before = self.0.fetch_max(at.get(), Ordering::Relaxed);
        Ticks::from_raw(before.max(at.get()))
    }
}

/// One shard, on its own cache lines so that two threads reading different
/// shards never bounce a line between their cores.
#[derive(Debug)]
#[repr(align(128))]
pub(crate) struct Shard<K, V> {
    pub(crate) entries: RwLock<HashTable<Entry<K, V>>>,
}

/// Every shard of a store; a key's shard is picked by bits 32.. of its hash
/// (hashbrown uses the low bits and the top 7 itself).
#[derive(Debug)]
pub(crate) struct Table<K, V> {
    shards: Box<[Shard<K, V>]>,
    mask: usize,
}

impl<K, V> Table<K, V> {
    /// `count` shards (a power of two), all empty: no memory is reserved for
    /// entries until they arrive.
    pub(crate) fn new(count: usize) -> Self {
        debug_assert!(count.is_power_of_two());
        let shards = (0..count).map(|_| Shard { entries: RwLock::new(HashTable::new()) }).collect();
        Self { shards, mask: count - 1 }
    }

    #[inline]
    pub(crate) fn shard(&self, hash: u64) -> &Shard<K, V> {
        #[allow(clippy::cast_possible_truncation)]
        let index = (hash >> 32) as usize & self.mask;
        &self.shards[index]
    }

    pub(crate) fn shards(&self) -> &[Shard<K, V>] {
        &self.shards
    }
}

/// Makes room for one more item in a table that has none left, without
/// doubling it for nothing: rebuilds it at the size its live items need,
/// with at least an eighth to spare (doubling it when they fill it). Called
/// before an insert when `len() == capacity()`, by the shards and by the
/// policies' key indexes.
///
/// A removed item may leave a tombstone that takes room until a rehash, and
/// hashbrown rehashes in place only a table at most half live; it doubles
/// any other. A full cache keeps its tables more than half live and evicts
/// as it inserts, so every table ended at twice the size it needs: 100,000
/// `u64` entries of the default store took 112 B each after churn, 61 B
/// after the first fill. The rebuild is one pass over the items, as
/// hashbrown's own growth or rehash is; the spare eighth spaces rebuilds at
/// least `len / 8` inserts apart.
#[cold]
pub(crate) fn make_room<T>(table: &mut HashTable<T>, hasher: impl Fn(&T) -> u64) {
    let len = table.len();
    let mut fresh = HashTable::with_capacity(len + len / 8 + 1);
    for item in std::mem::take(table) {
        fresh.insert_unique(hasher(&item), item, &hasher);
    }
    *table = fresh;
}

/// Shards chosen by default: four per core (so that two threads rarely read
/// the same shard), at most 64; the count does not depend on the capacity.
pub(crate) fn default_shard_count() -> usize {
    let cores = std::thread::available_parallelism().map_or(4, std::num::NonZero::get);
    (cores * 4).clamp(1, 64).next_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mix(k: u64) -> u64 {
        let x = (k ^ (k >> 31)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x ^ (x >> 29)
    }

    fn insert(table: &mut HashTable<u64>, k: u64) {
        if table.len() == table.capacity() {
            make_room(table, |&k| mix(k));
        }
        table.insert_unique(mix(k), k, |&k| mix(k));
    }

    #[test]
    fn a_table_that_churns_keeps_the_size_its_entries_need() {
        let mut table = HashTable::new();
        for k in 0..3_000 {
            insert(&mut table, k);
        }
        let size = table.allocation_size();
        for k in 3_000..200_000 {
            let old = k - 3_000;
            table.find_entry(mix(old), |&e| e == old).expect("live").remove();
            insert(&mut table, k);
        }
        assert_eq!((table.len(), table.allocation_size()), (3_000, size));
        assert!((197_000..200_000).all(|k| table.find(mix(k), |&e| e == k).is_some()));
        for k in 200_000..204_000 {
            insert(&mut table, k);
        }
        assert!(table.allocation_size() > size, "it still grows with its entries");
    }
}
