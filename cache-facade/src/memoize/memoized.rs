//! [`Memoized`]: an async function with a cache in front of it.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use cache_core::error::CacheError;
use cache_metrics::MetricsSnapshot;

use super::memo_fn::MemoFn;
use super::memo_store::MemoCache;

/// An async function memoized in an [`AsyncCache`](crate::AsyncCache); made by
/// [`AsyncLru::memoize`](crate::AsyncLru::memoize) or
/// [`AsyncTtl::memoize`](crate::AsyncTtl::memoize).
///
/// Concurrent calls with equal arguments run the function once and share its
/// result; only `Ok` values are cached, and an error reaches every caller
/// that waited for it. Cheap to clone (clones share the cache).
pub struct Memoized<F, Args>
where
    F: MemoFn<Args>,
{
    function: Arc<F>,
    cache: MemoCache<F::Key, F::Value>,
    _args: PhantomData<fn(Args)>,
}

impl<F, Args> Memoized<F, Args>
where
    F: MemoFn<Args>,
{
    pub(crate) fn new(function: F, cache: MemoCache<F::Key, F::Value>) -> Self {
        Self { function: Arc::new(function), cache, _args: PhantomData }
    }

    /// The function's value for `args`: cached, or computed once however many
    /// callers ask concurrently.
    ///
    /// # Errors
    ///
    /// The function's error (as [`CacheError::Load`], the original
    /// recoverable by downcast), or [`CacheError::LoaderPanicked`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe by hand-over, as [`AsyncCache::get_with_inline`](crate::AsyncCache::get_with_inline) (the
    /// same load mode as `#[async_lru]` / `#[async_ttl]`, whose bodies may
    /// borrow): if the caller running the function is dropped, a waiting
    /// caller runs it instead, so nobody hangs.
    pub async fn call(&self, args: F::Key) -> Result<F::Value, CacheError> {
        let function = Arc::clone(&self.function);
        let key = args.clone();
        self.cache.get_with_inline(args, move || function.call_with(key)).await
    }

    /// Computes the value for `args` again and caches it, even if it was
    /// cached (Python's `use_cache=False`). Callers arriving meanwhile join
    /// this computation.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call); on error the old value is gone and nothing
    /// is cached.
    pub async fn refresh(&self, args: F::Key) -> Result<F::Value, CacheError> {
        self.cache.remove(&args).await;
        let function = Arc::clone(&self.function);
        let key = args.clone();
        self.cache.load_missing(args, move || function.call_with(key)).await
    }

    /// Drops the cached value for `args`; returns whether there was one.
    pub async fn invalidate(&self, args: &F::Key) -> bool {
        self.cache.remove(args).await.is_some()
    }

    /// Drops every cached value.
    pub async fn clear(&self) {
        self.cache.clear().await;
    }

    /// The cache's counters and size.
    #[must_use]
    pub fn metrics(&self) -> MetricsSnapshot {
        self.cache.metrics()
    }

    /// The cache behind the function.
    #[must_use]
    pub fn cache(&self) -> &MemoCache<F::Key, F::Value> {
        &self.cache
    }
}

impl<F, Args> Clone for Memoized<F, Args>
where
    F: MemoFn<Args>,
{
    fn clone(&self) -> Self {
        Self { function: Arc::clone(&self.function), cache: self.cache.clone(), _args: PhantomData }
    }
}

impl<F, Args> fmt::Debug for Memoized<F, Args>
where
    F: MemoFn<Args>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memoized").field("cache", &self.cache).finish_non_exhaustive()
    }
}
