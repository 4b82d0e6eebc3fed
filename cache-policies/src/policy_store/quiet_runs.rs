//! Sampled hits in *quiet runs*: long runs of hits with no write, in which
//! the default store hands the policy one hit in [`SAMPLE`] instead of every
//! one.
//!
//! # Why
//!
//! Applying a hit was most of a hit's cost in the default store: W-TinyLFU
//! finds the key's node, counts it in the sketch and moves it in its queue,
//! three or four cache misses on a large cache (~35 ns, more than the lookup
//! itself). The policy's state matters when it picks a victim, which only a
//! write does (an insert that must make room), and a long run of hits moves
//! that state slowly: a sample of the run shows the policy the same hot keys
//! in nearly the same order. So once readers have drained [`FULL_HITS`]
//! hits since the last write, each thread records one hit in [`SAMPLE`],
//! drawn at random per store and thread (never in step with a periodic
//! pattern), until the next write that takes the maintenance lock: the
//! policy keeps seeing which keys are hot at a sixteenth of the cost.
//! Caffeine's buffers drop hits too, when they fill; here the draws come
//! from a generator per store and stripe, every one started from the same
//! seed, so a single-threaded replay stays reproducible whichever stripe
//! its thread leased.
//!
//! What ends a run: an insert of a new key, a removal, `clear` (any write
//! that takes the maintenance lock). What does not: hits, overwrites that
//! count as hits (same weight, no deadline), a reader removing an entry it
//! found expired, and `run_pending_tasks` (none of them picks a victim).
//!
//! # Measured (2026-11-30, `sim` and `compare`; see `benches/RESULTS.md`)
//!
//! - Hit ratio: over the 53 rows of the fifteen traces the store stays
//!   within 0.25 points of its policy (which sees every hit), −0.24 …
//!   +0.25 with the policy's hash seed, the same whether `sim` replays on
//!   one worker thread or two (when stripes were seeded apart, one row
//!   moved to −0.43 in a run of two workers). Runs must be
//!   long: turning quiet after 128 hits cost loops their resident set (gli
//!   at 632 and 1,264 entries lost 4.9 points).
//! - Speed, Zipf reads at one thread: 0.38× quick_cache before; after, the
//!   lookup itself is most of a hit again (`TtlStore`, whose policy ignores
//!   hits, runs at about the same speed). One hit in 32 measured a little
//!   faster still and moved rows by up to 0.3 points; 16 kept.
//!
//! Off for every policy but the default W-TinyLFU unless asked for
//! ([`PolicyStoreBuilder::sample_quiet_hits`](super::PolicyStoreBuilder::sample_quiet_hits)):
//! a single-threaded `PolicyStore<Lru>` stays an exact LRU.

use std::sync::atomic::{AtomicBool, Ordering};

/// Hits drained by readers since the last write, all applied, before a run
/// is quiet.
pub(crate) const FULL_HITS: u64 = 2_048;
/// In a quiet run, each thread records one hit in this many.
pub(crate) const SAMPLE: u32 = 16;

/// Whether a store samples quiet runs, and whether it is sampling now.
#[derive(Debug)]
pub(crate) struct QuietRuns {
    enabled: bool,
    /// Set by the reader drain that reaches [`FULL_HITS`]; cleared by the
    /// next write. Relaxed: a hit that reads it late records or skips a few
    /// hits more, nothing else.
    sampling: AtomicBool,
}

/// Hits drained by readers since the last write (kept under the
/// maintenance mutex).
#[derive(Debug, Default)]
pub(crate) struct QuietHits(u64);

impl QuietRuns {
    pub(crate) const fn new(enabled: bool) -> Self {
        Self { enabled, sampling: AtomicBool::new(false) }
    }

    pub(crate) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    /// Whether the store samples quiet runs at all.
    #[cfg(test)]
    pub(crate) fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Whether hits are sampled now (the store is in a quiet run).
    #[inline]
    pub(crate) fn sampling(&self) -> bool {
        self.sampling.load(Ordering::Relaxed)
    }

    /// A write drained the buffer: every hit counts again.
    #[inline]
    pub(crate) fn wrote(&self, hits: &mut QuietHits) {
        hits.0 = 0;
        if self.sampling.load(Ordering::Relaxed) {
            self.sampling.store(false, Ordering::Relaxed);
        }
    }

    /// A reader drained `drained` hits: the run is quiet once they add up to
    /// [`FULL_HITS`].
    #[inline]
    pub(crate) fn reader_drained(&self, hits: &mut QuietHits, drained: usize) {
        if self.enabled && hits.0 < FULL_HITS {
            hits.0 += drained as u64;
            if hits.0 >= FULL_HITS {
                self.sampling.store(true, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cache_core::{Store as _, weigher_fn};

    use super::super::PolicyStore;
    use crate::policies::{Lru, WTinyLfu};

    #[test]
    fn on_for_the_default_w_tinylfu_off_for_other_policies_unless_asked() {
        type Store = PolicyStore<u32, u32>;
        let weigher = weigher_fn(|_: &u32, _: &u32| 1);
        let on = [
            ("tinylfu", Store::tinylfu(10).quiet.is_enabled()),
            ("builder", Store::builder(10).build().quiet.is_enabled()),
            ("builder, weigher", Store::builder(10).weigher(weigher).build().quiet.is_enabled()),
            (
                "policy, asked",
                Store::builder(10)
                    .policy(|_| Lru::new())
                    .sample_quiet_hits(true)
                    .build()
                    .quiet
                    .is_enabled(),
            ),
        ];
        for (name, enabled) in on {
            assert!(enabled, "{name}");
        }
        let off = [
            ("new", PolicyStore::<u32, u32, _>::new(10, WTinyLfu::new).quiet.is_enabled()),
            ("lru", PolicyStore::<u32, u32, _>::lru(10).quiet.is_enabled()),
            ("fifo", PolicyStore::<u32, u32, _>::fifo(10).quiet.is_enabled()),
            ("sieve", PolicyStore::<u32, u32, _>::sieve(10).quiet.is_enabled()),
            ("lfu", PolicyStore::<u32, u32, _>::lfu(10).quiet.is_enabled()),
            ("policy", Store::builder(10).policy(WTinyLfu::new).build().quiet.is_enabled()),
            (
                "default, declined",
                Store::builder(10).sample_quiet_hits(false).build().quiet.is_enabled(),
            ),
        ];
        for (name, enabled) in off {
            assert!(!enabled, "{name}");
        }
    }

    #[test]
    fn an_overwrite_that_counts_as_a_hit_leaves_the_run_quiet_a_new_key_ends_it() {
        let store = PolicyStore::<u32, u32>::tinylfu(100);
        store.insert(1, 10, None);
        for _ in 0..super::FULL_HITS + 64 {
            assert_eq!(store.get(&1), Some(10));
        }
        assert!(store.quiet.sampling(), "2,048 hits drained with no write");
        store.insert(1, 11, None); // same weight, no deadline: taken as a hit
        store.run_pending_tasks();
        assert!(store.quiet.sampling(), "neither picks a victim");
        store.insert(2, 20, None);
        assert!(!store.quiet.sampling(), "a new key ends the run");
    }
}
