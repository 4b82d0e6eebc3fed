//! Helpers for tests against a real Redis (feature `fault-proxy`): find it or
//! skip, unique namespaces, cleanup by `SCAN` + `UNLINK`, bounded polling.

/// The `redis` crate these helpers use, for commands of a test's own.
pub use redis;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Variable naming the Redis to test against (default `redis://127.0.0.1:6379`).
pub const URL_VAR: &str = "CACHE_REDIS_URL";
/// Variable that, set to `1`, makes a missing Redis a test failure rather than
/// a skip (`.ci/run` sets it).
pub const REQUIRED_VAR: &str = "CACHE_REDIS_REQUIRED";

/// The Redis URL tests use.
#[must_use]
pub fn url() -> String {
    std::env::var(URL_VAR).unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Whether the test may run: `true` when Redis answers `PING`; otherwise
/// prints why it is skipped and returns `false`.
///
/// # Panics
///
/// When Redis does not answer and [`REQUIRED_VAR`] is `1`: CI never passes by skipping.
pub async fn redis_or_skip(test: &str) -> bool {
    let url = url();
    let reason = match ping(&url).await {
        Ok(()) => return true,
        Err(reason) => reason,
    };
    assert!(
        std::env::var(REQUIRED_VAR).as_deref() != Ok("1"),
        "{test}: Redis at {url} is required ({REQUIRED_VAR}=1) but unreachable: {reason}"
    );
    // Written to stderr directly: the test harness captures `eprintln!` of passing tests.
    let line =
        format!("skipped {test}: no Redis at {url} ({reason}); set {URL_VAR} to point at one\n");
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    false
}

async fn ping(url: &str) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<()>(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(2), attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 2 s".to_owned()),
    }
}

/// A name no other test (in this process or another) uses: `<stem>-<pid>-<n>-<nanos>`.
#[must_use]
pub fn unique(stem: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("t-{stem}-{}-{}-{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A plain connection to the test Redis, for commands of the test's own.
///
/// # Panics
///
/// When Redis cannot be reached (call [`redis_or_skip`] first).
pub async fn admin() -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(url()).expect("the Redis URL is valid");
    client.get_multiplexed_async_connection().await.expect("Redis answered PING a moment ago")
}

/// The keys starting with `prefix` (`SCAN`, never `KEYS`).
///
/// # Panics
///
/// When Redis fails.
pub async fn keys_with_prefix(prefix: &str) -> Vec<Vec<u8>> {
    let mut conn = admin().await;
    let pattern = format!("{prefix}*");
    let (mut cursor, mut found) = (0u64, Vec::new());
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(500)
            .query_async(&mut conn)
            .await
            .expect("SCAN");
        found.extend(keys);
        if next == 0 {
            return found;
        }
        cursor = next;
    }
}

/// Unlinks every key starting with `prefix` (`SCAN` + `UNLINK`; never `FLUSHALL`).
///
/// # Panics
///
/// When Redis fails.
pub async fn cleanup(prefix: &str) {
    let keys = keys_with_prefix(prefix).await;
    let mut conn = admin().await;
    for chunk in keys.chunks(500) {
        redis::cmd("UNLINK").arg(chunk).query_async::<()>(&mut conn).await.expect("UNLINK");
    }
}

/// Polls `condition` until it holds or `limit` passes (real network: no
/// paused clock). Returns whether it held.
pub async fn eventually(limit: Duration, mut condition: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if condition().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
