//! Load and batch events, so metrics can count them without the loading
//! machinery depending on a metrics crate.

use std::fmt;
use std::time::Duration;

/// How one load ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadOutcome {
    /// The loader returned a value (or, for a batch, a map).
    Success,
    /// The loader returned an error.
    Error,
    /// The loader panicked.
    Panic,
    /// The load exceeded its timeout.
    Timeout,
    /// The load was dropped before finishing (its task aborted, the runtime
    /// shutting down).
    Cancelled,
}

impl LoadOutcome {
    /// The lowercase label used in metrics.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Error => "error",
            Self::Panic => "panic",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for LoadOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Receives the events of the loading machinery. Every method has an empty
/// default, so an observer implements only what it counts.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::time::Duration;
/// use cache_core::{LoadObserver, LoadOutcome};
///
/// #[derive(Debug, Default)]
/// struct CountFailures(AtomicU64);
///
/// impl LoadObserver for CountFailures {
///     fn on_load(&self, outcome: LoadOutcome, _elapsed: Duration) {
///         if outcome != LoadOutcome::Success {
///             self.0.fetch_add(1, Ordering::Relaxed);
///         }
///     }
/// }
///
/// let observer = CountFailures::default();
/// observer.on_load(LoadOutcome::Panic, Duration::ZERO);
/// observer.on_coalesced();
/// assert_eq!(observer.0.load(Ordering::Relaxed), 1);
/// ```
pub trait LoadObserver: Send + Sync {
    /// One load (a single key, or one batch) finished after `elapsed`.
    fn on_load(&self, outcome: LoadOutcome, elapsed: Duration) {
        let _ = (outcome, elapsed);
    }

    /// A caller joined a load already in flight instead of starting one.
    fn on_coalesced(&self) {}

    /// A batch of `keys` distinct keys was dispatched to a batch loader.
    fn on_batch(&self, keys: usize) {
        let _ = keys;
    }
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoopObserver;

impl LoadObserver for NoopObserver {}
