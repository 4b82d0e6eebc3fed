//! What the builder keeps of the remote side, and wiring it at `build`.

use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use cache_core::remote::{Backplane, RemoteTier, ValueCodec};
use cache_core::{BatchLoader, Store};
use cache_loader::SingleFlight;
use cache_metrics::RemoteMetrics;

use super::replay::Queue;
use super::shared::Tier;
use crate::error::BuildError;
use crate::expiry::Ttl;
use crate::resilience::Resilience;

/// The default [`remote_soft_timeout`](crate::AsyncCacheBuilder::remote_soft_timeout).
pub(crate) const DEFAULT_SOFT_TIMEOUT: Duration = Duration::from_millis(50);

/// A remote tier, seen as a tier and as a codec.
pub(crate) type RemoteParts<V> = (Arc<dyn RemoteTier>, Arc<dyn ValueCodec<V>>);

/// The remote settings of a builder (all unset by default).
pub(crate) struct TierSettings<V> {
    pub(crate) remote: Option<RemoteParts<V>>,
    pub(crate) backplane: Option<Arc<dyn Backplane>>,
    pub(crate) soft_timeout: Option<Duration>,
    pub(crate) lease: Option<Duration>,
}

impl<V> Default for TierSettings<V> {
    fn default() -> Self {
        Self { remote: None, backplane: None, soft_timeout: None, lease: None }
    }
}

impl<V> TierSettings<V> {
    /// Whether anything remote was configured.
    pub(crate) fn is_set(&self) -> bool {
        self.remote.is_some() || self.backplane.is_some()
    }
}

impl<V: Clone + Send + Sync + 'static> TierSettings<V> {
    /// Checks the settings and, if a tier or a backplane was given, builds the
    /// cache's remote side and subscribes it to the backplane.
    pub(crate) fn build<K, S>(
        self,
        name: &str,
        store: &Arc<S>,
        flights: &SingleFlight<K, V>,
        resilience: &Arc<Resilience<K, V>>,
    ) -> Result<Option<Arc<Tier<V>>>, BuildError>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        S: Store<K, V> + 'static,
    {
        if self.soft_timeout == Some(Duration::ZERO) {
            return Err(BuildError::new("remote_soft_timeout", "must be longer than zero"));
        }
        if self.lease == Some(Duration::ZERO) {
            return Err(BuildError::new("remote_lease", "must be longer than zero"));
        }
        if self.lease.is_some() && self.remote.is_none() {
            return Err(BuildError::new("remote_lease", "needs a remote tier to hold the lease"));
        }
        if !self.is_set() {
            if self.soft_timeout.is_some() {
                return Err(BuildError::new(
                    "remote_soft_timeout",
                    "needs a remote tier or a backplane to apply to",
                ));
            }
            return Ok(None);
        }
        let (remote, codec) = self.remote.map_or((None, None), |(r, c)| (Some(r), Some(c)));
        let tier = Arc::new(Tier {
            remote,
            codec,
            backplane: self.backplane,
            origin: instance_id(),
            soft_timeout: self.soft_timeout.unwrap_or(DEFAULT_SOFT_TIMEOUT),
            lease: self.lease,
            metrics: Arc::new(RemoteMetrics::new(name)),
            queue: Queue::default(),
            down: AtomicBool::new(false),
            replaying: AtomicBool::new(false),
        });
        if let Some(backplane) = &tier.backplane {
            let handler = super::receive::handler(
                tier.origin,
                Arc::clone(&tier.metrics),
                Arc::clone(store),
                flights.clone(),
                Arc::clone(resilience),
            );
            backplane
                .subscribe(handler)
                .map_err(|e| BuildError::new("backplane", format!("cannot subscribe: {e}")))?;
        }
        Ok(Some(tier))
    }
}

/// Wraps a batch loader so batches read the remote tier first.
pub(crate) fn batch_loader<K, V>(
    loader: Arc<dyn BatchLoader<K, V>>,
    tier: Option<&Arc<Tier<V>>>,
    ttl: &Ttl<K, V>,
) -> Arc<dyn BatchLoader<K, V>>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    match tier.filter(|t| t.remote.is_some()) {
        Some(tier) => Arc::new(super::batch::ThroughRemote {
            inner: loader,
            tier: Arc::clone(tier),
            ttl: ttl.clone(),
        }),
        None => loader,
    }
}

/// 16 bytes unlikely to repeat across processes and caches.
fn instance_id() -> [u8; 16] {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = (std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed), SystemTime::now());
    let (a, b) = (RandomState::new(), RandomState::new());
    let mut id = [0; 16];
    id[..8].copy_from_slice(&a.hash_one(seed).to_le_bytes());
    id[8..].copy_from_slice(&b.hash_one(seed).to_le_bytes());
    id
}
