//! Inserts that find the maintenance lock taken publish their entry first
//! (see the store's invariants): readers find it at once, and exactly one
//! write settles it. The tests hold the lock themselves, as a long write
//! would, and act under it as another write would.

use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use cache_core::time::{Instant as Deadline, now};
use cache_core::{RemovalCause, Store};

use super::ticks::Ticks;
use super::{Entry, NO_CAP, PolicyStore, Removals, State};
use crate::policies::Lru;

type TestStore = PolicyStore<&'static str, u32, Lru>;

/// An insert a test makes wait: key, value, expiry.
type Insert = (&'static str, u32, Option<Deadline>);

/// Holds the maintenance lock (as a long write would) while other threads
/// make `inserts`, one after another; once each has published its entry,
/// runs `under_lock` with the locked state, then lets the inserts finish.
fn while_inserts_wait(
    store: &TestStore,
    inserts: &[Insert],
    under_lock: impl FnOnce(&mut State<Lru>),
) {
    std::thread::scope(|s| {
        let mut guard = store.state.lock();
        let waiting: Vec<_> = inserts
            .iter()
            .map(|&(key, value, expires_at)| {
                let insert = s.spawn(move || store.insert(key, value, expires_at));
                until_published(store, key, value);
                insert
            })
            .collect();
        under_lock(&mut guard);
        drop(guard);
        for insert in waiting {
            insert.join().unwrap();
        }
    });
}

/// Waits (without sleeping) until the table holds `key` with `value`
/// (pending or not, expired or not); fails after ten seconds.
fn until_published(store: &TestStore, key: &'static str, value: u32) {
    let start = Instant::now();
    let hash = store.hash_of(&key);
    loop {
        let entries = store.table.shard(hash).entries.read();
        if entries.find(hash, |e| e.key == key).is_some_and(|e| e.value == value) {
            return;
        }
        drop(entries);
        assert!(start.elapsed() < Duration::from_secs(10), "{key}={value} never published");
        std::thread::yield_now();
    }
}

/// The removals reported to a listener, in order.
type Reports = Arc<StdMutex<Vec<(&'static str, u32, RemovalCause)>>>;

/// Listens to `store`'s removals.
fn listened(store: &TestStore) -> Reports {
    let reports: Reports = Arc::default();
    let sink = Arc::clone(&reports);
    store.add_eviction_listener(Arc::new(move |k: &&'static str, v: &u32, cause| {
        sink.lock().unwrap().push((*k, *v, cause));
    }));
    reports
}

/// A deadline already past.
fn past() -> Option<Deadline> {
    now().checked_sub(Duration::from_secs(1))
}

/// Another insert of `key` = `value` holding the lock (as `insert` does).
fn insert_under_lock(
    store: &TestStore,
    state: &mut State<Lru>,
    key: &'static str,
    value: u32,
) -> Removals<&'static str, u32> {
    let mut removed = Removals::new();
    let entry = Entry::new(key, value, Ticks::NONE, 1, NO_CAP);
    let replaced = store.store_entry(state, store.hash_of(&key), entry, &mut removed);
    assert_eq!(replaced, None, "a pending entry is adopted as a new one");
    removed
}

#[test]
fn a_waiting_insert_is_visible_before_it_is_counted_then_counted_and_evictable() {
    let store = PolicyStore::lru(2);
    store.insert("a", 1, None);
    store.insert("b", 2, None);
    while_inserts_wait(&store, &[("c", 3, None)], |state| {
        assert_eq!(store.get("c"), Some(3), "readers find it while its insert waits");
        assert_eq!((store.len(), state.len, state.weight), (2, 2, 2), "not counted yet");
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
    while_inserts_wait(&store, &[("c", 3, None)], |state| {
        // A remove holding the lock (as `remove` does).
        let hash = store.hash_of(&"c");
        let taken = store.take(state, hash, |e| e.key == "c").expect("the pending entry");
        store.forget(state, hash, &taken);
        assert_eq!((state.len, state.weight), (0, 0), "a pending entry was never counted");
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
    while_inserts_wait(&store, &[("c", 3, None)], |state| {
        insert_under_lock(&store, state, "c", 30);
        assert_eq!((state.len, state.weight), (1, 1));
    });
    assert_eq!(store.get("c"), Some(30), "the later write's value stays");
    assert_eq!((store.len(), store.weighted_size()), (1, 1), "counted once");
}

#[test]
fn an_expired_pending_entry_adopted_by_an_insert_is_reported_expired() {
    let store = PolicyStore::lru(4);
    let reports = listened(&store);
    let mut removed = Removals::new();
    while_inserts_wait(&store, &[("c", 3, past())], |state| {
        removed = insert_under_lock(&store, state, "c", 30);
    });
    removed.report(&store.listeners);
    // Uncontended, the same two inserts report ("c", 3, Expired): the first
    // expires on arrival, before the second is stored.
    assert_eq!(*reports.lock().unwrap(), vec![("c", 3, RemovalCause::Expired)]);
}

#[test]
fn an_expired_pending_entry_replaced_by_a_waiting_insert_is_reported_expired() {
    let store = PolicyStore::lru(4);
    let reports = listened(&store);
    while_inserts_wait(&store, &[("c", 3, past()), ("c", 4, None)], |_| {});
    assert_eq!(store.get("c"), Some(4));
    assert_eq!(*reports.lock().unwrap(), vec![("c", 3, RemovalCause::Expired)]);
}
