//! Inserts that find the maintenance lock taken publish their entry first
//! (see the store's invariants): readers find it at once, and exactly one
//! write settles it. The tests hold the lock themselves, as a long write
//! would, and act under it as another write would.

use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use cache_core::{RemovalCause, Store};

use super::ticks::Ticks;
use super::{Entry, NO_CAP, PolicyStore, Removals};
use crate::policies::Lru;

type Store3 = PolicyStore<&'static str, u32, Lru>;

/// Waits (without sleeping) until `key` is visible to readers; fails after
/// ten seconds.
fn until_visible(store: &Store3, key: &str) {
    let start = Instant::now();
    while !store.contains_key(key) {
        assert!(start.elapsed() < Duration::from_secs(10), "{key} never became visible");
        std::thread::yield_now();
    }
}

#[test]
fn a_waiting_insert_is_visible_before_it_is_counted_then_counted_and_evictable() {
    let store = PolicyStore::lru(2);
    store.insert("a", 1, None);
    store.insert("b", 2, None);
    std::thread::scope(|s| {
        let guard = store.state.lock();
        let insert = s.spawn(|| store.insert("c", 3, None));
        until_visible(&store, "c");
        assert_eq!(store.get("c"), Some(3), "readers find it while its insert waits");
        assert_eq!((store.len(), guard.len, guard.weight), (2, 2, 2), "not counted yet");
        drop(guard);
        insert.join().unwrap();
    });
    assert_eq!(store.len(), 2, "counted once adopted, and the bound holds");
    assert!(!store.contains_key("a"), "the least recently used key left");
    assert_eq!((store.get("b"), store.get("c")), (Some(2), Some(3)));
    store.insert("d", 4, None);
    assert!(!store.contains_key("b"), "the policy tracks the adopted key in order");
    assert!(store.contains_key("c") && store.contains_key("d"));
}

#[test]
fn a_pending_entry_taken_meanwhile_is_not_adopted() {
    let store = PolicyStore::lru(1);
    std::thread::scope(|s| {
        let mut guard = store.state.lock();
        let insert = s.spawn(|| store.insert("c", 3, None));
        until_visible(&store, "c");
        // A remove holding the lock (as `remove` does).
        let hash = store.hash_of(&"c");
        let taken = store.take(&mut guard, hash, |e| e.key == "c").expect("the pending entry");
        store.forget(&mut guard, hash, &taken);
        assert_eq!((guard.len, guard.weight), (0, 0), "a pending entry was never counted");
        drop(guard);
        insert.join().unwrap();
    });
    assert!(!store.contains_key("c"), "the remove came last");
    assert_eq!((store.len(), store.weighted_size()), (0, 0));
    store.insert("x", 1, None);
    store.insert("y", 2, None);
    assert_eq!((store.len(), store.get("x"), store.get("y")), (1, None, Some(2)));
}

#[test]
fn an_insert_under_the_lock_adopts_a_pending_entry_with_its_value() {
    let store = PolicyStore::lru(4);
    std::thread::scope(|s| {
        let mut guard = store.state.lock();
        let insert = s.spawn(|| store.insert("c", 3, None));
        until_visible(&store, "c");
        // Another insert of the key holding the lock (as `insert` does).
        let hash = store.hash_of(&"c");
        let mut removed = Removals::new();
        let entry = Entry::new("c", 30, Ticks::NONE, 1, NO_CAP);
        assert_eq!(store.store_entry(&mut guard, hash, entry, &mut removed), None, "a new entry");
        assert_eq!((guard.len, guard.weight), (1, 1));
        drop(guard);
        insert.join().unwrap();
    });
    assert_eq!(store.get("c"), Some(30), "the later write's value stays");
    assert_eq!((store.len(), store.weighted_size()), (1, 1), "counted once");
}

/// The removals reported to a listener, in order.
type Reports = Arc<StdMutex<Vec<(&'static str, u32, RemovalCause)>>>;

fn listened(store: &Store3) -> Reports {
    let reports: Reports = Arc::default();
    let sink = Arc::clone(&reports);
    store.add_eviction_listener(Arc::new(move |k: &&'static str, v: &u32, cause| {
        sink.lock().unwrap().push((*k, *v, cause));
    }));
    reports
}

/// Waits (without sleeping) until the table holds `key` with `value` (expired or not, pending
/// or not).
fn until_published(store: &Store3, key: &'static str, value: u32) {
    let start = Instant::now();
    let hash = store.hash_of(&key);
    loop {
        let found =
            store.table.shard(hash).entries.read().find(hash, |e| e.key == key).map(|e| e.value);
        if found == Some(value) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{key}={value} never published");
        std::thread::yield_now();
    }
}

fn past() -> Option<cache_core::time::Instant> {
    cache_core::time::now().checked_sub(Duration::from_secs(1))
}

#[test]
fn an_expired_pending_entry_adopted_by_an_insert_is_reported_expired() {
    let store: Store3 = PolicyStore::lru(4);
    let reports = listened(&store);
    std::thread::scope(|s| {
        let mut guard = store.state.lock();
        let insert = s.spawn(|| store.insert("c", 3, past()));
        until_published(&store, "c", 3);
        let hash = store.hash_of(&"c");
        let mut removed = Removals::new();
        let entry = Entry::new("c", 30, Ticks::NONE, 1, NO_CAP);
        store.store_entry(&mut guard, hash, entry, &mut removed);
        drop(guard);
        removed.report(&store.listeners);
        insert.join().unwrap();
    });
    // Uncontended, the same two inserts report ("c", 3, Expired): the first
    // expires on arrival, before the second is stored.
    assert_eq!(*reports.lock().unwrap(), vec![("c", 3, RemovalCause::Expired)]);
}

#[test]
fn an_expired_pending_entry_replaced_by_a_waiting_insert_is_reported_expired() {
    let store: Store3 = PolicyStore::lru(4);
    let reports = listened(&store);
    std::thread::scope(|s| {
        let guard = store.state.lock();
        let first = s.spawn(|| store.insert("c", 3, past()));
        until_published(&store, "c", 3);
        let second = s.spawn(|| store.insert("c", 4, None));
        until_published(&store, "c", 4);
        drop(guard);
        first.join().unwrap();
        second.join().unwrap();
    });
    assert_eq!(store.get("c"), Some(4));
    assert_eq!(*reports.lock().unwrap(), vec![("c", 3, RemovalCause::Expired)]);
}
