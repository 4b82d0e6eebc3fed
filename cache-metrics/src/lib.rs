//! Instrumentation: exact local counters with a snapshot, and emission of the
//! same events through the [`metrics`] crate.
//!
//! One [`CacheMetrics`] per cache, shared behind an `Arc`. The cache facade
//! calls [`record_hit`](CacheMetrics::record_hit) /
//! [`record_miss`](CacheMetrics::record_miss) on lookups, passes the value as
//! the [`LoadObserver`](cache_core::LoadObserver) of its loading machinery,
//! registers [`eviction_listener`](CacheMetrics::eviction_listener) on its
//! store, and answers `metrics()` with [`snapshot`](CacheMetrics::snapshot),
//! a [`MetricsSnapshot`].
//!
//! # Exported metrics
//!
//! Every series carries the label `cache="<name>"` (the name given to
//! [`CacheMetrics::new`]). The names are also constants in [`names`].
//!
//! | name | type | labels | unit | meaning |
//! |---|---|---|---|---|
//! | `cache_hits_total` | counter | `cache` | count | lookups that found a live entry (exported lazily, see below) |
//! | `cache_misses_total` | counter | `cache` | count | lookups that found no live entry (exported lazily, see below) |
//! | `cache_loads_total` | counter | `cache`, `outcome` = `success` \| `error` \| `panic` \| `timeout` \| `cancelled` | count | loads finished, by how they ended; a batch counts as one load |
//! | `cache_coalesced_total` | counter | `cache` | count | callers that joined a load already in flight instead of starting one |
//! | `cache_evictions_total` | counter | `cache`, `cause` = `size` \| `expired` \| `explicit` \| `replaced` | count | entries that left the cache: evicted for capacity, expired, removed (`remove`, `clear`), overwritten by an insert (`size` and `replaced` exported lazily, see below) |
//! | `cache_batches_total` | counter | `cache` | count | batches dispatched to the batch loader |
//! | `cache_entries` | gauge | `cache` | count | entries held, as of the last [`set_size`](CacheMetrics::set_size) or [`snapshot`](CacheMetrics::snapshot) |
//! | `cache_weighted_size` | gauge | `cache` | weigher's unit | total weight held (equals `cache_entries` without a weigher), updated like `cache_entries` |
//! | `cache_load_duration_seconds` | histogram | `cache` | seconds | duration of each load, whatever its outcome |
//! | `cache_batch_size` | histogram | `cache` | count | distinct keys in each batch |
//!
//! Every metric is described (unit and help text) to the recorder when a
//! [`CacheMetrics`] is created. Handles are registered once, at creation,
//! with the recorder current at that moment: install the recorder before
//! building caches. Without a recorder every handle is a no-op (a `None`
//! checked in one branch), and only the local counters count.
//!
//! # When counts reach the recorder
//!
//! - **Hits and misses, and evictions for `size` and `replaced`** (as
//!   frequent as writes) are counted on the hot path in striped counters:
//!   each of up to 16 threads at a time holds a lease on a stripe of its own
//!   (alone on its cache line) and counts with a plain load and store, no
//!   locked instruction; further threads share one more stripe and add
//!   atomically. Leases return when threads end, so counts stay exact, threads
//!   counting at once do not contend, and hits never false-share with misses. They reach
//!   `cache_hits_total`, `cache_misses_total` and
//!   `cache_evictions_total{cause="size"|"replaced"}` lazily, as the
//!   difference since the previous publication, whenever:
//!   - a thread's stripe crosses a multiple of [`PUBLISH_EVERY`] (1024): that
//!     thread publishes that counter's total, so at rest the recorder is never
//!     more than 1023 counts of each per counting thread behind;
//!   - a load finishes ([`on_load`](cache_core::LoadObserver::on_load));
//!   - [`publish`](CacheMetrics::publish), [`set_size`](CacheMetrics::set_size)
//!     or [`snapshot`](CacheMetrics::snapshot) is called;
//!   - the [`CacheMetrics`] is dropped.
//!
//!   Each count is exported exactly once, also when several threads publish
//!   at the same time, so the recorder's totals are exact after any of these.
//!   A facade that updates the size gauges on a timer, or serves `metrics()`
//!   to a scraper, therefore keeps the recorder current.
//! - **Every other event** (loads, coalesced callers, expirations and
//!   explicit removals, batches,
//!   histogram samples) is emitted when it happens.
//! - **Gauges** are set by [`set_size`](CacheMetrics::set_size) and
//!   [`snapshot`](CacheMetrics::snapshot): the store knows its size, this
//!   crate does not.
//!
//! Why lazy: with a recorder installed, an eager export would add a dynamic
//! call and a second atomic add, on a counter shared by every thread, to
//! every hit. Deferring it keeps a hit at one atomic add.
//!
//! # Resetting, and `clear()`
//!
//! [`reset`](CacheMetrics::reset) (the facade's `reset_metrics()`) zeroes
//! what [`snapshot`](CacheMetrics::snapshot) reports. It does not touch the
//! exported series: those are monotonic counters, which rate functions such as
//! Prometheus' `rate()` read as a restart if they ever go down.
//!
//! Clearing the cache (`clear()`) empties the store and does **not** reset
//! any counter: hits, misses and loads keep counting from where they were,
//! and every entry the clear removed is counted as an eviction with cause
//! `explicit`. Only the size gauges drop, at the next
//! [`set_size`](CacheMetrics::set_size) or snapshot.
//!
//! # Examples
//!
//! Local counters, as a facade uses them:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use cache_core::{LoadObserver, LoadOutcome, RemovalCause};
//! use cache_metrics::CacheMetrics;
//!
//! let metrics = Arc::new(CacheMetrics::new("users"));
//! let listener = metrics.eviction_listener::<u64, String>();
//!
//! metrics.record_miss();                       // get_with(7, ..) misses,
//! metrics.on_coalesced();                      // a second caller joins the load,
//! metrics.on_load(LoadOutcome::Success, Duration::from_millis(3));
//! metrics.record_hits(2);                      // then two lookups hit.
//! listener(&7, &"ann".to_string(), RemovalCause::Explicit); // remove(&7)
//!
//! let m = metrics.snapshot(0, 0);
//! assert_eq!((m.hits, m.misses, m.lookups()), (2, 1, 3));
//! assert_eq!((m.loads, m.load_successes, m.coalesced), (1, 1, 1));
//! assert_eq!(m.evictions.explicit, 1);
//! assert!((m.hit_rate() - 2.0 / 3.0).abs() < 1e-12);
//! println!("{m}"); // hits=2 misses=1 hit_rate=66.67% size=0 ...
//! ```
//!
//! The same events seen by a `metrics` recorder (here a local one; an
//! exporter such as Prometheus' is normally installed globally):
//!
//! ```
//! use metrics_util::debugging::{DebugValue, DebuggingRecorder};
//! use cache_metrics::CacheMetrics;
//!
//! let recorder = DebuggingRecorder::new();
//! let snapshotter = recorder.snapshotter();
//! let metrics = metrics::with_local_recorder(&recorder, || CacheMetrics::new("users"));
//!
//! metrics.record_hit();
//! metrics.set_size(1, 1); // publishes the hit and sets the gauges
//!
//! let hits = snapshotter.snapshot().into_vec().into_iter().find_map(|(key, _, _, value)| {
//!     (key.key().name() == "cache_hits_total").then_some(value)
//! });
//! assert_eq!(hits, Some(DebugValue::Counter(1)));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod counters;
mod lazy_counter;
pub mod names;
mod snapshot;
mod striped;

pub use counters::{CacheMetrics, SIZE_GAUGE_EVERY};
pub use lazy_counter::PUBLISH_EVERY;
pub use snapshot::{Evictions, LoadErrors, MetricsSnapshot};
