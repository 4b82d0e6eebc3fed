//! Deadlines as 8 bytes: nanoseconds from a per-store epoch.

use cache_core::time::Instant;

/// Ticks of the epoch itself: deadlines before it stay ordered below.
const BIAS: u64 = 1 << 63;

/// A deadline in one `u64`: nanoseconds from the store's epoch, biased by
/// 2^63 so deadlines before the epoch (a paused test clock behind the real
/// one, say) keep their order, with 0 meaning "none". An `Option<Instant>`
/// takes 16 bytes; this halves the deadline's share of every entry.
/// Deadlines more than 292 years from the epoch saturate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Ticks(u64);

impl Ticks {
    /// No deadline.
    pub(crate) const NONE: Self = Self(0);

    /// `deadline` on `epoch`'s scale (`None`: [`Ticks::NONE`]).
    pub(crate) fn of(deadline: Option<Instant>, epoch: Instant) -> Self {
        deadline.map_or(Self::NONE, |at| Self::at(at, epoch))
    }

    /// An instant on `epoch`'s scale (never [`Ticks::NONE`]).
    pub(crate) fn at(at: Instant, epoch: Instant) -> Self {
        let nanos = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        let biased = if at >= epoch {
            BIAS.saturating_add(nanos(at - epoch))
        } else {
            BIAS.saturating_sub(nanos(epoch - at))
        };
        Self(biased.max(1))
    }

    /// Whether this is a deadline (not [`Ticks::NONE`]).
    /// The instant these ticks stand for (`epoch` as for [`at`](Self::at)).
    pub(crate) fn instant(self, epoch: Instant) -> Instant {
        if self.0 >= BIAS {
            epoch + std::time::Duration::from_nanos(self.0 - BIAS)
        } else {
            epoch.checked_sub(std::time::Duration::from_nanos(BIAS - self.0)).unwrap_or(epoch)
        }
    }

    /// The raw biased nanoseconds (the timer wheel's time scale).
    pub(crate) const fn get(self) -> u64 {
        self.0
    }

    /// Ticks from raw biased nanoseconds (as [`get`](Self::get) gives).
    pub(crate) const fn from_raw(raw: u64) -> Self {
        Self(raw)
    }

    /// Whole seconds from the epoch, rounded down (0 before it; saturating
    /// below `2^31 − 1`, about 68 years, which stands for no cap).
    pub(crate) fn whole_seconds(self) -> u32 {
        const MOST: u32 = (u32::MAX >> 1) - 1;
        let secs = self.0.saturating_sub(BIAS) / 1_000_000_000;
        u32::try_from(secs).unwrap_or(MOST).min(MOST)
    }

    /// The ticks of `secs` whole seconds from the epoch.
    pub(crate) fn of_whole_seconds(secs: u32) -> Self {
        Self(BIAS + u64::from(secs) * 1_000_000_000)
    }

    /// These ticks moved `nanos` later (saturating).
    pub(crate) fn plus_nanos(self, nanos: u64) -> Self {
        Self(self.0.saturating_add(nanos))
    }

    pub(crate) const fn is_some(self) -> bool {
        self.0 != 0
    }

    /// Whether this deadline has passed at `now` (never, without one).
    pub(crate) fn has_passed(self, now: Self) -> bool {
        self.is_some() && self <= now
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn order_is_kept_on_both_sides_of_the_epoch_and_none_never_passes() {
        let epoch = Instant::now() + Duration::from_secs(3_600);
        let early = Ticks::at(epoch - Duration::from_secs(10), epoch);
        let late = Ticks::at(epoch + Duration::from_nanos(1), epoch);
        assert!(early < Ticks::at(epoch, epoch) && Ticks::at(epoch, epoch) < late);
        assert!(early.has_passed(early) && !late.has_passed(early));
        assert!(!Ticks::NONE.has_passed(late) && !Ticks::of(None, epoch).is_some());
        assert_eq!(Ticks::of(Some(epoch), epoch), Ticks::at(epoch, epoch));
    }
}
