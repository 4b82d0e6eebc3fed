//! [`RedisConfig`]: where Redis is, the namespace, and the time bounds.

use std::time::Duration;

use cache_core::remote::{RemoteError, RemoteErrorKind};

/// Settings shared by [`RedisTier`](crate::RedisTier) and
/// [`RedisBackplane`](crate::RedisBackplane).
///
/// | setting | default |
/// |---|---|
/// | [`prefix`](Self::prefix) | `"cache"` |
/// | [`channel`](Self::channel) | `"<prefix>:invalidate"` |
/// | [`connect_timeout`](Self::connect_timeout) | 1 s |
/// | [`response_timeout`](Self::response_timeout) | 500 ms |
/// | [`heartbeat`](Self::heartbeat) | 1 s |
/// | [`max_value_bytes`](Self::max_value_bytes) | 1 MiB |
/// | [`tombstone_ttl`](Self::tombstone_ttl) | 10 s |
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_redis::RedisConfig;
///
/// let config = RedisConfig::new("redis://127.0.0.1:6379")
///     .unwrap()
///     .prefix("catalog")
///     .response_timeout(Duration::from_millis(200));
/// assert_eq!(config.channel_name(), "catalog:invalidate");
///
/// let err = RedisConfig::new("http://nope").unwrap_err();
/// assert!(err.to_string().contains("url"), "{err}");
/// ```
#[derive(Debug, Clone)]
pub struct RedisConfig {
    pub(crate) url: String,
    pub(crate) prefix: String,
    pub(crate) channel: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) response_timeout: Duration,
    pub(crate) heartbeat: Duration,
    pub(crate) max_value_bytes: usize,
    pub(crate) tombstone_ttl: Duration,
}

impl RedisConfig {
    /// Settings for the Redis at `url` (`redis://host:port[/db]`).
    ///
    /// # Errors
    ///
    /// When `url` is not a Redis URL.
    pub fn new(url: impl Into<String>) -> Result<Self, RemoteError> {
        let url = url.into();
        redis::Client::open(url.as_str())
            .map_err(|e| config_error("url", &format!("{url:?}: {e}")))?;
        Ok(Self {
            url,
            prefix: "cache".to_owned(),
            channel: None,
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_millis(500),
            heartbeat: Duration::from_secs(1),
            max_value_bytes: 1 << 20,
            tombstone_ttl: Duration::from_secs(10),
        })
    }

    /// The namespace of every key: `<prefix>:v<envelope version>:<key>`.
    /// Give each cache its own.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The pub/sub channel of the backplane (default `<prefix>:invalidate`).
    #[must_use]
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Some(channel.into());
        self
    }

    /// How long one connection attempt may take.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one command may wait for its reply.
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How often the subscriber `PING`s (a reply later than the response
    /// timeout counts as a lost connection).
    #[must_use]
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.heartbeat = interval;
        self
    }

    /// The largest encoded value stored; larger ones stay in process.
    #[must_use]
    pub fn max_value_bytes(mut self, max: usize) -> Self {
        self.max_value_bytes = max;
        self
    }

    /// How long a removed key refuses values written by loads.
    #[must_use]
    pub fn tombstone_ttl(mut self, ttl: Duration) -> Self {
        self.tombstone_ttl = ttl;
        self
    }

    /// The channel the backplane uses.
    #[must_use]
    pub fn channel_name(&self) -> String {
        self.channel.clone().unwrap_or_else(|| format!("{}:invalidate", self.prefix))
    }

    /// Checks the settings together.
    pub(crate) fn validate(&self) -> Result<(), RemoteError> {
        if self.prefix.is_empty() {
            return Err(config_error("prefix", "must not be empty"));
        }
        if self.channel.as_deref() == Some("") {
            return Err(config_error("channel", "must not be empty"));
        }
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("response_timeout", self.response_timeout),
            ("heartbeat", self.heartbeat),
            ("tombstone_ttl", self.tombstone_ttl),
        ] {
            if value.is_zero() {
                return Err(config_error(name, "must be longer than zero"));
            }
        }
        if self.max_value_bytes == 0 {
            return Err(config_error("max_value_bytes", "must be at least 1"));
        }
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(config_error("runtime", "Redis connections need a tokio runtime"));
        }
        Ok(())
    }
}

/// An error naming the bad setting.
pub(crate) fn config_error(setting: &str, problem: &str) -> RemoteError {
    RemoteError::new(RemoteErrorKind::Config, format!("{setting}: {problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_the_bad_setting() {
        let ok = RedisConfig::new("redis://127.0.0.1:6379").unwrap();
        let err = ok.clone().prefix("").validate().unwrap_err();
        assert_eq!(err.message(), "prefix: must not be empty");
        let err = ok.clone().heartbeat(Duration::ZERO).validate().unwrap_err();
        assert_eq!(err.message(), "heartbeat: must be longer than zero");
        let err = ok.clone().max_value_bytes(0).validate().unwrap_err();
        assert_eq!(err.message(), "max_value_bytes: must be at least 1");
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn needs_a_runtime() {
        let err = RedisConfig::new("redis://127.0.0.1:6379").unwrap().validate().unwrap_err();
        assert_eq!(err.message(), "runtime: Redis connections need a tokio runtime");
    }
}
