//! [`RedisTier`]: the shared second tier on Redis.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cache_core::async_trait;
use cache_core::remote::{
    CodecError, RemoteError, RemoteErrorKind, RemoteTier, RemoteValue, SetMode,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Value, cmd};

use crate::config::{RedisConfig, config_error};
use crate::envelope::{self, CODEC_MSGPACK, CODEC_TOMBSTONE, FORMAT_VERSION};
use crate::errors::bounded;

/// Keys visited per `SCAN` call of [`clear`](RemoteTier::clear).
const SCAN_COUNT: usize = 500;

/// Redis as a [`RemoteTier`]: values in an [envelope](crate::envelope) under
/// `<prefix>:v1:<key>`, with Redis's own expiry set to the logical one.
///
/// Cheap to clone (clones share one multiplexed connection, reconnected by a
/// [`ConnectionManager`] with the configured timeouts). The connection is
/// made on first use: building a tier never waits, and works while Redis is
/// down.
///
/// - a removed key holds a tombstone for [`tombstone_ttl`](RedisConfig::tombstone_ttl),
///   which refuses [`SetMode::IfAbsent`] writes (a load that read the old
///   source of truth cannot put its value back);
/// - a stored value that is not a well-formed envelope of this format and
///   codec is an error of kind [`Decode`](RemoteErrorKind::Decode);
/// - an encoded value over [`max_value_bytes`](RedisConfig::max_value_bytes)
///   is refused with [`TooLarge`](RemoteErrorKind::TooLarge), before any I/O.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use cache_core::remote::{RemoteTier, SetMode};
/// use cache_redis::{RedisConfig, RedisTier};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tier = RedisTier::new(&RedisConfig::new("redis://127.0.0.1:6379")?.prefix("doc"))?;
/// tier.set(b"k", b"v1", Some(Duration::from_secs(60)), SetMode::Always).await?;
/// tier.delete(b"k").await?;
/// assert!(!tier.set(b"k", b"v0", None, SetMode::IfAbsent).await?, "the tombstone refuses it");
/// assert_eq!(tier.get(b"k").await?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisTier {
    inner: Arc<Inner>,
}

struct Inner {
    conn: ConnectionManager,
    /// `<prefix>:v<version>:`
    namespace: Vec<u8>,
    /// `<prefix>:lease:v<version>:`
    lease_namespace: Vec<u8>,
    max_value_bytes: usize,
    tombstone_ttl: Duration,
    /// Bounds every command (a little over the connection's response timeout,
    /// so a reconnection attempt is bounded too).
    limit: Duration,
}

impl RedisTier {
    /// A tier on the Redis of `config`. Connects on first use.
    ///
    /// # Errors
    ///
    /// When a setting is wrong (named in the error), or when called outside
    /// a tokio runtime.
    pub fn new(config: &RedisConfig) -> Result<Self, RemoteError> {
        config.validate()?;
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| config_error("url", &e.to_string()))?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.response_timeout))
            .set_number_of_retries(1)
            .set_max_delay(config.connect_timeout);
        let conn = ConnectionManager::new_lazy_with_config(client, manager_config)
            .map_err(|e| config_error("url", &e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                conn,
                namespace: format!("{}:v{FORMAT_VERSION}:", config.prefix).into_bytes(),
                lease_namespace: format!("{}:lease:v{FORMAT_VERSION}:", config.prefix).into_bytes(),
                max_value_bytes: config.max_value_bytes,
                tombstone_ttl: config.tombstone_ttl,
                limit: config.response_timeout + config.connect_timeout,
            }),
        })
    }

    /// The envelope of `payload` as stored, or `TooLarge` past
    /// `max_value_bytes` (such a value stays in L1 only).
    fn sealed(&self, payload: &[u8], ttl: Option<Duration>) -> Result<Vec<u8>, RemoteError> {
        let limit = self.inner.max_value_bytes;
        if payload.len() > limit {
            return Err(RemoteError::new(
                RemoteErrorKind::TooLarge,
                format!("{} bytes over max_value_bytes {limit}", payload.len()),
            ));
        }
        Ok(envelope::seal(CODEC_MSGPACK, ttl, payload))
    }

    /// The Redis key of a wire key: the namespace, then the key's bytes.
    #[must_use]
    pub fn redis_key(&self, key: &[u8]) -> Vec<u8> {
        let mut full = Vec::with_capacity(self.inner.namespace.len() + key.len());
        full.extend_from_slice(&self.inner.namespace);
        full.extend_from_slice(key);
        full
    }

    /// The Redis key of the load lease of a wire key: `<prefix>:lease:v1:<key>`.
    fn lease_key(&self, key: &[u8]) -> Vec<u8> {
        let mut full = self.inner.lease_namespace.clone();
        full.extend_from_slice(key);
        full
    }

    /// The multiplexed connection, for commands of one's own (benchmarks
    /// compare a raw `GET` on it with [`get`](RemoteTier::get)).
    #[must_use]
    pub fn connection(&self) -> ConnectionManager {
        self.inner.conn.clone()
    }

    fn conn(&self) -> ConnectionManager {
        self.inner.conn.clone()
    }

    /// Reads one stored envelope: `None` for a tombstone or an expired value.
    fn unseal(bytes: &[u8]) -> Result<Option<RemoteValue>, CodecError> {
        let opened = envelope::open(bytes)?;
        match opened.codec {
            CODEC_TOMBSTONE => Ok(None),
            CODEC_MSGPACK => Ok(opened
                .remaining(SystemTime::now())
                .map(|ttl| RemoteValue { payload: opened.payload.to_vec(), ttl })),
            other => Err(CodecError::new(format!(
                "envelope: codec id {other}, this build reads {CODEC_MSGPACK} (MessagePack)"
            ))),
        }
    }
}

#[async_trait]
impl RemoteTier for RedisTier {
    async fn get(&self, key: &[u8]) -> Result<Option<RemoteValue>, RemoteError> {
        let mut conn = self.conn();
        let mut get = cmd("GET");
        get.arg(self.redis_key(key));
        let raw: Option<Vec<u8>> =
            bounded("GET", self.inner.limit, get.query_async(&mut conn)).await?;
        match raw {
            None => Ok(None),
            Some(bytes) => Ok(Self::unseal(&bytes)?),
        }
    }

    async fn get_many(&self, keys: &[&[u8]]) -> Result<Vec<Option<RemoteValue>>, RemoteError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn();
        let mut mget = cmd("MGET");
        for key in keys {
            mget.arg(self.redis_key(key));
        }
        let raw: Vec<Option<Vec<u8>>> =
            bounded("MGET", self.inner.limit, mget.query_async(&mut conn)).await?;
        Ok(raw
            .into_iter()
            .map(|v| v.and_then(|bytes| Self::unseal(&bytes).ok().flatten()))
            .collect())
    }

    async fn set(
        &self,
        key: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
        mode: SetMode,
    ) -> Result<bool, RemoteError> {
        let sealed = self.sealed(payload, ttl)?;
        let mut set = cmd("SET");
        set.arg(self.redis_key(key)).arg(sealed);
        if let Some(ttl) = ttl {
            set.arg("PX").arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        }
        if mode == SetMode::IfAbsent {
            set.arg("NX");
        }
        let mut conn = self.conn();
        let reply: Value = bounded("SET", self.inner.limit, set.query_async(&mut conn)).await?;
        Ok(!matches!(reply, Value::Nil))
    }

    async fn delete(&self, key: &[u8]) -> Result<(), RemoteError> {
        let tombstone = envelope::seal(CODEC_TOMBSTONE, None, &[]);
        let mut set = cmd("SET");
        set.arg(self.redis_key(key))
            .arg(tombstone)
            .arg("PX")
            .arg(u64::try_from(self.inner.tombstone_ttl.as_millis()).unwrap_or(u64::MAX));
        let mut conn = self.conn();
        bounded::<()>("SET (tombstone)", self.inner.limit, set.query_async(&mut conn)).await
    }

    async fn clear(&self) -> Result<(), RemoteError> {
        let pattern = glob_escape(&self.inner.namespace);
        let mut conn = self.conn();
        let mut cursor: u64 = 0;
        loop {
            let mut scan = cmd("SCAN");
            scan.arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(SCAN_COUNT);
            let (next, keys): (u64, Vec<Vec<u8>>) =
                bounded("SCAN", self.inner.limit, scan.query_async(&mut conn)).await?;
            if !keys.is_empty() {
                let mut unlink = cmd("UNLINK");
                unlink.arg(keys);
                bounded::<()>("UNLINK", self.inner.limit, unlink.query_async(&mut conn)).await?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }

    async fn ping(&self) -> Result<(), RemoteError> {
        let mut conn = self.conn();
        bounded::<()>("PING", self.inner.limit, cmd("PING").query_async(&mut conn)).await
    }

    async fn try_lease(&self, key: &[u8], ttl: Duration) -> Result<Option<u64>, RemoteError> {
        let token = crate::lease::token();
        let mut set = cmd("SET");
        set.arg(self.lease_key(key))
            .arg(token)
            .arg("NX")
            .arg("PX")
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let mut conn = self.conn();
        let reply: Value =
            bounded("SET NX (lease)", self.inner.limit, set.query_async(&mut conn)).await?;
        Ok((!matches!(reply, Value::Nil)).then_some(token))
    }

    async fn set_leased(
        &self,
        key: &[u8],
        payload: &[u8],
        ttl: Option<Duration>,
        token: u64,
    ) -> Result<bool, RemoteError> {
        let sealed = self.sealed(payload, ttl)?;
        let ttl_ms = ttl.map_or(0, |ttl| u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
        let eval = crate::lease::set_if_held(
            &self.redis_key(key),
            &self.lease_key(key),
            token,
            &sealed,
            ttl_ms,
        );
        let mut conn = self.conn();
        let stored: i64 =
            bounded("EVAL (fenced SET)", self.inner.limit, eval.query_async(&mut conn)).await?;
        Ok(stored == 1)
    }

    fn max_value_bytes(&self) -> Option<usize> {
        Some(self.inner.max_value_bytes)
    }
}

impl fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTier")
            .field("namespace", &String::from_utf8_lossy(&self.inner.namespace))
            .field("max_value_bytes", &self.inner.max_value_bytes)
            .finish_non_exhaustive()
    }
}

/// `namespace*`, with the glob characters of the namespace escaped.
fn glob_escape(namespace: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(namespace.len() + 2);
    for &b in namespace {
        if matches!(b, b'*' | b'?' | b'[' | b']' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'*');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_glob_characters_of_the_prefix() {
        assert_eq!(glob_escape(b"a*b?[c]:v1:"), b"a\\*b\\?\\[c\\]:v1:*".to_vec());
    }

    #[test]
    fn an_envelope_of_another_codec_is_a_decode_error() {
        let sealed = envelope::seal(7, None, b"x");
        let err = RedisTier::unseal(&sealed).unwrap_err();
        assert_eq!(
            err.to_string(),
            "codec: envelope: codec id 7, this build reads 1 (MessagePack)"
        );
        assert_eq!(RedisTier::unseal(&envelope::seal(CODEC_TOMBSTONE, None, b"")).unwrap(), None);
    }
}
