//! One shard of a `PolicyStore`: its entries, its policy, its capacity share.

use std::hash::{BuildHasher, Hash};
use std::mem;

use cache_core::time::{Instant, now};
use cache_core::{EvictionPolicy, ListenerSlot, RemovalCause, Victim};
use hashbrown::{DefaultHashBuilder, HashTable};
use parking_lot::{Mutex, RwLock};

use super::expiry::ExpiryQueue;
use super::read_buffer::ReadBuffer;
use super::ticks::Ticks;

/// After this many victims named by the policy that the shard does not hold,
/// the shard evicts an arbitrary entry instead (a misbehaving custom policy
/// must not break the capacity bound or loop forever).
const MAX_BOGUS_VICTIMS: u32 = 16;

/// An entry: 32 bytes for `u64` keys and values. Its hash is not stored
/// (paths that find entries by hash alone, which are off the hit path,
/// rehash the key).
#[derive(Debug)]
struct Entry<K, V> {
    key: K,
    value: V,
    deadline: Ticks,
    weight: u32,
}

impl<K, V> Entry<K, V> {
    fn is_expired(&self, now: Ticks) -> bool {
        self.deadline.has_passed(now)
    }
}

/// What the shards of one store share.
pub(crate) struct Shared<'a, K, V> {
    pub(crate) hasher: &'a DefaultHashBuilder,
    pub(crate) listeners: &'a ListenerSlot<K, V>,
    /// The origin of every deadline's [`Ticks`].
    pub(crate) epoch: Instant,
}

impl<K: Hash, V> Shared<'_, K, V> {
    fn hash(&self, key: &K) -> u64 {
        self.hasher.hash_one(key)
    }

    /// `now()` on the store's deadline scale.
    fn now(&self) -> Ticks {
        Ticks::at(now(), self.epoch)
    }
}

#[derive(Debug)]
struct State<K, V, P> {
    table: HashTable<Entry<K, V>>,
    /// Reached through `get_mut` under the shard's write lock, or locked by
    /// the reader that fills the read buffer, under the read lock (so the
    /// lock is never contended by writers); the mutex also makes the shard
    /// `Sync` without asking `P: Sync`.
    policy: Mutex<P>,
    weight: u64,
    capacity: u64,
    expiry: ExpiryQueue,
}

/// Entries behind a read-write lock, plus the buffer of hits not yet applied
/// to the policy. Hits take the read lock only.
#[derive(Debug)]
pub(crate) struct Shard<K, V, P> {
    state: RwLock<State<K, V, P>>,
    reads: ReadBuffer,
}

impl<K, V, P> Shard<K, V, P>
where
    K: Hash + Eq + Clone,
    V: Clone,
    P: EvictionPolicy<K>,
{
    /// A shard of `capacity` whose read buffer has `stripes` stripes.
    pub(crate) fn new(capacity: u64, policy: P, stripes: usize) -> Self {
        Self {
            state: RwLock::new(State {
                table: HashTable::new(),
                policy: Mutex::new(policy),
                weight: 0,
                capacity,
                expiry: ExpiryQueue::default(),
            }),
            reads: ReadBuffer::new(stripes),
        }
    }

    /// The hit path: read lock, clone, record the access in the buffer.
    #[inline]
    pub(crate) fn get(&self, hash: u64, key: &K, shared: &Shared<'_, K, V>) -> Option<V> {
        let state = self.state.read();
        let entry = state.table.find(hash, |e| e.key == *key)?;
        if entry.deadline.is_some() && entry.is_expired(shared.now()) {
            drop(state);
            self.expire(hash, key, shared);
            return None;
        }
        let value = entry.value.clone();
        if self.reads.record(hash) {
            // A full buffer: apply it under the policy's lock, keeping the
            // read lock (other readers go on; a drain only touches the
            // policy). If another reader is draining, the hit waits in the
            // buffer or is dropped.
            if let Some(mut policy) = state.policy.try_lock() {
                apply_reads(&mut *policy, &state.table, &self.reads, shared);
            }
        }
        drop(state);
        Some(value)
    }

    /// Whether a live entry is present; not an access.
    pub(crate) fn contains(&self, hash: u64, key: &K, shared: &Shared<'_, K, V>) -> bool {
        let state = self.state.read();
        state
            .table
            .find(hash, |e| e.key == *key)
            .is_some_and(|e| !e.deadline.is_some() || !e.is_expired(shared.now()))
    }

    pub(crate) fn insert(
        &self,
        hash: u64,
        key: K,
        value: V,
        deadline: Option<Instant>,
        weight: u32,
        shared: &Shared<'_, K, V>,
    ) {
        let deadline = Ticks::of(deadline, shared.epoch);
        let mut state = self.state.write();
        state.drain(&self.reads, shared);
        let now = (deadline.is_some() || !state.expiry.is_empty()).then(|| shared.now());
        if let Some(now) = now {
            state.purge_expired(now, shared);
        }
        state.insert(hash, Entry { key, value, deadline, weight }, now, shared);
        state.evict_to_capacity(shared);
        state.compact_expiry(shared);
    }

    pub(crate) fn remove(&self, hash: u64, key: &K, shared: &Shared<'_, K, V>) -> Option<V> {
        let mut state = self.state.write();
        state.drain(&self.reads, shared);
        let entry = state.take(hash, key)?;
        state.policy.get_mut().on_remove_hashed(&entry.key, hash);
        if entry.is_expired(shared.now()) {
            shared.listeners.notify(&entry.key, &entry.value, RemovalCause::Expired);
            None
        } else {
            shared.listeners.notify(&entry.key, &entry.value, RemovalCause::Explicit);
            Some(entry.value)
        }
    }

    /// Removes `key` if it has expired (a reader found it so).
    fn expire(&self, hash: u64, key: &K, shared: &Shared<'_, K, V>) {
        let mut state = self.state.write();
        state.drain(&self.reads, shared);
        let now = shared.now();
        let expired = state.table.find(hash, |e| e.key == *key).is_some_and(|e| e.is_expired(now));
        if let Some(entry) = expired.then(|| state.take(hash, key)).flatten() {
            state.policy.get_mut().on_remove_hashed(&entry.key, hash);
            shared.listeners.notify(&entry.key, &entry.value, RemovalCause::Expired);
        }
    }

    pub(crate) fn clear(&self, shared: &Shared<'_, K, V>) {
        let mut state = self.state.write();
        self.reads.drain(|_| {});
        let now = shared.now();
        for entry in state.table.drain() {
            let cause =
                if entry.is_expired(now) { RemovalCause::Expired } else { RemovalCause::Explicit };
            shared.listeners.notify(&entry.key, &entry.value, cause);
        }
        state.policy.get_mut().clear();
        state.weight = 0;
        state.expiry.clear();
    }

    pub(crate) fn run_pending_tasks(&self, shared: &Shared<'_, K, V>) {
        let mut state = self.state.write();
        state.drain(&self.reads, shared);
        if !state.expiry.is_empty() {
            state.purge_expired(shared.now(), shared);
        }
        state.compact_expiry(shared);
    }

    pub(crate) fn len(&self) -> usize {
        self.state.read().table.len()
    }

    pub(crate) fn weighted_size(&self) -> u64 {
        self.state.read().weight
    }
}

impl<K, V, P> State<K, V, P>
where
    K: Hash + Eq + Clone,
    P: EvictionPolicy<K>,
{
    /// Applies buffered hits to the policy, in the order they happened.
    fn drain(&mut self, reads: &ReadBuffer, shared: &Shared<'_, K, V>) {
        apply_reads(self.policy.get_mut(), &self.table, reads, shared);
    }

    /// Removes the entry from the table (not from the policy).
    fn take(&mut self, hash: u64, key: &K) -> Option<Entry<K, V>> {
        let (entry, _) = self.table.find_entry(hash, |e| e.key == *key).ok()?.remove();
        self.weight -= u64::from(entry.weight);
        Some(entry)
    }

    /// Removes the entry whose hash is `hash` (a victim named by hash; a
    /// 64-bit collision inside one shard picks either entry).
    fn take_by_hash(&mut self, hash: u64, shared: &Shared<'_, K, V>) -> Option<Entry<K, V>> {
        let (entry, _) =
            self.table.find_entry(hash, |e| shared.hash(&e.key) == hash).ok()?.remove();
        self.weight -= u64::from(entry.weight);
        Some(entry)
    }

    fn insert(
        &mut self,
        hash: u64,
        entry: Entry<K, V>,
        now: Option<Ticks>,
        shared: &Shared<'_, K, V>,
    ) {
        let (weight, deadline) = (entry.weight, entry.deadline);
        if u64::from(weight) > self.capacity {
            // Never kept: the old value (if any) is replaced by nothing.
            if let Some(old) = self.take(hash, &entry.key) {
                self.policy.get_mut().on_remove_hashed(&old.key, hash);
                shared.listeners.notify(&old.key, &old.value, RemovalCause::Replaced);
            }
            shared.listeners.notify(&entry.key, &entry.value, RemovalCause::Size);
            return;
        }
        if let Some(slot) = self.table.find_mut(hash, |e| e.key == entry.key) {
            let old_value = mem::replace(&mut slot.value, entry.value);
            let old_weight = mem::replace(&mut slot.weight, weight);
            slot.deadline = deadline;
            self.weight = self.weight - u64::from(old_weight) + u64::from(weight);
            self.policy.get_mut().on_update_hashed(&slot.key, hash, old_weight, weight);
            shared.listeners.notify(&slot.key, &old_value, RemovalCause::Replaced);
        } else {
            self.policy.get_mut().on_insert_hashed(&entry.key, hash, weight);
            self.weight += u64::from(weight);
            self.table.insert_unique(hash, entry, |e| shared.hash(&e.key));
        }
        if deadline.is_some() {
            self.expiry.push(deadline, hash);
            if let Some(now) = now {
                // Already expired on arrival: purge it at once.
                self.purge_expired(now, shared);
            }
        }
    }

    /// Removes every entry whose deadline passed at `now`.
    fn purge_expired(&mut self, now: Ticks, shared: &Shared<'_, K, V>) {
        while let Some((deadline, hash)) = self.expiry.pop_expired(now) {
            let found = self
                .table
                .find_entry(hash, |e| e.deadline == deadline && shared.hash(&e.key) == hash);
            if let Ok(found) = found {
                let (entry, _) = found.remove();
                self.weight -= u64::from(entry.weight);
                self.policy.get_mut().on_remove_hashed(&entry.key, hash);
                shared.listeners.notify(&entry.key, &entry.value, RemovalCause::Expired);
            }
        }
    }

    /// Asks the policy for victims until the shard fits its capacity.
    fn evict_to_capacity(&mut self, shared: &Shared<'_, K, V>) {
        let mut bogus = 0;
        while self.weight > self.capacity {
            let victim = self.policy.get_mut().evict_hashed();
            let removed = match &victim {
                Some(Victim::Key(key)) => self.take(shared.hasher.hash_one(key), key),
                Some(Victim::Hash(hash)) => self.take_by_hash(*hash, shared),
                _ => None,
            };
            if let Some(entry) = removed {
                shared.listeners.notify(&entry.key, &entry.value, RemovalCause::Size);
                continue;
            }
            bogus += 1;
            if (victim.is_none() || bogus > MAX_BOGUS_VICTIMS) && !self.evict_any(shared) {
                break;
            }
        }
    }

    /// Evicts some entry the policy failed to name; false when empty.
    fn evict_any(&mut self, shared: &Shared<'_, K, V>) -> bool {
        let Some(hash) = self.table.iter().next().map(|e| shared.hash(&e.key)) else {
            self.weight = 0;
            return false;
        };
        if let Ok(found) = self.table.find_entry(hash, |e| shared.hash(&e.key) == hash) {
            let (entry, _) = found.remove();
            self.weight -= u64::from(entry.weight);
            self.policy.get_mut().on_remove_hashed(&entry.key, hash);
            shared.listeners.notify(&entry.key, &entry.value, RemovalCause::Size);
        }
        true
    }

    /// Drops stale deadline items once they outnumber the entries.
    fn compact_expiry(&mut self, shared: &Shared<'_, K, V>) {
        if self.expiry.needs_compaction(self.table.len()) {
            let table = &self.table;
            self.expiry.retain(|deadline, hash| {
                table
                    .find(hash, |e| e.deadline == deadline && shared.hash(&e.key) == hash)
                    .is_some()
            });
        }
    }
}

/// Applies the buffered hits to `policy`, in the order they happened: by hash
/// alone when the policy can, else through the entry's key. A hash names its
/// entry (a 64-bit collision inside one shard would only credit the access to
/// the wrong key).
fn apply_reads<K: Hash, V, P: EvictionPolicy<K>>(
    policy: &mut P,
    table: &HashTable<Entry<K, V>>,
    reads: &ReadBuffer,
    shared: &Shared<'_, K, V>,
) {
    reads.drain(|hashes| {
        if !policy.on_accesses_by_hash(hashes) {
            for &hash in hashes {
                if let Some(entry) = table.find(hash, |e| shared.hash(&e.key) == hash) {
                    policy.on_access_hashed(&entry.key, hash);
                }
            }
        }
    });
}
