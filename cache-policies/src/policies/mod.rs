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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use cache_core::{EvictionPolicy, Victim};

    use super::*;

    /// Drives `plain` through the plain methods and `hashed` as a store
    /// does (its own hash, hits in batches by hash, updates and removals by
    /// hash), and checks both name the same victims in the same order.
    fn hashed_calls_decide_as_the_plain_ones<P: EvictionPolicy<u64>>(mut plain: P, mut hashed: P) {
        const CAPACITY: usize = 40;
        let store_hash = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        let (mut resident, mut pending) = (HashSet::new(), Vec::new());
        let mut rng = 11u64;
        for step in 0..20_000u64 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let key = (rng % 89) * (rng % 3); // skewed
            if resident.contains(&key) {
                match step % 13 {
                    0 => {
                        assert!(hashed.on_accesses_by_hash(&pending));
                        pending.clear();
                        plain.on_update(&key, 1, 1);
                        hashed.on_update_hashed(&key, store_hash(key), 1, 1);
                    }
                    1 => {
                        assert!(hashed.on_accesses_by_hash(&pending));
                        pending.clear();
                        plain.on_remove(&key);
                        hashed.on_remove_hashed(&key, store_hash(key));
                        resident.remove(&key);
                    }
                    _ => {
                        plain.on_access(&key);
                        pending.push(store_hash(key));
                    }
                }
                continue;
            }
            assert!(hashed.on_accesses_by_hash(&pending));
            pending.clear();
            plain.on_insert(&key, 1);
            hashed.on_insert_hashed(&key, store_hash(key), 1);
            resident.insert(key);
            while resident.len() > CAPACITY {
                let victim = plain.evict().expect("tracked");
                let named = hashed.evict_hashed();
                assert_eq!(named, Some(Victim::Hash(store_hash(victim))), "step {step}");
                resident.remove(&victim);
            }
        }
    }

    #[test]
    fn every_policy_decides_alike_through_hashed_and_plain_calls() {
        hashed_calls_decide_as_the_plain_ones(Lru::new(), Lru::new());
        hashed_calls_decide_as_the_plain_ones(Fifo::new(), Fifo::new());
        hashed_calls_decide_as_the_plain_ones(Sieve::new(), Sieve::new());
        hashed_calls_decide_as_the_plain_ones(Lfu::new(), Lfu::new());
        hashed_calls_decide_as_the_plain_ones(WTinyLfu::new(40), WTinyLfu::new(40));
    }
}
