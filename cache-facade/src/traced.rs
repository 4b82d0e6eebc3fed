//! [`Traced`]: the cache's load observer, which counts each load in the
//! metrics and reports it through `tracing` (never on the hit path: a hit
//! involves no load).

use std::sync::Arc;
use std::time::Duration;

use cache_core::{LoadObserver, LoadOutcome};
use cache_metrics::CacheMetrics;

/// Counts loads and batches in the cache's metrics and emits one `tracing`
/// event for each: `debug` for a success, `warn` for a failure, a panic or a
/// timeout, with the cache's name, the outcome and the duration (never the
/// key: keys may be personal data).
#[derive(Debug)]
pub(crate) struct Traced {
    pub(crate) metrics: Arc<CacheMetrics>,
}

impl LoadObserver for Traced {
    fn on_load(&self, outcome: LoadOutcome, elapsed: Duration) {
        self.metrics.on_load(outcome, elapsed);
        let cache = self.metrics.name();
        let millis = elapsed.as_secs_f64() * 1e3;
        if outcome == LoadOutcome::Success {
            tracing::debug!(
                cache,
                outcome = outcome.as_str(),
                elapsed_ms = millis,
                "load finished"
            );
        } else {
            tracing::warn!(cache, outcome = outcome.as_str(), elapsed_ms = millis, "load failed");
        }
    }

    fn on_coalesced(&self) {
        self.metrics.on_coalesced();
    }

    fn on_batch(&self, keys: usize) {
        self.metrics.on_batch(keys);
        tracing::debug!(cache = self.metrics.name(), keys, "batch dispatched");
    }
}
