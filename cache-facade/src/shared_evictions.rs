//! Caches built over one shared store count its evictions once: the first
//! cache built over a store registers the eviction listener, the others do
//! not (a removal from a shared store is one eviction, not one per cache).

use std::sync::{Arc, Mutex, PoisonError};

/// A store some cache counts the evictions of: its address, and whether it
/// is still alive (an address is only reused once the store is gone).
pub(crate) type Claim = (usize, Box<dyn Fn() -> bool + Send>);

static CLAIMED: Mutex<Vec<Claim>> = Mutex::new(Vec::new());

/// The claim a cache over the shared `store` makes.
pub(crate) fn claim_of<T: ?Sized + Send + Sync + 'static>(store: &Arc<T>) -> Claim {
    let address = Arc::as_ptr(store).cast::<()>().addr();
    let store = Arc::downgrade(store);
    (address, Box::new(move || store.strong_count() > 0))
}

/// Whether the cache being built is the first live one over the shared
/// store of `claim`, and so the one to count its evictions.
pub(crate) fn first_cache_over(claim: Claim) -> bool {
    let mut claimed = CLAIMED.lock().unwrap_or_else(PoisonError::into_inner);
    claimed.retain(|(_, alive)| alive());
    if claimed.iter().any(|(address, _)| *address == claim.0) {
        return false;
    }
    claimed.push(claim);
    true
}
