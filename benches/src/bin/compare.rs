//! `compare`: operations per second of our stores and facades against moka,
//! quick_cache and a `Mutex<lru::LruCache>`, in one process, in alternating
//! order, as a markdown table (or `--json`).
//!
//! ```text
//! cargo run --release -p benches --bin compare -- [--quick] [--json]
//! ```
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use benches::report::{quote, verdict};
use benches::workload::{
    BenchCache, CACHES, FACADE_TINYLFU, MOKA_SYNC, Mix, QUICK_SYNC, Visit, Workload, build, raw_of,
};

const USAGE: &str = "\
usage: compare [--quick] [--json] [--rounds N] [--millis N]

Measures the hit path (one thread) and Zipf(0.99) throughput over 100,000 ids
(read-only and 90% reads / 10% inserts, at 1 and 2 threads) for every store,
facade and peer; caches take turns (order reversed every round) and the median
round is reported, with the ratio to raw moka::sync::Cache.

  --quick      3 rounds of 50 ms (under a minute); default 7 rounds of 200 ms
  --rounds N   rounds per measurement
  --millis N   milliseconds per cache and round
  --json       JSON instead of markdown";

struct Prepare<'w>(&'w Workload);

type Runner<'w> = Box<dyn Fn(usize, Duration) -> f64 + 'w>;

impl<'w> Visit for Prepare<'w> {
    type Out = Runner<'w>;
    fn visit<C: BenchCache + 'static>(&mut self, _: &'static str, cache: C) -> Runner<'w> {
        let w = self.0;
        w.prefill(&cache);
        Box::new(move |threads, d| w.ops_per_sec(&cache, threads, d))
    }
}

/// One column of the report.
struct Column {
    title: &'static str,
    key: &'static str,
    threads: usize,
    ops: Vec<f64>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn measure(workload: &Workload, columns: &mut [Column], rounds: usize, slice: Duration) {
    let runners: Vec<Runner<'_>> = CACHES
        .iter()
        .map(|name| build(name, workload.capacity, &mut Prepare(workload)).expect("known cache"))
        .collect();
    for column in columns {
        let mut samples = vec![Vec::new(); runners.len()];
        for round in 0..rounds {
            let order: Vec<usize> = if round % 2 == 0 {
                (0..runners.len()).collect()
            } else {
                (0..runners.len()).rev().collect()
            };
            for i in order {
                samples[i].push(runners[i](column.threads, slice));
            }
        }
        column.ops = samples.into_iter().map(median).collect();
        eprintln!("measured {}", column.title);
    }
}

fn index(name: &str) -> usize {
    CACHES.iter().position(|c| *c == name).expect("known cache")
}

fn main() -> ExitCode {
    let (mut rounds, mut millis, mut as_json) = (7usize, 200u64, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let parsed = match arg.as_str() {
            "--quick" => {
                (rounds, millis) = (3, 50);
                Ok(())
            }
            "--json" => {
                as_json = true;
                Ok(())
            }
            "--rounds" => benches::parse_flag(&arg, args.next()).map(|v| rounds = v),
            "--millis" => benches::parse_flag(&arg, args.next()).map(|v| millis = v),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument {other}")),
        };
        if let Err(e) = parsed.and_then(|()| {
            if rounds == 0 || millis == 0 {
                Err("--rounds and --millis must be positive".into())
            } else {
                Ok(())
            }
        }) {
            eprintln!("compare: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let started = Instant::now();
    let slice = Duration::from_millis(millis);
    let col = |title, key, threads| Column { title, key, threads, ops: Vec::new() };
    let mut hit = [col("hit path, 1 thread", "hit_1t", 1)];
    let mut ro = [
        col("Zipf reads, 1 thread", "zipf_read_1t", 1),
        col("Zipf reads, 2 threads", "zipf_read_2t", 2),
    ];
    let mut mixed = [
        col("Zipf 90/10, 1 thread", "zipf_mixed_1t", 1),
        col("Zipf 90/10, 2 threads", "zipf_mixed_2t", 2),
    ];
    measure(&Workload::hit_path(), &mut hit, rounds, slice);
    measure(&Workload::zipf(2, Mix::ReadOnly), &mut ro, rounds, slice);
    measure(&Workload::zipf(2, Mix::Read90Insert10), &mut mixed, rounds, slice);
    let columns: Vec<&Column> = hit.iter().chain(&ro).chain(&mixed).collect();
    let moka = index(MOKA_SYNC);
    if as_json {
        let mut out = format!("{{\"rounds\":{rounds},\"millis\":{millis},\"results\":[");
        for (i, name) in CACHES.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{{\"cache\":{}", quote(name));
            for c in &columns {
                let _ = write!(
                    out,
                    ",\"{}\":{{\"ops_per_sec\":{:.0},\"vs_moka\":{:.3}}}",
                    c.key,
                    c.ops[i],
                    c.ops[i] / c.ops[moka]
                );
            }
            out.push('}');
        }
        out.push_str("]}");
        println!("{out}");
        return ExitCode::SUCCESS;
    }
    let mut out = format!(
        "### Operations per second (millions), ratio to raw moka::sync::Cache\n\n\
         median of {rounds} rounds of {millis} ms per cache, order alternating\n\n| cache |"
    );
    for c in &columns {
        let _ = write!(out, " {} |", c.title);
    }
    out.push_str("\n|---|");
    for _ in &columns {
        out.push_str("--:|");
    }
    out.push('\n');
    for (i, name) in CACHES.iter().enumerate() {
        let _ = write!(out, "| `{name}` |");
        for c in &columns {
            let _ = write!(out, " {:.1} ({:.2}x) |", c.ops[i] / 1e6, c.ops[i] / c.ops[moka]);
        }
        out.push('\n');
    }
    out.push_str("\n### Targets\n\n");
    let h = &hit[0];
    for (i, name) in CACHES.iter().enumerate() {
        if let Some(raw) = raw_of(name) {
            let ratio = h.ops[index(raw)] / h.ops[i];
            let _ = writeln!(
                out,
                "- hit path `{name}`: {ratio:.2}x the time of raw `{raw}` (target ≤ 1.20: {})",
                verdict(ratio <= 1.2)
            );
        }
    }
    let quick = index(QUICK_SYNC);
    let ours: Vec<usize> =
        (0..CACHES.len()).filter(|&i| !matches!(CACHES[i], n if is_peer(n))).collect();
    for c in ro.iter().chain(&mixed) {
        // One target line: `what` at `ratio` times `peer`, against `target`.
        let mut line = |what: String, ratio: f64, peer: &str, target: (f64, &str)| {
            let _ = writeln!(
                out,
                "- {}: {what} at {ratio:.2}x {peer} (target ≥ {}: {})",
                c.title,
                target.1,
                verdict(ratio >= target.0)
            );
        };
        let best = *ours.iter().max_by(|&&a, &&b| c.ops[a].total_cmp(&c.ops[b])).expect("stores");
        let fastest = format!("fastest of ours `{}`", CACHES[best]);
        line(fastest, c.ops[best] / c.ops[quick], "quick_cache", (0.5, "0.50"));
        let default = format!("the default store `{DEFAULT_STORE}`");
        line(default, c.ops[index(DEFAULT_STORE)] / c.ops[quick], "quick_cache", (0.8, "0.80"));
        for default in [DEFAULT_STORE, FACADE_TINYLFU] {
            line(format!("`{default}`"), c.ops[index(default)] / c.ops[moka], "moka", (5.0, "5"));
        }
    }
    let _ = writeln!(out, "\n(total run time {:.0?})", started.elapsed());
    println!("{out}");
    ExitCode::SUCCESS
}

/// The default store, held to ≥ 0.8× quick_cache's throughput on every Zipf
/// column.
const DEFAULT_STORE: &str = "PolicyStore<WTinyLfu>";

fn is_peer(name: &str) -> bool {
    name.starts_with("moka::") || name.starts_with("quick_cache") || name.starts_with("Mutex<")
}
