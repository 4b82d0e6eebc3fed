//! The entries of a `TtlStore`: a hash table of entries plus their
//! [`DeadlineQueue`], kept in step, and their total weight.

use cache_core::time::Instant;
use hashbrown::HashTable;

use super::deadline_queue::{DeadlineQueue, Due};

/// One stored entry. The key lives here only (keys need not be `Clone`); the
/// queue refers to the entry by its key's hash and its sequence number.
pub(super) struct Entry<K, V> {
    pub(super) key: K,
    pub(super) value: V,
    pub(super) deadline: Option<Instant>,
    weight: u32,
    /// Unique per insert: tells this entry apart from a later one of the same key.
    seq: u64,
    hash: u64,
}

impl<K, V> Entry<K, V> {
    fn due(&self) -> Due {
        Due::from_deadline(self.deadline)
    }
}

/// The entries, their expiry order and their total weight.
pub(super) struct Table<K, V> {
    entries: HashTable<Entry<K, V>>,
    queue: DeadlineQueue,
    weight: u64,
    next_seq: u64,
}

impl<K: Eq, V> Table<K, V> {
    pub(super) fn new() -> Self {
        Self { entries: HashTable::new(), queue: DeadlineQueue::default(), weight: 0, next_seq: 0 }
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn weight(&self) -> u64 {
        self.weight
    }

    /// The entry for `key` (whose hash is `hash`), expired or not.
    pub(super) fn get(&self, hash: u64, key: &K) -> Option<&Entry<K, V>> {
        self.entries.find(hash, |entry| entry.key == *key)
    }

    /// Adds an entry for a key that is not in the table, returning its
    /// sequence number.
    pub(super) fn insert_new(
        &mut self,
        hash: u64,
        key: K,
        value: V,
        deadline: Option<Instant>,
        weight: u32,
    ) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry { key, value, deadline, weight, seq, hash };
        self.queue.push(entry.due(), seq, hash);
        self.weight += u64::from(weight);
        self.entries.insert_unique(hash, entry, |entry| entry.hash);
        seq
    }

    /// Removes the entry for `key`.
    pub(super) fn take(&mut self, hash: u64, key: &K) -> Option<Entry<K, V>> {
        let found = self.entries.find_entry(hash, |entry| entry.key == *key).ok()?;
        let (entry, _) = found.remove();
        self.queue.remove(entry.due(), entry.seq);
        self.weight -= u64::from(entry.weight);
        Some(entry)
    }

    /// Removes the earliest entry whose deadline is at or before `now`.
    pub(super) fn pop_expired(&mut self, now: Instant) -> Option<Entry<K, V>> {
        let (seq, hash) = self.queue.pop_expired(now)?;
        self.detach(hash, seq)
    }

    /// Removes the entry to evict (earliest due, then first inserted), never
    /// the entry `spare`.
    pub(super) fn pop_victim(&mut self, spare: u64) -> Option<Entry<K, V>> {
        let (seq, hash) = self.queue.pop_victim(spare)?;
        self.detach(hash, seq)
    }

    /// Removes every entry, handing them back.
    pub(super) fn take_all(&mut self) -> HashTable<Entry<K, V>> {
        self.queue.clear();
        self.weight = 0;
        std::mem::take(&mut self.entries)
    }

    /// Removes from the table the entry `seq` already taken out of the queue.
    fn detach(&mut self, hash: u64, seq: u64) -> Option<Entry<K, V>> {
        let found = self.entries.find_entry(hash, |entry| entry.seq == seq).ok()?;
        let (entry, _) = found.remove();
        self.weight -= u64::from(entry.weight);
        Some(entry)
    }
}
