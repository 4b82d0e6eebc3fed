//! Support for the code that `#[async_lru]` and `#[async_ttl]` generate; not
//! a public API (no semver promise), hidden from the docs.
//!
//! Keeping these here keeps the generated code small: it builds the
//! per-function cache with [`memo_cache_lru`] / [`memo_cache_ttl`], runs the
//! original body through [`AsyncCache::get_with_inline`](crate::AsyncCache::get_with_inline) (or [`refresh`]) and
//! turns the [`CacheError`] back into the function's own return type with
//! [`unwrap_result`] / [`unwrap_value`]. The `assert_*` functions do nothing:
//! the macros call them with the span of an argument, error or return type so
//! that an unfit type is reported where it is written.

use std::convert::Infallible;
use std::error::Error;
use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

use crate::{AsyncLru, AsyncTtl, MemoCache};
use cache_core::error::CacheError;

/// The cache of a `#[async_lru(maxsize = ..)]` function: the one
/// [`AsyncLru`] builds (0 keeps nothing).
#[must_use]
pub fn memo_cache_lru<K, V>(name: &str, maxsize: u64) -> MemoCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    AsyncLru::new(maxsize).name(name).cache()
}

/// The cache of a `#[async_ttl(ttl_secs = .., maxsize = ..)]` function: the
/// one [`AsyncTtl`] builds with the same options.
#[must_use]
pub fn memo_cache_ttl<K, V>(name: &str, ttl_secs: u64, maxsize: Option<u64>) -> MemoCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    let wrapper = AsyncTtl::new(Duration::from_secs(ttl_secs)).name(name);
    match maxsize {
        Some(max) => wrapper.max_capacity(max).cache(),
        None => wrapper.cache(),
    }
}

/// Drops the cached value of `key`, then loads it with `loader` inline
/// (callers arriving meanwhile join this load): the `<fn>_refresh` companion.
///
/// # Errors
///
/// As [`AsyncCache::get_with_inline`](crate::AsyncCache::get_with_inline).
pub async fn refresh<K, V, F, Fut, E>(
    cache: &MemoCache<K, V>,
    key: K,
    loader: F,
) -> Result<V, CacheError>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<V, E>>,
    E: Into<cache_core::BoxError>,
{
    cache.remove(&key).await;
    cache.get_with_inline(key, loader).await
}

/// The future of a function that cannot fail, as a loader's future.
pub async fn infallible<V>(value: impl Future<Output = V>) -> Result<V, Infallible> {
    Ok(value.await)
}

/// The outcome of a memoized `-> Result<V, E>` function as that type: the
/// loader's `E` comes back by downcast (every waiter of a failed load gets a
/// clone of it).
///
/// # Errors
///
/// The function's own error.
///
/// # Panics
///
/// Re-raises the panic of the function (it panicked in the caller that ran
/// it, and so it does in every caller that waited for it), and panics on a
/// cache failure that has no `E` (none is expected: the cache has no load
/// timeout).
#[track_caller]
pub fn unwrap_result<V, E: MemoError>(result: Result<V, CacheError>) -> Result<V, E> {
    match result {
        Ok(value) => Ok(value),
        Err(CacheError::Load(error)) => match error.downcast_ref::<E>() {
            Some(original) => Err(original.clone()),
            None => panic!("memoized function failed with an error of another type: {error}"),
        },
        Err(other) => fail(&other),
    }
}

/// The value of a memoized function that returns no `Result`.
///
/// # Panics
///
/// As [`unwrap_result`].
#[track_caller]
pub fn unwrap_value<V>(result: Result<V, CacheError>) -> V {
    match result {
        Ok(value) => value,
        Err(error) => fail(&error),
    }
}

#[cold]
#[track_caller]
fn fail(error: &CacheError) -> ! {
    match error {
        CacheError::LoaderPanicked { message: Some(message) } => panic!("{message}"),
        CacheError::LoaderPanicked { message: None } => panic!("memoized function panicked"),
        other => panic!("memoized function's cache failed: {other}"),
    }
}

/// A type that can be (part of) a memoized function's key; the macros check
/// each key part with [`assert_key`], at the span of the argument's type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a memoized function's key",
    label = "this argument is part of the key, so it must be `Hash + Eq + Clone + Send + Sync + 'static`",
    note = "leave leading arguments out of the key with `skip_args = N`, or choose the key with `key = <expr>, key_type = <Type>`"
)]
pub trait MemoKey: Hash + Eq + Clone + Send + Sync + 'static {}

impl<T: Hash + Eq + Clone + Send + Sync + 'static> MemoKey for T {}

/// A type that a memoized function can cache; checked with [`assert_value`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be cached: a memoized function's value must be `Clone + Send + Sync + 'static`",
    label = "the cached value's type",
    note = "put a value that is not `Clone` behind an `Arc`"
)]
pub trait MemoValue: Clone + Send + Sync + 'static {}

impl<T: Clone + Send + Sync + 'static> MemoValue for T {}

/// A memoized function's error type; checked by [`unwrap_result`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a memoized function's error: it must be `Clone + std::error::Error + Send + Sync + 'static`",
    label = "every caller waiting for a failed call gets its own clone of this error",
    note = "derive `Clone`, or wrap the error in an `Arc`"
)]
pub trait MemoError: Clone + Error + Send + Sync + 'static {}

impl<E: Clone + Error + Send + Sync + 'static> MemoError for E {}

/// Compiles only when `K` can be (part of) a memoized function's key.
#[inline(always)]
pub fn assert_key<K: MemoKey>() {}

/// Compiles only when `V` can be a memoized function's cached value.
#[inline(always)]
pub fn assert_value<V: MemoValue>() {}
