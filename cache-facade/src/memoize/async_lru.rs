//! [`AsyncLru`]: Python's `@AsyncLRU(maxsize=..)` as a function wrapper.

use cache_policies::LruStore;

use super::memo_fn::MemoFn;
use super::memoized::Memoized;
use crate::cache::AsyncCache;

/// Memoizes an async function in a least-recently-used cache of `maxsize`
/// entries (Python's `@AsyncLRU(maxsize=128)`).
///
/// The cache is an [`AsyncCache`] over an [`LruStore`]: exact LRU order, as in
/// Python. `maxsize` 0 caches nothing (concurrent equal calls still share one
/// run); [`unbounded`](AsyncLru::unbounded) is Python's `maxsize=None`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use cache_facade::AsyncLru;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let queries = Arc::new(AtomicUsize::new(0));
/// let counted = Arc::clone(&queries);
/// let user = AsyncLru::new(128).memoize(move |id: u64| {
///     counted.fetch_add(1, Ordering::SeqCst);
///     async move { Ok::<_, std::io::Error>(format!("user-{id}")) }
/// });
/// assert_eq!(user.call(7).await.unwrap(), "user-7");
/// assert_eq!(user.call(7).await.unwrap(), "user-7"); // a hit
/// assert_eq!(queries.load(Ordering::SeqCst), 1);
///
/// user.refresh(7).await.unwrap(); // reloads even though cached
/// assert!(user.invalidate(&7).await);
/// assert_eq!(user.metrics().hits, 1);
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AsyncLru {
    maxsize: Option<u64>,
    name: String,
}

impl AsyncLru {
    /// At most `maxsize` cached results, least recently used leaving first.
    pub fn new(maxsize: u64) -> Self {
        Self { maxsize: Some(maxsize), name: "memoized".to_owned() }
    }

    /// No bound on cached results (Python's `maxsize=None`).
    pub fn unbounded() -> Self {
        Self { maxsize: None, name: "memoized".to_owned() }
    }

    /// The name labelling the cache's metrics (default `"memoized"`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Wraps `function`; see [`Memoized`].
    pub fn memoize<F, Args>(self, function: F) -> Memoized<F, Args>
    where
        F: MemoFn<Args>,
    {
        let store = match self.maxsize {
            Some(max) => LruStore::new(max),
            None => LruStore::unbounded(),
        };
        let name = if self.name.is_empty() { "memoized".to_owned() } else { self.name };
        let cache = AsyncCache::builder().name(name).store(store).build();
        Memoized::new(function, cache.unwrap_or_else(|e| unreachable!("settings are valid: {e}")))
    }
}
