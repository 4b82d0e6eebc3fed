//! [`AsyncTtl`]: Python's `@AsyncTTL(time_to_live=.., maxsize=..)` as a
//! function wrapper.

use std::time::Duration;

use std::hash::Hash;

use cache_policies::WTinyLfu;

use super::memo_fn::MemoFn;
use super::memo_store::{MemoCache, memo_store};
use super::memoized::Memoized;
use crate::cache::AsyncCache;

/// Memoizes an async function; each result lives `ttl` (Python's
/// `@AsyncTTL(time_to_live=60, maxsize=1024)`).
///
/// The cache is a [`MemoCache`]: an [`AsyncCache`] whose default TTL is
/// `ttl` (expired results are reclaimed without reads), over the engine with
/// the [`WTinyLfu`] policy when [`max_capacity`](AsyncTtl::max_capacity)
/// bounds it. `#[async_ttl]` builds exactly this cache. A zero `ttl` caches
/// nothing (concurrent equal calls still share one run).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_facade::AsyncTtl;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let price = AsyncTtl::new(Duration::from_secs(60))
///     .max_capacity(1024)
///     .memoize(|sku: String, region: &'static str| async move {
///         Ok::<_, std::io::Error>(sku.len() as u64 * if region == "eu" { 2 } else { 1 })
///     });
/// assert_eq!(price.call(("abc".to_string(), "eu")).await.unwrap(), 6);
/// tokio::time::advance(Duration::from_secs(60)).await;
/// assert_eq!(price.metrics().size, 0, "expired after its TTL");
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AsyncTtl {
    ttl: Duration,
    max_capacity: Option<u64>,
    fail_safe: Option<Duration>,
    name: String,
}

impl AsyncTtl {
    /// Results live `ttl` after they are computed.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, max_capacity: None, fail_safe: None, name: String::new() }
    }

    /// At most `max` cached results (default: no bound).
    pub fn max_capacity(mut self, max: u64) -> Self {
        self.max_capacity = Some(max);
        self
    }

    /// Fail-safe: an expired result is kept for `max_stale` more, and a new
    /// call of the function that fails or panics returns it instead of the
    /// error (see [`AsyncCacheBuilder::fail_safe`](crate::AsyncCacheBuilder::fail_safe)).
    /// `#[async_ttl(fail_safe_secs = ..)]` sets the same.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use cache_facade::AsyncTtl;
    ///
    /// static DOWN: AtomicBool = AtomicBool::new(false);
    /// async fn price(sku: u32) -> Result<u32, std::io::Error> {
    ///     if DOWN.load(Ordering::SeqCst) { Err(std::io::Error::other("down")) } else { Ok(sku) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let prices = AsyncTtl::new(Duration::from_secs(60)).fail_safe(Duration::from_secs(600)).memoize(price);
    /// assert_eq!(prices.call(7).await.unwrap(), 7);
    /// DOWN.store(true, Ordering::SeqCst);
    /// tokio::time::advance(Duration::from_secs(60)).await;
    /// assert_eq!(prices.call(7).await.unwrap(), 7, "the stale result, not the error");
    /// # }
    /// ```
    pub fn fail_safe(mut self, max_stale: Duration) -> Self {
        self.fail_safe = Some(max_stale);
        self
    }

    /// The name labelling the cache's metrics. Default: the function's path
    /// (`std::any::type_name` of what [`memoize`](Self::memoize) wraps:
    /// `my_crate::users::fetch` for a `fn`), or `"memoized"` for a bare
    /// [`cache`](Self::cache).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Wraps `function`; see [`Memoized`].
    pub fn memoize<F, Args>(self, function: F) -> Memoized<F, Args>
    where
        F: MemoFn<Args>,
    {
        let named = if self.name.is_empty() { self.name(std::any::type_name::<F>()) } else { self };
        Memoized::new(function, named.cache())
    }

    /// The cache this wrapper puts in front of a function (the
    /// `#[async_ttl]` macro builds its cache here too): the TTL is the
    /// cache's default TTL, the bound (if any) evicts by W-TinyLFU.
    #[must_use]
    pub fn cache<K, V>(self) -> MemoCache<K, V>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let name = if self.name.is_empty() { "memoized".to_owned() } else { self.name };
        let builder = AsyncCache::builder().name(name);
        let built = if self.ttl.is_zero() || self.max_capacity == Some(0) {
            // Results expire at once: keep none (calls are still coalesced).
            builder.store(memo_store(Some(0), |max| Box::new(WTinyLfu::new(max)), true)).build()
        } else {
            let store = memo_store(self.max_capacity, |max| Box::new(WTinyLfu::new(max)), true);
            let builder = builder.store(store).default_ttl(self.ttl);
            match self.fail_safe {
                Some(max_stale) => builder.fail_safe(max_stale).build(),
                None => builder.build(),
            }
        };
        built.unwrap_or_else(|e| unreachable!("settings are valid: {e}"))
    }
}
