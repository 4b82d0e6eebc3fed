//! The database's error: cheap to clone, so every waiter of a failed load
//! (and every caller of a failed memoized call) gets its own copy.

use std::fmt;
use std::sync::Arc;

/// A failed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DbError {
    /// No product has this id.
    NotFound(u64),
    /// SQLite refused the statement or the file.
    Sqlite(Arc<str>),
    /// The blocking task running the query died.
    Task(Arc<str>),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound(id) => write!(f, "no product with id {id}"),
            Self::Sqlite(message) => write!(f, "sqlite: {message}"),
            Self::Task(message) => write!(f, "query task failed: {message}"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error.to_string().into())
    }
}

impl From<std::io::Error> for DbError {
    fn from(error: std::io::Error) -> Self {
        Self::Sqlite(format!("cannot prepare the database file: {error}").into())
    }
}
