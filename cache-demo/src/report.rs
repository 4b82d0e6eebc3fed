//! The results: a side-by-side table for people, one JSON document for
//! machines.

use std::fmt::Write as _;

use serde::Serialize;

use crate::measurement::Measurement;
use crate::options::Options;
use crate::scenarios::Comparison;

/// Everything one run of the demo found.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    /// The settings of the run.
    pub(crate) options: Options,
    /// The database behind the service.
    pub(crate) database: Database,
    /// Each scenario, without and with the cache.
    pub(crate) scenarios: Vec<Comparison>,
    /// Scenario 6, with `--redis`: two instances sharing Redis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) instances: Option<crate::instances::InstancesReport>,
    /// Seconds the whole run took.
    pub(crate) elapsed_s: f64,
    /// Every cache's metrics, as a Prometheus scrape would read them.
    pub(crate) prometheus: String,
}

/// The database of the run.
#[derive(Debug, Serialize)]
pub(crate) struct Database {
    /// The SQLite file.
    pub(crate) path: String,
    /// Products in it.
    pub(crate) products: u64,
    /// Whether this run created and seeded it.
    pub(crate) created: bool,
    /// How long seeding took, in milliseconds (0 when it existed).
    pub(crate) seed_ms: f64,
}

impl Report {
    /// The report as pretty JSON.
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// The side-by-side table, then the Prometheus text.
    pub(crate) fn to_table(&self) -> String {
        let (o, db) = (&self.options, &self.database);
        let mut out = String::new();
        let seeded = if db.created {
            format!("created and seeded in {}", millis(db.seed_ms))
        } else {
            "reused".to_owned()
        };
        let _ =
            writeln!(out, "cache-demo: a product catalog over SQLite, without and with the cache");
        let products = count(db.products, "product", "products");
        let _ = writeln!(out, "  database  {} ({products}, {seeded})", db.path);
        let _ = writeln!(
            out,
            "  queries   {} ms simulated network latency each, pool of {}",
            o.db_latency_ms,
            count(o.pool_size, "connection", "connections")
        );
        let _ = writeln!(
            out,
            "  caches    {} store, {}, TTL {} s",
            o.store,
            count(o.capacity, "entry", "entries"),
            o.ttl_secs
        );
        for (n, scenario) in self.scenarios.iter().enumerate() {
            let _ = writeln!(out, "\n{}. {}", n + 1, scenario.title);
            let _ = writeln!(
                out,
                "   {:<16}{:>16}{:>16}   change",
                "", scenario.without_label, scenario.with_label
            );
            for row in rows(&scenario.without, &scenario.with) {
                let _ = writeln!(out, "   {:<16}{:>16}{:>16}   {}", row.0, row.1, row.2, row.3);
            }
        }
        if let Some(instances) = &self.instances {
            out.push_str(&instances.to_table(self.scenarios.len() + 1));
        }
        let _ = writeln!(out, "\nfinished in {:.1} s", self.elapsed_s);
        let _ =
            writeln!(out, "\n# Prometheus metrics of every cache (metrics-exporter-prometheus)");
        out.push_str(&self.prometheus);
        out
    }
}

/// Whether a smaller or a larger number is the better one.
#[derive(Clone, Copy)]
enum Better {
    Lower(&'static str, &'static str),
    Higher,
    Neither,
}

/// The table rows of one scenario: metric, without, with, change.
fn rows(a: &Measurement, b: &Measurement) -> Vec<(&'static str, String, String, String)> {
    let mut rows = Vec::new();
    let mut push = |name, x: Option<f64>, y: Option<f64>, show: fn(f64) -> String, better| {
        let cell = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), show);
        let change = match (x, y) {
            (Some(x), Some(y)) => change(x, y, better),
            _ => String::new(),
        };
        rows.push((name, cell(x), cell(y), change));
    };
    let count = |v: f64| group(v as u64);
    let fewer = Better::Lower("fewer", "more");
    let faster = Better::Lower("faster", "slower");
    push("db queries", Some(a.queries as f64), Some(b.queries as f64), count, fewer);
    if a.batches.is_some() || b.batches.is_some() {
        push(
            "batched queries",
            a.batches.map(|n| n as f64),
            b.batches.map(|n| n as f64),
            count,
            Better::Neither,
        );
    }
    if a.coalesced.is_some() || b.coalesced.is_some() {
        let joined = |m: &Measurement| m.coalesced.map(|n| n as f64);
        push("coalesced", joined(a), joined(b), count, Better::Neither);
    }
    if a.errors.is_some() || b.errors.is_some() {
        let errors = |m: &Measurement| m.errors.map(|n| n as f64);
        push("errors seen", errors(a), errors(b), count, fewer);
        let stale = |m: &Measurement| m.stale_served.map(|n| n as f64);
        push("stale served", stale(a), stale(b), count, Better::Neither);
    }
    if a.hit_rate.is_some() || b.hit_rate.is_some() {
        push("hit rate", a.hit_rate, b.hit_rate, percent, Better::Neither);
    }
    if a.warmup_ms.is_some() || b.warmup_ms.is_some() {
        let queries = |m: &Measurement| m.warmup_queries.map(|n| n as f64);
        push("warmup queries", queries(a), queries(b), count, Better::Neither);
        push("warmup time", a.warmup_ms, b.warmup_ms, millis, Better::Neither);
    }
    push("wall time", Some(a.wall_ms), Some(b.wall_ms), millis, faster);
    push("mean latency", Some(a.mean_us), Some(b.mean_us), micros, faster);
    push("p50 latency", Some(a.p50_us), Some(b.p50_us), micros, faster);
    push("p99 latency", Some(a.p99_us), Some(b.p99_us), micros, faster);
    push("max latency", Some(a.max_us), Some(b.max_us), micros, faster);
    push("throughput", Some(a.throughput_rps), Some(b.throughput_rps), rate, Better::Higher);
    rows
}

/// "12x fewer", "2.5x faster", "3.1x higher", or "" when nothing changed.
fn change(without: f64, with: f64, better: Better) -> String {
    let factor = |big: f64, small: f64| {
        let r = big / small;
        if r >= 10.0 { format!("{r:.0}x") } else { format!("{r:.1}x") }
    };
    match better {
        Better::Neither => String::new(),
        _ if without == with => "same".to_owned(),
        Better::Lower(_, _) if with == 0.0 => "all avoided".to_owned(),
        Better::Lower(good, _) if with < without => format!("{} {good}", factor(without, with)),
        Better::Lower(_, bad) if without > 0.0 => format!("{} {bad}", factor(with, without)),
        Better::Higher if with > without && without > 0.0 => {
            format!("{} higher", factor(with, without))
        }
        Better::Higher if with > 0.0 => format!("{} lower", factor(without, with)),
        _ => String::new(),
    }
}

/// A scenario's result in one line: its title, and the queries sent
/// without and with the cache.
pub(crate) fn summary(scenario: &Comparison) -> String {
    format!(
        "{}: {} without the cache, {} with it",
        scenario.title,
        count(scenario.without.queries, "db query", "db queries"),
        count(scenario.with.queries, "db query", "db queries")
    )
}

/// `n` things, grouped, in the singular or the plural: "1 order line",
/// "1,000 order lines".
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group(n), if n == 1 { one } else { many })
}

/// 1234567 as "1,234,567".
pub(crate) fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn millis(ms: f64) -> String {
    micros(ms * 1e3)
}

fn micros(us: f64) -> String {
    if us < 1e3 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn rate(per_second: f64) -> String {
    format!("{} req/s", group(per_second.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(group(0), "0");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(200_000), "200,000");
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(micros(2.5), "2.5 µs");
        assert_eq!(micros(2_500.0), "2.50 ms");
        assert_eq!(millis(1_500.0), "1.50 s");
        assert_eq!(count(1, "order line", "order lines"), "1 order line");
        assert_eq!(count(1_000, "product", "products"), "1,000 products");
        assert_eq!(count(0, "product", "products"), "0 products");
    }

    #[test]
    fn changes_name_the_better_side() {
        let fewer = Better::Lower("fewer", "more");
        assert_eq!(change(1_000.0, 1.0, fewer), "1000x fewer");
        assert_eq!(change(10.0, 4.0, fewer), "2.5x fewer");
        assert_eq!(change(4.0, 10.0, fewer), "2.5x more");
        assert_eq!(change(10.0, 0.0, fewer), "all avoided");
        assert_eq!(change(5.0, 5.0, fewer), "same");
        assert_eq!(change(100.0, 1_000.0, Better::Higher), "10x higher");
        assert_eq!(change(1.0, 2.0, Better::Neither), "");
    }
}
