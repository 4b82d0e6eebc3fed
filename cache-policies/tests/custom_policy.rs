//! A user's own policy plugs into `PolicyStore` through `EvictionPolicy`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use cache_core::{EntryInfo, EvictionPolicy, RemovalCause, Store};
use cache_policies::PolicyStore;

/// Evicts the smallest key first.
#[derive(Debug, Default)]
struct SmallestFirst {
    by_key: BTreeMap<u32, u64>,
    keys: HashMap<u64, u32>,
}

impl EvictionPolicy<u32> for SmallestFirst {
    fn on_insert(&mut self, entry: &EntryInfo<'_, u32>) {
        self.by_key.insert(*entry.key, entry.hash);
        self.keys.insert(entry.hash, *entry.key);
    }
    fn on_access(&mut self, _hash: u64) {}
    fn on_remove(&mut self, hash: u64) {
        if let Some(key) = self.keys.remove(&hash) {
            self.by_key.remove(&key);
        }
    }
    fn evict(&mut self) -> Option<u64> {
        let (_, hash) = self.by_key.pop_first()?;
        self.keys.remove(&hash);
        Some(hash)
    }
    fn clear(&mut self) {
        self.by_key.clear();
        self.keys.clear();
    }
}

#[test]
fn smallest_key_leaves_first_end_to_end() {
    let store = PolicyStore::new(3, |_| SmallestFirst::default());
    let evicted = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&evicted);
    store.add_eviction_listener(Arc::new(move |k: &u32, _: &&str, cause| {
        sink.lock().unwrap().push((*k, cause));
    }));
    for key in [5, 1, 9] {
        store.insert(key, "v", None);
    }
    store.get(&1); // accesses do not save it
    store.insert(3, "v", None);
    assert_eq!(store.get(&1), None);
    store.insert(0, "v", None); // the newcomer is the smallest: rejected
    assert!(!store.contains_key(&0));
    store.remove(&9);
    assert_eq!(store.len(), 2);
    assert_eq!(
        *evicted.lock().unwrap(),
        [(1, RemovalCause::Size), (0, RemovalCause::Size), (9, RemovalCause::Explicit)]
    );
}

/// A broken policy: names keys it was never told about, or nothing at all.
#[derive(Debug, Default)]
struct Liar(u32);

impl EvictionPolicy<u32> for Liar {
    fn on_insert(&mut self, _entry: &EntryInfo<'_, u32>) {}
    fn on_access(&mut self, _hash: u64) {}
    fn on_remove(&mut self, _hash: u64) {}
    fn evict(&mut self) -> Option<u64> {
        self.0 += 1;
        (self.0 % 2 == 0).then_some(u64::from(u32::MAX - self.0))
    }
    fn clear(&mut self) {}
}

#[test]
fn a_broken_policy_cannot_break_the_capacity_bound() {
    let store = PolicyStore::new(4, |_| Liar::default());
    for key in 0..100 {
        store.insert(key, key, None);
        assert!(store.len() <= 4);
    }
    assert_eq!(store.len(), 4);
}
