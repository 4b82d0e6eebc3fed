//! Building the demo's caches over the store chosen with `--store`.

use std::sync::Arc;
use std::time::Duration;

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

/// How long a caller waits for a product load (or a batch of them) before it
/// fails: without a load timeout a query that never returns would block its
/// product for every later request. Far above any load of a healthy run (a
/// few simulated round trips, plus the wait for a pool connection).
pub(crate) const LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// A builder for a product cache named `name` (the `cache` label of its
/// metrics), over the store, capacity and TTL of the options, with the
/// [`LOAD_TIMEOUT`].
pub(crate) fn builder(name: &str, options: &Options) -> AsyncCacheBuilder<u64, Row, DemoStore> {
    AsyncCache::builder()
        .name(name)
        .shared_store(store(options.store, options.capacity))
        .default_ttl(options.ttl())
        .load_timeout(LOAD_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_product_load_that_never_returns_times_out_and_frees_the_key() {
        let options = Options::try_parse_from(["cache-demo"]).unwrap();
        let cache = builder("stuck", &options).build().unwrap();
        let stuck = cache.get_with(1, std::future::pending::<Result<Row, std::io::Error>>);
        let err = stuck.await.unwrap_err();
        assert!(err.is_timeout(), "{err}");
        assert!(!cache.contains_key(&1));
    }
}
