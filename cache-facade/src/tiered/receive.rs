//! Events from the backplane: other instances' invalidations, and lost
//! subscriptions, after which the in-process tier is dropped.

use std::hash::Hash;
use std::sync::Arc;

use cache_core::Store;
use cache_core::remote::{BackplaneEvent, EventHandler};
use cache_loader::SingleFlight;
use cache_metrics::RemoteMetrics;

use super::message::{self, Invalidation};
use crate::resilience::Resilience;

/// The handler a cache gives its backplane. It holds the store and the
/// single-flight table (never the cache), so it keeps nothing else alive.
///
/// - a message from another instance drops its key (or everything), what
///   fail-safe and negative caching kept of it, and detaches loads in flight
///   of it, as a local `remove` would; this
///   instance's own messages are ignored;
/// - `Connected { after_loss: true }`: messages may have been missed while
///   the subscription was down, so every entry (and every load in flight)
///   is dropped: the next reads go to the remote tier.
pub(crate) fn handler<K, V, S>(
    origin: [u8; 16],
    metrics: Arc<RemoteMetrics>,
    store: Arc<S>,
    flights: SingleFlight<K, V>,
    resilience: Arc<Resilience<K, V>>,
) -> EventHandler
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: Store<K, V> + 'static,
{
    Arc::new(move |event| match event {
        BackplaneEvent::Message(bytes) => match message::decode(&bytes) {
            Ok((from, _)) if from == origin => {}
            Ok((_, Invalidation::Key(key))) => {
                flights.invalidate(&key, || {
                    store.remove(&key);
                    resilience.forget(&key);
                });
                metrics.record_received();
            }
            Ok((_, Invalidation::Clear)) => {
                flights.invalidate_all(|| {
                    store.clear();
                    resilience.forget_all();
                });
                metrics.record_received();
            }
            Err(_) => metrics.record_dropped(),
        },
        BackplaneEvent::Connected { after_loss: true } => {
            flights.invalidate_all(|| {
                store.clear();
                resilience.forget_all();
            });
            metrics.record_reconnect();
        }
        BackplaneEvent::Connected { after_loss: false } | BackplaneEvent::Disconnected => {}
    })
}
