//! [`ValueCodec`]: values to bytes and back.

use super::CodecError;

/// Turns values into bytes for a remote tier, and back.
///
/// A remote tier implements it for the values it can carry (the Redis tier,
/// for every `serde` type), so the facade asks for serialization bounds only
/// when a remote tier is configured.
///
/// # Examples
///
/// ```
/// use cache_core::remote::{CodecError, ValueCodec};
///
/// struct Utf8;
/// impl ValueCodec<String> for Utf8 {
///     fn encode(&self, value: &String) -> Result<Vec<u8>, CodecError> {
///         Ok(value.as_bytes().to_vec())
///     }
///     fn decode(&self, bytes: &[u8]) -> Result<String, CodecError> {
///         String::from_utf8(bytes.to_vec()).map_err(|e| CodecError::new(e.to_string()))
///     }
/// }
///
/// let bytes = Utf8.encode(&"ada".to_string()).unwrap();
/// assert_eq!(Utf8.decode(&bytes).unwrap(), "ada");
/// assert!(Utf8.decode(&[0xff]).is_err());
/// ```
pub trait ValueCodec<V>: Send + Sync {
    /// The bytes of `value`.
    ///
    /// # Errors
    ///
    /// When `value` cannot be represented (a map with non-string keys in
    /// JSON, say).
    fn encode(&self, value: &V) -> Result<Vec<u8>, CodecError>;

    /// The value `bytes` encode.
    ///
    /// # Errors
    ///
    /// When `bytes` are not a valid encoding of a `V` (written by another
    /// version of the type, or corrupted).
    fn decode(&self, bytes: &[u8]) -> Result<V, CodecError>;
}
