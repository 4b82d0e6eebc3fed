//! [`ResilienceSettings`]: the resilience options as given to the builder,
//! checked and turned into a [`Resilience`].

use std::hash::Hash;
use std::time::Duration;

use super::{FailSafe, Negative, Resilience};
use crate::error::BuildError;

/// Fail-safe's throttle when none is given.
const DEFAULT_THROTTLE: Duration = Duration::from_secs(30);

/// The resilience settings of a builder.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ResilienceSettings {
    pub(crate) refresh_after: Option<Duration>,
    pub(crate) fail_safe: Option<Duration>,
    pub(crate) throttle: Option<Duration>,
    pub(crate) stale_while_revalidate: bool,
    pub(crate) soft_timeout: Option<Duration>,
    pub(crate) negative_ttl: Option<Duration>,
    pub(crate) ttl_jitter: Option<f64>,
}

impl ResilienceSettings {
    /// Refuses settings that cannot work, naming the first.
    pub(crate) fn check(
        &self,
        default_ttl: Option<Duration>,
        expiry: bool,
    ) -> Result<(), BuildError> {
        if let Some(age) = self.refresh_after {
            if age.is_zero() {
                return Err(BuildError::new("refresh_after", "must be longer than zero"));
            }
            if expiry || default_ttl.is_none_or(|ttl| ttl <= age) {
                return Err(BuildError::new(
                    "refresh_after",
                    "needs a default_ttl longer than it (an entry's age is its TTL minus its time left)",
                ));
            }
        }
        if self.fail_safe.is_some_and(|d| d.is_zero()) {
            return Err(BuildError::new("fail_safe", "must keep stale values longer than zero"));
        }
        let needs_fail_safe = [
            ("fail_safe_throttle", self.throttle.is_some()),
            ("stale_while_revalidate", self.stale_while_revalidate),
            ("soft_timeout", self.soft_timeout.is_some()),
        ];
        if self.fail_safe.is_none() {
            if let Some((setting, _)) = needs_fail_safe.into_iter().find(|(_, set)| *set) {
                return Err(BuildError::new(
                    setting,
                    "has no effect without fail_safe (which keeps the stale values it serves)",
                ));
            }
        }
        for (setting, value) in [
            ("fail_safe_throttle", self.throttle),
            ("soft_timeout", self.soft_timeout),
            ("negative_ttl", self.negative_ttl),
        ] {
            if value.is_some_and(|d| d.is_zero()) {
                return Err(BuildError::new(setting, "must be longer than zero"));
            }
        }
        if let Some(jitter) = self.ttl_jitter {
            if !(0.0..=1.0).contains(&jitter) {
                return Err(BuildError::new(
                    "ttl_jitter",
                    format!("{jitter} is not a fraction between 0 and 1"),
                ));
            }
        }
        Ok(())
    }

    /// The checked settings, for a cache of `capacity` entries (the stale
    /// and negative stores are bounded alike).
    pub(crate) fn build<K, V>(
        self,
        capacity: Option<u64>,
        default_ttl: Option<Duration>,
        trace_key: Option<super::KeyFormatter<K>>,
    ) -> Resilience<K, V>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let refresh_when_left =
            self.refresh_after.and_then(|age| default_ttl.map(|ttl| ttl.saturating_sub(age)));
        Resilience {
            refresh_when_left,
            fail_safe: self.fail_safe.map(|max_stale| {
                FailSafe::new(capacity, max_stale, self.throttle.unwrap_or(DEFAULT_THROTTLE))
            }),
            stale_while_revalidate: self.stale_while_revalidate,
            soft_timeout: self.soft_timeout,
            negative: self.negative_ttl.map(|ttl| Negative::new(capacity, ttl)),
            trace_key,
        }
    }
}
