//! The order in which a `TtlStore`'s entries expire, which is also the order
//! in which they are evicted when the store is full.

use std::collections::BTreeMap;

use cache_core::time::Instant;

/// When an entry is due: at a deadline, or never (after every deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Due {
    /// The entry expires at this instant.
    At(Instant),
    /// The entry never expires.
    Never,
}

impl Due {
    pub(super) fn from_deadline(deadline: Option<Instant>) -> Self {
        deadline.map_or(Self::Never, Self::At)
    }
}

/// Every entry of the store, ordered by due time and then by insertion
/// sequence number (unique per entry), each mapped to its key's hash so the
/// entry can be found in the table.
///
/// A `BTreeMap` rather than a heap: an entry that is replaced or removed is
/// taken out at once in `O(log n)`, so nothing stale piles up, and the
/// earliest entry is at the front, which serves both expiry and eviction.
#[derive(Debug, Default)]
pub(super) struct DeadlineQueue {
    order: BTreeMap<(Due, u64), u64>,
}

impl DeadlineQueue {
    /// Adds the entry `seq` (whose key hashes to `hash`), due at `due`.
    pub(super) fn push(&mut self, due: Due, seq: u64, hash: u64) {
        self.order.insert((due, seq), hash);
    }

    /// Takes out the entry `seq` due at `due`.
    pub(super) fn remove(&mut self, due: Due, seq: u64) {
        self.order.remove(&(due, seq));
    }

    /// Takes out the earliest entry if its deadline is at or before `now`,
    /// returning its sequence number and key hash.
    pub(super) fn pop_expired(&mut self, now: Instant) -> Option<(u64, u64)> {
        let entry = self.order.first_entry()?;
        match entry.key() {
            (Due::At(deadline), _) if *deadline <= now => {}
            _ => return None,
        }
        let ((_, seq), hash) = entry.remove_entry();
        Some((seq, hash))
    }

    /// Takes out the entry to evict: the earliest due, then the first inserted,
    /// other than entry `spare` (the newcomer, which is never its own
    /// victim). Returns its sequence number and key hash.
    pub(super) fn pop_victim(&mut self, spare: u64) -> Option<(u64, u64)> {
        let victim = *self.order.keys().find(|(_, seq)| *seq != spare)?;
        let hash = self.order.remove(&victim)?;
        Some((victim.1, hash))
    }

    /// Forgets every entry.
    pub(super) fn clear(&mut self) {
        self.order.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn expires_in_deadline_order_and_evicts_never_due_last() {
        let t0 = Instant::now();
        let at = |secs| Due::At(t0 + Duration::from_secs(secs));
        let mut queue = DeadlineQueue::default();
        queue.push(Due::Never, 0, 100);
        queue.push(at(5), 1, 101);
        queue.push(at(2), 2, 102);
        queue.push(at(9), 3, 103);
        queue.remove(at(9), 3);

        assert_eq!(queue.pop_expired(t0 + Duration::from_secs(1)), None);
        assert_eq!(queue.pop_expired(t0 + Duration::from_secs(5)), Some((2, 102)));
        assert_eq!(queue.pop_victim(1), Some((0, 100)), "the spared entry is skipped");
        assert_eq!(queue.pop_victim(1), None);
        assert_eq!(queue.pop_victim(7), Some((1, 101)));
        assert!(Due::from_deadline(None) > at(u64::from(u32::MAX)));
        queue.push(Due::Never, 4, 104);
        queue.clear();
        assert_eq!(queue.pop_victim(0), None);
    }
}
