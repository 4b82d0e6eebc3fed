//! Why entries leave a store, and how stores report it.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;

/// Why an entry left a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemovalCause {
    /// Evicted to keep the store within its capacity.
    Size,
    /// Its deadline passed.
    Expired,
    /// Removed by `remove` or `clear`.
    Explicit,
    /// Overwritten by an insert of the same key.
    Replaced,
}

impl RemovalCause {
    /// Every cause, in a fixed order (handy for metric labels).
    pub const ALL: [RemovalCause; 4] = [Self::Size, Self::Expired, Self::Explicit, Self::Replaced];

    /// The lowercase label used in metrics: `size`, `expired`, `explicit`, `replaced`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Size => "size",
            Self::Expired => "expired",
            Self::Explicit => "explicit",
            Self::Replaced => "replaced",
        }
    }

    /// Whether the store chose to drop the entry (size or expiry), as opposed
    /// to a caller removing or replacing it.
    #[must_use]
    pub const fn was_evicted(self) -> bool {
        matches!(self, Self::Size | Self::Expired)
    }
}

impl fmt::Display for RemovalCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A callback told of every entry that leaves a store, with the cause.
///
/// The engine's stores call it after releasing their locks, so it may call
/// back into the store; a panic in it is contained (see
/// [`ListenerSlot::notify`]). Keep it quick: it runs on the thread of the
/// write that removed the entry.
pub type EvictionListener<K, V> = Arc<dyn Fn(&K, &V, RemovalCause) + Send + Sync>;

/// Where a store keeps its eviction listeners; stores embed one and call
/// [`notify`](ListenerSlot::notify) on every removal.
///
/// Several listeners may be added (one store shared by two caches reports to
/// both). Adding is rare and copies the list; notifying reads the current
/// list through [`arc_swap`] (no lock, and no write to a cache line shared
/// by every shard and thread) and costs one branch when no listener was added.
pub struct ListenerSlot<K, V> {
    listeners: ArcSwap<Vec<EvictionListener<K, V>>>,
    /// Set once the first listener is added: until then a notification is
    /// one load of this flag.
    any: AtomicBool,
    /// Serialises `add`s, so none is lost.
    adding: Mutex<()>,
}

impl<K, V> ListenerSlot<K, V> {
    /// An empty slot.
    #[must_use]
    pub fn new() -> Self {
        Self {
            listeners: ArcSwap::from_pointee(Vec::new()),
            any: AtomicBool::new(false),
            adding: Mutex::new(()),
        }
    }

    /// Adds a listener; every later removal is reported to it.
    pub fn add(&self, listener: EvictionListener<K, V>) {
        let _one_writer = self.adding.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = Vec::clone(&self.listeners.load());
        next.push(listener);
        self.listeners.store(Arc::new(next));
        self.any.store(true, Ordering::Release);
    }

    /// Whether any listener was added (skip building notifications if not).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.any.load(Ordering::Acquire)
    }

    /// Reports one removal to every listener. A listener that panics is
    /// contained: the others still hear of the removal, and the caller goes
    /// on (the panic is dropped).
    pub fn notify(&self, key: &K, value: &V, cause: RemovalCause) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        for listener in self.listeners.load().iter() {
            let heard = catch_unwind(AssertUnwindSafe(|| listener(key, value, cause)));
            drop(heard);
        }
    }
}

impl<K, V> Default for ListenerSlot<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V> fmt::Debug for ListenerSlot<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListenerSlot").field("listeners", &self.listeners.load().len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_listener_hears_every_removal() {
        let slot = ListenerSlot::<u32, u32>::new();
        assert!(slot.is_empty());
        let heard = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let heard = Arc::clone(&heard);
            slot.add(Arc::new(move |_, _, cause| {
                assert_eq!(cause, RemovalCause::Size);
                heard.fetch_add(1, Ordering::Relaxed);
            }));
        }
        slot.notify(&1, &1, RemovalCause::Size);
        assert_eq!(heard.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_panicking_listener_does_not_silence_the_others() {
        let slot = ListenerSlot::<u32, u32>::new();
        let heard = Arc::new(AtomicUsize::new(0));
        slot.add(Arc::new(|_, _, _| panic!("a listener bug")));
        let count = Arc::clone(&heard);
        slot.add(Arc::new(move |_, _, _| {
            count.fetch_add(1, Ordering::Relaxed);
        }));
        slot.notify(&1, &1, RemovalCause::Explicit);
        slot.notify(&2, &2, RemovalCause::Explicit);
        assert_eq!(heard.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn labels_are_lowercase_and_distinct() {
        let labels: Vec<_> = RemovalCause::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(labels, ["size", "expired", "explicit", "replaced"]);
        assert!(RemovalCause::Expired.was_evicted());
        assert!(!RemovalCause::Replaced.was_evicted());
    }
}
