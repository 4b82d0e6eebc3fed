//! [`Fetched`]: a value with whether it is fresh or stale.

pub use cache_metrics::StaleReason;

/// Whether a value read through the cache is fresh or stale, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Freshness {
    /// Live in the cache, or just loaded.
    Fresh,
    /// Expired, served by the resilience options instead of an error or a
    /// wait.
    Stale(StaleReason),
}

/// What [`AsyncCache::get_with_meta`](crate::AsyncCache::get_with_meta)
/// returns: the value, and whether it is fresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched<V> {
    value: V,
    freshness: Freshness,
}

impl<V> Fetched<V> {
    pub(crate) fn fresh(value: V) -> Self {
        Self { value, freshness: Freshness::Fresh }
    }

    pub(crate) fn stale(value: V, reason: StaleReason) -> Self {
        Self { value, freshness: Freshness::Stale(reason) }
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> &V {
        &self.value
    }

    /// The value, by value.
    #[must_use]
    pub fn into_value(self) -> V {
        self.value
    }

    /// Fresh, or stale and why.
    #[must_use]
    pub fn freshness(&self) -> Freshness {
        self.freshness
    }

    /// Whether the value is stale (expired, served by fail-safe, a soft
    /// timeout or stale-while-revalidate).
    #[must_use]
    pub fn is_stale(&self) -> bool {
        matches!(self.freshness, Freshness::Stale(_))
    }
}
