//! Explicit writes (`insert`, `remove`, `clear`) reach the remote tier, then
//! the other instances, within the soft timeout; what does not is queued.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use cache_core::remote::WireKey;

pub(crate) use super::replay::WriteOp;
use super::shared::Tier;

/// A write prepared before the in-process store takes the key and value.
pub(crate) struct Prepared<V> {
    tier: Arc<Tier<V>>,
    key: WireKey,
    op: WriteOp,
}

/// A refreshed value of `key` for the remote tier, if there is one: a
/// refresh replaces what L2 holds (which is as old as the value it
/// refreshed) and announces it, as an insert does. Without a remote tier
/// nothing is sent: the other instances refresh from the source on their
/// own, and an announcement would only make them all reload.
pub(crate) fn prepare_refresh<K: Hash, V>(
    tier: Option<&Arc<Tier<V>>>,
    key: &K,
    value: &V,
    ttl: Option<Duration>,
) -> Option<Prepared<V>> {
    let tier = tier.filter(|t| t.remote.is_some())?;
    prepare_insert(Some(tier), key, value, ttl)
}

/// Encodes an insert of `key`/`value` for the remote side, if there is one.
/// A value that cannot be encoded, or is larger than the tier stores, stays
/// in process: the tier's older value is deleted instead.
pub(crate) fn prepare_insert<K: Hash, V>(
    tier: Option<&Arc<Tier<V>>>,
    key: &K,
    value: &V,
    ttl: Option<Duration>,
) -> Option<Prepared<V>> {
    let tier = tier?;
    let op = if tier.remote.is_some() && tier.codec.is_some() {
        tier.payload(value).map_or(WriteOp::Delete, |payload| WriteOp::Set { payload, ttl })
    } else {
        WriteOp::Publish
    };
    Some(Prepared { tier: Arc::clone(tier), key: WireKey::of(key), op })
}

/// A removal of `key` for the remote side, if there is one.
pub(crate) fn prepare_remove<Q: Hash + ?Sized, V>(
    tier: Option<&Arc<Tier<V>>>,
    key: &Q,
) -> Option<Prepared<V>> {
    let tier = tier?;
    let op = if tier.remote.is_some() { WriteOp::Delete } else { WriteOp::Publish };
    Some(Prepared { tier: Arc::clone(tier), key: WireKey::of(key), op })
}

impl<V: Send + Sync + 'static> Prepared<V> {
    /// Makes the write now (within the soft timeout) unless an earlier write
    /// of the key is pending; queues it for replay when it fails, times out,
    /// or the caller goes away first.
    pub(crate) async fn send(self) {
        self.begin().finish().await;
    }

    /// Takes the write's place in the key's queue now, without awaiting
    /// anything: every write of the key that begins later is applied after
    /// it (and supersedes it if it is still pending). A refresh begins its
    /// write while it commits, under the key's single-flight lock, so an
    /// insert that follows the refresh in L1 also follows it in L2.
    pub(crate) fn begin(self) -> Begun<V> {
        let Self { tier, key, op } = self;
        let seq = tier.queue.begin(&key, op.clone());
        let guard = Unfinished(Some(Arc::clone(&tier)));
        Begun { tier, key, op, seq, guard }
    }
}

/// A write whose place in the key's queue is taken ([`Prepared::begin`]);
/// dropped unfinished, it is left to the replay task.
pub(crate) struct Begun<V: Send + Sync + 'static> {
    tier: Arc<Tier<V>>,
    key: WireKey,
    op: WriteOp,
    /// `None` when an earlier write of the key was pending: the replay task
    /// makes this one after it.
    seq: Option<u64>,
    guard: Unfinished<V>,
}

impl<V: Send + Sync + 'static> Begun<V> {
    /// Makes the write (within the soft timeout), or leaves it queued for
    /// the replay task when it is not this write's turn, the tier is down,
    /// or it fails.
    pub(crate) async fn finish(self) {
        let Self { tier, key, op, seq, mut guard } = self;
        let Some(seq) = seq else {
            return; // the guard starts the replay task
        };
        if tier.down.load(std::sync::atomic::Ordering::Acquire) {
            return; // queued; the guard starts the replay task
        }
        match tokio::time::timeout(tier.soft_timeout, tier.apply(&key, &op)).await {
            Ok(Ok(())) => {
                if tier.queue.finish(&key, seq) {
                    guard.0 = None;
                }
            }
            Ok(Err(_)) | Err(_) => {
                tier.metrics.record_l2_error();
                tier.mark_down();
            }
        }
    }
}

/// Clears the remote side, as [`Prepared::send`] does a key.
pub(crate) async fn clear<V: Send + Sync + 'static>(tier: &Arc<Tier<V>>) {
    let Some(seq) = tier.queue.begin_clear() else {
        tier.ensure_replay();
        return;
    };
    let mut guard = Unfinished(Some(Arc::clone(tier)));
    match tokio::time::timeout(tier.soft_timeout, tier.apply_clear()).await {
        Ok(Ok(())) => {
            if tier.queue.finish_clear(seq) {
                guard.0 = None;
            }
        }
        Ok(Err(_)) | Err(_) => {
            tier.metrics.record_l2_error();
            tier.mark_down();
        }
    }
}

/// Starts the replay task when a write did not complete (failed, timed out,
/// or its caller was dropped mid-way).
struct Unfinished<V: Send + Sync + 'static>(Option<Arc<Tier<V>>>);

impl<V: Send + Sync + 'static> Drop for Unfinished<V> {
    fn drop(&mut self) {
        if let Some(tier) = self.0.take() {
            tier.ensure_replay();
        }
    }
}
