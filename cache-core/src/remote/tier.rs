//! [`RemoteTier`]: a shared store of encoded values.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use super::RemoteError;

/// A value read from a remote tier: the encoded payload and how long it has
/// left to live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteValue {
    /// The value, as its [`ValueCodec`](super::ValueCodec) encoded it.
    pub payload: Vec<u8>,
    /// Time left before the value expires; `None` when it never does.
    pub ttl: Option<Duration>,
}

/// How [`RemoteTier::set`] treats a value already stored under the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetMode {
    /// Replace it: an explicit write (`insert`).
    Always,
    /// Keep it, and keep out of a key recently deleted: a value a loader
    /// produced, which must never overwrite a newer write.
    IfAbsent,
}

/// A shared second tier of encoded values (Redis, Memcached, a database
/// table): read on an in-process miss before the loader, written after
/// loads and writes.
///
/// Keys are the bytes of a [`WireKey`](super::WireKey); the tier adds its own
/// namespace. Dyn-compatible: the facade holds an `Arc<dyn RemoteTier>`.
/// Implementations bound every call in time (connect and response
/// timeouts) and never panic on bad data: a stored value they cannot read is
/// an error of kind [`Decode`](super::RemoteErrorKind::Decode).
///
/// # Examples
///
/// An in-memory tier, as a test double:
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use std::time::Duration;
/// use cache_core::async_trait;
/// use cache_core::remote::{RemoteError, RemoteTier, RemoteValue, SetMode};
///
/// #[derive(Debug, Default)]
/// struct Memory(Mutex<HashMap<Vec<u8>, Vec<u8>>>);
///
/// #[async_trait]
/// impl RemoteTier for Memory {
///     async fn get(&self, key: &[u8]) -> Result<Option<RemoteValue>, RemoteError> {
///         let map = self.0.lock().unwrap();
///         Ok(map.get(key).map(|v| RemoteValue { payload: v.clone(), ttl: None }))
///     }
///     async fn set(
///         &self, key: &[u8], payload: &[u8], _ttl: Option<Duration>, mode: SetMode,
///     ) -> Result<bool, RemoteError> {
///         let mut map = self.0.lock().unwrap();
///         if mode == SetMode::IfAbsent && map.contains_key(key) {
///             return Ok(false);
///         }
///         map.insert(key.to_vec(), payload.to_vec());
///         Ok(true)
///     }
///     async fn delete(&self, key: &[u8]) -> Result<(), RemoteError> {
///         self.0.lock().unwrap().remove(key);
///         Ok(())
///     }
///     async fn clear(&self) -> Result<(), RemoteError> {
///         self.0.lock().unwrap().clear();
///         Ok(())
///     }
///     async fn ping(&self) -> Result<(), RemoteError> {
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let tier = Memory::default();
/// assert!(tier.set(b"k", b"v1", None, SetMode::Always).await.unwrap());
/// assert!(!tier.set(b"k", b"v0", None, SetMode::IfAbsent).await.unwrap());
/// let many = tier.get_many(&[b"k".as_slice(), b"x".as_slice()]).await.unwrap();
/// assert_eq!(many[0].as_ref().unwrap().payload, b"v1");
/// assert!(many[1].is_none());
/// # }
/// ```
#[async_trait]
pub trait RemoteTier: Send + Sync + fmt::Debug + 'static {
    /// The value stored under `key`, or `None` (absent, expired, deleted).
    ///
    /// # Errors
    ///
    /// When the store fails or times out, or what it holds cannot be read.
    async fn get(&self, key: &[u8]) -> Result<Option<RemoteValue>, RemoteError>;

    /// The values of `keys`, in order, in one round trip where the store
    /// allows. The default calls [`get`](Self::get) for each key; a value
    /// that cannot be read is `None` here.
    ///
    /// # Errors
    ///
    /// When the store fails or times out.
    async fn get_many(&self, keys: &[&[u8]]) -> Result<Vec<Option<RemoteValue>>, RemoteError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            match self.get(key).await {
                Ok(value) => values.push(value),
                Err(e) if e.kind() == super::RemoteErrorKind::Decode => values.push(None),
                Err(e) => return Err(e),
            }
        }
        Ok(values)
    }

    /// Stores `payload` under `key` for `ttl` (`None`: no expiry). Returns
    /// whether it was stored (`false` only with [`SetMode::IfAbsent`]).
    ///
    /// # Errors
    ///
    /// When the store fails or times out, or the payload is larger than the
    /// tier accepts ([`TooLarge`](super::RemoteErrorKind::TooLarge)).
    async fn set(
        &self,
        key: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
        mode: SetMode,
    ) -> Result<bool, RemoteError>;

    /// Removes `key`. A tier should keep [`SetMode::IfAbsent`] writes of the
    /// key out for a while after (a tombstone), so a load that read the old
    /// source of truth cannot put its value back.
    ///
    /// # Errors
    ///
    /// When the store fails or times out.
    async fn delete(&self, key: &[u8]) -> Result<(), RemoteError>;

    /// Removes every key of this tier's namespace (and only those).
    ///
    /// # Errors
    ///
    /// When the store fails or times out.
    async fn clear(&self) -> Result<(), RemoteError>;

    /// Checks that the store answers (used to detect recovery).
    ///
    /// # Errors
    ///
    /// When the store fails or times out.
    async fn ping(&self) -> Result<(), RemoteError>;

    /// Tries to take the lease on loading `key` for `ttl` (cross-instance
    /// single-flight): `Some(token)` when this caller holds it, `None` when
    /// another does. The token fences [`set_leased`](Self::set_leased). The
    /// default: leases are not supported (an error; callers then load).
    ///
    /// # Errors
    ///
    /// When the store fails or times out, or does not support leases.
    async fn try_lease(&self, key: &[u8], ttl: Duration) -> Result<Option<u64>, RemoteError> {
        let _ = (key, ttl);
        Err(RemoteError::new(super::RemoteErrorKind::Other, "leases are not supported"))
    }

    /// Stores a loaded value as [`SetMode::IfAbsent`] does, but only while the
    /// lease taken with `token` still holds, and releases it. Returns whether
    /// the value was stored (`false`: the lease expired or was taken over, or
    /// a value is there already).
    ///
    /// # Errors
    ///
    /// When the store fails or times out, or does not support leases.
    async fn set_leased(
        &self,
        key: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
        token: u64,
    ) -> Result<bool, RemoteError> {
        let _ = (key, payload, ttl, token);
        Err(RemoteError::new(super::RemoteErrorKind::Other, "leases are not supported"))
    }

    /// The largest encoded value this tier stores; larger values stay in
    /// process only. `None`: no limit.
    fn max_value_bytes(&self) -> Option<usize> {
        None
    }
}
