//! Running a loader future so that every way it can end becomes a named
//! outcome: value, error, panic, timeout.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use cache_core::error::{CacheError, LoadError};
use cache_core::{BoxError, LoadObserver, LoadOutcome};
use futures_util::FutureExt;

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
    let started = cache_core::time::now();
    let caught = AssertUnwindSafe(load).catch_unwind();
    let ended = match timeout {
        Some(after) => tokio::time::timeout(after, caught).await.map_err(|_| after),
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
    let message: Option<Arc<str>> = payload
        .downcast_ref::<&str>()
        .map(|s| Arc::from(*s))
        .or_else(|| payload.downcast_ref::<String>().map(|s| Arc::from(s.as_str())));
    CacheError::LoaderPanicked { message }
}
