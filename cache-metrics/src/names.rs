//! The names of the exported metrics, and of their labels.
//!
//! Every series carries the label [`CACHE`]`="<name>"`; see the crate docs for
//! the type, unit and meaning of each.

/// Label on every series: the cache name given to
/// [`CacheMetrics::new`](crate::CacheMetrics::new).
pub const CACHE: &str = "cache";
/// Label of [`LOADS`]: `success`, `error`, `panic`, `timeout` or `cancelled`.
pub const OUTCOME: &str = "outcome";
/// Label of [`EVICTIONS`]: `size`, `expired`, `explicit` or `replaced`.
pub const CAUSE: &str = "cause";

/// Counter: lookups that found a live entry.
pub const HITS: &str = "cache_hits_total";
/// Counter: lookups that found no live entry.
pub const MISSES: &str = "cache_misses_total";
/// Counter, labelled [`OUTCOME`]: loads finished.
pub const LOADS: &str = "cache_loads_total";
/// Counter: callers that joined a load already in flight.
pub const COALESCED: &str = "cache_coalesced_total";
/// Counter, labelled [`CAUSE`]: entries that left the cache.
pub const EVICTIONS: &str = "cache_evictions_total";
/// Counter: batches dispatched to the batch loader.
pub const BATCHES: &str = "cache_batches_total";
/// Gauge: entries held.
pub const ENTRIES: &str = "cache_entries";
/// Gauge: total weight held.
pub const WEIGHTED_SIZE: &str = "cache_weighted_size";
/// Histogram, in seconds: duration of each load.
pub const LOAD_DURATION: &str = "cache_load_duration_seconds";
/// Histogram: distinct keys per batch.
pub const BATCH_SIZE: &str = "cache_batch_size";

/// Label of [`L2_READS`]: `hit`, `miss` or `error`.
pub const RESULT: &str = "result";
/// Counter, labelled [`RESULT`]: reads of the remote (second) tier.
pub const L2_READS: &str = "cache_l2_reads_total";
/// Counter: remote values that could not be decoded.
pub const L2_DECODE_ERRORS: &str = "cache_l2_decode_errors_total";
/// Counter: values kept in process only, over the remote tier's size limit.
pub const L2_OVERSIZED: &str = "cache_l2_oversized_total";
/// Counter: values written to the remote tier.
pub const L2_WRITES: &str = "cache_l2_writes_total";
/// Counter: queued remote writes replayed.
pub const L2_REPLAYED: &str = "cache_l2_replayed_total";
/// Gauge: remote writes waiting to be replayed.
pub const L2_QUEUED: &str = "cache_l2_queued_writes";
/// Histogram, in seconds: duration of each remote read.
pub const L2_READ_DURATION: &str = "cache_l2_read_duration_seconds";
/// Counter: invalidations published to the backplane.
pub const BACKPLANE_SENT: &str = "cache_backplane_sent_total";
/// Counter: invalidations from other instances applied.
pub const BACKPLANE_RECEIVED: &str = "cache_backplane_received_total";
/// Counter: invalidations lost.
pub const BACKPLANE_DROPPED: &str = "cache_backplane_dropped_total";
/// Counter: backplane subscriptions lost then restored.
pub const BACKPLANE_RECONNECTS: &str = "cache_backplane_reconnects_total";
/// `cache_stale_served_total{reason="error|timeout|revalidate"}`: callers
/// given a stale value (fail-safe, soft timeout, stale-while-revalidate).
pub const STALE_SERVED: &str = "cache_stale_served_total";
/// `cache_refreshes_total{outcome="success|failure"}`: background reloads
/// of entries past `refresh_after` (and `refresh` calls).
pub const REFRESHES: &str = "cache_refreshes_total";
/// `cache_negative_hits_total`: lookups answered by a cached "not found".
pub const NEGATIVE_HITS: &str = "cache_negative_hits_total";
/// The label naming why a stale value was served.
pub const REASON: &str = "reason";
