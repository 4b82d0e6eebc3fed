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
use std::fmt::{Debug, Display};
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::{AsyncLru, AsyncTtl, MemoCache};
use cache_core::error::{CacheError, SharedError};

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
pub fn memo_cache_ttl<K, V>(
    name: &str,
    ttl_secs: u64,
    maxsize: Option<u64>,
    fail_safe_secs: Option<u64>,
) -> MemoCache<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    let mut wrapper = AsyncTtl::new(Duration::from_secs(ttl_secs)).name(name);
    if let Some(max) = maxsize {
        wrapper = wrapper.max_capacity(max);
    }
    if let Some(secs) = fail_safe_secs {
        wrapper = wrapper.fail_safe(Duration::from_secs(secs));
    }
    wrapper.cache()
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

/// The loader a macro runs for a `-> Result<V, E>` function: its error goes
/// into a [`SharedError`], one `Arc<E>` for every caller of the call.
pub async fn shared<V, E>(call: impl Future<Output = Result<V, E>>) -> Result<V, SharedError<E>> {
    call.await.map_err(SharedError::new)
}

/// The outcome of a memoized `-> Result<V, E>` function as that type: each
/// caller of a failed call gets an `E` made from the one shared error by
/// `rebuild` (a clone when `E: Clone`, else `E::from(SharedError<E>)`; see
/// [`Rebuild`]).
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
pub fn unwrap_result<V, E: MemoError>(
    result: Result<V, CacheError>,
    rebuild: fn(&Arc<E>) -> E,
) -> Result<V, E> {
    match result {
        Ok(value) => Ok(value),
        Err(CacheError::Load(error)) => match error.downcast_ref::<SharedError<E>>() {
            Some(shared) => Err(rebuild(shared.get())),
            None => panic!("memoized function failed with an error of another type: {error}"),
        },
        Err(other) => fail(&other),
    }
}

/// Picks how a memoized function's callers get their own `E` from the one
/// shared `Arc<E>` of a failed call, by autoref specialisation at the macro's
/// call site, where `E` is a concrete type: `(&&Rebuild::<E>::new()).rebuild()`
/// is [`ViaClone`] when `E: Clone`, else [`ViaFrom`].
#[derive(Debug)]
pub struct Rebuild<E>(PhantomData<fn() -> E>);

impl<E> Rebuild<E> {
    /// The selector for `E`.
    #[must_use]
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<E> Default for Rebuild<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// First choice: every caller gets a clone of the error.
pub trait ViaClone<E> {
    /// The clone.
    fn rebuild(&self) -> fn(&Arc<E>) -> E;
}

impl<E: Clone> ViaClone<E> for &Rebuild<E> {
    fn rebuild(&self) -> fn(&Arc<E>) -> E {
        |shared| E::clone(shared)
    }
}

/// Second choice, for errors that are not `Clone`: every caller gets
/// `E::from(SharedError<E>)`, which keeps the message and the original
/// (reachable as the error's source or by downcast).
pub trait ViaFrom<E> {
    /// The conversion.
    fn rebuild(&self) -> fn(&Arc<E>) -> E
    where
        E: FromShared;
}

impl<E> ViaFrom<E> for Rebuild<E> {
    fn rebuild(&self) -> fn(&Arc<E>) -> E
    where
        E: FromShared,
    {
        E::from_shared
    }
}

/// An error type rebuilt from the shared error of a failed call: every `E`
/// that converts from [`SharedError<E>`] (`anyhow::Error`, `BoxError`,
/// `std::io::Error`, or your type with such a `From`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a memoized function's error: it is not `Clone`, and not `From<SharedError<{Self}>>`",
    label = "every caller of a failed call gets its own `{Self}`, made from the one shared error",
    note = "derive `Clone`, or implement `From<cache_facade::error::SharedError<{Self}>>` for it (anyhow::Error, BoxError and std::io::Error already have it)"
)]
pub trait FromShared: Sized {
    /// The caller's own error, from the shared one.
    fn from_shared(shared: &Arc<Self>) -> Self;
}

impl<E: From<SharedError<E>>> FromShared for E {
    fn from_shared(shared: &Arc<Self>) -> Self {
        E::from(SharedError::from_arc(Arc::clone(shared)))
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
    message = "`{Self}` cannot be a memoized function's error: it must be `Debug + Display + Send + Sync + 'static`",
    label = "the error of the memoized function"
)]
pub trait MemoError: Debug + Display + Send + Sync + 'static {}

impl<E: Debug + Display + Send + Sync + 'static> MemoError for E {}

/// Compiles only when `K` can be (part of) a memoized function's key.
#[inline(always)]
pub fn assert_key<K: MemoKey>() {}

/// Compiles only when `V` can be a memoized function's cached value.
#[inline(always)]
pub fn assert_value<V: MemoValue>() {}
