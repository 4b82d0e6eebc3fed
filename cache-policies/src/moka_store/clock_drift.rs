//! Whether the cache clock (tokio's) still runs with the real clock moka uses.

use std::time::Duration;

use cache_core::time::{Instant, now};

/// How far the two clocks may drift apart before they count as apart.
const TOLERANCE: Duration = Duration::from_millis(1);

/// Watches the cache clock against the real clock.
///
/// While they run together, moka's own timers expire entries at our
/// deadlines and nothing needs scanning. Once they drift apart (tokio's clock
/// paused or advanced by hand, as in tests), entries may be past our deadline
/// while moka still holds them, and `run_pending_tasks` must look for them.
#[derive(Debug)]
pub(super) struct ClockDrift {
    cache_start: Instant,
    real_start: std::time::Instant,
}

impl ClockDrift {
    pub(super) fn new() -> Self {
        // Read both clocks as close together as we can (a retry or two if this
        // thread was preempted in between).
        let mut reading = Self::read_together();
        for _ in 0..3 {
            if reading.2.duration_since(reading.1) <= TOLERANCE / 10 {
                break;
            }
            reading = Self::read_together();
        }
        Self { cache_start: reading.0, real_start: reading.1 }
    }

    fn read_together() -> (Instant, std::time::Instant, std::time::Instant) {
        let real_before = std::time::Instant::now();
        let cache = now();
        (cache, real_before, std::time::Instant::now())
    }

    /// Whether the clocks have moved apart since this watch started.
    ///
    /// The real clock is read before and after the cache clock, so a thread
    /// preempted in between does not see a drift that is not there.
    pub(super) fn has_drifted(&self) -> bool {
        let real_before = nanos(self.real_start.elapsed());
        let cache = signed_nanos_since(now(), self.cache_start);
        let real_after = nanos(self.real_start.elapsed());
        let tolerance = nanos(TOLERANCE);
        cache < real_before - tolerance || cache > real_after + tolerance
    }
}

fn nanos(duration: Duration) -> i128 {
    i128::try_from(duration.as_nanos()).unwrap_or(i128::MAX)
}

/// `now - start` in nanoseconds, negative when `now` is earlier.
fn signed_nanos_since(now: Instant, start: Instant) -> i128 {
    match now.checked_duration_since(start) {
        Some(elapsed) => nanos(elapsed),
        None => -nanos(start.duration_since(now)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_clock_does_not_drift() {
        assert!(!ClockDrift::new().has_drifted());
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn advancing_a_paused_clock_drifts() {
        let drift = ClockDrift::new();
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(drift.has_drifted());
    }
}
