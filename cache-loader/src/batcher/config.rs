//! Batching settings and their validation.

use std::time::Duration;

use crate::error::BatchConfigError;

/// How requests are grouped into batches.
///
/// A batch is dispatched when its `window` has elapsed since its first key
/// arrived, or as soon as it holds `max_batch_size` keys, whichever comes
/// first.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_loader::BatchConfig;
///
/// let config = BatchConfig::default().window(Duration::from_millis(2)).max_batch_size(50);
/// assert!(config.validate().is_ok());
/// let err = BatchConfig::default().max_batch_size(0).validate().unwrap_err();
/// assert_eq!(err.setting(), "max_batch_size");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct BatchConfig {
    pub(crate) window: Duration,
    pub(crate) max_batch_size: usize,
    pub(crate) max_in_flight: Option<usize>,
    pub(crate) timeout: Option<Duration>,
}

impl Default for BatchConfig {
    /// A 5 ms window, at most 100 keys per batch, no cap on batches in flight,
    /// no timeout.
    fn default() -> Self {
        Self {
            window: Duration::from_millis(5),
            max_batch_size: 100,
            max_in_flight: None,
            timeout: None,
        }
    }
}

impl BatchConfig {
    /// How long a batch collects keys after its first one arrives. Zero
    /// dispatches on the next scheduler turn (keys requested in the same turn
    /// still share a batch).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The most keys one `load_batch` call receives (at least 1).
    pub fn max_batch_size(mut self, max: usize) -> Self {
        self.max_batch_size = max;
        self
    }

    /// The most batches loading at once; further batches wait their turn
    /// (within the [`timeout`](Self::timeout), when one is set). `None` (the
    /// default): no cap.
    pub fn max_in_flight(mut self, max: impl Into<Option<usize>>) -> Self {
        self.max_in_flight = max.into();
        self
    }

    /// A time limit on each caller's whole wait: it counts from the request
    /// of a batch's first key, so it covers the window, the wait for a slot
    /// under [`max_in_flight`](Self::max_in_flight) and the `load_batch`
    /// call. When it elapses, every key of the batch fails with
    /// [`CacheError::Timeout`](cache_core::error::CacheError::Timeout).
    /// `None` (the default): none, and a `load_batch` call that never ends
    /// leaves its keys loading for good.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Checks every setting, naming the first one out of range.
    ///
    /// # Errors
    ///
    /// `max_batch_size` of 0, `max_in_flight` of 0 or above
    /// [`Semaphore::MAX_PERMITS`](tokio::sync::Semaphore::MAX_PERMITS), a
    /// zero `timeout`, a `window` longer than an hour (almost surely a unit
    /// mistake), or a `window` not shorter than the `timeout` (every batch
    /// would time out).
    pub fn validate(&self) -> Result<(), BatchConfigError> {
        if self.max_batch_size == 0 {
            return Err(BatchConfigError::new("max_batch_size", "must be at least 1"));
        }
        if self.max_in_flight == Some(0) {
            return Err(BatchConfigError::new("max_in_flight", "must be at least 1 when set"));
        }
        if self.max_in_flight.is_some_and(|n| n > tokio::sync::Semaphore::MAX_PERMITS) {
            return Err(BatchConfigError::new(
                "max_in_flight",
                "must be at most `tokio::sync::Semaphore::MAX_PERMITS` (leave it unset for no cap)",
            ));
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(BatchConfigError::new("timeout", "must be longer than zero when set"));
        }
        if self.window > Duration::from_secs(3600) {
            return Err(BatchConfigError::new("batch_window", "must be at most one hour"));
        }
        if self.timeout.is_some_and(|timeout| self.window >= timeout) {
            return Err(BatchConfigError::new(
                "batch_window",
                "must be shorter than the load timeout, which counts from a batch's first request",
            ));
        }
        Ok(())
    }
}
