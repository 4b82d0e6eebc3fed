//! [`TtlStore`]: the engine configured to evict the entry closest to its
//! deadline first.

mod expiry_order;

use std::hash::Hash;

use cache_core::{Capacity, Weigher};

use crate::delegate::delegate_store;
use crate::policy_store::PolicyStore;
use expiry_order::ExpiryOrder;

/// A store built around expiry: the engine ([`PolicyStore`]) with a policy
/// that, when the store is full, evicts the entry closest to its deadline
/// first (entries without a deadline last, ties in insertion order; the
/// entry being inserted is never its own victim). It keeps the entries with
/// the most life left.
///
/// Deadlines come from the caller (`insert`'s `expires_at`; the cache's
/// default TTL when used behind `AsyncCache`): `None` means the entry never
/// expires. Expired entries are never returned and are reclaimed without
/// reads, like in every configuration of the engine.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use cache_core::Store;
/// use cache_core::time::deadline_after;
/// use cache_policies::TtlStore;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let store = TtlStore::with_capacity(2);
/// store.insert("soon", 1, deadline_after(Duration::from_secs(5)));
/// store.insert("later", 2, deadline_after(Duration::from_secs(50)));
/// store.insert("never", 3, None); // full: the entry closest to its deadline leaves
/// assert_eq!(store.get("soon"), None);
/// assert_eq!(store.get("later"), Some(2));
///
/// tokio::time::advance(Duration::from_secs(50)).await;
/// store.insert("new", 4, None); // writes reclaim what expired, unread
/// assert_eq!(store.len(), 2);
/// # }
/// ```
pub struct TtlStore<K, V>(PolicyStore<K, V, ExpiryOrder>);

impl<K: Hash + Eq + Clone, V> TtlStore<K, V> {
    /// A store without a bound: entries leave when removed or expired.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store};
    /// use cache_policies::TtlStore;
    ///
    /// let store: TtlStore<u64, String> = TtlStore::new();
    /// assert_eq!(store.capacity(), Capacity::Unbounded);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self(PolicyStore::configured(Capacity::Unbounded, ExpiryOrder::default(), None))
    }

    /// A store of at most `capacity` entries (0 keeps nothing).
    #[must_use]
    pub fn with_capacity(capacity: u64) -> Self {
        Self(PolicyStore::configured(Capacity::Entries(capacity), ExpiryOrder::default(), None))
    }

    /// A store of at most `max_weight` total weight, as `weigher` measures
    /// each entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use cache_core::{Capacity, Store, weigher_fn};
    /// use cache_policies::TtlStore;
    ///
    /// let store = TtlStore::with_weigher(10, weigher_fn(|_: &u8, v: &Vec<u8>| v.len() as u32));
    /// store.insert(1, vec![0; 11], None);
    /// assert!(store.is_empty(), "heavier than the whole capacity: not kept");
    /// assert_eq!(store.capacity(), Capacity::Weight(10));
    /// ```
    #[must_use]
    pub fn with_weigher(max_weight: u64, weigher: Weigher<K, V>) -> Self {
        Self(PolicyStore::configured(
            Capacity::Weight(max_weight),
            ExpiryOrder::default(),
            Some(weigher),
        ))
    }
}

impl<K: Hash + Eq + Clone, V> Default for TtlStore<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Hash + Eq + Clone, V> TtlStore<K, V> {
    /// Also expires entries not read for `idle` (see
    /// [`PolicyStore::with_time_to_idle`]).
    #[must_use]
    pub fn with_time_to_idle(self, idle: std::time::Duration) -> Self {
        Self(self.0.with_time_to_idle(idle))
    }
}

delegate_store!(TtlStore);
