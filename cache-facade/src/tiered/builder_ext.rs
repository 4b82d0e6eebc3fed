//! The builder's remote settings: `remote`, `backplane`, `remote_soft_timeout`.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use cache_core::Store;
use cache_core::remote::{Backplane, RemoteTier, ValueCodec};

use crate::builder::AsyncCacheBuilder;

impl<K, V, S> AsyncCacheBuilder<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V> + 'static,
{
    /// A shared second tier (L2) behind the in-process one: a miss reads it
    /// before calling the loader (inside single-flight), a loaded value is
    /// written to it unless it holds one, and `insert` / `remove` / `clear`
    /// write through to it. The hit path never awaits it.
    ///
    /// The tier encodes values itself ([`ValueCodec`]): only here are values
    /// required to be encodable (for the Redis tier, `serde`); keys need only
    /// `Hash` (see [`WireKey`](cache_core::remote::WireKey)). Every remote
    /// call a caller waits for is bounded by
    /// [`remote_soft_timeout`](Self::remote_soft_timeout). With Redis, pass
    /// `cache_facade::redis::RedisTier::new(&config)?` (feature `redis`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use cache_facade::AsyncCache;
    /// use cache_facade::async_trait;
    /// use cache_facade::remote::{CodecError, RemoteError, RemoteTier, RemoteValue, SetMode, ValueCodec};
    ///
    /// /// A shared tier in memory (a stand-in for Redis).
    /// #[derive(Debug, Default, Clone)]
    /// struct Shared(Arc<Mutex<HashMap<Vec<u8>, Vec<u8>>>>);
    ///
    /// #[async_trait]
    /// impl RemoteTier for Shared {
    ///     async fn get(&self, key: &[u8]) -> Result<Option<RemoteValue>, RemoteError> {
    ///         Ok(self.0.lock().unwrap().get(key).map(|p| RemoteValue { payload: p.clone(), ttl: None }))
    ///     }
    ///     async fn set(&self, key: &[u8], payload: &[u8], _: Option<Duration>, mode: SetMode)
    ///         -> Result<bool, RemoteError> {
    ///         let mut map = self.0.lock().unwrap();
    ///         if mode == SetMode::IfAbsent && map.contains_key(key) { return Ok(false); }
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
    ///     async fn ping(&self) -> Result<(), RemoteError> { Ok(()) }
    /// }
    ///
    /// impl ValueCodec<String> for Shared {
    ///     fn encode(&self, v: &String) -> Result<Vec<u8>, CodecError> { Ok(v.clone().into_bytes()) }
    ///     fn decode(&self, b: &[u8]) -> Result<String, CodecError> {
    ///         String::from_utf8(b.to_vec()).map_err(|e| CodecError::new(e.to_string()))
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let l2 = Shared::default();
    /// let a: AsyncCache<u64, String> = AsyncCache::builder().remote(l2.clone()).build()?;
    /// let b: AsyncCache<u64, String> = AsyncCache::builder().remote(l2).build()?;
    ///
    /// a.get_with(1, || async { Ok::<_, std::io::Error>("from the database".to_string()) }).await?;
    /// // b misses in process, finds the value in the shared tier: its loader never runs.
    /// let v = b.get_with(1, || async { Err::<String, _>(std::io::Error::other("not called")) }).await?;
    /// assert_eq!(v, "from the database");
    /// assert_eq!(b.metrics().remote.unwrap().l2_hits, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn remote<R>(mut self, remote: R) -> Self
    where
        R: RemoteTier + ValueCodec<V>,
    {
        let remote = Arc::new(remote);
        self.tiered.remote = Some((Arc::clone(&remote) as _, remote as _));
        self
    }

    /// The backplane that carries invalidations between instances: every
    /// `insert`, `remove` and `clear` (and every value loaded into the remote
    /// tier) drops the key from the other instances' in-process tier; an
    /// instance ignores its own messages. When the subscription was lost and
    /// comes back, the whole in-process tier is dropped (it may have missed
    /// messages). With Redis, pass
    /// `cache_facade::redis::RedisBackplane::new(&config)?` (feature `redis`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use cache_facade::{AsyncCache, async_trait};
    /// use cache_facade::remote::{Backplane, BackplaneEvent, ConnectionState, EventHandler, RemoteError};
    ///
    /// /// Instances in one process, told synchronously (a stand-in for Redis pub/sub).
    /// #[derive(Default, Clone)]
    /// struct Bus(Arc<Mutex<Vec<EventHandler>>>);
    /// # impl std::fmt::Debug for Bus {
    /// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("Bus") }
    /// # }
    /// #[derive(Debug)]
    /// struct Port(Bus);
    ///
    /// #[async_trait]
    /// impl Backplane for Port {
    ///     async fn publish(&self, m: &[u8]) -> Result<(), RemoteError> {
    ///         let handlers = self.0.0.lock().unwrap().clone();
    ///         for h in handlers { h(BackplaneEvent::Message(m.to_vec())); }
    ///         Ok(())
    ///     }
    ///     fn subscribe(&self, h: EventHandler) -> Result<(), RemoteError> {
    ///         self.0.0.lock().unwrap().push(h);
    ///         Ok(())
    ///     }
    ///     fn state(&self) -> ConnectionState { ConnectionState::Connected }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let bus = Bus::default();
    /// let a: AsyncCache<&str, u32> = AsyncCache::builder().backplane(Port(bus.clone())).build()?;
    /// let b: AsyncCache<&str, u32> = AsyncCache::builder().backplane(Port(bus)).build()?;
    /// b.insert("price", 100).await;
    /// a.insert("price", 120).await; // b drops its copy
    /// assert_eq!(b.get("price").await, None);
    /// assert_eq!(a.get("price").await, Some(120), "a ignored its own message");
    /// # Ok(())
    /// # }
    /// ```
    pub fn backplane(mut self, backplane: impl Backplane) -> Self {
        self.tiered.backplane = Some(Arc::new(backplane));
        self
    }

    /// The longest a caller waits for the remote tier or the backplane
    /// (default 50 ms): a read past it is a miss (the loader runs), a write
    /// past it is queued and replayed in the background. After a failure,
    /// reads skip the remote tier until it answers again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_facade::AsyncCache;
    ///
    /// // Without a remote tier or a backplane there is nothing to bound: refused, by name.
    /// let err = AsyncCache::<u64, u64>::builder()
    ///     .remote_soft_timeout(Duration::from_millis(20))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.setting(), "remote_soft_timeout");
    /// ```
    pub fn remote_soft_timeout(mut self, timeout: Duration) -> Self {
        self.tiered.soft_timeout = Some(timeout);
        self
    }

    /// Cross-instance single-flight, off by default: before loading a key
    /// that L2 does not hold, take a lease on it in the remote tier
    /// (`SET NX PX` with a random token, for `lease`); an instance that
    /// cannot take it polls L2 for the holder's value for at most `lease`,
    /// then loads anyway. The holder's value is written only while its token
    /// holds. An efficiency feature (two instances, 50 concurrent cold gets
    /// of one key: one load, at most two): it costs a round trip on every
    /// L2 miss, and never decides what is stored. Pick `lease` a little over
    /// a typical load.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use cache_facade::AsyncCache;
    ///
    /// // A lease needs a remote tier to live in: refused, by name.
    /// let err = AsyncCache::<u64, u64>::builder()
    ///     .remote_lease(Duration::from_millis(500))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.setting(), "remote_lease");
    /// ```
    pub fn remote_lease(mut self, lease: Duration) -> Self {
        self.tiered.lease = Some(lease);
        self
    }
}
