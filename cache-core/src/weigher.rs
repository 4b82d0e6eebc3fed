//! Entry weights, so a capacity can be a byte budget.

use std::fmt;
use std::sync::Arc;

/// Tells a store how much of its capacity an entry uses.
///
/// Without a weigher every entry weighs 1 and capacity counts entries. A
/// weigher must be cheap and deterministic: it is called once per insert.
pub struct Weigher<K, V>(Arc<WeighFn<K, V>>);

type WeighFn<K, V> = dyn Fn(&K, &V) -> u32 + Send + Sync;

impl<K, V> Weigher<K, V> {
    /// The weight of one entry.
    #[inline]
    #[must_use]
    pub fn weigh(&self, key: &K, value: &V) -> u32 {
        (self.0)(key, value)
    }
}

impl<K, V> Clone for Weigher<K, V> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<K, V> fmt::Debug for Weigher<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Weigher(..)")
    }
}

/// Makes a [`Weigher`] from a closure.
///
/// # Examples
///
/// ```
/// use cache_core::weigher_fn;
///
/// let by_len = weigher_fn(|_key: &u64, value: &String| value.len() as u32);
/// assert_eq!(by_len.weigh(&1, &"four".to_string()), 4);
/// ```
pub fn weigher_fn<K, V, F>(f: F) -> Weigher<K, V>
where
    F: Fn(&K, &V) -> u32 + Send + Sync + 'static,
{
    Weigher(Arc::new(f))
}
