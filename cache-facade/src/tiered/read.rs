//! A miss reads the remote tier before the loader, inside single-flight; a
//! loaded value is written to the tier (unless a write got there first) and
//! then announced.

use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cache_core::remote::{RemoteError, RemoteErrorKind, SetMode, WireKey};

use super::lease::Leased;
use super::message::Invalidation;
use super::shared::Tier;
use crate::expiry::Ttl;

/// What a load needs to go through the remote tier: the tier, the TTL rule
/// and the key (all `None` without a remote tier).
pub(crate) struct Through<K, V> {
    parts: Option<Parts<K, V>>,
}

/// The tier, the TTL rule and the key.
type Parts<K, V> = (Arc<Tier<V>>, Ttl<K, V>, K);

impl<K: Hash + Clone, V: Send + Sync + 'static> Through<K, V> {
    pub(crate) fn new(tier: Option<&Arc<Tier<V>>>, ttl: &Ttl<K, V>, key: &K) -> Self {
        let parts =
            tier.filter(|t| t.remote.is_some()).map(|t| (Arc::clone(t), ttl.clone(), key.clone()));
        Self { parts }
    }

    /// Runs a load: the remote tier's value if it has one (`load` is then
    /// dropped unpolled), else `load`'s, written back to the tier.
    pub(crate) async fn run<Fut, E>(self, load: Fut) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let Some((tier, ttl, key)) = self.parts else { return load.await };
        let wire = WireKey::of(&key);
        if let Some(value) = tier.read(&wire).await {
            return Ok(value);
        }
        let token = match tier.lease {
            Some(lease) => match tier.lease_or_wait(&wire, lease).await {
                Leased::Held(token) => Some(token),
                Leased::Loaded(value) => return Ok(value),
                Leased::LoadAnyway => None,
            },
            None => None,
        };
        let value = load.await?;
        match token {
            Some(token) => tier.fill_leased(&wire, &value, ttl.of(&key, &value), token).await,
            None => tier.fill(&wire, &value, ttl.of(&key, &value)).await,
        }
        Ok(value)
    }
}

impl<V: Send + Sync + 'static> Tier<V> {
    /// The tier's value for `key`, within the soft timeout; `None` on a miss,
    /// an unreadable value, a failure, or while a write of `key` is pending.
    pub(crate) async fn read(&self, key: &WireKey) -> Option<V> {
        let (remote, codec) = (self.remote.as_ref()?, self.codec.as_ref()?);
        if !self.readable() || self.queue.contains(key) {
            return None;
        }
        let started = Instant::now();
        let result = tokio::time::timeout(self.soft_timeout, remote.get(key.as_bytes())).await;
        let took = started.elapsed();
        match result {
            Ok(Ok(Some(stored))) => match codec.decode(&stored.payload) {
                Ok(value) => {
                    self.metrics.record_l2_read(Some(true), took);
                    Some(value)
                }
                Err(_) => {
                    self.metrics.record_decode_error();
                    self.metrics.record_l2_read(Some(false), took);
                    None
                }
            },
            Ok(Ok(None)) => {
                self.metrics.record_l2_read(Some(false), took);
                None
            }
            Ok(Err(e)) if e.kind() == RemoteErrorKind::Decode => {
                self.metrics.record_decode_error();
                self.metrics.record_l2_read(Some(false), took);
                None
            }
            Ok(Err(_)) | Err(_) => {
                self.metrics.record_l2_read(None, took);
                self.mark_down();
                None
            }
        }
    }

    /// Writes a loaded value to the tier unless it holds one (or a recent
    /// removal), then announces it. Not queued on failure: a load is not a
    /// write, and the next miss loads again.
    pub(crate) async fn fill(self: &Arc<Self>, key: &WireKey, value: &V, ttl: Option<Duration>) {
        let Some(remote) = &self.remote else { return };
        if !self.readable() || self.queue.contains(key) {
            return;
        }
        let Some(payload) = self.payload(value) else { return };
        let store = remote.set(key.as_bytes(), &payload, ttl, SetMode::IfAbsent);
        self.store_loaded(key, store).await;
    }

    /// Awaits `store` (a write of a loaded value; `true` if it landed)
    /// within the soft timeout, then announces the value; a failure marks
    /// the tier down.
    pub(crate) async fn store_loaded(
        self: &Arc<Self>,
        key: &WireKey,
        store: impl Future<Output = Result<bool, RemoteError>>,
    ) {
        let write = async {
            if store.await? {
                self.metrics.record_l2_write();
                self.publish(&Invalidation::Key(key.clone())).await?;
            }
            Ok::<_, RemoteError>(())
        };
        if !matches!(tokio::time::timeout(self.soft_timeout, write).await, Ok(Ok(()))) {
            self.metrics.record_l2_error();
            self.mark_down();
            self.ensure_replay();
        }
    }
}

impl<V> Tier<V> {
    /// `value` encoded for the tier, within its size limit; `None` (counted)
    /// when it cannot be encoded or is too large, or without a tier.
    pub(crate) fn payload(&self, value: &V) -> Option<Vec<u8>> {
        let (remote, codec) = (self.remote.as_ref()?, self.codec.as_ref()?);
        let Ok(payload) = codec.encode(value) else {
            self.metrics.record_l2_error();
            return None;
        };
        if remote.max_value_bytes().is_some_and(|max| payload.len() > max) {
            self.metrics.record_oversized();
            return None;
        }
        Some(payload)
    }
}
