//! [`AsyncLru`]: Python's `@AsyncLRU(maxsize=..)` as a function wrapper.

use std::hash::Hash;

use cache_policies::Lru;

use super::memo_fn::MemoFn;
use super::memo_store::{MemoCache, memo_store};
use super::memoized::Memoized;
use crate::cache::AsyncCache;

/// Memoizes an async function in a least-recently-used cache of `maxsize`
/// entries (Python's `@AsyncLRU(maxsize=128)`).
///
/// The cache is a [`MemoCache`]: an [`AsyncCache`] over the engine with the
/// exact [`Lru`] policy, as in Python. `maxsize` 0 caches nothing (concurrent equal calls still share one
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
        Self { maxsize: Some(maxsize), name: String::new() }
    }

    /// No bound on cached results (Python's `maxsize=None`).
    pub fn unbounded() -> Self {
        Self { maxsize: None, name: String::new() }
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
    /// `#[async_lru]` macro builds its cache here too).
    #[must_use]
    pub fn cache<K, V>(self) -> MemoCache<K, V>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let store = memo_store(self.maxsize, |_| Box::new(Lru::new()), false);
        let name = if self.name.is_empty() { "memoized".to_owned() } else { self.name };
        AsyncCache::builder()
            .name(name)
            .store(store)
            .build()
            .unwrap_or_else(|e| unreachable!("settings are valid: {e}"))
    }
}
