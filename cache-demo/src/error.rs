//! The database's error: cheap to clone, so every waiter of a failed load
//! (and every caller of a failed memoized call) gets its own copy.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// A failed query, or a catalog file the demo cannot or will not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DbError {
    /// No product has this id.
    NotFound(u64),
    /// The database is down (the outage scenario's failure).
    Unavailable,
    /// SQLite refused a statement.
    Sqlite(Arc<str>),
    /// The blocking task running the query died.
    Task(Arc<str>),
    /// The file at the user's `--db` path cannot be used (a directory, an
    /// I/O error); the message names the path.
    File {
        /// The user's path.
        path: Arc<str>,
        /// What is wrong with it.
        problem: Arc<str>,
    },
    /// The file exists and is not a catalog this demo created: it is never
    /// overwritten.
    NotACatalog {
        /// The user's path.
        path: Arc<str>,
        /// Why it is not recognised as the demo's catalog.
        reason: Arc<str>,
    },
    /// The file is the demo's catalog (it has its `meta` table) but cannot
    /// be read.
    Malformed {
        /// The user's path.
        path: Arc<str>,
        /// What SQLite said.
        reason: Arc<str>,
    },
}

impl DbError {
    /// The database is down.
    pub(crate) const fn unavailable() -> Self {
        Self::Unavailable
    }

    /// A problem with the file at `path`.
    pub(crate) fn file(path: &Path, problem: impl fmt::Display) -> Self {
        Self::File { path: path.display().to_string().into(), problem: problem.to_string().into() }
    }

    /// `path` is not the demo's catalog, for `reason`.
    pub(crate) fn not_a_catalog(path: &Path, reason: impl fmt::Display) -> Self {
        Self::NotACatalog {
            path: path.display().to_string().into(),
            reason: reason.to_string().into(),
        }
    }

    /// `path` is the demo's catalog but unreadable, for `reason`.
    pub(crate) fn malformed(path: &Path, reason: impl fmt::Display) -> Self {
        Self::Malformed {
            path: path.display().to_string().into(),
            reason: reason.to_string().into(),
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(id) => write!(f, "no product with id {id}"),
            Self::Unavailable => f.write_str("the database is unavailable"),
            Self::Sqlite(message) => write!(f, "sqlite: {message}"),
            Self::Task(message) => write!(f, "query task failed: {message}"),
            Self::File { path, problem } => write!(f, "{path}: {problem}"),
            Self::NotACatalog { path, reason } => write!(
                f,
                "{path} is not a cache-demo catalog ({reason}); refusing to overwrite it: \
                 pass --db a path that does not exist yet, or a catalog the demo created"
            ),
            Self::Malformed { path, reason } => write!(
                f,
                "{path} is a cache-demo catalog but cannot be read ({reason}); \
                 delete it and run the demo again to rebuild it"
            ),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error.to_string().into())
    }
}
