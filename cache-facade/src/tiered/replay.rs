//! Remote writes that could not be made, queued per key (last write wins)
//! and replayed in the background with backoff once the tier answers again.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cache_core::remote::{RemoteError, SetMode, WireKey};

use super::message::Invalidation;
use super::shared::Tier;

/// The first pause of the replay task after a failure; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(20);
/// The longest pause between two replay attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// A write of one key to the remote tier, then its invalidation.
#[derive(Debug, Clone)]
pub(crate) enum WriteOp {
    /// Store this payload (and invalidate).
    Set { payload: Vec<u8>, ttl: Option<Duration> },
    /// Delete (a tombstone) and invalidate.
    Delete,
    /// No remote tier: only invalidate.
    Publish,
}

/// A queued piece of work.
enum Job {
    Key { key: WireKey, seq: u64, op: WriteOp },
    Clear { seq: u64 },
}

#[derive(Default)]
struct State {
    ops: HashMap<Vec<u8>, (WireKey, u64, WriteOp)>,
    /// A pending clear: runs before every queued key.
    clear: Option<u64>,
    next_seq: u64,
}

/// Keys whose latest write has not reached the remote tier (in progress or
/// failed). While a key is here, reads skip the tier for it (it may hold an
/// older value) and new writes of it queue behind the pending one.
#[derive(Default)]
pub(crate) struct Queue(Mutex<State>);

impl Queue {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the write; `Some(seq)` when the caller should make it now,
    /// `None` when an earlier write of the key (or a clear) is pending, so
    /// the replay task will make this one after it.
    pub(crate) fn begin(&self, key: &WireKey, op: WriteOp) -> Option<u64> {
        let mut state = self.state();
        state.next_seq += 1;
        let seq = state.next_seq;
        let busy = state.clear.is_some() || state.ops.contains_key(key.as_bytes());
        state.ops.insert(key.as_bytes().to_vec(), (key.clone(), seq, op));
        (!busy).then_some(seq)
    }

    /// The write `seq` of `key` reached the tier: forget it, unless a later
    /// one replaced it (then `false`: the replay task must make that one).
    pub(crate) fn finish(&self, key: &WireKey, seq: u64) -> bool {
        let mut state = self.state();
        match state.ops.get(key.as_bytes()) {
            Some((_, pending, _)) if *pending == seq => {
                state.ops.remove(key.as_bytes());
                true
            }
            _ => false,
        }
    }

    /// Whether a write of `key` has not reached the tier yet.
    pub(crate) fn contains(&self, key: &WireKey) -> bool {
        let state = self.state();
        state.clear.is_some() || state.ops.contains_key(key.as_bytes())
    }

    /// Records a clear, which supersedes every queued key; as [`begin`](Self::begin).
    pub(crate) fn begin_clear(&self) -> Option<u64> {
        let mut state = self.state();
        state.next_seq += 1;
        let seq = state.next_seq;
        state.ops.clear();
        let busy = state.clear.replace(seq).is_some();
        (!busy).then_some(seq)
    }

    /// The clear `seq` reached the tier; as [`finish`](Self::finish).
    pub(crate) fn finish_clear(&self, seq: u64) -> bool {
        let mut state = self.state();
        if state.clear == Some(seq) {
            state.clear = None;
            return true;
        }
        false
    }

    /// Writes waiting.
    pub(crate) fn len(&self) -> u64 {
        let state = self.state();
        state.ops.len() as u64 + u64::from(state.clear.is_some())
    }

    fn next(&self) -> Option<Job> {
        let state = self.state();
        if let Some(seq) = state.clear {
            return Some(Job::Clear { seq });
        }
        let (key, seq, op) = state.ops.values().next()?.clone();
        Some(Job::Key { key, seq, op })
    }
}

impl<V: Send + Sync + 'static> Tier<V> {
    /// Makes the remote write and the invalidation of `op`.
    pub(crate) async fn apply(&self, key: &WireKey, op: &WriteOp) -> Result<(), RemoteError> {
        if let Some(remote) = &self.remote {
            match op {
                WriteOp::Set { payload, ttl } => {
                    remote.set(key.as_bytes(), payload, *ttl, SetMode::Always).await?;
                    self.metrics.record_l2_write();
                }
                WriteOp::Delete => remote.delete(key.as_bytes()).await?,
                WriteOp::Publish => {}
            }
        }
        self.publish(&Invalidation::Key(key.clone())).await
    }

    /// Clears the remote tier's namespace, then tells the other instances.
    pub(crate) async fn apply_clear(&self) -> Result<(), RemoteError> {
        if let Some(remote) = &self.remote {
            remote.clear().await?;
        }
        self.publish(&Invalidation::Clear).await
    }

    /// Starts the replay task unless it runs. It holds the tier weakly: it
    /// ends with the cache.
    pub(crate) fn ensure_replay(self: &Arc<Self>) {
        self.metrics.set_queued(self.queue.len());
        if self.replaying.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.replaying.store(false, Ordering::Release);
            return;
        };
        let weak = Arc::downgrade(self);
        drop(runtime.spawn(async move {
            let mut backoff = MIN_BACKOFF;
            loop {
                let Some(tier) = weak.upgrade() else { return };
                match tier.replay_step().await {
                    Step::Progress => backoff = MIN_BACKOFF,
                    Step::Failed => {
                        drop(tier);
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                    Step::Idle => {
                        tier.replaying.store(false, Ordering::Release);
                        // A write queued between the check and the store above
                        // found the flag set: take the work back if so.
                        let more = tier.queue.len() > 0 || tier.down.load(Ordering::Acquire);
                        if !more || tier.replaying.swap(true, Ordering::AcqRel) {
                            return;
                        }
                    }
                }
            }
        }));
    }

    /// One step of the replay task.
    async fn replay_step(&self) -> Step {
        if self.down.load(Ordering::Acquire) {
            let answered = match &self.remote {
                Some(remote) => remote.ping().await.is_ok(),
                None => true,
            };
            if !answered {
                return Step::Failed;
            }
            self.down.store(false, Ordering::Release);
        }
        let result = match self.queue.next() {
            None => return Step::Idle,
            Some(Job::Clear { seq }) => self.apply_clear().await.map(|()| {
                self.queue.finish_clear(seq);
            }),
            Some(Job::Key { key, seq, op }) => self.apply(&key, &op).await.map(|()| {
                self.queue.finish(&key, seq);
            }),
        };
        self.metrics.set_queued(self.queue.len());
        match result {
            Ok(()) => {
                self.metrics.record_replayed();
                Step::Progress
            }
            Err(_) => {
                self.metrics.record_l2_error();
                self.mark_down();
                Step::Failed
            }
        }
    }
}

enum Step {
    Progress,
    Failed,
    Idle,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_write_wins_and_clear_supersedes() {
        let q = Queue::default();
        let k = WireKey::of(&1u64);
        let first = q.begin(&k, WriteOp::Delete).expect("nothing pending: write now");
        assert!(q.begin(&k, WriteOp::Publish).is_none(), "queued behind the first");
        assert!(!q.finish(&k, first), "superseded: the replay task makes the second");
        assert!(q.contains(&k));
        assert_eq!(q.len(), 1);
        let clear = q.begin_clear().expect("no clear pending");
        assert_eq!(q.len(), 1, "the clear replaced the queued key");
        assert!(q.contains(&WireKey::of(&2u64)), "every key waits for the clear");
        assert!(q.finish_clear(clear));
        assert_eq!(q.len(), 0);
    }
}
