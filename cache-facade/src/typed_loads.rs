//! Loads with the habits moka users bring: `try_get_with` (the loader's own
//! error type back, as `Arc<E>`) and `optionally_get_with` (a loader that
//! may find nothing).

use std::fmt;
use std::future::Future;
use std::hash::Hash;

use cache_core::Store;
use cache_core::error::{CacheError, LoadFailure, SharedError};

use crate::cache::AsyncCache;

/// What `optionally_get_with` tells its waiters when the loader found
/// nothing (never stored).
#[derive(Debug, Clone, Copy)]
struct Absent;

impl fmt::Display for Absent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the loader found no value for the key")
    }
}

impl std::error::Error for Absent {}

impl<K, V, S> AsyncCache<K, V, S>
where
    S: Store<K, V> + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// As [`get_with`](Self::get_with), with the loader's own error type:
    /// moka's `try_get_with`. A failed load gives
    /// [`LoadFailure::Loader`]`(Arc<E>)`, the same `Arc` for every waiter of
    /// the load; panics, timeouts and cancellation keep variants of their
    /// own. `E` need not be `Clone` nor even `Error` (`anyhow::Error` fits).
    ///
    /// # Errors
    ///
    /// The [`LoadFailure`]; nothing is stored then.
    ///
    /// # Concurrent calls on the same key
    ///
    /// As `get_with`: one loader runs and every caller gets its result. A
    /// call that joins a load begun by another kind of call (`get_with`,
    /// `optionally_get_with`) that failed gets [`LoadFailure::Other`].
    ///
    /// # Cancel safety
    ///
    /// As [`get_with`](Self::get_with): the load goes on without the caller.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use cache_facade::AsyncCache;
    /// use cache_facade::error::LoadFailure;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<u32, String> = AsyncCache::builder().build().unwrap();
    /// let failed = cache
    ///     .try_get_with(1, || async { Err::<String, _>(std::io::Error::other("db down")) })
    ///     .await;
    /// let Err(LoadFailure::Loader(error)) = failed else { panic!("{failed:?}") };
    /// let error: Arc<std::io::Error> = error; // the loader's own type, no downcast
    /// assert_eq!(error.kind(), std::io::ErrorKind::Other);
    ///
    /// let loaded = cache.try_get_with(1, || async { Ok::<_, std::io::Error>("one".into()) });
    /// assert_eq!(loaded.await.unwrap(), "one");
    /// # }
    /// ```
    pub async fn try_get_with<F, Fut, E>(&self, key: K, loader: F) -> Result<V, LoadFailure<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
        E: fmt::Debug + fmt::Display + Send + Sync + 'static,
    {
        let typed = move || {
            let load = loader();
            async move { load.await.map_err(SharedError::new) }
        };
        self.get_with(key, typed).await.map_err(LoadFailure::from)
    }

    /// As [`get_with`](Self::get_with), for a loader that may find nothing:
    /// `None` is returned to every waiter of the load and nothing is
    /// cached (moka's `optionally_get_with`). The next call loads again.
    ///
    /// # Errors
    ///
    /// The cache's own failures: a panicking loader, a timeout, a cancelled
    /// load (moka would propagate the panic instead).
    ///
    /// # Concurrent calls on the same key
    ///
    /// One loader runs; every caller gets its `Some` or `None`. A
    /// `get_with` that joined a load that found nothing fails with
    /// [`CacheError::Load`].
    ///
    /// # Cancel safety
    ///
    /// As [`get_with`](Self::get_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<u32, &str> = AsyncCache::builder().build().unwrap();
    /// assert_eq!(cache.optionally_get_with(7, || async { None }).await.unwrap(), None);
    /// assert!(!cache.contains_key(&7), "not found is not cached");
    /// assert_eq!(cache.optionally_get_with(7, || async { Some("seven") }).await.unwrap(), Some("seven"));
    /// assert_eq!(cache.get(&7).await, Some("seven"));
    /// # }
    /// ```
    pub async fn optionally_get_with<F, Fut>(
        &self,
        key: K,
        loader: F,
    ) -> Result<Option<V>, CacheError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Option<V>> + Send + 'static,
    {
        let negative = self.inner.resilience.negative.as_ref();
        if negative.is_some_and(|negative| negative.knows_absent(&key)) {
            self.inner.metrics.record_negative_hit();
            return Ok(None);
        }
        let optional = move || {
            let load = loader();
            async move { load.await.ok_or(Absent) }
        };
        match self.get_with(key.clone(), optional).await {
            Ok(value) => Ok(Some(value)),
            Err(CacheError::Load(e)) if e.downcast_ref::<Absent>().is_some() => {
                if let Some(negative) = negative {
                    negative.remember(key);
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
