//! Redis errors and elapsed timeouts as [`RemoteError`]s.

use std::time::Duration;

use cache_core::remote::{RemoteError, RemoteErrorKind};

/// Classifies a Redis error.
pub(crate) fn from_redis(op: &str, e: &redis::RedisError) -> RemoteError {
    let kind = if e.is_timeout() {
        RemoteErrorKind::Timeout
    } else if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
        RemoteErrorKind::Unavailable
    } else {
        RemoteErrorKind::Other
    };
    RemoteError::new(kind, format!("{op}: {e}"))
}

/// Runs `fut` for at most `limit`, mapping both failures.
pub(crate) async fn bounded<T>(
    op: &str,
    limit: Duration,
    fut: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, RemoteError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(from_redis(op, &e)),
        Err(_) => Err(RemoteError::new(
            RemoteErrorKind::Timeout,
            format!("{op}: no reply within {limit:?}"),
        )),
    }
}
