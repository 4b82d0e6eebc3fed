//! The engine's promises in the configurations users write: unbounded
//! stores with a TTL, byte weighers with large budgets, entries of every
//! size, any shard count.

mod store_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cache_core::time::deadline_after;
use cache_core::{Capacity, DynStore, RemovalCause, Store, weigher_fn};
use cache_policies::{LruStore, PolicyStore, TtlStore};
use store_support::{advance, paused_runtime};

type Erased = Box<dyn DynStore<u64, u64>>;

fn unbounded_stores() -> Vec<(&'static str, Erased)> {
    vec![
        ("default", Box::new(PolicyStore::unbounded())),
        ("lru", Box::new(LruStore::unbounded())),
        ("ttl", Box::new(TtlStore::new())),
    ]
}

#[test]
fn unbounded_stores_reclaim_expired_entries_without_reads() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    for (name, store) in unbounded_stores() {
        let expired = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&expired);
        store.add_eviction_listener(Arc::new(move |_, _, cause| {
            if cause == RemovalCause::Expired {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
        for key in 0..50_000 {
            store.insert(key, key, deadline_after(Duration::from_millis(1 + key % 1_000)));
        }
        assert_eq!(store.len(), 50_000, "{name}");
        advance(&rt, Duration::from_secs(1));
        store.insert(u64::MAX, 0, None); // a write, and no read anywhere
        assert_eq!(store.len(), 1, "{name}: every expired entry reclaimed by one write");
        assert_eq!(expired.load(Ordering::Relaxed), 50_000, "{name}");
        assert_eq!(store.capacity(), Capacity::Unbounded, "{name}");
    }
}

#[test]
fn expired_entries_leave_at_their_deadline_not_later() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    let store = PolicyStore::tinylfu(1_000);
    for key in 0..100u64 {
        store.insert(key, key, deadline_after(Duration::from_millis(10 * (key + 1))));
    }
    for step in 1..=100u64 {
        advance(&rt, Duration::from_millis(10));
        store.run_pending_tasks();
        assert_eq!(store.len(), 100 - step, "after {} ms", 10 * step);
    }
}

/// With a time to idle, a hit never moves a deadline earlier: an entry whose
/// TTL comes before its idle deadline lives to its TTL however often it is
/// read, sub-second TTLs included (a hit used to cut the deadline back to
/// the TTL in whole seconds, expiring the entry at the next read).
#[test]
fn reads_under_a_time_to_idle_never_shorten_an_entry_s_ttl() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    let stores: Vec<(&str, Erased)> = vec![
        ("default", Box::new(PolicyStore::tinylfu(100).with_time_to_idle(Duration::from_secs(60)))),
        ("lru", Box::new(LruStore::new(100).with_time_to_idle(Duration::from_secs(60)))),
        ("ttl", Box::new(TtlStore::with_capacity(100).with_time_to_idle(Duration::from_secs(60)))),
    ];
    for (name, store) in stores {
        advance(&rt, Duration::from_millis(1_300)); // the TTLs end in a second's fraction
        store.insert(1, 1, deadline_after(Duration::from_millis(500)));
        store.insert(2, 2, deadline_after(Duration::from_millis(2_500)));
        store.insert(3, 3, deadline_after(Duration::from_millis(600))); // read once, then never
        for step in 1..=4 {
            advance(&rt, Duration::from_millis(100));
            if step == 1 {
                assert_eq!(store.get(&3), Some(3), "{name}");
            }
            assert_eq!(store.get(&1), Some(1), "{name}: read {step}, {step}00 ms in");
        }
        advance(&rt, Duration::from_millis(99));
        assert_eq!(store.get(&1), Some(1), "{name}: 1 ms before its TTL");
        advance(&rt, Duration::from_millis(1));
        assert_eq!(store.get(&1), None, "{name}: at its TTL");
        advance(&rt, Duration::from_millis(200));
        store.run_pending_tasks();
        assert_eq!(store.len(), 1, "{name}: the wheel took 3 at its TTL, unread");
        advance(&rt, Duration::from_millis(1_700)); // 2.4 s in: read in its TTL's last second
        assert_eq!(store.get(&2), Some(2), "{name}");
        assert_eq!(store.get(&2), Some(2), "{name}: a read in the TTL's last second kept it");
        advance(&rt, Duration::from_millis(100));
        assert_eq!(store.get(&2), None, "{name}: at its TTL");
    }
}

#[test]
fn an_entry_up_to_the_whole_budget_is_kept_whatever_the_shard_count() {
    const BUDGET: u64 = 64 << 20;
    for shards in [1, 4, 64] {
        let store = PolicyStore::builder(BUDGET)
            .weigher(weigher_fn(|_: &u8, v: &Vec<u8>| u32::try_from(v.len()).unwrap()))
            .shards(shards)
            .build();
        let refused = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&refused);
        store.add_eviction_listener(Arc::new(move |_, _, cause| {
            assert_eq!(cause, RemovalCause::Size);
            count.fetch_add(1, Ordering::Relaxed);
        }));
        store.insert(1, vec![0; usize::try_from(BUDGET).unwrap()], None);
        assert_eq!(store.weighted_size(), BUDGET, "{shards} shards: the whole budget fits");
        store.insert(2, vec![0; usize::try_from(BUDGET).unwrap() + 1], None);
        assert!(!store.contains_key(&2), "{shards} shards: heavier than the budget");
        assert_eq!(refused.load(Ordering::Relaxed), 1);
        store.insert(3, vec![0; 1 << 20], None); // one of the two must go
        assert_eq!(store.len(), 1);
        assert!(store.weighted_size() <= BUDGET);
    }
}

/// A budget of `u64::MAX` bytes with entries of many sizes: nothing is
/// evicted, the weight is exact, and removing gives every byte back (that
/// it reserves nothing up front is measured by `--bin memory`, in a process
/// of its own, and by the policy's own unit test of its sketch).
#[test]
fn a_u64_max_byte_budget_with_entries_of_many_sizes_keeps_exact_weight() {
    let store = PolicyStore::builder(u64::MAX)
        .weigher(weigher_fn(|_: &u64, v: &Vec<u8>| u32::try_from(v.len()).unwrap()))
        .build();
    let size = |key: u64| usize::try_from((key * 7_919) % 70_000).unwrap();
    let mut total = 0;
    for key in 0..1_000 {
        store.insert(key, vec![0; size(key)], None);
        total += size(key) as u64;
    }
    assert_eq!((store.len(), store.weighted_size()), (1_000, total));
    assert_eq!(store.capacity(), Capacity::Weight(u64::MAX));
    for key in 0..1_000 {
        assert_eq!(store.remove(&key).map(|v| v.len()), Some(size(key)));
    }
    assert_eq!((store.len(), store.weighted_size()), (0, 0));
}

#[test]
fn borrowed_keys_find_owned_ones_in_every_configuration() {
    let stores: Vec<Box<dyn DynStore<String, u8>>> = vec![
        Box::new(PolicyStore::tinylfu(10)),
        Box::new(PolicyStore::unbounded()),
        Box::new(LruStore::new(10)),
        Box::new(TtlStore::with_capacity(10)),
    ];
    for store in stores {
        store.insert("key".to_owned(), 1, None);
        assert_eq!(store.get("key"), Some(1));
        assert!(store.contains_key("key"));
        assert_eq!(store.remove("key"), Some(1));
        assert!(store.is_empty());
    }
}

#[test]
fn a_sharded_store_evicts_exactly_as_its_policy_alone() {
    // One policy for the whole store: with 64 shards, an LRU of 3 is exact.
    let store = PolicyStore::builder(3).policy(|_| cache_policies::Lru::new()).shards(64).build();
    for key in 0..3u64 {
        store.insert(key, key, None);
    }
    store.get(&0);
    store.insert(3, 3, None);
    assert!(!store.contains_key(&1), "1 was the least recently used of the whole store");
    assert!(store.contains_key(&0) && store.contains_key(&2) && store.contains_key(&3));
}

#[test]
fn listeners_run_outside_the_locks_and_may_call_back_into_the_store() {
    let store = Arc::new(PolicyStore::lru(2));
    let weak = Arc::downgrade(&store);
    let seen = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&seen);
    store.add_eviction_listener(Arc::new(move |key: &u64, _: &u64, cause| {
        let store = weak.upgrade().expect("alive");
        // Under a store lock this would deadlock: reads and writes here.
        assert!(!store.contains_key(key), "{cause:?}: already gone when reported");
        if cause == RemovalCause::Size && *key < 100 {
            store.insert(key + 100, 0, None);
        }
        count.fetch_add(1, Ordering::Relaxed);
    }));
    for key in 0..3 {
        store.insert(key, key, None);
    }
    assert!(seen.load(Ordering::Relaxed) >= 1);
    assert!(store.len() <= 2);
}

#[test]
fn a_panicking_listener_leaves_the_store_usable() {
    let store = PolicyStore::lru(1);
    store.add_eviction_listener(Arc::new(|_: &u64, _: &u64, _| panic!("a listener bug")));
    for key in 0..10 {
        store.insert(key, key, None);
    }
    assert_eq!(store.len(), 1);
    assert_eq!(store.get(&9), Some(9));
}
