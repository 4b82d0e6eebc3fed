//! Loading a known set of keys ahead of traffic.

use std::fmt;
use std::future::Future;
use std::hash::Hash;

use cache_core::error::CacheError;
use futures_util::StreamExt;
use futures_util::stream;

use crate::batcher::Batcher;

/// How many loads a warmup runs at once unless told otherwise.
pub const DEFAULT_WARMUP_CONCURRENCY: usize = 16;

/// What a warmup did, key by key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WarmupReport<K> {
    /// Keys loaded and stored.
    pub loaded: usize,
    /// Keys skipped because they were already present.
    pub skipped: usize,
    /// Keys the batch loader did not know (batched warmup only).
    pub not_found: usize,
    /// Keys whose load failed, with the error; a failure never stops the
    /// others.
    pub failed: Vec<WarmupFailure<K>>,
}

impl<K> WarmupReport<K> {
    fn empty() -> Self {
        Self { loaded: 0, skipped: 0, not_found: 0, failed: Vec::new() }
    }

    /// Whether every key was loaded or skipped.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.not_found == 0
    }
}

/// One key a warmup failed to load.
#[derive(Debug, Clone)]
pub struct WarmupFailure<K> {
    /// The key.
    pub key: K,
    /// Why its load failed.
    pub error: CacheError,
}

impl<K: fmt::Debug> fmt::Display for WarmupFailure<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "warmup of key {:?} failed: {}", self.key, self.error)
    }
}

/// Loads each `(key, loader)` pair with at most `concurrency` loads at once
/// (0 counts as 1), skipping keys for which `is_present` is true.
///
/// `load(key, loader)` performs one load and stores it (in the facade: a
/// single-flight `get_with`); it yields `Ok(())` when the value was loaded.
///
/// # Examples
///
/// ```
/// use cache_loader::warmup;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pairs = vec![(1, "one"), (2, "two"), (3, "fail")];
/// let report = warmup(pairs, 2, |k| *k == 1, |_key, what| async move {
///     if what == "fail" { Err(cache_core::error::CacheError::NotFound) } else { Ok(()) }
/// })
/// .await;
/// assert_eq!((report.loaded, report.skipped, report.failed.len()), (1, 1, 1));
/// assert_eq!(report.failed[0].key, 3);
/// # }
/// ```
pub async fn warmup<K, T, I, F, Fut>(
    pairs: I,
    concurrency: usize,
    is_present: impl Fn(&K) -> bool,
    load: F,
) -> WarmupReport<K>
where
    I: IntoIterator<Item = (K, T)>,
    K: Clone,
    F: Fn(K, T) -> Fut,
    Fut: Future<Output = Result<(), CacheError>>,
{
    let mut report = WarmupReport::empty();
    let mut todo = Vec::new();
    for (key, loader) in pairs {
        if is_present(&key) {
            report.skipped += 1;
        } else {
            todo.push((key, loader));
        }
    }
    let mut results = stream::iter(todo)
        .map(|(key, loader)| {
            let outcome = load(key.clone(), loader);
            async move { (key, outcome.await) }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((key, outcome)) = results.next().await {
        match outcome {
            Ok(()) => report.loaded += 1,
            Err(error) => report.failed.push(WarmupFailure { key, error }),
        }
    }
    report
}

impl<K, V> Batcher<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Warms `keys` through the batch loader, skipping present keys; the keys
    /// are dispatched at once, in batches of exactly `max_batch_size` (the
    /// last one smaller), without waiting for a batch window. `is_present`
    /// looks a key up in the store.
    ///
    /// A key listed more than once is warmed, and reported, once.
    pub async fn warmup(
        &self,
        keys: impl IntoIterator<Item = K>,
        is_present: impl Fn(&K) -> bool,
    ) -> WarmupReport<K> {
        let mut report = WarmupReport::empty();
        let mut missing = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for key in keys {
            if !seen.insert(key.clone()) {
                continue;
            }
            if is_present(&key) {
                report.skipped += 1;
            } else {
                missing.push(key);
            }
        }
        for (key, outcome) in self.load_now(missing).await {
            match outcome {
                Ok(Some(_)) => report.loaded += 1,
                Ok(None) => report.not_found += 1,
                Err(error) => report.failed.push(WarmupFailure { key, error }),
            }
        }
        report
    }
}
