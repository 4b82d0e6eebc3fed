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

/// Hits applied during `n` hits on key 1 and the write that follows.
fn applied_over(store: &PolicyStore<u32, u32, CountsHits>, applied: &AtomicU64, n: u64) -> u64 {
    hits_then_write(store, n);
    applied.swap(0, Ordering::Relaxed)
}

/// A store of `CountsHits` in a quiet run (key 1 present).
fn quiet_store() -> (PolicyStore<u32, u32, CountsHits>, Arc<AtomicU64>) {
    let (store, applied) = store(Some(true));
    store.insert(1, 10, None);
    for _ in 0..FULL + 10 * SAMPLE {
        assert_eq!(store.get(&1), Some(10));
    }
    (store, applied)
}

#[test]
fn a_quiet_run_hands_the_policy_one_hit_in_sixteen_until_the_next_write() {
    let (store, applied) = store(Some(true));
    store.insert(1, 10, None);
    let quiet = 320 * SAMPLE;
    let seen = applied_over(&store, &applied, FULL + quiet);
    // One hit in sixteen drawn at random: 320 expected, σ ≈ 17.
    let sampled = seen.checked_sub(FULL).expect("the first 2,048 hits are all applied");
    assert!((220..=420).contains(&sampled), "{sampled} of {quiet} quiet hits applied");

    // The write ended the quiet run: every hit counts again.
    assert_eq!(applied_over(&store, &applied, 1_000), 1_000);
}

#[test]
fn inserts_removals_and_clear_end_a_quiet_run_maintenance_does_not() {
    type Action = fn(&PolicyStore<u32, u32, CountsHits>);
    let actions: [(&str, Action, bool); 5] = [
        ("insert of a new key", |s| s.insert(3, 30, None), true),
        ("overwrite (a write to this policy)", |s| s.insert(1, 10, None), true),
        ("removal", |s| assert_eq!(s.remove(&9), None), true),
        ("run_pending_tasks", |s| s.run_pending_tasks(), false),
        ("a hit", |s| assert_eq!(s.get(&1), Some(10)), false),
    ];
    for (name, act, ends) in actions {
        let (store, applied) = quiet_store();
        act(&store);
        applied.store(0, Ordering::Relaxed);
        let seen = applied_over(&store, &applied, 1_600);
        if ends {
            assert_eq!(seen, 1_600, "{name} ends the quiet run");
        } else {
            assert!(seen < 400, "{name} leaves the run quiet: {seen} of 1,600 applied");
        }
    }
    let (store, applied) = quiet_store();
    store.clear();
    store.insert(1, 10, None);
    applied.store(0, Ordering::Relaxed);
    assert_eq!(applied_over(&store, &applied, 1_600), 1_600, "clear ends the quiet run");
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
fn an_lru_stays_exact_through_a_quiet_run() {
    // Runs of 10,000 to 10,007 hits cycling 1, 2, 3, 4: after `n` hits the
    // least recently used key is the one after the last hit's, `n % 4 + 1`
    // (a sampled LRU would leave another key oldest three times in four).
    for n in 10_000..10_008u32 {
        let lru = PolicyStore::lru(4);
        for key in 1..=4 {
            lru.insert(key, key, None);
        }
        for i in 0..n {
            let key = i % 4 + 1;
            assert_eq!(lru.get(&key), Some(key));
        }
        lru.insert(5, 5, None);
        let oldest = n % 4 + 1;
        assert_eq!(lru.get(&oldest), None, "{n} hits: {oldest} was least recently used");
        assert_eq!(lru.len(), 4);
    }
}

#[test]
fn the_default_store_keeps_its_hot_key_through_a_quiet_run_and_a_scan() {
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
