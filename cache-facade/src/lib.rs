//! `AsyncCache<K, V>`: an async application-layer cache for tokio services,
//! the cache in front of a database or a remote API.
//!
//! This is the crate users depend on. It composes
//! - a [`Store`] from [`cache_policies`] (or your own) where entries live,
//! - the loading machinery of [`cache_loader`]: single-flight loads
//!   (thundering-herd protection), DataLoader-style batching, warmup,
//! - [`cache_metrics`]: exact counters, and emission through the `metrics`
//!   crate,
//!
//! behind one type, [`AsyncCache`], assembled by [`AsyncCache::builder`].
//!
//! # Metrics
//!
//! [`AsyncCache::metrics`] returns an exact [`MetricsSnapshot`]; the same
//! events are exported through the `metrics` crate (re-exported as
//! [`metrics`]), every series labelled `cache="<name>"`, each counter equal
//! to the exact count within 500 ms without any call:
//!
//! | series | labels | what |
//! |---|---|---|
//! | `cache_hits_total`, `cache_misses_total` | | lookups |
//! | `cache_loads_total` | `outcome` = `success` \| `error` \| `panic` \| `timeout` \| `cancelled` | loads (a batch is one) |
//! | `cache_coalesced_total` | | callers that joined a load in flight |
//! | `cache_evictions_total` | `cause` = `size` \| `expired` \| `explicit` \| `replaced` | entries that left |
//! | `cache_batches_total` | | batches sent to the batch loader |
//! | `cache_stale_served_total` | `reason` = `error` \| `timeout` \| `revalidate` | stale values served |
//! | `cache_refreshes_total` | `outcome` = `success` \| `failure` | background reloads |
//! | `cache_negative_hits_total` | | cached "not found" answers |
//! | `cache_entries`, `cache_weighted_size` (gauges) | | size |
//! | `cache_load_duration_seconds`, `cache_batch_size` (histograms) | | per load / batch |
//!
//! The full table, with units and when each value reaches the recorder, is
//! in the [`cache_metrics`] crate's documentation.
//!
//! # Examples
//!
//! ```
//! use std::collections::HashMap;
//! use std::time::Duration;
//! use cache_facade::{AsyncCache, BatchLoader, BoxError, async_trait};
//!
//! #[derive(Debug)]
//! struct UsersById;
//!
//! #[async_trait]
//! impl BatchLoader<u64, String> for UsersById {
//!     async fn load_batch(&self, ids: &[u64]) -> Result<HashMap<u64, String>, BoxError> {
//!         // SELECT id, name FROM users WHERE id IN (...)
//!         Ok(ids.iter().filter(|id| **id != 0).map(|id| (*id, format!("user-{id}"))).collect())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cache: AsyncCache<u64, String> = AsyncCache::builder()
//!     .name("users")
//!     .max_capacity(10_000)
//!     .default_ttl(Duration::from_secs(300))
//!     .batch_loader(UsersById)
//!     .batch_window(Duration::from_millis(5))
//!     .build()?;
//!
//! let (a, b, missing) = tokio::join!(cache.get_batched(1), cache.get_batched(2), cache.get_batched(0));
//! assert_eq!(a?.as_deref(), Some("user-1"));
//! assert_eq!(b?.as_deref(), Some("user-2"));
//! assert_eq!(missing?, None);
//! assert_eq!(cache.metrics().batches, 1, "three requests, one batch");
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

#[doc(hidden)]
pub mod __private;
mod builder;
mod bulk;
mod cache;
mod default_store;
mod entry;
pub mod error;
mod expiry;
mod load_fn;
mod loading;
mod memoize;
mod resilience;
mod resilient_loads;
mod shared_evictions;
mod tiered;
mod traced;
mod typed_loads;
mod warmup;

pub use builder::AsyncCacheBuilder;
pub use cache::AsyncCache;
pub use default_store::{DefaultStore, default_store};
pub use entry::{Computed, Entry, EntryValue, Op};
pub use expiry::Expiry;
pub use load_fn::LoadFn;
pub use memoize::{AsyncLru, AsyncTtl, MemoCache, MemoFn, MemoStore, Memoized};
pub use resilience::{Fetched, Freshness, StaleReason};

/// `#[async_lru(maxsize = 128)]`: memoizes an `async fn` (or method) in an
/// LRU cache, Python's `@AsyncLRU`; the attribute form of [`AsyncLru`].
///
/// Companions are generated next to the function, with its visibility:
/// `<fn>_refresh`, `<fn>_invalidate`, `<fn>_clear`, `<fn>_metrics` and
/// `<fn>_cache` (details below).
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use cache_facade::async_lru;
///
/// static QUERIES: AtomicUsize = AtomicUsize::new(0);
///
/// #[async_lru(maxsize = 128)]
/// async fn user_name(id: u64) -> String {
///     QUERIES.fetch_add(1, Ordering::SeqCst);
///     format!("user-{id}")
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(user_name(7).await, "user-7");
/// assert_eq!(user_name(7).await, "user-7"); // a hit: the body did not run
/// assert_eq!(QUERIES.load(Ordering::SeqCst), 1);
///
/// user_name_refresh(7).await; // runs the body again, caches the new result
/// assert!(user_name_invalidate(&7).await);
/// assert_eq!(user_name_metrics().hits, 1);
/// # }
/// ```
///
/// A method, with errors: `&self` is never part of the key, `skip_args = 1`
/// leaves the `&Db` handle out of it, the `&str` argument is keyed as a
/// `String`, and only `Ok` results are cached.
///
/// ```
/// use cache_facade::async_lru;
///
/// #[derive(Debug, Clone, PartialEq)]
/// struct NotFound(String);
/// impl std::fmt::Display for NotFound {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "no user {}", self.0)
///     }
/// }
/// impl std::error::Error for NotFound {}
///
/// struct Db;
/// struct Users;
///
/// impl Users {
///     #[async_lru(maxsize = 1_000, skip_args = 1, name = "users_by_login")]
///     async fn by_login(&self, _db: &Db, login: &str) -> Result<u64, NotFound> {
///         if login == "ada" { Ok(1) } else { Err(NotFound(login.to_owned())) }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let users = Users;
/// assert_eq!(users.by_login(&Db, "ada").await, Ok(1));
/// assert_eq!(users.by_login(&Db, "bob").await, Err(NotFound("bob".into())));
/// assert_eq!(Users::by_login_metrics().size, 1, "the error was not cached");
/// assert!(Users::by_login_invalidate(&"ada".to_string()).await);
/// # }
/// ```
#[doc(inline)]
pub use cache_macros::async_lru;

/// `#[async_ttl(ttl_secs = 60, maxsize = 1024)]`: memoizes an `async fn` (or
/// method) in a cache whose results expire, Python's `@AsyncTTL`; the
/// attribute form of [`AsyncTtl`]. Same companions as [`async_lru`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_facade::async_ttl;
///
/// #[async_ttl(ttl_secs = 60, maxsize = 1024)]
/// async fn price(sku: &str, region: u8) -> Result<u64, std::fmt::Error> {
///     Ok(sku.len() as u64 * u64::from(region))
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// assert_eq!(price("abc", 2).await, Ok(6));
/// assert_eq!(price_metrics().size, 1);
/// tokio::time::advance(Duration::from_secs(60)).await;
/// assert_eq!(price_metrics().size, 0, "expired after its TTL");
/// # }
/// ```
#[doc(inline)]
pub use cache_macros::async_ttl;

/// The contracts of a remote tier and a backplane (several instances; see the
/// README's "Several instances").
pub use cache_core::remote;
pub use cache_core::{
    BatchLoader, BoxError, Capacity, DynStore, EntryInfo, Equivalent, EvictionListener,
    EvictionPolicy, LoadObserver, LoadOutcome, Loader, RemovalCause, Store, Weigher, async_trait,
    batch_loader_fn, loader_fn, time, weigher_fn,
};
pub use cache_loader::{WarmupFailure, WarmupReport};
/// Redis as the remote tier and the backplane: [`RedisTier`](redis::RedisTier),
/// [`RedisBackplane`](redis::RedisBackplane), [`RedisConfig`](redis::RedisConfig).
#[cfg(feature = "redis")]
pub mod redis {
    pub use cache_redis::{RedisBackplane, RedisConfig, RedisTier};
}
/// The `metrics` crate the caches record to, so an exporter can be matched
/// to its version: install its recorder with
/// `cache_facade::metrics::set_global_recorder`.
pub use cache_metrics::metrics;
pub use cache_metrics::{
    Evictions, LoadErrors, MetricsSnapshot, Refreshes, RemoteSnapshot, StaleServed,
};
#[cfg(feature = "moka")]
pub use cache_policies::MokaStore;
pub use cache_policies::{
    Fifo, Lfu, Lru, LruStore, PolicyStore, PolicyStoreBuilder, Sieve, TtlStore, WTinyLfu,
};

/// The README's code blocks, compiled and run as doc tests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
