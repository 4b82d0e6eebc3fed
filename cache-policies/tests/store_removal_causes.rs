//! Every store reports each removal with its cause: `Replaced`, `Explicit`,
//! `Size`, `Expired`; plus capacity edge cases and purging without reads.

mod store_support;

use std::time::Duration;

use cache_core::time::{deadline_after, now};
use cache_core::{Capacity, DynStore, RemovalCause, Store, weigher_fn};
use cache_policies::{LruStore, MokaStore, TtlStore};
use store_support::{Recorder, advance, paused_runtime, sorted};

use RemovalCause::{Expired, Explicit, Replaced, Size};

/// A store under test, with a name for assertion messages.
type Named<K, V> = (&'static str, Box<dyn DynStore<K, V>>);

/// One store of each kind, bounded to `capacity` entries.
fn stores(capacity: u64) -> Vec<Named<u8, u32>> {
    vec![
        ("lru", Box::new(LruStore::new(capacity))),
        ("moka", Box::new(MokaStore::new(capacity))),
        ("ttl", Box::new(TtlStore::with_capacity(capacity))),
    ]
}

/// One store of each kind, bounded to `capacity` total weight, a value
/// weighing itself.
fn weighted_stores(capacity: u64) -> Vec<Named<u8, u32>> {
    let weigher = weigher_fn(|_: &u8, v: &u32| *v);
    vec![
        ("lru", Box::new(LruStore::with_weigher(capacity, weigher.clone()))),
        ("moka", Box::new(MokaStore::with_weigher(capacity, weigher.clone()))),
        ("ttl", Box::new(TtlStore::with_weigher(capacity, weigher))),
    ]
}

#[test]
fn overwrite_is_replaced_and_remove_or_clear_is_explicit() {
    for (name, store) in stores(8) {
        let removed = Recorder::attach(&*store);
        store.insert(1, 10, None);
        store.insert(1, 11, None);
        store.run_pending_tasks();
        assert_eq!(removed.take(), [(1, 10, Replaced)], "{name}");
        assert_eq!(store.remove(&1), Some(11), "{name}");
        assert_eq!(store.remove(&1), None, "{name}");
        assert_eq!(removed.take(), [(1, 11, Explicit)], "{name}");
        store.insert(2, 20, None);
        store.insert(3, 30, None);
        store.clear();
        store.run_pending_tasks();
        assert_eq!(removed.take_sorted(), [(2, 20, Explicit), (3, 30, Explicit)], "{name}");
        assert_eq!(store.len(), 0, "{name}");
        assert_eq!(store.get(&2), None, "{name}");
    }
}

#[test]
fn overflow_is_reported_as_size() {
    for (name, store) in stores(2) {
        let removed = Recorder::attach(&*store);
        for key in 1..=3 {
            store.insert(key, u32::from(key), None);
        }
        store.run_pending_tasks();
        let events = removed.take();
        assert_eq!(events.len(), 1, "{name}: {events:?}");
        assert_eq!(events[0].2, Size, "{name}");
        assert_eq!(store.len(), 2, "{name}");
    }
}

#[test]
fn lru_and_ttl_stores_pick_their_documented_victims() {
    let lru = LruStore::new(2);
    let removed = Recorder::attach(&lru);
    lru.insert(1, 1, None);
    lru.insert(2, 2, None);
    assert_eq!(lru.get(&1), Some(1)); // 2 is now the least recently used
    lru.insert(3, 3, None);
    assert_eq!(removed.take(), [(2, 2, Size)]);

    let rt = paused_runtime();
    let _clock = rt.enter();
    let ttl = TtlStore::with_capacity(2);
    let removed = Recorder::attach(&ttl);
    ttl.insert(1, 1, None);
    ttl.insert(2, 2, deadline_after(Duration::from_secs(9)));
    ttl.insert(3, 3, deadline_after(Duration::from_secs(1))); // the newcomer is spared
    assert_eq!(removed.take(), [(2, 2, Size)]);
    ttl.insert(4, 4, None); // 3 is closest to its deadline
    ttl.insert(5, 5, None); // no deadlines left: first inserted goes
    assert_eq!(removed.take(), [(3, 3, Size), (1, 1, Size)]);
}

#[test]
fn expired_entries_are_never_returned_and_reported_on_read() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    for (name, store) in stores(8) {
        let removed = Recorder::attach(&*store);
        store.insert(1, 10, deadline_after(Duration::from_secs(5)));
        store.insert(2, 20, None);
        advance(&rt, Duration::from_secs(4));
        assert_eq!(store.get(&1), Some(10), "{name}");
        advance(&rt, Duration::from_secs(1));
        assert!(!store.contains_key(&1), "{name}");
        assert_eq!(store.get(&1), None, "{name}");
        assert_eq!(removed.take(), [(1, 10, Expired)], "{name}");
        store.run_pending_tasks();
        assert_eq!(store.len(), 1, "{name}");
        assert_eq!(store.get(&2), Some(20), "{name}");
    }
}

#[test]
fn run_pending_tasks_purges_expired_entries_without_reads() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    for (name, store) in stores(8) {
        let removed = Recorder::attach(&*store);
        store.insert(1, 10, deadline_after(Duration::from_secs(5)));
        store.insert(2, 20, deadline_after(Duration::from_secs(50)));
        advance(&rt, Duration::from_secs(5));
        store.run_pending_tasks();
        assert_eq!(removed.take(), [(1, 10, Expired)], "{name}");
        assert_eq!(store.len(), 1, "{name}");
        // Replacing or removing an entry past its deadline reports it as expired.
        advance(&rt, Duration::from_secs(45));
        assert_eq!(store.remove(&2), None, "{name}");
        assert_eq!(removed.take(), [(2, 20, Expired)], "{name}");
    }
}

#[test]
fn ttl_store_purges_on_writes_without_reads() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    let store = TtlStore::new();
    let removed = Recorder::attach(&store);
    for key in 0..100 {
        store.insert(key, u32::from(key), deadline_after(Duration::from_secs(1)));
    }
    store.insert(200, 0, deadline_after(Duration::from_secs(60)));
    assert_eq!(store.len(), 101);
    advance(&rt, Duration::from_secs(1));
    store.insert(201, 1, None); // no read anywhere: the write purges
    assert_eq!(store.len(), 2);
    assert_eq!(removed.count(Expired), 100);
    assert_eq!(removed.len(), 100);
}

#[test]
fn entries_heavier_than_the_capacity_are_not_kept() {
    for (name, store) in weighted_stores(10) {
        let removed = Recorder::attach(&*store);
        store.insert(1, 5, None);
        store.insert(1, 11, None);
        assert_eq!(store.get(&1), None, "{name}");
        store.run_pending_tasks();
        assert_eq!(sorted(removed.take()), [(1, 5, Replaced), (1, 11, Size)], "{name}");
        assert_eq!((store.len(), store.weighted_size()), (0, 0), "{name}");
        store.insert(2, 10, None);
        store.run_pending_tasks();
        assert_eq!(store.weighted_size(), 10, "{name}: as heavy as the capacity fits");
    }
}

#[test]
fn weight_budget_evicts_until_within() {
    for (name, store) in weighted_stores(10) {
        let removed = Recorder::attach(&*store);
        for key in 1..=4 {
            store.insert(key, 3, None);
        }
        store.run_pending_tasks();
        assert_eq!(store.weighted_size(), 9, "{name}");
        assert_eq!(store.len(), 3, "{name}");
        assert_eq!(removed.take().len(), 1, "{name}");
        assert!(matches!(store.capacity(), Capacity::Weight(10)), "{name}");
    }
}

#[test]
fn zero_capacity_keeps_nothing() {
    for (name, store) in stores(0).into_iter().chain(weighted_stores(0)) {
        let removed = Recorder::attach(&*store);
        store.insert(1, 0, None);
        store.insert(2, 7, None);
        store.run_pending_tasks();
        assert_eq!(store.get(&1), None, "{name}");
        assert_eq!(store.len(), 0, "{name}");
        assert_eq!(removed.take(), [(1, 0, Size), (2, 7, Size)], "{name}");
    }
}

#[test]
fn entries_expired_on_arrival_are_never_returned() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    for (name, store) in stores(8) {
        store.insert(1, 10, Some(now()));
        assert_eq!(store.get(&1), None, "{name}");
        store.run_pending_tasks();
        assert_eq!(store.len(), 0, "{name}");
    }
    let lru = LruStore::new(8);
    let removed = Recorder::attach(&lru);
    lru.insert(1, 10, None);
    lru.insert(1, 11, Some(now()));
    assert_eq!(removed.take(), [(1, 10, Replaced), (1, 11, Expired)]);
}

#[test]
fn unbounded_stores_keep_everything() {
    let stores: [Named<u16, u16>; 3] = [
        ("lru", Box::new(LruStore::unbounded())),
        ("moka", Box::new(MokaStore::unbounded())),
        ("ttl", Box::new(TtlStore::new())),
    ];
    for (name, store) in stores {
        for key in 0..5_000 {
            store.insert(key, key, None);
        }
        store.run_pending_tasks();
        assert_eq!(store.len(), 5_000, "{name}");
        assert_eq!(store.weighted_size(), 5_000, "{name}");
        assert_eq!(store.get(&0), Some(0), "{name}");
        assert_eq!(store.capacity(), Capacity::Unbounded, "{name}");
    }
}

#[test]
fn no_deadline_means_never_in_every_store() {
    let rt = paused_runtime();
    let _clock = rt.enter();
    for (name, store) in stores(10) {
        store.insert(1, 1, None);
        store.insert(2, 2, deadline_after(Duration::from_secs(100)));
        advance(&rt, Duration::from_secs(100));
        store.run_pending_tasks();
        assert_eq!(store.get(&1), Some(1), "{name}");
        assert_eq!(store.get(&2), None, "{name}");
    }
}

#[test]
fn stores_describe_themselves() {
    for (name, store) in stores(3) {
        let _ = name;
        assert_eq!(store.capacity(), Capacity::Entries(3));
    }
    let lru: LruStore<u8, u8> = LruStore::new(3);
    assert!(format!("{lru:?}").contains("LruStore"));
    let moka: MokaStore<u8, u8> = MokaStore::new(3);
    assert!(format!("{moka:?}").contains("MokaStore"));
    let ttl: TtlStore<u8, u8> = TtlStore::new();
    assert!(format!("{ttl:?}").contains("TtlStore"));
}

/// The engine's stores say a report is in flight from before a write takes
/// an entry out until its listeners were told (fail-safe waits on it), and
/// not otherwise; through `dyn` and the `LruStore` / `TtlStore` wrappers too.
#[test]
fn reports_are_in_flight_while_listeners_run_and_only_then() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};

    let runtime = paused_runtime();
    let _guard = runtime.enter();
    for (name, store) in [
        ("lru", Arc::new(LruStore::<u8, u32>::new(2)) as Arc<dyn DynStore<u8, u32>>),
        ("ttl", Arc::new(TtlStore::<u8, u32>::with_capacity(2))),
    ] {
        let seen: Arc<OnceLock<std::sync::Weak<dyn DynStore<u8, u32>>>> = Arc::default();
        let (in_flight, told) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (probe, flights, tells) =
            (Arc::clone(&seen), Arc::clone(&in_flight), Arc::clone(&told));
        store.add_eviction_listener(Arc::new(move |_: &u8, _: &u32, _| {
            tells.fetch_add(1, Ordering::SeqCst);
            let store = probe.get().and_then(std::sync::Weak::upgrade).expect("the store");
            if store.reports_in_flight() {
                flights.fetch_add(1, Ordering::SeqCst);
            }
        }));
        let _ = seen.set(Arc::downgrade(&store));
        assert!(!store.reports_in_flight(), "{name}: nothing reported yet");
        store.insert(1, 10, Some(now() + Duration::from_secs(1)));
        store.insert(1, 11, None); // Replaced
        store.insert(2, 20, None);
        store.insert(3, 30, None); // Size
        store.remove(&2); // Explicit, or Size if 2 was the victim
        store.insert(4, 40, deadline_after(Duration::from_millis(1)));
        advance(&runtime, Duration::from_millis(2));
        store.run_pending_tasks(); // Expired
        store.clear(); // Explicit
        let told = told.load(Ordering::SeqCst);
        assert!(told >= 4, "{name}: {told} removals told");
        assert_eq!(in_flight.load(Ordering::SeqCst), told, "{name}: in flight during every report");
        assert!(!store.reports_in_flight(), "{name}: nothing in flight at rest");
    }
}
