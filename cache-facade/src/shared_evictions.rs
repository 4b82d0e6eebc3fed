//! Caches built over one shared store count its evictions once: the first
//! cache built over a store registers the eviction listener, the others do
//! not (a removal from a shared store is one eviction, not one per cache).

use std::sync::{Arc, Mutex, PoisonError};

use cache_core::Store;

/// A store some cache counts the evictions of: its address, and whether it
/// is still alive (an address is only reused once the store is gone).
type Claim = (usize, Box<dyn Fn() -> bool + Send>);

static CLAIMED: Mutex<Vec<Claim>> = Mutex::new(Vec::new());

/// Whether the cache being built is the first live one over `store`, and so
/// the one to count its evictions.
pub(crate) fn first_cache_over<K: 'static, V: 'static>(store: &Arc<dyn Store<K, V>>) -> bool {
    let address = Arc::as_ptr(store).cast::<()>().addr();
    let mut claimed = CLAIMED.lock().unwrap_or_else(PoisonError::into_inner);
    claimed.retain(|(_, alive)| alive());
    if claimed.iter().any(|(claimed, _)| *claimed == address) {
        return false;
    }
    let store = Arc::downgrade(store);
    claimed.push((address, Box::new(move || store.strong_count() > 0)));
    true
}
