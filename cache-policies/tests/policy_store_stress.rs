//! Four OS threads hammer one `PolicyStore`; afterwards the invariants hold
//! and every inserted value is accounted for. With few keys and a tiny
//! capacity most inserts meet another write of the same key, so inserts
//! that publish their entry before the maintenance lock (pending entries)
//! are settled every way: adopted, replaced, removed, expired, cleared.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use cache_core::time::{Instant, now};
use cache_core::{EvictionPolicy, Store};
use cache_policies::{Lru, PolicyStore, WTinyLfu};

const THREADS: u64 = 4;
const OPS: u64 = 20_000;

fn hammer<P: EvictionPolicy<u64> + Send>(
    store: PolicyStore<u64, u64, P>,
    capacity: u64,
    keys: u64,
) {
    let store = Arc::new(store);
    let reported = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&reported);
    store.add_eviction_listener(Arc::new(move |k: &u64, v: &u64, _| {
        assert_eq!(k % 1000, v % 1000, "a value is reported with its own key");
        counter.fetch_add(1, Ordering::Relaxed);
    }));
    let past: Option<Instant> = now().checked_sub(std::time::Duration::from_secs(1));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(&store);
            thread::spawn(move || {
                let mut inserts = 0u64;
                let mut x = 0x9e37_79b9_7f4a_7c15_u64 ^ t;
                for i in 0..OPS {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let key = x % keys;
                    match x >> 60 {
                        0..=8 => {
                            if let Some(v) = store.get(&key) {
                                assert_eq!(v % 1000, key % 1000, "values never cross keys");
                            }
                        }
                        9..=12 => {
                            inserts += 1;
                            store.insert(key, key + 1000 * i, None);
                        }
                        13 => {
                            inserts += 1;
                            store.insert(key, key, past); // expired on arrival
                        }
                        14 => {
                            store.remove(&key);
                        }
                        _ if i % 2_000 == 0 => store.clear(),
                        _ => store.run_pending_tasks(),
                    }
                }
                inserts
            })
        })
        .collect();
    let inserts: u64 = workers.into_iter().map(|w| w.join().expect("no panic")).sum();
    store.run_pending_tasks();
    assert!(store.len() <= capacity && store.weighted_size() <= capacity);
    assert_eq!(store.len(), store.weighted_size());
    let mut held = 0;
    store.for_each_entry(&mut |_, _| held += 1);
    assert_eq!(held, store.len(), "the account agrees with the table: nothing left pending");
    assert_eq!(inserts, reported.load(Ordering::Relaxed) + store.len(), "values accounted for");
}

#[test]
fn concurrent_lru_store_keeps_its_invariants() {
    hammer(PolicyStore::builder(256).policy(|_| Lru::new()).shards(4).build(), 256, 600);
}

#[test]
fn concurrent_writes_of_few_keys_settle_every_pending_entry() {
    hammer(PolicyStore::builder(4).policy(|_| Lru::new()).build(), 4, 6);
    hammer(PolicyStore::builder(4).policy(WTinyLfu::new).build(), 4, 6);
}

#[test]
fn concurrent_tinylfu_store_keeps_its_invariants() {
    hammer(PolicyStore::builder(300).policy(WTinyLfu::new).shards(8).build(), 300, 600);
}
