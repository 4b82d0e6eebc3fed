//! Errors of the remote tier, the backplane and the codecs.

use std::error::Error;
use std::fmt;

/// What kind of failure a [`RemoteError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemoteErrorKind {
    /// The store could not be reached (refused, reset, not connected).
    Unavailable,
    /// The store did not answer in time.
    Timeout,
    /// A stored value or a message could not be decoded.
    Decode,
    /// The value is larger than the tier accepts.
    TooLarge,
    /// A setting is wrong.
    Config,
    /// Anything else the store reported.
    Other,
}

/// A failure of a [`RemoteTier`](super::RemoteTier) or
/// [`Backplane`](super::Backplane) operation.
///
/// # Examples
///
/// ```
/// use cache_core::remote::{RemoteError, RemoteErrorKind};
///
/// let err = RemoteError::new(RemoteErrorKind::Timeout, "GET took longer than 50 ms");
/// assert_eq!(err.kind(), RemoteErrorKind::Timeout);
/// assert_eq!(err.to_string(), "remote tier timeout: GET took longer than 50 ms");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    kind: RemoteErrorKind,
    message: String,
}

impl RemoteError {
    /// An error of `kind` explained by `message`.
    pub fn new(kind: RemoteErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// What kind of failure this is.
    #[must_use]
    pub const fn kind(&self) -> RemoteErrorKind {
        self.kind
    }

    /// The explanation given.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            RemoteErrorKind::Unavailable => "unavailable",
            RemoteErrorKind::Timeout => "timeout",
            RemoteErrorKind::Decode => "decode error",
            RemoteErrorKind::TooLarge => "value too large",
            RemoteErrorKind::Config => "configuration error",
            RemoteErrorKind::Other => "error",
        };
        write!(f, "remote tier {kind}: {}", self.message)
    }
}

impl Error for RemoteError {}

impl From<CodecError> for RemoteError {
    fn from(e: CodecError) -> Self {
        Self::new(RemoteErrorKind::Decode, e.to_string())
    }
}

/// A value or key that could not be encoded or decoded.
///
/// # Examples
///
/// ```
/// use cache_core::remote::CodecError;
///
/// let err = CodecError::new("envelope: bad magic 0x0000");
/// assert_eq!(err.to_string(), "codec: envelope: bad magic 0x0000");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(String);

impl CodecError {
    /// An error explained by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "codec: {}", self.0)
    }
}

impl Error for CodecError {}
