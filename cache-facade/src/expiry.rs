//! [`Expiry`]: a TTL chosen per entry, from its key and value.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Chooses how long each entry lives, from its key and its value, when it
/// is inserted or loaded (moka's `expire_after`). Set it with
/// [`AsyncCacheBuilder::expiry`](crate::AsyncCacheBuilder::expiry); it
/// takes the place of a fixed default TTL. An explicit
/// [`insert_with_ttl`](crate::AsyncCache::insert_with_ttl) still wins.
///
/// Closures `Fn(&K, &V) -> Option<Duration>` are expiries.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_facade::AsyncCache;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A token lives as long as it says; anything else, a minute.
/// let cache: AsyncCache<String, (String, u64)> = AsyncCache::builder()
///     .expiry(|_key: &String, (_, valid_secs): &(String, u64)| {
///         Some(Duration::from_secs(*valid_secs))
///     })
///     .build()?;
/// let token =
///     cache.get_with("a".to_string(), || async { Ok::<_, std::io::Error>(("t".to_string(), 5)) });
/// token.await?;
/// tokio::time::advance(Duration::from_secs(5)).await;
/// assert_eq!(cache.get("a").await, None, "it lived the 5 s its value chose");
/// # Ok(())
/// # }
/// ```
pub trait Expiry<K, V>: Send + Sync {
    /// How long an entry inserted or loaded now lives; `None`: it never
    /// expires.
    fn expire_after_create(&self, key: &K, value: &V) -> Option<Duration>;
}

impl<K, V, F> Expiry<K, V> for F
where
    F: Fn(&K, &V) -> Option<Duration> + Send + Sync,
{
    fn expire_after_create(&self, key: &K, value: &V) -> Option<Duration> {
        self(key, value)
    }
}

/// How a cache picks an entry's TTL: a fixed default, or an [`Expiry`].
pub(crate) enum Ttl<K, V> {
    Fixed(Option<Duration>),
    PerEntry(Arc<dyn Expiry<K, V>>),
}

impl<K, V> Ttl<K, V> {
    /// The TTL of `key` with `value`, inserted or loaded now.
    #[inline]
    pub(crate) fn of(&self, key: &K, value: &V) -> Option<Duration> {
        match self {
            Self::Fixed(ttl) => *ttl,
            Self::PerEntry(expiry) => expiry.expire_after_create(key, value),
        }
    }

    /// The fixed default TTL, if that is how TTLs are picked.
    pub(crate) fn fixed(&self) -> Option<Duration> {
        match self {
            Self::Fixed(ttl) => *ttl,
            Self::PerEntry(_) => None,
        }
    }
}

impl<K, V> Clone for Ttl<K, V> {
    fn clone(&self) -> Self {
        match self {
            Self::Fixed(ttl) => Self::Fixed(*ttl),
            Self::PerEntry(expiry) => Self::PerEntry(Arc::clone(expiry)),
        }
    }
}

impl<K, V> fmt::Debug for Ttl<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(ttl) => f.debug_tuple("Fixed").field(ttl).finish(),
            Self::PerEntry(_) => f.write_str("PerEntry(..)"),
        }
    }
}
