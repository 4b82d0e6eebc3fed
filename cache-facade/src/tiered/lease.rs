//! Cross-instance single-flight (off by default): before loading, take a
//! lease in the remote tier; an instance that cannot waits for the holder's
//! value to appear there, for at most the lease's time, then loads anyway.
//! An efficiency feature: correctness never depends on it (a fenced write
//! only lands while its lease holds, and never over a value already there).

use std::sync::Arc;
use std::time::Duration;

use cache_core::remote::WireKey;
use tokio::time::Instant;

use super::shared::Tier;

/// The first pause of a waiter between two looks at the remote tier.
const FIRST_POLL: Duration = Duration::from_millis(1);
/// The longest pause between two looks.
const MAX_POLL: Duration = Duration::from_millis(25);

/// What taking the lease gave.
pub(crate) enum Leased<V> {
    /// This instance holds it: load, then write with the token.
    Held(u64),
    /// Another instance loaded the value meanwhile.
    Loaded(V),
    /// No lease (the tier failed, or the holder took too long): load.
    LoadAnyway,
}

impl<V: Send + Sync + 'static> Tier<V> {
    /// Takes the lease on `key`, or waits for its holder's value.
    pub(crate) async fn lease_or_wait(&self, key: &WireKey, lease: Duration) -> Leased<V> {
        let Some(remote) = &self.remote else { return Leased::LoadAnyway };
        if !self.readable() {
            return Leased::LoadAnyway;
        }
        match tokio::time::timeout(self.soft_timeout, remote.try_lease(key.as_bytes(), lease)).await
        {
            Ok(Ok(Some(token))) => return Leased::Held(token),
            Ok(Ok(None)) => {}
            Ok(Err(_)) | Err(_) => return Leased::LoadAnyway,
        }
        // Polling the shared tier: the holder is another process, nothing to await.
        let deadline = Instant::now() + lease;
        let mut pause = FIRST_POLL;
        while Instant::now() < deadline {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_POLL);
            if let Some(value) = self.read(key).await {
                return Leased::Loaded(value);
            }
            if !self.readable() {
                break;
            }
        }
        Leased::LoadAnyway
    }

    /// Writes a loaded value while the lease `token` holds, then announces it.
    pub(crate) async fn fill_leased(
        self: &Arc<Self>,
        key: &WireKey,
        value: &V,
        ttl: Option<Duration>,
        token: u64,
    ) {
        let Some(remote) = &self.remote else { return };
        if self.queue.contains(key) {
            return;
        }
        let Some(payload) = self.payload(value) else { return };
        self.store_loaded(key, remote.set_leased(key.as_bytes(), &payload, ttl, token)).await;
    }
}
