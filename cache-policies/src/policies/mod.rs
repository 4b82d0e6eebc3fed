//! The shipped eviction policies. Each one is usable on its own (a trace
//! simulator calls the [`EvictionPolicy`](cache_core::EvictionPolicy) methods
//! directly) or inside a [`PolicyStore`](crate::PolicyStore).

mod arena;
mod climber;
mod fifo;
mod key_queue;
mod lfu;
mod lru;
mod sieve;
mod sketch;
mod wtinylfu;

pub use fifo::Fifo;
pub use lfu::Lfu;
pub use lru::Lru;
pub use sieve::Sieve;
pub use wtinylfu::WTinyLfu;

/// Helpers for the policies' unit tests: a key is its own hash.
#[cfg(test)]
pub(crate) mod testing {
    use cache_core::{EntryInfo, EvictionPolicy};

    /// The policy as a `u64`-keyed trait object.
    pub(crate) fn drive<P: EvictionPolicy<u64>>(policy: &mut P) -> &mut dyn EvictionPolicy<u64> {
        policy
    }

    /// Inserts `key` (hashed to itself) with weight 1.
    pub(crate) fn insert(policy: &mut dyn EvictionPolicy<u64>, key: u64) {
        policy.on_insert(&EntryInfo::new(&key, key, 1, None));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use cache_core::{EntryInfo, EvictionPolicy};

    use super::*;

    /// Drives `single` with one `on_access` per hit and `batched` as a store
    /// does (hits in batches through `on_accesses`), and checks both name the
    /// same victims in the same order.
    fn batched_hits_decide_as_single_ones<P: EvictionPolicy<u64>>(mut single: P, mut batched: P) {
        const CAPACITY: usize = 40;
        let hash = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let (mut resident, mut pending) = (HashSet::new(), Vec::new());
        let mut rng = 11u64;
        for step in 0..20_000u64 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let key = (rng % 89) * (rng % 3); // skewed
            let entry = EntryInfo::new(&key, hash(key), 1, None);
            if resident.contains(&key) {
                match step % 13 {
                    0 => {
                        batched.on_accesses(&pending);
                        pending.clear();
                        single.on_update(&entry, 1);
                        batched.on_update(&entry, 1);
                    }
                    1 => {
                        batched.on_accesses(&pending);
                        pending.clear();
                        single.on_remove(hash(key));
                        batched.on_remove(hash(key));
                        resident.remove(&key);
                    }
                    _ => {
                        single.on_access(hash(key));
                        pending.push(hash(key));
                    }
                }
                continue;
            }
            batched.on_accesses(&pending);
            pending.clear();
            single.on_insert(&entry);
            batched.on_insert(&entry);
            resident.insert(key);
            while resident.len() > CAPACITY {
                let victim = single.evict().expect("tracked");
                assert_eq!(batched.evict(), Some(victim), "step {step}");
                resident.retain(|&k| hash(k) != victim);
            }
        }
    }

    /// Drives `updated` with `on_update` (same weight, no deadline) where
    /// `hit` gets `on_access`, and checks both name the same victims: what
    /// lets a `PolicyStore` record such an overwrite as a hit.
    fn same_weight_updates_decide_as_hits<P: EvictionPolicy<u64>>(mut updated: P, mut hit: P) {
        const CAPACITY: usize = 40;
        let hash = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let mut resident = HashSet::new();
        let mut rng = 7u64;
        for step in 0..20_000u64 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let key = (rng % 97) * (rng % 3);
            let entry = EntryInfo::new(&key, hash(key), 1, None);
            if resident.contains(&key) {
                if step % 3 == 0 {
                    updated.on_update(&entry, 1);
                } else {
                    updated.on_access(hash(key));
                }
                hit.on_access(hash(key));
                continue;
            }
            updated.on_insert(&entry);
            hit.on_insert(&entry);
            resident.insert(key);
            while resident.len() > CAPACITY {
                let victim = updated.evict().expect("tracked");
                assert_eq!(hit.evict(), Some(victim), "step {step}");
                resident.retain(|&k| hash(k) != victim);
            }
        }
    }

    #[test]
    fn the_shipped_policies_take_a_same_weight_update_as_a_hit() {
        same_weight_updates_decide_as_hits(Lru::new(), Lru::new());
        same_weight_updates_decide_as_hits(Fifo::new(), Fifo::new());
        same_weight_updates_decide_as_hits(Sieve::new(), Sieve::new());
        same_weight_updates_decide_as_hits(Lfu::new(), Lfu::new());
        same_weight_updates_decide_as_hits(WTinyLfu::new(40), WTinyLfu::new(40));
    }

    #[test]
    fn every_policy_decides_alike_with_batched_and_single_hits() {
        batched_hits_decide_as_single_ones(Lru::new(), Lru::new());
        batched_hits_decide_as_single_ones(Fifo::new(), Fifo::new());
        batched_hits_decide_as_single_ones(Sieve::new(), Sieve::new());
        batched_hits_decide_as_single_ones(Lfu::new(), Lfu::new());
        batched_hits_decide_as_single_ones(WTinyLfu::new(40), WTinyLfu::new(40));
    }
}
