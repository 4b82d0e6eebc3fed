//! Building the demo's caches over the store chosen with `--store`.

use std::sync::Arc;

use cache_facade::{
    AsyncCache, AsyncCacheBuilder, DynStore, LruStore, MokaStore, PolicyStore, TtlStore,
};

use crate::options::{Options, PolicyKind, StoreKind};
use crate::product::Row;

/// The store chosen at run time (type-erased behind [`DynStore`]).
pub(crate) type DemoStore = Arc<dyn DynStore<u64, Row>>;

/// The cache type of every scenario.
pub(crate) type DemoCache = AsyncCache<u64, Row, DemoStore>;

/// A store of `capacity` products of the given kind (entries live for the
/// builder's default TTL).
pub(crate) fn store(kind: StoreKind, capacity: u64) -> DemoStore {
    match kind {
        StoreKind::Default => Arc::new(cache_facade::default_store(Some(capacity), None)),
        StoreKind::Lru => Arc::new(LruStore::new(capacity)),
        StoreKind::Ttl => Arc::new(TtlStore::with_capacity(capacity)),
        StoreKind::Moka => Arc::new(MokaStore::new(capacity)),
        StoreKind::Policy(PolicyKind::Lru) => Arc::new(PolicyStore::lru(capacity)),
        StoreKind::Policy(PolicyKind::Fifo) => Arc::new(PolicyStore::fifo(capacity)),
        StoreKind::Policy(PolicyKind::Lfu) => Arc::new(PolicyStore::lfu(capacity)),
        StoreKind::Policy(PolicyKind::Sieve) => Arc::new(PolicyStore::sieve(capacity)),
        StoreKind::Policy(PolicyKind::TinyLfu) => Arc::new(PolicyStore::tinylfu(capacity)),
    }
}

/// A builder for a product cache named `name` (the `cache` label of its
/// metrics), over the store, capacity and TTL of the options.
pub(crate) fn builder(name: &str, options: &Options) -> AsyncCacheBuilder<u64, Row, DemoStore> {
    AsyncCache::builder()
        .name(name)
        .shared_store(store(options.store, options.capacity))
        .default_ttl(options.ttl())
}
