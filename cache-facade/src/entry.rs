//! The entry API: `cache.entry(key)` then `or_insert_with` or
//! `and_compute_with`, after moka's.

use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};

use cache_core::Store;
use cache_core::error::CacheError;
use cache_core::time::deadline_after;
use cache_loader::Joined;

use crate::cache::AsyncCache;

/// One key of a cache, to read, insert or compute atomically; made by
/// [`AsyncCache::entry`].
#[must_use]
pub struct Entry<'a, K, V, S> {
    cache: &'a AsyncCache<K, V, S>,
    key: K,
}

impl<K: std::fmt::Debug, V, S> std::fmt::Debug for Entry<'_, K, V, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry").field("key", &self.key).finish_non_exhaustive()
    }
}

/// What an entry holds after [`Entry::or_insert_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryValue<V> {
    value: V,
    fresh: bool,
}

impl<V> EntryValue<V> {
    /// The value.
    pub fn value(&self) -> &V {
        &self.value
    }

    /// The value, by value.
    pub fn into_value(self) -> V {
        self.value
    }

    /// Whether this call's `init` produced it (it was absent).
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }
}

/// What [`Entry::and_compute_with`]'s closure decides (moka's `Op`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op<V> {
    /// Store this value (with the cache's TTL).
    Put(V),
    /// Remove the entry.
    Remove,
    /// Leave it as it is.
    Nop,
}

/// What [`Entry::and_compute_with`] did (moka's `CompResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Computed<V> {
    /// The key was absent; this value was stored.
    Inserted(V),
    /// The key held a value; it was replaced with this one.
    ReplacedWith(V),
    /// The entry, which held this value, was removed.
    Removed(V),
    /// The entry was left holding this value.
    Unchanged(V),
    /// The key was absent and stays so.
    StillNone,
    /// A write of the key (`insert`, `remove`, `clear`) happened while the
    /// closure ran: that write wins, and the closure's decision is dropped.
    Superseded,
}

impl<K, V, S> AsyncCache<K, V, S>
where
    S: Store<K, V> + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The entry of `key`, for [`or_insert_with`](Entry::or_insert_with) or
    /// [`and_compute_with`](Entry::and_compute_with).
    pub fn entry(&self, key: K) -> Entry<'_, K, V, S> {
        Entry { cache: self, key }
    }
}

impl<K, V, S> Entry<'_, K, V, S>
where
    S: Store<K, V> + 'static,
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The entry's value, or the value of `init` stored (with the cache's
    /// TTL) if the key is absent. Concurrent calls for one key run one
    /// `init`; the others get its value, not fresh.
    ///
    /// # Errors
    ///
    /// If `init` panics, or the cache's load timeout elapses.
    ///
    /// # Cancel safety
    ///
    /// As [`AsyncCache::get_with_inline`]: `init` runs in the caller; if it
    /// is dropped, a waiting caller runs its own `init`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::AsyncCache;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<&str, u32> = AsyncCache::builder().build().unwrap();
    /// let first = cache.entry("k").or_insert_with(async { 1 }).await.unwrap();
    /// assert!(first.is_fresh());
    /// let second = cache.entry("k").or_insert_with(async { 2 }).await.unwrap();
    /// assert_eq!((second.into_value(), second_is_fresh(&cache).await), (1, false));
    /// # async fn second_is_fresh(c: &AsyncCache<&'static str, u32>) -> bool {
    /// #     c.entry("k").or_insert_with(async { 3 }).await.unwrap().is_fresh()
    /// # }
    /// # }
    /// ```
    pub async fn or_insert_with(
        self,
        init: impl Future<Output = V>,
    ) -> Result<EntryValue<V>, CacheError> {
        if let Some(value) = self.cache.lookup(&self.key) {
            return Ok(EntryValue { value, fresh: false });
        }
        let ran = AtomicBool::new(false);
        let loader = || async {
            ran.store(true, Ordering::Relaxed);
            Ok::<_, std::convert::Infallible>(init.await)
        };
        let value = self.cache.load_missing_inline(self.key, loader).await?;
        Ok(EntryValue { value, fresh: ran.load(Ordering::Relaxed) })
    }

    /// Reads the entry's current value, lets `compute` decide what it
    /// becomes ([`Op`]), and applies that, atomically with respect to every
    /// other write of the key: computations of one key run one after the
    /// other, a load of the key in flight is waited for first, and a write
    /// (`insert`, `remove`, `clear`) that lands while `compute` runs wins
    /// ([`Computed::Superseded`]).
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for the cache's own failures.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future while `compute` runs abandons the computation
    /// (nothing is written); callers waiting on it go on.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_facade::{AsyncCache, Computed, Op};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let cache: AsyncCache<&str, u32> = AsyncCache::builder().build().unwrap();
    /// let count = |old: Option<u32>| async move { Op::Put(old.unwrap_or(0) + 1) };
    /// assert_eq!(cache.entry("hits").and_compute_with(count).await.unwrap(), Computed::Inserted(1));
    /// assert_eq!(cache.entry("hits").and_compute_with(count).await.unwrap(), Computed::ReplacedWith(2));
    /// let drop_it = |_| async { Op::Remove };
    /// assert_eq!(cache.entry("hits").and_compute_with(drop_it).await.unwrap(), Computed::Removed(2));
    /// assert_eq!(cache.get(&"hits").await, None);
    /// # }
    /// ```
    pub async fn and_compute_with<F, Fut>(self, compute: F) -> Result<Computed<V>, CacheError>
    where
        F: FnOnce(Option<V>) -> Fut,
        Fut: Future<Output = Op<V>>,
    {
        let inner = &self.cache.inner;
        let completer = loop {
            match inner.flights.join(&self.key, || None) {
                Joined::Leading(completer) => break completer,
                Joined::Waiting(waiter) => drop(waiter.wait().await),
                Joined::Present(_) => {}
            }
        };
        let store = &inner.store;
        let current = store.get(&self.key);
        let computed = match (compute(current.clone()).await, current) {
            (Op::Put(value), old) => {
                let ttl = inner.ttl.of(&self.key, &value).and_then(deadline_after);
                let stored = value.clone();
                let commit = |key: &K, value: &V| store.insert(key.clone(), value.clone(), ttl);
                if !completer.complete(Ok(stored), commit) {
                    Computed::Superseded
                } else if old.is_some() {
                    Computed::ReplacedWith(value)
                } else {
                    Computed::Inserted(value)
                }
            }
            (Op::Remove, Some(old)) => {
                if completer.complete_without_value(|key| drop(store.remove(key))) {
                    Computed::Removed(old)
                } else {
                    Computed::Superseded
                }
            }
            (Op::Remove | Op::Nop, None) => {
                if completer.complete_without_value(|_| {}) {
                    Computed::StillNone
                } else {
                    Computed::Superseded
                }
            }
            (Op::Nop, Some(old)) => {
                if completer.complete(Ok(old.clone()), |_, _| {}) {
                    Computed::Unchanged(old)
                } else {
                    Computed::Superseded
                }
            }
        };
        self.cache.note_write();
        Ok(computed)
    }
}
