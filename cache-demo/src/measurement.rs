//! What one run of a scenario measured, and the latency percentiles behind it.

use std::time::Duration;

use serde::Serialize;

/// The numbers of one side (without or with the cache) of a scenario. Fields
/// a scenario does not measure are `None` and left out of the JSON.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Measurement {
    /// Requests served.
    pub(crate) requests: u64,
    /// Queries sent to the database while serving them.
    pub(crate) queries: u64,
    /// Batched `WHERE id IN (..)` queries among them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) batches: Option<u64>,
    /// Requests that joined a load already in flight instead of querying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) coalesced: Option<u64>,
    /// Requests that failed (the outage scenario).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) errors: Option<u64>,
    /// Requests answered with a stale value (fail-safe, soft timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stale_served: Option<u64>,
    /// Share of lookups answered by the cache, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hit_rate: Option<f64>,
    /// Wall time of all the requests, in milliseconds.
    pub(crate) wall_ms: f64,
    /// Mean request latency, in microseconds.
    pub(crate) mean_us: f64,
    /// Median request latency, in microseconds.
    pub(crate) p50_us: f64,
    /// 99th-percentile request latency, in microseconds.
    pub(crate) p99_us: f64,
    /// The slowest request, in microseconds.
    pub(crate) max_us: f64,
    /// Requests per second.
    pub(crate) throughput_rps: f64,
    /// Queries sent to warm the cache before the requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) warmup_queries: Option<u64>,
    /// Time spent warming, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) warmup_ms: Option<f64>,
}

impl Measurement {
    /// The timing fields from a run of requests, `queries` sent meanwhile.
    pub(crate) fn from_run(run: &Latencies, wall: Duration, queries: u64) -> Self {
        let requests = run.len() as u64;
        let seconds = wall.as_secs_f64();
        Self {
            requests,
            queries,
            wall_ms: seconds * 1e3,
            mean_us: run.mean().as_secs_f64() * 1e6,
            p50_us: run.percentile(0.50).as_secs_f64() * 1e6,
            p99_us: run.percentile(0.99).as_secs_f64() * 1e6,
            max_us: run.percentile(1.0).as_secs_f64() * 1e6,
            throughput_rps: if seconds > 0.0 { requests as f64 / seconds } else { 0.0 },
            ..Self::default()
        }
    }
}

/// Request latencies, sorted on demand.
#[derive(Debug, Clone, Default)]
pub(crate) struct Latencies {
    samples: Vec<Duration>,
}

impl Latencies {
    /// Takes every sample of `parts`.
    pub(crate) fn merge(parts: impl IntoIterator<Item = Vec<Duration>>) -> Self {
        let mut samples: Vec<Duration> = parts.into_iter().flatten().collect();
        samples.sort_unstable();
        Self { samples }
    }

    /// Samples held.
    pub(crate) fn len(&self) -> usize {
        self.samples.len()
    }

    /// The mean latency; zero without samples.
    pub(crate) fn mean(&self) -> Duration {
        let total: Duration = self.samples.iter().sum();
        u32::try_from(self.samples.len())
            .ok()
            .filter(|n| *n > 0)
            .map_or(Duration::ZERO, |n| total / n)
    }

    /// The latency that a share `q` (0 to 1) of requests did not exceed
    /// (nearest rank); zero without samples.
    pub(crate) fn percentile(&self, q: f64) -> Duration {
        if self.samples.is_empty() {
            return Duration::ZERO;
        }
        let rank = (q * self.samples.len() as f64).ceil() as usize;
        self.samples[rank.clamp(1, self.samples.len()) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let ms = |n: u64| Duration::from_millis(n);
        let run =
            Latencies::merge([vec![ms(3), ms(1)], (4..=100).map(ms).chain([ms(2)]).collect()]);
        assert_eq!(run.len(), 100);
        assert_eq!(run.percentile(0.50), ms(50));
        assert_eq!(run.percentile(0.99), ms(99));
        assert_eq!(run.mean(), Duration::from_micros(50_500));
        assert_eq!(Latencies::default().percentile(0.5), Duration::ZERO);
        assert_eq!(Latencies::default().mean(), Duration::ZERO);

        let m = Measurement::from_run(&run, Duration::from_secs(2), 7);
        assert_eq!((m.requests, m.queries), (100, 7));
        assert!((m.throughput_rps - 50.0).abs() < 1e-9);
        assert!((m.p99_us - 99_000.0).abs() < 1e-6);
    }
}
