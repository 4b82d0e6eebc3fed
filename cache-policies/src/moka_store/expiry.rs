//! Deadline checks shared by the stores.

use cache_core::time::{Instant, is_expired, now};

/// Whether `deadline` has passed on the cache clock. Reads the clock only when
/// there is a deadline, so entries that never expire cost no clock read.
#[inline]
pub(crate) fn has_passed(deadline: Option<Instant>) -> bool {
    deadline.is_some() && is_expired(deadline, now())
}

/// The removal cause for an entry that leaves for `cause`, unless its
/// deadline had already passed: an expired entry is always reported as
/// [`Expired`](cache_core::RemovalCause::Expired), whatever removed it.
#[inline]
pub(crate) fn cause_for(
    deadline: Option<Instant>,
    cause: cache_core::RemovalCause,
) -> cache_core::RemovalCause {
    if has_passed(deadline) { cache_core::RemovalCause::Expired } else { cause }
}
