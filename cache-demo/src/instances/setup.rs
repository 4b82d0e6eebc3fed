//! The two instances' connections: B straight to Redis, A through a fault
//! proxy, in a namespace and channel of this run only.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cache_facade::redis::{RedisBackplane, RedisConfig, RedisTier};
use cache_facade::remote::{ConnectionState, RemoteTier};
use cache_facade::{AsyncCache, BoxError};
use cache_redis::fault_proxy::FaultProxy;

use crate::product::Product;
use crate::scenarios::Context;

/// One instance of the catalog service.
pub(crate) struct Instance {
    pub(crate) cache: AsyncCache<u64, Product>,
}

/// Where the instances connect.
pub(crate) struct Setup {
    direct: RedisConfig,
    proxied: RedisConfig,
    pub(crate) proxy: FaultProxy,
    capacity: u64,
    ttl: Duration,
}

impl Setup {
    pub(crate) async fn new(context: &Context, url: &str) -> Result<Self, BoxError> {
        let authority = authority(url)?;
        let upstream: SocketAddr = tokio::net::lookup_host(authority)
            .await?
            .next()
            .ok_or_else(|| format!("--redis {url}: {authority} resolves to no address"))?;
        let proxy = FaultProxy::start(upstream).await?;
        let prefix = format!(
            "cache-demo:{}:{}",
            std::process::id(),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis()
        );
        let config = |url: &str| -> Result<RedisConfig, BoxError> {
            Ok(RedisConfig::new(url)?
                .prefix(&prefix)
                .heartbeat(Duration::from_millis(100))
                .connect_timeout(Duration::from_millis(300))
                .response_timeout(Duration::from_millis(200)))
        };
        let direct = config(url)?;
        let proxied = config(&url.replacen(authority, &proxy.addr().to_string(), 1))?;
        RedisTier::new(&direct)?.ping().await.map_err(|e| format!("--redis {url}: {e}"))?;
        Ok(Self {
            direct,
            proxied,
            proxy,
            capacity: context.options.capacity,
            ttl: Duration::from_secs(context.options.ttl_secs),
        })
    }

    /// An instance; `proxied` ones reach Redis through the fault proxy.
    pub(crate) fn instance(&self, name: &str, proxied: bool) -> Result<Instance, BoxError> {
        let config = if proxied { &self.proxied } else { &self.direct };
        let cache = AsyncCache::builder()
            .name(format!("instance-{name}"))
            .max_capacity(self.capacity)
            .default_ttl(self.ttl)
            .remote(RedisTier::new(config)?)
            .backplane(RedisBackplane::new(config)?)
            .build()?;
        Ok(Instance { cache })
    }

    /// Waits until every instance's backplane is subscribed.
    pub(crate) async fn subscribed(&self, instances: &[&Instance]) -> Result<(), BoxError> {
        let deadline = Instant::now() + Duration::from_secs(10);
        for instance in instances {
            while instance.cache.backplane_state() != Some(ConnectionState::Connected) {
                if Instant::now() > deadline {
                    return Err("the backplane did not subscribe within 10 s".into());
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        Ok(())
    }

    /// Unlinks this run's keys (`SCAN` + `UNLINK`).
    pub(crate) async fn cleanup(&self) {
        if let Ok(tier) = RedisTier::new(&self.direct) {
            let _ = tier.clear().await;
        }
    }
}

/// `host:port` of a `redis://[user:pass@]host:port[/db]` URL.
fn authority(url: &str) -> Result<&str, BoxError> {
    let rest = url
        .strip_prefix("redis://")
        .ok_or_else(|| format!("--redis {url}: expected redis://host:port"))?;
    let host = rest.split('/').next().unwrap_or(rest);
    let host = host.rsplit('@').next().unwrap_or(host);
    if !host.contains(':') {
        return Err(format!("--redis {url}: give the port (redis://{host}:6379)").into());
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::authority;

    #[test]
    fn reads_the_authority_and_names_what_is_wrong() {
        assert_eq!(authority("redis://127.0.0.1:6379").unwrap(), "127.0.0.1:6379");
        assert_eq!(authority("redis://u:p@host:7000/2").unwrap(), "host:7000");
        assert!(authority("http://x:1").unwrap_err().to_string().contains("expected redis://"));
        assert!(authority("redis://host").unwrap_err().to_string().contains("give the port"));
    }
}
