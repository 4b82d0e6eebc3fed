//! [`Tier`]: what the read, write, replay and receive paths share.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cache_core::remote::{Backplane, ConnectionState, RemoteError, RemoteTier, ValueCodec};
use cache_metrics::RemoteMetrics;

use super::message::{self, Invalidation};
use super::replay::Queue;

/// The remote side of one cache: its tier and codec, its backplane, the
/// queue of writes to replay, and their counters.
pub(crate) struct Tier<V> {
    pub(crate) remote: Option<Arc<dyn RemoteTier>>,
    pub(crate) codec: Option<Arc<dyn ValueCodec<V>>>,
    pub(crate) backplane: Option<Arc<dyn Backplane>>,
    /// This instance's id in its messages (its own are ignored).
    pub(crate) origin: [u8; 16],
    /// The longest a caller waits for the remote tier.
    pub(crate) soft_timeout: Duration,
    /// Cross-instance single-flight: how long a load lease lasts (`None`: off).
    pub(crate) lease: Option<Duration>,
    pub(crate) metrics: Arc<RemoteMetrics>,
    pub(crate) queue: Queue,
    /// Set after a remote failure: reads skip the tier until the replay task
    /// sees it answer again.
    pub(crate) down: AtomicBool,
    /// Whether the replay task runs.
    pub(crate) replaying: AtomicBool,
}

impl<V> Tier<V> {
    /// Whether reads may try the remote tier now.
    pub(crate) fn readable(&self) -> bool {
        self.remote.is_some() && !self.down.load(Ordering::Acquire)
    }

    /// Notes a remote failure: reads skip the tier until it recovers.
    pub(crate) fn mark_down(&self) {
        self.down.store(true, Ordering::Release);
    }

    /// Publishes `what` if there is a backplane.
    pub(crate) async fn publish(&self, what: &Invalidation) -> Result<(), RemoteError> {
        let Some(backplane) = &self.backplane else { return Ok(()) };
        backplane.publish(&message::encode(self.origin, what)).await?;
        self.metrics.record_sent();
        Ok(())
    }

    /// The backplane's state; `None` without one.
    pub(crate) fn backplane_state(&self) -> Option<ConnectionState> {
        self.backplane.as_ref().map(|b| b.state())
    }
}

impl<V> fmt::Debug for Tier<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tier")
            .field("remote", &self.remote)
            .field("backplane", &self.backplane)
            .field("soft_timeout", &self.soft_timeout)
            .finish_non_exhaustive()
    }
}
