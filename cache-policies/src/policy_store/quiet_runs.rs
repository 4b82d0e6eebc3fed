//! Sampled hits in *quiet runs*: long runs of hits with no write, in which
//! the default store hands the policy one hit in [`SAMPLE`] instead of every
//! one.
//!
//! # Why
//!
//! Applying a hit is most of a hit's cost in the default store: W-TinyLFU
//! finds the key's node, counts it in the sketch and moves it in its queue,
//! three or four cache misses on a large cache (~35 ns, more than the
//! lookup itself). That work only matters for the victims the policy will
//! pick, and a run of hits with no insert or removal picks none. So once
//! readers have drained [`FULL_DRAINS`] batches of hits (2,048 hits at 32 per
//! batch) since the last write, each thread records one hit in [`SAMPLE`]
//! until the next write: the policy keeps seeing which keys are hot and in
//! what order (a key hit 100 times in the run is counted ~6 times), at a
//! sixteenth of the cost; the next insert or removal makes every hit count
//! again. Caffeine's buffers drop hits too, when they fill; here the
//! dropping is deterministic, so a single-threaded replay stays reproducible.
//!
//! # Measured (2026-11-30, `sim` and `compare`)
//!
//! - Hit ratio: over the 53 rows of the fifteen traces the store stays
//!   within −0.06 … +0.22 points of its policy (which sees every hit). With
//!   4 full drains instead of 64 (128 hits) loops suffered: gli at 632 and
//!   1,264 entries lost 4.9 points, orm-night at 4,323 lost 1.9.
//! - Speed, Zipf reads at one thread: 0.38× quick_cache before, ~0.8× with
//!   one hit in 16 (one in 8: ~0.73×; one in 32: no faster than 16).
//!
//! Off for every policy but the default W-TinyLFU unless asked for
//! ([`PolicyStoreBuilder::sample_quiet_hits`](super::PolicyStoreBuilder::sample_quiet_hits)):
//! a single-threaded `PolicyStore<Lru>` stays an exact LRU.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// Reader drains since the last write that apply every hit.
pub(crate) const FULL_DRAINS: u32 = 64;
/// In a quiet run, each thread records one hit in this many.
pub(crate) const SAMPLE: u32 = 16;

/// Whether a store samples quiet runs, and whether it is sampling now.
#[derive(Debug)]
pub(crate) struct QuietRuns {
    enabled: bool,
    /// Set by the reader drain that completes [`FULL_DRAINS`]; cleared by the
    /// next write. Relaxed: a hit that reads it late records or skips one
    /// hit too many, nothing else.
    sampling: AtomicBool,
}

/// Reader drains since the last write (kept under the maintenance mutex).
#[derive(Debug, Default)]
pub(crate) struct QuietDrains(u32);

impl QuietRuns {
    pub(crate) const fn new(enabled: bool) -> Self {
        Self { enabled, sampling: AtomicBool::new(false) }
    }

    pub(crate) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Whether this hit goes to the read buffer: always, unless the store is
    /// in a quiet run, and then one in [`SAMPLE`] per thread.
    #[inline]
    pub(crate) fn records(&self) -> bool {
        !self.sampling.load(Ordering::Relaxed) || one_in_sample()
    }

    /// A write drained the buffer: every hit counts again.
    #[inline]
    pub(crate) fn wrote(&self, drains: &mut QuietDrains) {
        drains.0 = 0;
        if self.sampling.load(Ordering::Relaxed) {
            self.sampling.store(false, Ordering::Relaxed);
        }
    }

    /// A reader drained the buffer: the run is quiet once this makes
    /// [`FULL_DRAINS`].
    #[inline]
    pub(crate) fn reader_drained(&self, drains: &mut QuietDrains) {
        if self.enabled {
            drains.0 = drains.0.saturating_add(1);
            if drains.0 == FULL_DRAINS {
                self.sampling.store(true, Ordering::Relaxed);
            }
        }
    }
}

std::thread_local! {
    /// Hits this thread saw while some store was sampling.
    static SEEN: Cell<u32> = const { Cell::new(0) };
}

/// True once every [`SAMPLE`] calls on this thread.
#[inline]
fn one_in_sample() -> bool {
    SEEN.with(|seen| {
        let n = seen.get().wrapping_add(1);
        seen.set(n);
        n % SAMPLE == 0
    })
}
