//! The policy behind `TtlStore`: soonest deadline first.

use std::collections::{BTreeSet, HashMap};

use cache_core::time::Instant;
use cache_core::{EntryInfo, EvictionPolicy};

/// Where an entry sorts: entries with a deadline (soonest first) before
/// those without, then insertion order.
type Rank = (bool, Option<Instant>, u64);

/// Evicts the entry closest to its deadline, never the one just inserted
/// while another is tracked. O(log n) per operation.
#[derive(Debug, Default)]
pub(crate) struct ExpiryOrder {
    order: BTreeSet<(Rank, u64)>,
    ranks: HashMap<u64, Rank>,
    stamp: u64,
    newest: Option<u64>,
}

impl ExpiryOrder {
    fn track(&mut self, hash: u64, expires_at: Option<Instant>) {
        self.forget(hash);
        self.stamp += 1;
        let rank = (expires_at.is_none(), expires_at, self.stamp);
        self.order.insert((rank, hash));
        self.ranks.insert(hash, rank);
        self.newest = Some(hash);
    }

    fn forget(&mut self, hash: u64) {
        if let Some(rank) = self.ranks.remove(&hash) {
            self.order.remove(&(rank, hash));
        }
    }
}

impl<K> EvictionPolicy<K> for ExpiryOrder {
    fn on_insert(&mut self, entry: &EntryInfo<'_, K>) {
        self.track(entry.hash, entry.expires_at);
    }

    fn on_access(&mut self, _hash: u64) {}

    fn on_update(&mut self, entry: &EntryInfo<'_, K>, _old_weight: u32) {
        self.track(entry.hash, entry.expires_at);
    }

    fn on_remove(&mut self, hash: u64) {
        self.forget(hash);
    }

    fn evict(&mut self) -> Option<u64> {
        let mut soonest = self.order.iter().map(|&(_, hash)| hash);
        let first = soonest.next()?;
        let victim =
            if Some(first) == self.newest { soonest.next().unwrap_or(first) } else { first };
        self.forget(victim);
        Some(victim)
    }

    fn clear(&mut self) {
        self.order.clear();
        self.ranks.clear();
        self.newest = None;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn soonest_first_then_no_deadline_and_never_the_newest() {
        let now = Instant::now();
        let at = |s| Some(now + Duration::from_secs(s));
        let mut policy = ExpiryOrder::default();
        let p: &mut dyn EvictionPolicy<u8> = &mut policy;
        p.on_insert(&EntryInfo::new(&0, 1, 1, None));
        p.on_insert(&EntryInfo::new(&0, 2, 1, at(50)));
        p.on_insert(&EntryInfo::new(&0, 3, 1, at(5)));
        assert_eq!(p.evict(), Some(2), "3 is soonest but was just inserted");
        p.on_update(&EntryInfo::new(&0, 1, 1, at(1)), 1);
        p.on_insert(&EntryInfo::new(&0, 4, 1, None));
        p.on_remove(3);
        assert_eq!((p.evict(), p.evict(), p.evict()), (Some(1), Some(4), None));
    }
}
