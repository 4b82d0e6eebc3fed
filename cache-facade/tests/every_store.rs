//! Every operation of the facade, over every store the workspace ships.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cache_facade::{
    AsyncCache, BoxError, DynStore, LruStore, MokaStore, PolicyStore, TtlStore, batch_loader_fn,
    loader_fn,
};

type Erased = Arc<dyn DynStore<u64, String>>;
type StoreFactory = fn() -> Erased;

const CAPACITY: u64 = 100;

fn stores() -> Vec<(&'static str, StoreFactory)> {
    vec![
        ("lru", || Arc::new(LruStore::new(CAPACITY))),
        ("lru-unbounded", || Arc::new(LruStore::unbounded())),
        ("ttl", || Arc::new(TtlStore::with_capacity(CAPACITY))),
        ("moka", || Arc::new(MokaStore::new(CAPACITY))),
        ("policy-lru", || Arc::new(PolicyStore::lru(CAPACITY))),
        ("policy-fifo", || Arc::new(PolicyStore::fifo(CAPACITY))),
        ("policy-lfu", || Arc::new(PolicyStore::lfu(CAPACITY))),
        ("policy-sieve", || Arc::new(PolicyStore::sieve(CAPACITY))),
        ("policy-tinylfu", || Arc::new(PolicyStore::tinylfu(CAPACITY))),
        ("default", || Arc::new(cache_facade::default_store(Some(CAPACITY), None))),
    ]
}

fn cache_over(store: StoreFactory) -> AsyncCache<u64, String, Erased> {
    AsyncCache::builder()
        .shared_store(store())
        .default_ttl(Duration::from_secs(60))
        .loader(loader_fn(|id: u64| async move { Ok::<_, BoxError>(format!("loaded-{id}")) }))
        .batch_loader(batch_loader_fn(|ids: Vec<u64>| async move {
            let found: HashMap<u64, String> = ids
                .into_iter()
                .filter(|id| *id < 1_000)
                .map(|id| (id, format!("batched-{id}")))
                .collect();
            Ok::<_, BoxError>(found)
        }))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn every_operation_behaves_the_same_over_every_store() {
    for (name, store) in stores() {
        let cache = cache_over(store);

        // insert, get, remove
        cache.insert(1, "one".into()).await;
        assert_eq!(cache.get(&1).await.as_deref(), Some("one"), "{name}: get after insert");
        assert_eq!(cache.remove(&1).await.as_deref(), Some("one"), "{name}: remove");
        assert_eq!(cache.get(&1).await, None, "{name}: get after remove");

        // get_with and load
        let v = cache.get_with(2, || async { Ok::<_, BoxError>("two".to_string()) }).await;
        assert_eq!(v.unwrap(), "two", "{name}: get_with");
        assert_eq!(cache.load(3).await.unwrap(), "loaded-3", "{name}: load");
        assert_eq!(cache.get(&3).await.as_deref(), Some("loaded-3"), "{name}: load stores");

        // get_batched and get_many
        assert_eq!(cache.get_batched(4).await.unwrap().as_deref(), Some("batched-4"), "{name}");
        assert_eq!(cache.get_batched(5_000).await.unwrap(), None, "{name}: unknown key");
        let many = cache.get_many([4, 6, 7, 5_001]).await.unwrap();
        assert_eq!(many.len(), 3, "{name}: get_many");
        assert_eq!(many[&7], "batched-7", "{name}");

        // warmup and warmup_batched
        let pairs = [(2, "ignored"), (8, "eight")]
            .map(|(k, v)| (k, move || async move { Ok::<_, BoxError>(v.to_string()) }));
        let report = cache.warmup(pairs).await;
        assert_eq!((report.loaded, report.skipped), (1, 1), "{name}: warmup");
        let report = cache.warmup_batched([8, 9, 5_002]).await.unwrap();
        assert_eq!((report.loaded, report.skipped, report.not_found), (1, 1, 1), "{name}");

        // TTL: the default, an override, and never
        cache.insert_with_ttl(10, "short".into(), Duration::from_secs(5)).await;
        cache.insert_with_ttl(11, "forever".into(), None).await;
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(cache.get(&10).await, None, "{name}: own TTL");
        assert_eq!(cache.get(&2).await.as_deref(), Some("two"), "{name}: default TTL not yet");
        tokio::time::advance(Duration::from_secs(55)).await;
        assert_eq!(cache.get(&2).await, None, "{name}: default TTL");
        assert_eq!(cache.get(&11).await.as_deref(), Some("forever"), "{name}: never expires");
        assert_eq!(cache.len(), 1, "{name}: only the immortal entry is left");

        // clear, and the metrics that survive it
        cache.clear().await;
        assert_eq!(cache.len(), 0, "{name}: clear");
        let m = cache.metrics();
        assert_eq!(m.size, 0, "{name}");
        // Lookups above: 5 hits, 10 misses (warmups are not lookups).
        assert_eq!((m.hits, m.misses), (5, 10), "{name}: counters survive clear: {m}");
        assert!(m.evictions.expired >= 1 && m.evictions.explicit >= 2, "{name}: {m}");
        assert_eq!(m.batches, 4, "{name}: batches");
        assert_eq!(m.loads, 7, "{name}: 2 single loads, 1 warmup load, 4 batches");
    }
}

#[tokio::test]
async fn every_bounded_store_keeps_its_capacity_through_the_facade() {
    for (name, store) in stores().into_iter().filter(|(name, _)| *name != "lru-unbounded") {
        let cache = cache_over(store);
        for k in 0..(3 * CAPACITY) {
            cache.insert(k, k.to_string()).await;
            let _ = cache.get(&(k / 2)).await;
        }
        assert!(cache.len() <= CAPACITY, "{name}: {} entries", cache.len());
        let m = cache.metrics();
        assert_eq!(
            m.evictions.size + m.size,
            3 * CAPACITY,
            "{name}: every insert is held or evicted"
        );
    }
}
