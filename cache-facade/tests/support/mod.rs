//! Two caches ("instances") over the real Redis, each with its own connections,
//! in a namespace and channel of their own.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use cache_facade::AsyncCache;
use cache_facade::remote::ConnectionState;
use cache_redis::fault_proxy::FaultProxy;
use cache_redis::testkit::{cleanup, eventually, unique, url};
use cache_redis::{RedisBackplane, RedisConfig, RedisTier};

pub use cache_redis::testkit::redis_or_skip;

pub type Cache = AsyncCache<String, String>;

pub const REDIS: &str = "127.0.0.1:6379";

/// One instance: its cache, and a handle on its backplane.
pub struct Instance {
    pub cache: Cache,
    pub backplane: RedisBackplane,
}

/// A namespace and channel for one test; unlinks its keys when dropped... by `finish`.
pub struct Space {
    pub prefix: String,
}

impl Space {
    pub fn new(test: &str) -> Self {
        Self { prefix: unique(test) }
    }

    /// The config for an instance reaching Redis at `url`.
    pub fn config(&self, url: &str) -> RedisConfig {
        RedisConfig::new(url)
            .unwrap()
            .prefix(&self.prefix)
            .channel(format!("{}:invalidate", self.prefix))
            .heartbeat(Duration::from_millis(50))
            .connect_timeout(Duration::from_millis(200))
            .response_timeout(Duration::from_millis(150))
    }

    /// An instance straight to Redis.
    pub async fn instance(&self, name: &str) -> Instance {
        self.instance_at(&url(), name).await
    }

    /// An instance reaching Redis at `url` (a proxy, say).
    pub async fn instance_at(&self, url: &str, name: &str) -> Instance {
        let config = self.config(url);
        let backplane = RedisBackplane::new(&config).unwrap();
        let cache = AsyncCache::builder()
            .name(format!("{}-{name}", self.prefix))
            .max_capacity(10_000)
            .remote(RedisTier::new(&config).unwrap())
            .backplane(backplane.clone())
            .remote_soft_timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let up = eventually(Duration::from_secs(5), async || {
            cache.backplane_state() == Some(ConnectionState::Connected)
        })
        .await;
        assert!(up, "instance {name} subscribed");
        Instance { cache, backplane }
    }

    pub async fn finish(self) {
        cleanup(&self.prefix).await;
    }
}

/// A proxy in front of the test Redis.
pub async fn proxy() -> FaultProxy {
    FaultProxy::start(REDIS.parse::<SocketAddr>().unwrap()).await.unwrap()
}

/// Polls until `cache` has applied `n` invalidations from others.
pub async fn received(cache: &Cache, n: u64) -> bool {
    eventually(Duration::from_secs(5), async || {
        cache.metrics().remote.unwrap().backplane_received >= n
    })
    .await
}

pub fn io(message: &str) -> std::io::Error {
    std::io::Error::other(message.to_owned())
}

/// The value L2 holds for `key`, read straight from Redis.
pub async fn l2_value(space: &Space, key: &str) -> Option<String> {
    use cache_facade::remote::{RemoteTier, ValueCodec, WireKey};
    let tier = RedisTier::new(&space.config(&url())).unwrap();
    let stored = tier.get(WireKey::of(key).as_bytes()).await.ok()??;
    tier.decode(&stored.payload).ok()
}
