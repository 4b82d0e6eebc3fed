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
//! | `cache_hits_total` | counter | `cache` | count | lookups that found a live entry |
//! | `cache_misses_total` | counter | `cache` | count | lookups that found no live entry |
//! | `cache_loads_total` | counter | `cache`, `outcome` = `success` \| `error` \| `panic` \| `timeout` \| `cancelled` | count | loads finished, by how they ended; a batch counts as one load, also when it is cancelled (dropped unfinished, at runtime shutdown say) |
//! | `cache_coalesced_total` | counter | `cache` | count | callers that joined a load already in flight instead of starting one |
//! | `cache_evictions_total` | counter | `cache`, `cause` = `size` \| `expired` \| `explicit` \| `replaced` | count | entries that left the cache: evicted for capacity, expired, removed (`remove`, `clear`), overwritten by an insert; caches sharing one store count its evictions once, by the first cache built over it |
//! | `cache_batches_total` | counter | `cache` | count | batches dispatched to the batch loader (a key listed twice in one warmup is loaded, and counted, once) |
//! | `cache_entries` | gauge | `cache` | count | entries held, as of the last [`set_size`](CacheMetrics::set_size) or [`snapshot`](CacheMetrics::snapshot) |
//! | `cache_weighted_size` | gauge | `cache` | weigher's unit | total weight held (equals `cache_entries` without a weigher), updated like `cache_entries` |
//! | `cache_load_duration_seconds` | histogram | `cache` | seconds | duration of each load, whatever its outcome |
//! | `cache_batch_size` | histogram | `cache` | count | distinct keys in each batch |
//! | `cache_stale_served_total` | counter | `cache`, `reason` = `error` \| `timeout` \| `revalidate` | count | callers given a stale value: the reload failed or panicked (fail-safe), was slower than the soft timeout, or runs while the stale value is served (stale-while-revalidate); one per caller |
//! | `cache_refreshes_total` | counter | `cache`, `outcome` = `success` \| `failure` | count | background reloads (`refresh_after`, stale-while-revalidate) and `refresh` calls that ended |
//! | `cache_negative_hits_total` | counter | `cache` | count | lookups answered by a cached "not found" (`negative_ttl`), not counted as hits |
//!
//! With a remote tier or a backplane ([`RemoteMetrics`], counted exactly,
//! exported as totals, and following a recorder installed later as the
//! cache's own counters do):
//!
//! | name | type | labels | unit | meaning |
//! |---|---|---|---|---|
//! | `cache_l2_reads_total` | counter | `cache`, `result` = `hit` \| `miss` \| `error` | count | reads of the remote tier on an in-process miss |
//! | `cache_l2_read_duration_seconds` | histogram | `cache` | seconds | duration of each remote read |
//! | `cache_l2_decode_errors_total` | counter | `cache` | count | remote values that could not be decoded (read as misses) |
//! | `cache_l2_oversized_total` | counter | `cache` | count | values kept in process only, over the tier's size limit |
//! | `cache_l2_writes_total` | counter | `cache` | count | values written to the remote tier |
//! | `cache_l2_queued_writes` | gauge | `cache` | count | remote writes and publishes waiting to be replayed |
//! | `cache_l2_replayed_total` | counter | `cache` | count | queued writes replayed |
//! | `cache_backplane_sent_total` | counter | `cache` | count | invalidations published |
//! | `cache_backplane_received_total` | counter | `cache` | count | invalidations from other instances applied |
//! | `cache_backplane_dropped_total` | counter | `cache` | count | invalidations lost (failed for good, unreadable) |
//! | `cache_backplane_reconnects_total` | counter | `cache` | count | subscriptions lost then restored |
//!
//! Every metric is described (unit and help text) to the recorder when a
//! [`CacheMetrics`] is created, and its handles are registered with the
//! recorder current at that moment. A cache built while no recorder was
//! installed (and no local one set) follows the global recorder installed
//! later: within [`FLUSH_INTERVAL`] its handles move to it and every counter
//! is exported with its whole count since creation (histogram samples taken
//! before are lost; gauges show the last size set). Without a recorder every
//! handle is a no-op, and only the local counters count. The version of
//! `metrics` the caches record to is re-exported as [`metrics`], so an
//! exporter can be matched to it.
//!
//! Give each live cache its own name: counters are exported as each cache's
//! totals, so two caches of one name overwrite each other's series. Creating
//! a second live cache of a name warns once, through `tracing`.
//!
//! # When counts reach the recorder
//!
//! **Every exported counter equals the exact count within
//! [`FLUSH_INTERVAL`] (500 ms) of the activity**, plus the time of one
//! flusher pass, without the application calling anything:
//!
//! - A **process-wide flusher**, one std thread started with the first
//!   [`CacheMetrics`], sets every counter of every live cache to its exact
//!   lifetime total ([`Counter::absolute`](metrics::Counter::absolute)) every
//!   [`FLUSH_INTERVAL`]. It needs no async runtime, so it works with none,
//!   and with runtimes that come and go; it holds only weak references, so a
//!   dropped cache leaves it. The hit path never waits for it.
//! - **Hits and misses, and evictions for `size` and `replaced`** (as
//!   frequent as writes) are counted on the hot path in striped counters:
//!   each of up to 16 threads at a time holds a lease on a stripe of its own
//!   (alone on its cache line) and counts with a plain load and store, no
//!   locked instruction; further threads share one more stripe and add
//!   atomically. Leases return when threads end, so counts stay exact, threads
//!   counting at once do not contend, and hits never false-share with misses.
//!   No shared atomic read-modify-write happens per hit. Besides the
//!   flusher's passes, their totals are also published:
//!   - when a thread's stripe crosses a multiple of [`PUBLISH_EVERY`] (1024);
//!   - when a load finishes ([`on_load`](cache_core::LoadObserver::on_load));
//!   - on [`publish`](CacheMetrics::publish), [`set_size`](CacheMetrics::set_size)
//!     and [`snapshot`](CacheMetrics::snapshot), after which the recorder's
//!     totals are exact;
//!   - when the [`CacheMetrics`] is dropped.
//! - **Every other counted event** (loads, coalesced callers, expirations and
//!   explicit removals, batches) is also emitted when it happens (as the new
//!   total, so it never races the flusher into a double count), and
//!   **histogram samples** only then.
//!
//! Every counter is exported with [`Counter::absolute`](metrics::Counter::absolute)
//! (a recorder keeps the largest value set, as `metrics-util`'s storage and
//! the Prometheus exporter do).
//! - **Gauges** are set by [`set_size`](CacheMetrics::set_size) and
//!   [`snapshot`](CacheMetrics::snapshot): the store knows its size, this
//!   crate does not.
//!
//! Why a flusher: with a recorder installed, an eager export would add a
//! dynamic call and an atomic add on a counter shared by every thread to
//! every hit.
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
mod flusher;
mod lazy_counter;
pub mod names;
mod remote;
mod snapshot;
mod striped;

pub use counters::{CacheMetrics, SIZE_GAUGE_EVERY, StaleReason};
pub use flusher::FLUSH_INTERVAL;
pub use lazy_counter::PUBLISH_EVERY;
/// The `metrics` crate this one records to: install a recorder of this
/// version (`cache_metrics::metrics::set_global_recorder`) so the caches'
/// series reach it.
pub use metrics;
pub use remote::{RemoteMetrics, RemoteSnapshot};
pub use snapshot::{Evictions, LoadErrors, MetricsSnapshot, Refreshes, StaleServed};
