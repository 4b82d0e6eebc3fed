//! Resilience when the backend is slow or down: refresh-ahead,
//! stale-while-revalidate and fail-safe, soft timeouts, negative caching.
//! Each is opt-in on the builder; with every option off the cache's paths
//! are exactly those without this module (one `Option` check on a miss).
//!
//! The pieces:
//! - [`FailSafe`]: entries that expire are kept aside, up to `max_stale`,
//!   in a stale store of their own (not counted in `len()`); a failed or
//!   slow reload serves them instead of an error or a wait.
//! - [`Negative`]: keys a loader reported absent, remembered for
//!   `negative_ttl`.
//! - `refresh_after`: a hit on an entry whose time left says it is older
//!   than `refresh_after` (its age is the default TTL minus its time left)
//!   starts one background reload and returns the current value.

mod fail_safe;
mod fetched;
mod negative;
mod settings;

use std::hash::Hash;
use std::time::Duration;

pub(crate) use fail_safe::FailSafe;
pub use fetched::{Fetched, Freshness, StaleReason};
pub(crate) use negative::Negative;
pub(crate) use settings::ResilienceSettings;

/// The resilience options of one cache, as the builder checked them.
pub(crate) struct Resilience<K, V> {
    /// With `refresh_after`: an entry with at most this much time left is
    /// refreshed on a hit (the default TTL minus `refresh_after`).
    pub(crate) refresh_when_left: Option<Duration>,
    pub(crate) fail_safe: Option<FailSafe<K, V>>,
    /// Serve an expired (stale) entry at once while one reload runs.
    pub(crate) stale_while_revalidate: bool,
    pub(crate) soft_timeout: Option<Duration>,
    pub(crate) negative: Option<Negative<K>>,
    /// Renders a key for `tracing` events, when the user opted in.
    pub(crate) trace_key: Option<KeyFormatter<K>>,
}

/// How a key appears in `tracing` events (set with `trace_keys`).
pub(crate) type KeyFormatter<K> = std::sync::Arc<dyn Fn(&K) -> String + Send + Sync>;

impl<K, V> Resilience<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The stale value of `key` kept by fail-safe, if any.
    pub(crate) fn stale<Q>(&self, key: &Q) -> Option<V>
    where
        Q: Hash + cache_core::Equivalent<K> + ?Sized,
    {
        self.fail_safe.as_ref()?.get(key)
    }

    /// A write of `key`: what was kept aside for it no longer holds.
    pub(crate) fn forget<Q>(&self, key: &Q)
    where
        Q: Hash + cache_core::Equivalent<K> + ?Sized,
    {
        if let Some(fail_safe) = &self.fail_safe {
            fail_safe.forget(key);
        }
        if let Some(negative) = &self.negative {
            negative.forget(key);
        }
    }

    /// `clear`: nothing kept aside holds any more.
    pub(crate) fn forget_all(&self) {
        if let Some(fail_safe) = &self.fail_safe {
            fail_safe.clear();
        }
        if let Some(negative) = &self.negative {
            negative.clear();
        }
    }
}
