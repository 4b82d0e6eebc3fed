//! Waiting for a load in flight.

use std::fmt;

use cache_core::error::CacheError;

use crate::flight::Flight;
use crate::sync::Arc;

/// A handle on a load in flight; [`wait`](Waiter::wait) resolves to a clone of
/// its result.
pub struct Waiter<V> {
    flight: Arc<Flight<V>>,
}

impl<V: Clone> Waiter<V> {
    pub(crate) fn new(flight: Arc<Flight<V>>) -> Self {
        Self { flight }
    }

    /// Waits for the load to end and returns a clone of its result.
    ///
    /// Never hangs on a load that cannot finish: a load whose
    /// [`Completer`](crate::Completer) is dropped unfinished resolves to
    /// [`CacheError::LoadCancelled`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops this caller from waiting;
    /// the load and its other waiters are unaffected.
    pub async fn wait(self) -> Result<V, CacheError> {
        loop {
            let notified = self.flight.done().notified();
            tokio::pin!(notified);
            // Register before checking, so a finish between the check and the
            // await still wakes us.
            notified.as_mut().enable();
            if let Some(result) = self.flight.result() {
                return result.clone();
            }
            notified.await;
        }
    }

    /// The result if the load already ended, without waiting.
    #[must_use]
    pub fn try_result(&self) -> Option<Result<V, CacheError>> {
        self.flight.result().cloned()
    }
}

impl<V> fmt::Debug for Waiter<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter").field("flight", &self.flight).finish()
    }
}
