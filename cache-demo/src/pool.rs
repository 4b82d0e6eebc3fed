//! A small connection pool: at most `size` queries at once, each on its own
//! SQLite connection, run on tokio's blocking threads.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use crate::error::DbError;

/// Read-only connections to one SQLite file, opened on demand and reused.
pub(crate) struct Pool {
    path: PathBuf,
    /// One permit per connection: a query past `size` waits for one, as
    /// with any pooled remote database.
    permits: Semaphore,
    idle: Mutex<Vec<Connection>>,
    round_trip: Duration,
}

impl Pool {
    /// A pool of at most `size` connections to `path`; every query first
    /// waits `round_trip`, the simulated network latency, while it holds its
    /// connection.
    pub(crate) fn new(path: &Path, size: usize, round_trip: Duration) -> Self {
        Self {
            path: path.to_owned(),
            permits: Semaphore::new(size),
            idle: Mutex::new(Vec::with_capacity(size)),
            round_trip,
        }
    }

    /// Runs `query` on a pooled connection, on a blocking thread.
    pub(crate) async fn run<T, F>(&self, query: F) -> Result<T, DbError>
    where
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit =
            self.permits.acquire().await.map_err(|e| DbError::Task(e.to_string().into()))?;
        if !self.round_trip.is_zero() {
            tokio::time::sleep(self.round_trip).await;
        }
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let path = self.path.clone();
        let (connection, result) = tokio::task::spawn_blocking(move || {
            let connection = match idle {
                Some(connection) => connection,
                None => open_read_only(&path)?,
            };
            let result = query(&connection);
            Ok::<_, DbError>((connection, result))
        })
        .await
        .map_err(|e| DbError::Task(e.to_string().into()))??;
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(connection);
        result
    }
}

/// A connection that can only read: the demo never writes after seeding.
/// An error names the catalog's path (it went away after seeding, say).
fn open_read_only(path: &Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags)
        .map_err(|e| DbError::file(path, format!("cannot open the catalog: {e}")))
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("path", &self.path)
            .field("available", &self.permits.available_permits())
            .field("round_trip", &self.round_trip)
            .finish_non_exhaustive()
    }
}
