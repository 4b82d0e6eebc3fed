//! One load in flight: the shared slot its waiters read the result from.

use std::fmt;

use cache_core::error::CacheError;

use crate::sync::{Notify, OnceLock};

/// The shared state of one load: the result once known, and the waiters'
/// wake-up signal. The result is written exactly once, by the
/// [`Completer`](crate::Completer) (or by its `Drop` when the load never
/// finished), and only then are waiters woken.
pub(crate) struct Flight<V> {
    result: OnceLock<Result<V, CacheError>>,
    done: Notify,
}

impl<V> Flight<V> {
    pub(crate) fn new() -> Self {
        Self { result: OnceLock::new(), done: Notify::new() }
    }

    /// Publishes the result and wakes every waiter. A second call is ignored.
    pub(crate) fn finish(&self, result: Result<V, CacheError>) {
        if self.result.set(result).is_ok() {
            self.done.notify_waiters();
        }
    }

    pub(crate) fn result(&self) -> Option<&Result<V, CacheError>> {
        self.result.get()
    }

    pub(crate) fn done(&self) -> &Notify {
        &self.done
    }
}

impl<V> fmt::Debug for Flight<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flight").field("finished", &self.result.get().is_some()).finish()
    }
}
