//! Batched loads read the remote tier in one round trip before the batch
//! loader, and write back what it loaded.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Instant;

use cache_core::remote::WireKey;
use cache_core::{BatchLoader, BoxError, async_trait};

use super::shared::Tier;
use crate::expiry::Ttl;

/// A batch loader behind the remote tier.
pub(crate) struct ThroughRemote<K, V> {
    pub(crate) inner: Arc<dyn BatchLoader<K, V>>,
    pub(crate) tier: Arc<Tier<V>>,
    pub(crate) ttl: Ttl<K, V>,
}

#[async_trait]
impl<K, V> BatchLoader<K, V> for ThroughRemote<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    async fn load_batch(&self, keys: &[K]) -> Result<HashMap<K, V>, BoxError> {
        let wires: Vec<WireKey> = keys.iter().map(WireKey::of).collect();
        let mut found = self.tier.read_many(&wires).await;
        let missing: Vec<K> =
            keys.iter().zip(&found).filter(|(_, v)| v.is_none()).map(|(k, _)| k.clone()).collect();
        let mut values: HashMap<K, V> = HashMap::with_capacity(keys.len());
        for (key, value) in keys.iter().zip(found.iter_mut()) {
            if let Some(value) = value.take() {
                values.insert(key.clone(), value);
            }
        }
        if missing.is_empty() {
            return Ok(values);
        }
        let loaded = self.inner.load_batch(&missing).await?;
        let fills: Vec<_> =
            loaded.iter().map(|(k, v)| (WireKey::of(k), v.clone(), self.ttl.of(k, v))).collect();
        let tier = Arc::clone(&self.tier);
        // Written back in the background: the batch's callers do not wait.
        drop(tokio::spawn(async move {
            for (key, value, ttl) in fills {
                tier.fill(&key, &value, ttl).await;
            }
        }));
        values.extend(loaded);
        Ok(values)
    }
}

impl<V: Send + Sync + 'static> Tier<V> {
    /// The tier's values for `keys`, in one round trip within the soft
    /// timeout; `None` for each key missing, unreadable or with a pending write.
    pub(crate) async fn read_many(&self, keys: &[WireKey]) -> Vec<Option<V>> {
        let none = || (0..keys.len()).map(|_| None).collect();
        let (Some(remote), Some(codec)) = (&self.remote, &self.codec) else { return none() };
        if !self.readable() {
            return none();
        }
        let asked: Vec<&[u8]> = keys.iter().map(WireKey::as_bytes).collect();
        let started = Instant::now();
        let result = tokio::time::timeout(self.soft_timeout, remote.get_many(&asked)).await;
        let took = started.elapsed();
        let Ok(Ok(stored)) = result else {
            self.metrics.record_l2_read(None, took);
            self.mark_down();
            return none();
        };
        let mut out = Vec::with_capacity(keys.len());
        for (key, stored) in keys.iter().zip(stored) {
            let value = match stored {
                Some(_) if self.queue.contains(key) => None,
                Some(stored) => codec
                    .decode(&stored.payload)
                    .map_err(|_| self.metrics.record_decode_error())
                    .ok(),
                None => None,
            };
            self.metrics.record_l2_read(Some(value.is_some()), took);
            out.push(value);
        }
        out
    }
}

impl<K, V> fmt::Debug for ThroughRemote<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThroughRemote").field("tier", &self.tier).finish_non_exhaustive()
    }
}
