//! What a `MokaStore` keeps in moka: the value with our deadline beside it,
//! and the translation of moka's expiry and removal causes.

use std::time::Duration;

use cache_core::RemovalCause;
use cache_core::time::{Instant, now};
use moka::Expiry;
use moka::notification::RemovalCause as MokaCause;

use super::expiry::{cause_for, has_passed};

/// A value as moka holds it.
#[derive(Clone)]
pub(super) struct MokaEntry<V> {
    pub(super) value: V,
    /// Our deadline on the cache clock, checked on every read: moka's own
    /// clock does not follow tokio's paused clock.
    pub(super) deadline: Option<Instant>,
    /// Not to be kept (heavier than the whole capacity, or expired on
    /// arrival): on its way out, never returned.
    pub(super) refused: bool,
}

impl<V> MokaEntry<V> {
    /// Whether a reader must treat this entry as absent.
    pub(super) fn is_dead(&self) -> bool {
        self.refused || has_passed(self.deadline)
    }

    /// The time left until the deadline on the cache clock, which moka's
    /// timer then counts down on the real clock to reclaim the memory.
    fn time_left(&self) -> Option<Duration> {
        self.deadline.map(|deadline| deadline.saturating_duration_since(now()))
    }
}

/// Tells moka when an entry expires: at its deadline, whether just created
/// or overwritten (reads do not extend it).
#[derive(Debug, Clone, Copy)]
pub(super) struct DeadlineExpiry;

impl<K, V> Expiry<K, MokaEntry<V>> for DeadlineExpiry {
    fn expire_after_create(
        &self,
        _key: &K,
        entry: &MokaEntry<V>,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        entry.time_left()
    }

    fn expire_after_update(
        &self,
        _key: &K,
        entry: &MokaEntry<V>,
        _updated_at: std::time::Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        entry.time_left()
    }
}

/// Why an entry left, in our terms: an entry past our deadline expired
/// (whatever moka says removed it: our own purge goes through moka's explicit
/// invalidation), a refused one was too heavy (`Size`), anything else keeps
/// moka's cause.
pub(super) fn removal_cause<V>(cause: MokaCause, entry: &MokaEntry<V>) -> RemovalCause {
    let cause = match cause {
        _ if entry.refused => RemovalCause::Size,
        MokaCause::Expired => RemovalCause::Expired,
        MokaCause::Explicit => RemovalCause::Explicit,
        MokaCause::Replaced => RemovalCause::Replaced,
        MokaCause::Size => RemovalCause::Size,
    };
    cause_for(entry.deadline, cause)
}
