//! The several-instances section of the report.

use std::fmt::Write as _;

use serde::Serialize;

use super::Served;
use crate::report::count;

/// What scenario 6 measured.
#[derive(Debug, Serialize)]
pub(crate) struct InstancesReport {
    /// The Redis both instances shared.
    pub(crate) redis: String,
    /// Requests in each phase.
    pub(crate) requests: u64,
    /// The traffic phases.
    pub(crate) phases: Vec<Phase>,
    /// Price updates made through A.
    pub(crate) updates: u64,
    /// From `insert` on A to the invalidation applied on B: median, in µs.
    pub(crate) propagation_p50_us: f64,
    /// The same, 99th percentile.
    pub(crate) propagation_p99_us: f64,
    /// Reads on B after an update reached it that still returned the old price.
    pub(crate) stale_reads: u64,
}

/// One phase of traffic through one instance.
#[derive(Debug, Serialize)]
pub(crate) struct Phase {
    /// Which instance, in which state.
    pub(crate) label: &'static str,
    /// Database queries sent.
    pub(crate) queries: u64,
    /// Share of lookups answered by L1.
    pub(crate) hit_rate: f64,
    /// Misses answered by L2.
    pub(crate) l2_hits: u64,
    /// Remote operations that failed or timed out (callers never saw them).
    pub(crate) remote_errors: u64,
    /// Median request latency, µs.
    pub(crate) p50_us: f64,
    /// 99th-percentile request latency, µs.
    pub(crate) p99_us: f64,
    /// Writes queued while Redis was unreachable.
    pub(crate) queued_writes: u64,
    /// Milliseconds from recovery until the queue was empty.
    pub(crate) replayed_ms: Option<f64>,
    /// Writes still queued at the end (0: all replayed).
    pub(crate) queued_left: u64,
}

impl Phase {
    pub(super) fn new(label: &'static str, served: Served) -> Self {
        let m = served.measurement;
        Self {
            label,
            queries: m.queries,
            hit_rate: m.hit_rate.unwrap_or(0.0),
            l2_hits: served.l2_hits,
            remote_errors: served.errors,
            p50_us: m.p50_us,
            p99_us: m.p99_us,
            queued_writes: served.queued,
            replayed_ms: served.replayed_ms,
            queued_left: served.queued_left,
        }
    }
}

impl InstancesReport {
    /// The section of the table.
    pub(crate) fn to_table(&self, number: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\n{number}. several instances: two catalog services sharing Redis at {} (L2 + backplane)",
            self.redis
        );
        let _ = writeln!(
            out,
            "   {:<24}{:>12}{:>10}{:>10}{:>12}{:>12}{:>11}",
            "", "db queries", "L1 hits", "L2 hits", "p50", "p99", "L2 errors"
        );
        for p in &self.phases {
            let _ = writeln!(
                out,
                "   {:<24}{:>12}{:>9.1}%{:>10}{:>12}{:>12}{:>11}",
                p.label,
                p.queries,
                p.hit_rate * 100.0,
                p.l2_hits,
                micros(p.p50_us),
                micros(p.p99_us),
                p.remote_errors
            );
        }
        let _ = writeln!(
            out,
            "   {} per phase, Zipf; every request answered (L2 errors are misses that went to the database)",
            count(self.requests, "request", "requests"),
        );
        let _ = writeln!(
            out,
            "   price updates through A: {}, seen by B after p50 {} / p99 {}; stale reads on B: {}",
            self.updates,
            micros(self.propagation_p50_us),
            micros(self.propagation_p99_us),
            self.stale_reads
        );
        if let Some(outage) = self.phases.last() {
            let _ = writeln!(
                out,
                "   writes queued while unreachable: {}, replayed {} after recovery ({} left)",
                outage.queued_writes,
                outage.replayed_ms.map_or_else(|| "-".to_owned(), |ms| format!("in {ms:.1} ms")),
                outage.queued_left
            );
        }
        out
    }
}

fn micros(us: f64) -> String {
    if us >= 1_000.0 { format!("{:.2} ms", us / 1e3) } else { format!("{us:.1} µs") }
}
