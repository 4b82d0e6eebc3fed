//! `build()` refuses out-of-range and contradictory settings, by name.

use std::collections::HashMap;
use std::time::Duration;

use cache_facade::{AsyncCache, AsyncCacheBuilder, BoxError, LruStore, batch_loader_fn};

fn refused<S: cache_facade::Store<u64, String> + 'static>(
    builder: AsyncCacheBuilder<u64, String, S>,
) -> &'static str {
    builder.build().expect_err("these settings must be refused").setting()
}

fn batches() -> impl cache_facade::BatchLoader<u64, String> {
    batch_loader_fn(|_keys: Vec<u64>| async { Ok::<_, BoxError>(HashMap::new()) })
}

#[test]
fn out_of_range_settings_are_named() {
    let b = AsyncCache::<u64, String>::builder;
    assert_eq!(refused(b().max_capacity(0)), "max_capacity");
    assert_eq!(refused(b().name("")), "name");
    assert_eq!(refused(b().default_ttl(Duration::ZERO)), "default_ttl");
    assert_eq!(refused(b().load_timeout(Duration::ZERO)), "load_timeout");
    assert_eq!(refused(b().warmup_concurrency(0)), "warmup_concurrency");
    assert_eq!(refused(b().batch_loader(batches()).max_batch_size(0)), "max_batch_size");
    assert_eq!(
        refused(b().batch_loader(batches()).max_batches_in_flight(0)),
        "max_batches_in_flight"
    );
    assert_eq!(
        refused(b().batch_loader(batches()).batch_window(Duration::from_secs(86_400))),
        "batch_window"
    );
}

#[test]
fn contradictory_settings_are_named() {
    let b = AsyncCache::<u64, String>::builder;
    assert_eq!(refused(b().store(LruStore::new(3)).max_capacity(10)), "max_capacity");
    assert_eq!(refused(b().store(LruStore::unbounded()).max_capacity(10)), "max_capacity");
    assert_eq!(refused(b().store(LruStore::new(3)).weigher(|_, v| v.len() as u32)), "weigher");
    assert_eq!(refused(b().weigher(|_, v| v.len() as u32)), "weigher");
    assert_eq!(refused(b().batch_window(Duration::from_millis(1))), "batch_window");
    assert_eq!(refused(b().max_batch_size(10)), "max_batch_size");
}

#[test]
fn consistent_settings_build() {
    let cache = AsyncCache::<u64, String>::builder()
        .name("users")
        .store(LruStore::new(3))
        .max_capacity(3)
        .default_ttl(Duration::from_secs(1))
        .load_timeout(Duration::from_secs(1))
        .batch_loader(batches())
        .batch_window(Duration::ZERO)
        .max_batch_size(1)
        .max_batches_in_flight(2)
        .warmup_concurrency(4)
        .build()
        .unwrap();
    assert_eq!(cache.name(), "users");
    assert_eq!(cache.default_ttl(), Some(Duration::from_secs(1)));
    assert_eq!(cache.capacity().limit(), Some(3));
    let weighted = AsyncCache::<u64, String>::builder()
        .max_capacity(100)
        .weigher(|_, v| v.len() as u32)
        .build()
        .unwrap();
    assert_eq!(weighted.capacity(), cache_facade::Capacity::Weight(100));
}

#[test]
fn build_errors_read_well() {
    let err = AsyncCache::<u64, String>::builder().store(LruStore::new(3)).max_capacity(10).build();
    assert_eq!(
        err.unwrap_err().to_string(),
        "invalid `max_capacity`: 10 cannot be honoured by the given store, whose bound is 3 entries"
    );
}
