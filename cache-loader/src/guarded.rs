//! Running a loader future so that every way it can end becomes a named
//! outcome: value, error, panic, timeout.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use cache_core::error::{CacheError, LoadError};
use cache_core::time::Instant;
use cache_core::{BoxError, LoadObserver, LoadOutcome};
use futures_util::FutureExt;

/// A time limit: the instant it elapses, and the configured timeout it came
/// from (which the [`CacheError::Timeout`] reports).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    pub(crate) deadline: Instant,
    pub(crate) after: Duration,
}

impl Limit {
    /// `timeout` counted from `start`; `None` without a timeout (or beyond
    /// what an instant can hold).
    pub(crate) fn from(start: Instant, timeout: Option<Duration>) -> Option<Self> {
        let after = timeout?;
        Some(Self { deadline: start.checked_add(after)?, after })
    }
}

/// Awaits `load`, turning an error, a panic or an elapsed `timeout` into the
/// matching [`CacheError`], and reports the outcome and duration to `observer`.
pub(crate) async fn run_guarded<T, Fut>(
    load: Fut,
    timeout: Option<Duration>,
    observer: &dyn LoadObserver,
) -> Result<T, CacheError>
where
    Fut: Future<Output = Result<T, BoxError>>,
{
    run_guarded_until(load, Limit::from(cache_core::time::now(), timeout), observer).await
}

/// As [`run_guarded`], with a limit that may have started running earlier
/// (a batch's timeout counts from its first key's request).
pub(crate) async fn run_guarded_until<T, Fut>(
    load: Fut,
    limit: Option<Limit>,
    observer: &dyn LoadObserver,
) -> Result<T, CacheError>
where
    Fut: Future<Output = Result<T, BoxError>>,
{
    let started = cache_core::time::now();
    let caught = AssertUnwindSafe(load).catch_unwind();
    let ended = match limit {
        Some(Limit { deadline, after }) => {
            tokio::time::timeout_at(deadline, caught).await.map_err(|_| after)
        }
        None => Ok(caught.await),
    };
    let (outcome, result) = match ended {
        Ok(Ok(Ok(value))) => (LoadOutcome::Success, Ok(value)),
        Ok(Ok(Err(error))) => {
            (LoadOutcome::Error, Err(CacheError::Load(LoadError::from_boxed(error))))
        }
        Ok(Err(payload)) => (LoadOutcome::Panic, Err(panicked(&*payload))),
        Err(after) => (LoadOutcome::Timeout, Err(CacheError::Timeout { after })),
    };
    observer.on_load(outcome, started.elapsed());
    result
}

#[cold]
fn panicked(payload: &(dyn Any + Send)) -> CacheError {
    CacheError::LoaderPanicked { message: panic_message(payload) }
}

/// The panic's message, when its payload is a string.
#[cold]
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> Option<Arc<str>> {
    payload
        .downcast_ref::<&str>()
        .map(|s| Arc::from(*s))
        .or_else(|| payload.downcast_ref::<String>().map(|s| Arc::from(s.as_str())))
}
