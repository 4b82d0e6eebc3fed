//! Building the demo's caches over the store chosen with `--store`.

use std::sync::Arc;

use cache_facade::{
    AsyncCache, AsyncCacheBuilder, LruStore, MokaStore, PolicyStore, Store, TtlStore,
};

use crate::options::{Options, PolicyKind, StoreKind};
use crate::product::Row;

/// A store of `capacity` products of the given kind; entries live `ttl`
/// (the builder's default TTL, also the `TtlStore`'s own).
pub(crate) fn store(
    kind: StoreKind,
    capacity: u64,
    ttl: std::time::Duration,
) -> Arc<dyn Store<u64, Row>> {
    match kind {
        StoreKind::Default => cache_facade::default_store(Some(capacity), None),
        StoreKind::Lru => Arc::new(LruStore::new(capacity)),
        StoreKind::Ttl => Arc::new(TtlStore::new(Some(ttl)).max_capacity(capacity)),
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
pub(crate) fn builder(name: &str, options: &Options) -> AsyncCacheBuilder<u64, Row> {
    AsyncCache::builder()
        .name(name)
        .shared_store(store(options.store, options.capacity, options.ttl()))
        .default_ttl(options.ttl())
}
