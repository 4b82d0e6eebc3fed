//! Errors of the facade: configuration errors from
//! [`AsyncCacheBuilder::build`](crate::AsyncCacheBuilder::build), and the
//! operation errors of [`cache_core::error`], re-exported.
//!
//! # A load that never ends is not an error
//!
//! [`CacheError::Timeout`] is only ever returned when a
//! [`load_timeout`](crate::AsyncCacheBuilder::load_timeout) is set. Without
//! one, a loader that never finishes produces no error at all: its callers
//! wait for good, and every later caller of the same key joins that load and
//! waits too, until `remove`, `insert` or `clear` of the key detaches it.
//! Set a load timeout whenever the loader can hang.

use std::error::Error;
use std::fmt;

pub use cache_core::error::{CacheError, LoadError, LoadFailure, SharedError};

/// A builder setting is out of range or contradicts another one; the message
/// names the setting.
///
/// # Examples
///
/// ```
/// use cache_facade::AsyncCache;
///
/// let err = AsyncCache::<u64, String>::builder().max_capacity(0).build().unwrap_err();
/// assert_eq!(err.setting(), "max_capacity");
/// assert_eq!(err.to_string(), "invalid `max_capacity`: must be at least 1 (leave it unset for no bound)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    setting: &'static str,
    problem: String,
}

impl BuildError {
    pub(crate) fn new(setting: &'static str, problem: impl Into<String>) -> Self {
        Self { setting, problem: problem.into() }
    }

    /// The name of the builder method whose setting is wrong, e.g.
    /// `max_capacity`.
    #[must_use]
    pub fn setting(&self) -> &'static str {
        self.setting
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}`: {}", self.setting, self.problem)
    }
}

impl Error for BuildError {}
