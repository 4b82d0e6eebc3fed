//! Errors of cache operations.
//!
//! [`CacheError`] is the one error type of the facade's fallible operations. A
//! loader's own error travels inside [`LoadError`], shared (`Arc`) by every
//! caller that waited on the same load, and stays recoverable with
//! [`LoadError::downcast_ref`] or [`std::error::Error::source`].
//!
//! # Examples
//!
//! ```
//! use std::num::ParseIntError;
//! use cache_core::error::{CacheError, LoadError};
//!
//! let parse_error = "x".parse::<u32>().unwrap_err();
//! let err = CacheError::Load(LoadError::new(parse_error.clone()));
//! assert_eq!(err.to_string(), "loader failed: invalid digit found in string");
//! let original = err.load_error().and_then(|e| e.downcast_ref::<ParseIntError>());
//! assert_eq!(original, Some(&parse_error));
//! ```

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::loader::BoxError;

pub use crate::load_failure::{LoadFailure, SharedError};

/// The error a loader returned, shared by every caller that waited on the load.
#[derive(Clone)]
pub struct LoadError(Arc<dyn Error + Send + Sync + 'static>);

impl LoadError {
    /// Wraps a loader's error.
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Self {
        Self(Arc::new(error))
    }

    /// Wraps an already boxed loader error without boxing it twice.
    #[must_use]
    pub fn from_boxed(error: BoxError) -> Self {
        Self(Arc::from(error))
    }

    /// The loader's error as its concrete type, if it is an `E`.
    #[must_use]
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref::<E>()
    }

    /// The loader's error, shared.
    #[must_use]
    pub fn inner(&self) -> &Arc<dyn Error + Send + Sync + 'static> {
        &self.0
    }
}

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Error for LoadError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.0)
    }
}

/// Why a cache operation failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CacheError {
    /// The loader returned an error; it is kept inside.
    Load(LoadError),
    /// The loader panicked; the message is the panic payload when it was a
    /// string.
    LoaderPanicked {
        /// The panic message, if the payload was a string.
        message: Option<Arc<str>>,
    },
    /// The loader returned a value, but storing it panicked (a weigher, an
    /// eviction listener or a custom store panicked). Nothing was stored; the
    /// message is the panic payload when it was a string.
    StorePanicked {
        /// The panic message, if the payload was a string.
        message: Option<Arc<str>>,
    },
    /// The caller's wait exceeded the configured load timeout: the load (or
    /// the batch, including its wait for a slot) did not finish in time.
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The load was dropped before it finished (its task was aborted, or the
    /// runtime is shutting down).
    LoadCancelled,
    /// The batch loader's answer did not contain this key, and the operation
    /// needed a value.
    NotFound,
    /// `load` was called but no `Loader` was registered on the builder.
    NoLoader,
    /// A batched operation was called but no `BatchLoader` was registered.
    NoBatchLoader,
}

impl CacheError {
    /// The loader's own error when this is [`CacheError::Load`].
    #[must_use]
    pub fn load_error(&self) -> Option<&LoadError> {
        match self {
            Self::Load(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the loader panicked.
    #[must_use]
    pub fn is_panic(&self) -> bool {
        matches!(self, Self::LoaderPanicked { .. })
    }

    /// Whether the load timed out.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }
}

impl From<BoxError> for CacheError {
    fn from(error: BoxError) -> Self {
        Self::Load(LoadError::from_boxed(error))
    }
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Load(e) => write!(f, "loader failed: {e}"),
            Self::LoaderPanicked { message: Some(m) } => write!(f, "loader panicked: {m}"),
            Self::LoaderPanicked { message: None } => f.write_str("loader panicked"),
            Self::StorePanicked { message: Some(m) } => {
                write!(f, "storing the loaded value panicked: {m}")
            }
            Self::StorePanicked { message: None } => {
                f.write_str("storing the loaded value panicked")
            }
            Self::Timeout { after } => write!(f, "load timed out after {after:?}"),
            Self::LoadCancelled => f.write_str("load cancelled before it finished"),
            Self::NotFound => f.write_str("batch loader returned no value for the key"),
            Self::NoLoader => f.write_str("no loader registered on this cache"),
            Self::NoBatchLoader => f.write_str("no batch loader registered on this cache"),
        }
    }
}

impl Error for CacheError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Load(e) => Some(&*e.0),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct DbDown;
    impl fmt::Display for DbDown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("db down")
        }
    }
    impl Error for DbDown {}

    #[test]
    fn boxed_loader_error_stays_recoverable_through_source() {
        let boxed: BoxError = Box::new(DbDown);
        let err = CacheError::from(boxed);
        let source = err.source().expect("load errors have a source");
        assert_eq!(source.downcast_ref::<DbDown>(), Some(&DbDown));
        assert_eq!(err.to_string(), "loader failed: db down");
    }

    #[test]
    fn every_kind_has_a_short_lowercase_message() {
        let kinds = [
            CacheError::LoaderPanicked { message: Some("boom".into()) },
            CacheError::LoaderPanicked { message: None },
            CacheError::Timeout { after: Duration::from_millis(5) },
            CacheError::LoadCancelled,
            CacheError::NotFound,
            CacheError::NoLoader,
            CacheError::NoBatchLoader,
            CacheError::StorePanicked { message: Some("weigher".into()) },
            CacheError::StorePanicked { message: None },
        ];
        for kind in &kinds {
            let msg = kind.to_string();
            assert!(msg.starts_with(|c: char| c.is_lowercase()), "{msg}");
            assert!(!msg.ends_with('.'), "{msg}");
            assert!(kind.source().is_none());
        }
        assert!(kinds[0].is_panic() && kinds[2].is_timeout());
        assert_eq!(kinds[2].to_string(), "load timed out after 5ms");
        assert_eq!(kinds[7].to_string(), "storing the loaded value panicked: weigher");
        assert!(!kinds[7].is_panic(), "is_panic is about the loader");
    }
}
