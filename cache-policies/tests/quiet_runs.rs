//! Long runs of hits with no write reach the policy sampled when the store
//! is built to (the default W-TinyLFU is), and in full otherwise.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cache_core::{EntryInfo, EvictionPolicy, Store};
use cache_policies::PolicyStore;

/// Hits every thread passes to the policy in full after a write, before a
/// run counts as quiet (64 reader drains of 32 hits).
const FULL: u64 = 2_048;
/// In a quiet run, one hit in this many reaches the policy.
const SAMPLE: u64 = 16;

/// Counts the hits it is handed; evicts nothing of its own.
#[derive(Debug)]
struct CountsHits(Arc<AtomicU64>);

impl EvictionPolicy<u32> for CountsHits {
    fn on_insert(&mut self, _: &EntryInfo<'_, u32>) {}
    fn on_access(&mut self, _: u64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn on_remove(&mut self, _: u64) {}
    fn evict(&mut self) -> Option<u64> {
        None
    }
    fn clear(&mut self) {}
}

fn store(sampled: Option<bool>) -> (PolicyStore<u32, u32, CountsHits>, Arc<AtomicU64>) {
    let hits = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&hits);
    let mut builder = PolicyStore::builder(100).policy(move |_| CountsHits(counter));
    if let Some(sampled) = sampled {
        builder = builder.sample_quiet_hits(sampled);
    }
    (builder.build(), hits)
}

/// `n` hits on key 1, then a write (a removal, which applies what is still
/// buffered and nothing else).
fn hits_then_write(store: &PolicyStore<u32, u32, CountsHits>, n: u64) {
    for _ in 0..n {
        assert_eq!(store.get(&1), Some(10));
    }
    assert_eq!(store.remove(&2), None);
}

#[test]
fn a_quiet_run_hands_the_policy_one_hit_in_sixteen_until_the_next_write() {
    let (store, applied) = store(Some(true));
    store.insert(1, 10, None);
    let quiet = 320 * SAMPLE;
    hits_then_write(&store, FULL + quiet);
    let seen = applied.swap(0, Ordering::Relaxed);
    // The thread's one-in-sixteen counter may be anywhere in its cycle.
    let expected = FULL + quiet / SAMPLE;
    assert!(seen.abs_diff(expected) <= 1, "{seen} hits applied, expected {expected} ± 1");

    // The write ended the quiet run: every hit counts again.
    hits_then_write(&store, 1_000);
    assert_eq!(applied.swap(0, Ordering::Relaxed), 1_000);
}

#[test]
fn every_hit_reaches_a_policy_that_did_not_ask_for_sampling() {
    for sampled in [None, Some(false)] {
        let (store, applied) = store(sampled);
        store.insert(1, 10, None);
        hits_then_write(&store, 3 * FULL);
        assert_eq!(applied.load(Ordering::Relaxed), 3 * FULL, "sample_quiet_hits: {sampled:?}");
    }
}

#[test]
fn the_default_store_samples_and_its_lru_does_not() {
    // A 3-entry LRU after a quiet run of 10,000 hits still evicts exactly
    // the least recently used key.
    let lru = PolicyStore::lru(3);
    for key in 1..=3 {
        lru.insert(key, key, None);
    }
    for i in 0..10_000u32 {
        let key = [1, 3, 2][usize::try_from(i % 3).unwrap()];
        assert_eq!(lru.get(&key), Some(key));
    }
    lru.insert(4, 4, None); // the last hits were ..., 1, 3, 2, 1: 3 is oldest
    assert_eq!(lru.get(&3), None);
    assert_eq!((lru.get(&1), lru.get(&2)), (Some(1), Some(2)));

    // The default store keeps its hot key through a quiet run and after.
    let tinylfu = PolicyStore::tinylfu(100);
    for key in 0..100u32 {
        tinylfu.insert(key, key, None);
    }
    for _ in 0..(FULL + 100 * SAMPLE) {
        assert_eq!(tinylfu.get(&7), Some(7));
    }
    for key in 100..1_000u32 {
        tinylfu.insert(key, key, None);
    }
    assert_eq!(tinylfu.get(&7), Some(7), "the hot key survives a scan");
}
