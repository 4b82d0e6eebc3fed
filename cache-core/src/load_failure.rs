//! [`LoadFailure<E>`]: a failed load with the loader's own error type, as
//! moka's `try_get_with` gives it (`Arc<E>`), no downcasting.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::CacheError;

/// The loader's error, shared by every waiter of one load. It is what a
/// typed load (`try_get_with`) hands the single-flight machinery, so that a
/// failed load can be turned back into [`LoadFailure::Loader`].
pub struct SharedError<E>(Arc<E>);

impl<E> SharedError<E> {
    /// Wraps the loader's error.
    pub fn new(error: E) -> Self {
        Self(Arc::new(error))
    }

    /// Shares an error already behind an `Arc`.
    #[must_use]
    pub fn from_arc(error: Arc<E>) -> Self {
        Self(error)
    }

    /// The loader's error.
    #[must_use]
    pub fn get(&self) -> &Arc<E> {
        &self.0
    }
}

/// An `io::Error` shared by the waiters of a failed load keeps its kind and
/// message (the original is its source).
impl From<SharedError<std::io::Error>> for std::io::Error {
    fn from(shared: SharedError<std::io::Error>) -> Self {
        Self::new(shared.get().kind(), shared)
    }
}

impl<E> Clone for SharedError<E> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<E: fmt::Debug> fmt::Debug for SharedError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl<E: fmt::Display> fmt::Display for SharedError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl<E: fmt::Debug + fmt::Display> Error for SharedError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        None
    }
}

/// Why a typed load failed: the loader's own error as `Arc<E>` (every
/// waiter of the load gets the same one), or one of the cache's own
/// failures, each its own variant.
///
/// # Examples
///
/// ```
/// use cache_core::error::{CacheError, LoadFailure, SharedError};
///
/// #[derive(Debug, PartialEq)]
/// struct DbDown;
/// impl std::fmt::Display for DbDown {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("db down")
///     }
/// }
///
/// let shared: cache_core::BoxError = Box::new(SharedError::new(DbDown));
/// let failure = LoadFailure::<DbDown>::from(CacheError::from(shared));
/// assert!(matches!(&failure, LoadFailure::Loader(e) if **e == DbDown));
/// assert_eq!(failure.to_string(), "loader failed: db down");
/// let timeout = LoadFailure::<DbDown>::from(CacheError::Timeout { after: std::time::Duration::ZERO });
/// assert!(timeout.is_timeout());
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadFailure<E> {
    /// The loader returned this error.
    Loader(Arc<E>),
    /// The loader panicked (with this message, when it was a string).
    Panicked {
        /// The panic's message, if it had one.
        message: Option<Arc<str>>,
    },
    /// The load did not finish within the cache's load timeout.
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The load was dropped before it finished (its runtime shut down).
    Cancelled,
    /// Another failure of the cache: storing the value panicked, or this
    /// call joined a load begun by another kind of call that failed with
    /// another error type.
    Other(CacheError),
}

impl<E> LoadFailure<E> {
    /// The loader's error, if that is why the load failed.
    #[must_use]
    pub fn loader_error(&self) -> Option<&Arc<E>> {
        match self {
            Self::Loader(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the load timed out.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the loader panicked.
    #[must_use]
    pub fn is_panic(&self) -> bool {
        matches!(self, Self::Panicked { .. })
    }
}

impl<E> Clone for LoadFailure<E> {
    fn clone(&self) -> Self {
        match self {
            Self::Loader(e) => Self::Loader(Arc::clone(e)),
            Self::Panicked { message } => Self::Panicked { message: message.clone() },
            Self::Timeout { after } => Self::Timeout { after: *after },
            Self::Cancelled => Self::Cancelled,
            Self::Other(e) => Self::Other(e.clone()),
        }
    }
}

impl<E: fmt::Debug + fmt::Display + 'static> From<CacheError> for LoadFailure<E> {
    fn from(error: CacheError) -> Self {
        match error {
            CacheError::Load(load) => match load.inner().downcast_ref::<SharedError<E>>() {
                Some(shared) => Self::Loader(Arc::clone(shared.get())),
                None => Self::Other(CacheError::Load(load)),
            },
            CacheError::LoaderPanicked { message } => Self::Panicked { message },
            CacheError::Timeout { after } => Self::Timeout { after },
            CacheError::LoadCancelled => Self::Cancelled,
            other => Self::Other(other),
        }
    }
}

impl<E: fmt::Display> fmt::Display for LoadFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loader(e) => write!(f, "loader failed: {e}"),
            Self::Panicked { message: Some(m) } => write!(f, "loader panicked: {m}"),
            Self::Panicked { message: None } => f.write_str("loader panicked"),
            Self::Timeout { after } => write!(f, "load timed out after {after:?}"),
            Self::Cancelled => f.write_str("load cancelled before it finished"),
            Self::Other(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> Error for LoadFailure<E> {}
