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

/// How a cache picks an entry's TTL: a fixed default or an [`Expiry`],
/// spread by a jitter.
pub(crate) struct Ttl<K, V> {
    choice: TtlChoice<K, V>,
    /// Each TTL is spread by up to this fraction, either way.
    jitter: f64,
}

enum TtlChoice<K, V> {
    Fixed(Option<Duration>),
    PerEntry(Arc<dyn Expiry<K, V>>),
}

impl<K, V> Ttl<K, V> {
    /// Every entry lives `ttl` (`None`: forever).
    pub(crate) fn fixed_at(ttl: Option<Duration>) -> Self {
        Self { choice: TtlChoice::Fixed(ttl), jitter: 0.0 }
    }

    /// `expiry` chooses each entry's TTL.
    pub(crate) fn per_entry(expiry: Arc<dyn Expiry<K, V>>) -> Self {
        Self { choice: TtlChoice::PerEntry(expiry), jitter: 0.0 }
    }

    /// Spreads each TTL by up to ±`fraction`.
    pub(crate) fn with_jitter(self, fraction: f64) -> Self {
        Self { jitter: fraction, ..self }
    }

    /// The TTL of `key` with `value`, inserted or loaded now.
    #[inline]
    pub(crate) fn of(&self, key: &K, value: &V) -> Option<Duration> {
        let ttl = match &self.choice {
            TtlChoice::Fixed(ttl) => *ttl,
            TtlChoice::PerEntry(expiry) => expiry.expire_after_create(key, value),
        };
        if self.jitter > 0.0 { ttl.map(|ttl| spread(ttl, self.jitter)) } else { ttl }
    }

    /// The fixed default TTL, if that is how TTLs are picked.
    pub(crate) fn fixed(&self) -> Option<Duration> {
        match &self.choice {
            TtlChoice::Fixed(ttl) => *ttl,
            TtlChoice::PerEntry(_) => None,
        }
    }
}

/// `ttl` times a factor drawn uniformly from [1 - jitter, 1 + jitter].
fn spread(ttl: Duration, jitter: f64) -> Duration {
    thread_local! {
        static RNG: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let draw = RNG.with(|rng| {
        let mut x = rng.get();
        if x == 0 {
            // Seeded per thread from the address of its own state.
            x = std::ptr::from_ref(rng).addr() as u64 | 1;
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rng.set(x);
        x
    });
    #[allow(clippy::cast_precision_loss)]
    let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
    ttl.mul_f64(1.0 + jitter * (2.0 * unit - 1.0))
}

impl<K, V> Clone for Ttl<K, V> {
    fn clone(&self) -> Self {
        let choice = match &self.choice {
            TtlChoice::Fixed(ttl) => TtlChoice::Fixed(*ttl),
            TtlChoice::PerEntry(expiry) => TtlChoice::PerEntry(Arc::clone(expiry)),
        };
        Self { choice, jitter: self.jitter }
    }
}

impl<K, V> fmt::Debug for Ttl<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Ttl");
        match &self.choice {
            TtlChoice::Fixed(ttl) => d.field("fixed", ttl),
            TtlChoice::PerEntry(_) => d.field("per_entry", &".."),
        };
        d.field("jitter", &self.jitter).finish()
    }
}
