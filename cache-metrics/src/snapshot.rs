//! Point-in-time copies of the local counters.

use std::fmt;
use std::time::Duration;

/// Loads that did not succeed, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct LoadErrors {
    /// The loader returned an error.
    pub error: u64,
    /// The loader panicked.
    pub panic: u64,
    /// The load exceeded its timeout.
    pub timeout: u64,
    /// The load was dropped before it finished.
    pub cancelled: u64,
    /// Failures with an outcome added to `cache_core::LoadOutcome` after this
    /// crate was written; always 0 with the current cache-core.
    pub other: u64,
}

impl LoadErrors {
    /// Every failed load, whatever the outcome.
    #[must_use]
    pub const fn total(&self) -> u64 {
        self.error
            .saturating_add(self.panic)
            .saturating_add(self.timeout)
            .saturating_add(self.cancelled)
            .saturating_add(self.other)
    }
}

/// Callers given a stale value, by reason (the resilience options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct StaleServed {
    /// The reload failed or panicked (fail-safe).
    pub error: u64,
    /// The reload was slower than the soft timeout.
    pub timeout: u64,
    /// Served at once while a reload ran (stale-while-revalidate).
    pub revalidate: u64,
}

impl StaleServed {
    /// Every stale value served, whatever the reason.
    #[must_use]
    pub const fn total(&self) -> u64 {
        self.error.saturating_add(self.timeout).saturating_add(self.revalidate)
    }
}

/// Background refreshes (`refresh_after`, `refresh`) that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Refreshes {
    /// The reload stored a new value.
    pub succeeded: u64,
    /// The reload failed, panicked or timed out; the old value stayed.
    pub failed: u64,
}

/// Entries that left the cache, by [`RemovalCause`](cache_core::RemovalCause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Evictions {
    /// Evicted to keep the cache within its capacity.
    pub size: u64,
    /// Their deadline passed.
    pub expired: u64,
    /// Removed by `remove` or `clear`.
    pub explicit: u64,
    /// Overwritten by an insert of the same key.
    pub replaced: u64,
    /// Removals with a cause added to `cache_core::RemovalCause` after this
    /// crate was written; always 0 with the current cache-core.
    pub other: u64,
}

impl Evictions {
    /// Every removal, whatever the cause.
    #[must_use]
    pub const fn total(&self) -> u64 {
        self.size
            .saturating_add(self.expired)
            .saturating_add(self.explicit)
            .saturating_add(self.replaced)
            .saturating_add(self.other)
    }

    /// Removals the cache chose itself (`size` and `expired`), as opposed to a
    /// caller removing or replacing an entry.
    #[must_use]
    pub const fn evicted(&self) -> u64 {
        self.size.saturating_add(self.expired)
    }
}

/// The counters of one cache at one moment, with its size.
///
/// Produced by [`CacheMetrics::snapshot`](crate::CacheMetrics::snapshot).
/// Every field is exact once the operations it counts have returned; fields
/// are read one after another, so a snapshot taken while other threads work
/// may count an event in one field and not yet its companion in another (a
/// miss, say, before the load it started).
///
/// Counts cover the time since the metrics were created or last
/// [`reset`](crate::CacheMetrics::reset).
///
/// # Examples
///
/// ```
/// use cache_metrics::MetricsSnapshot;
///
/// let mut m = MetricsSnapshot::default();
/// assert_eq!(m.hit_rate(), 0.0, "no lookups yet");
/// m.hits = 3;
/// m.misses = 1;
/// assert_eq!(m.lookups(), 4);
/// assert_eq!(m.hit_rate(), 0.75);
/// assert_eq!(m.miss_rate(), 0.25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Lookups that found a live entry.
    pub hits: u64,
    /// Lookups that found nothing (each may start or join a load).
    pub misses: u64,
    /// Entries held, as reported by the store when the snapshot was taken.
    pub size: u64,
    /// Total weight held (equal to `size` without a weigher).
    pub weighted_size: u64,
    /// Loads finished, whatever their outcome; a batch counts as one load.
    pub loads: u64,
    /// Loads that returned a value (or, for a batch, a map).
    pub load_successes: u64,
    /// Loads that failed, by outcome.
    pub load_errors: LoadErrors,
    /// Callers that joined a load already in flight instead of starting one.
    pub coalesced: u64,
    /// Entries that left the cache, by cause.
    pub evictions: Evictions,
    /// Batches dispatched to a batch loader.
    pub batches: u64,
    /// Keys carried by those batches.
    pub keys_batched: u64,
    /// Time spent in loads, summed over every load (batches included).
    pub total_load_time: Duration,
    /// The remote tier's and backplane's counters, when the cache has either.
    pub remote: Option<crate::RemoteSnapshot>,
    /// Callers given a stale value, by reason.
    pub stale_served: StaleServed,
    /// Background refreshes, by outcome.
    pub refreshes: Refreshes,
    /// Lookups answered by a cached "not found" (`negative_ttl`); not
    /// counted as hits.
    pub negative_hits: u64,
}

impl MetricsSnapshot {
    /// Hits plus misses.
    #[must_use]
    pub const fn lookups(&self) -> u64 {
        self.hits.saturating_add(self.misses)
    }

    /// Hits per lookup, in `0.0..=1.0`; `0.0` when there was no lookup.
    #[must_use]
    pub fn hit_rate(&self) -> f64 {
        ratio(self.hits, self.lookups())
    }

    /// Misses per lookup, in `0.0..=1.0`; `0.0` when there was no lookup.
    #[must_use]
    pub fn miss_rate(&self) -> f64 {
        ratio(self.misses, self.lookups())
    }

    /// The mean duration of a load (failed ones included), `None` before the
    /// first load.
    #[must_use]
    pub fn average_load_time(&self) -> Option<Duration> {
        if self.loads == 0 {
            return None;
        }
        let nanos = self.total_load_time.as_nanos() / u128::from(self.loads);
        Some(Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)))
    }
}

#[allow(clippy::cast_precision_loss)] // exact below 2^53 lookups; a rate needs no more
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// One line: `hits=90 misses=10 hit_rate=90.00% size=8 weighted_size=8 loads=10
/// load_errors=1 coalesced=2 evictions=3 batches=0 avg_load=1.2ms`.
impl fmt::Display for MetricsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hits={} misses={} hit_rate={:.2}% size={} weighted_size={} loads={} load_errors={} \
             coalesced={} evictions={} batches={}",
            self.hits,
            self.misses,
            self.hit_rate() * 100.0,
            self.size,
            self.weighted_size,
            self.loads,
            self.load_errors.total(),
            self.coalesced,
            self.evictions.total(),
            self.batches,
        )?;
        match self.average_load_time() {
            Some(avg) => write!(f, " avg_load={avg:?}"),
            None => f.write_str(" avg_load=-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_zero_without_lookups() {
        let m = MetricsSnapshot::default();
        assert_eq!(m.lookups(), 0);
        assert!(m.hit_rate() == 0.0 && m.miss_rate() == 0.0);
        assert_eq!(m.average_load_time(), None);
    }

    #[test]
    fn rates_and_averages() {
        let m = MetricsSnapshot {
            hits: 1,
            misses: 3,
            loads: 4,
            total_load_time: Duration::from_millis(10),
            ..MetricsSnapshot::default()
        };
        assert!((m.hit_rate() - 0.25).abs() < f64::EPSILON);
        assert!((m.miss_rate() - 0.75).abs() < f64::EPSILON);
        assert_eq!(m.average_load_time(), Some(Duration::from_micros(2_500)));
    }

    #[test]
    fn totals_add_every_field() {
        let errors = LoadErrors { error: 1, panic: 2, timeout: 3, cancelled: 4, other: 5 };
        assert_eq!(errors.total(), 15);
        let ev = Evictions { size: 1, expired: 2, explicit: 3, replaced: 4, other: 5 };
        assert_eq!(ev.total(), 15);
        assert_eq!(ev.evicted(), 3);
    }

    #[test]
    fn display_is_one_line() {
        let m = MetricsSnapshot {
            hits: 9,
            misses: 1,
            size: 4,
            weighted_size: 40,
            loads: 1,
            load_successes: 1,
            total_load_time: Duration::from_millis(2),
            ..MetricsSnapshot::default()
        };
        assert_eq!(
            m.to_string(),
            "hits=9 misses=1 hit_rate=90.00% size=4 weighted_size=40 loads=1 load_errors=0 \
             coalesced=0 evictions=0 batches=0 avg_load=2ms"
        );
        assert!(MetricsSnapshot::default().to_string().ends_with("avg_load=-"));
    }
}
