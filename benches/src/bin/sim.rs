//! `sim`: replays cache traces through every shipped policy and store, moka,
//! quick_cache and OPT, and prints hit ratios.
//!
//! ```text
//! cargo run --release -p benches --bin sim -- ../shared/traces/web12.trace.zst
//! cargo run --release -p benches --bin sim -- --capacities 1000,2000 oltp.trace.zst
//! cargo run --release -p benches --bin sim -- --zipf 0.99 --keys 100000 --requests 1000000 --seed 42
//! ```
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use benches::capacity::{CapacitySpec, default_capacities, parse_capacities};
use benches::parse_flag;
use benches::report::{json, markdown, quote, summary_markdown, svg_chart};
use benches::sim::{
    ConcurrentFn, Contender, DEFAULT_STORE, OPT, PEERS, concurrent_contenders, contenders, simulate,
};
use benches::trace::{Trace, read_trace};
use benches::zipf::zipf_keys;

const USAGE: &str = "\
usage: sim [OPTIONS] [TRACE-FILE ...]

Replays each trace (one decimal u64 key per line; `.zst` files are zstd) through
every shipped policy and store, moka, quick_cache and OPT, and prints hit ratios.

options:
  --capacities LIST   comma-separated entries or percentages of the distinct keys
                      (default: 1%,5%,10%, plus 25%,50% below 5,000 distinct keys)
  --zipf S            add a synthetic Zipf(S) trace (see --keys, --requests, --seed)
  --keys N            distinct ids of the Zipf trace (default 100000)
  --requests N        requests of the Zipf trace (default 1000000)
  --seed N            seed of the Zipf trace (default 42)
  --only NAMES        comma-separated contender names (default: all); also narrows the
                      caches --concurrency replays, and accepts their names
  --target NAME       the contender held to the targets: every row ≥ the best of
                      moka, quick_cache and exact LRU − 1 point, and on average
                      ≥ every one of them + 1 point (default PolicyStore<WTinyLfu>;
                      `policy WTinyLfu` is the policy alone, unsharded)
  --concurrency N     also replay the stores from 1 and N threads and report the loss
  --repeat R          replay each store from N threads R times (default 1) and report
                      the mean loss and the worst single replay
  --jobs N            worker threads running the simulations (default 2)
  --charts DIR        write one SVG chart per trace into DIR (default: sim-charts)
  --no-charts         write no chart
  --json              print JSON instead of markdown
  -h, --help          this text";

#[derive(Debug)]
struct Args {
    traces: Vec<PathBuf>,
    capacities: Option<Vec<CapacitySpec>>,
    zipf: Option<f64>,
    keys: u64,
    requests: usize,
    seed: u64,
    only: Option<Vec<String>>,
    target: String,
    concurrency: Option<usize>,
    repeat: usize,
    jobs: usize,
    charts: Option<PathBuf>,
    json: bool,
}

fn parse_args(mut raw: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args {
        traces: Vec::new(),
        capacities: None,
        zipf: None,
        keys: 100_000,
        requests: 1_000_000,
        seed: 42,
        only: None,
        target: DEFAULT_STORE.to_owned(),
        concurrency: None,
        repeat: 1,
        jobs: 2,
        charts: Some(PathBuf::from("sim-charts")),
        json: false,
    };
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--capacities" => {
                let list: String = parse_flag(&arg, raw.next())?;
                args.capacities = Some(parse_capacities(&list)?);
            }
            "--zipf" => {
                let s: f64 = parse_flag(&arg, raw.next())?;
                if !(s.is_finite() && s > 0.0) {
                    return Err(format!("--zipf: the exponent must be positive, got {s}"));
                }
                args.zipf = Some(s);
            }
            "--keys" => args.keys = parse_flag(&arg, raw.next())?,
            "--requests" => args.requests = parse_flag(&arg, raw.next())?,
            "--seed" => args.seed = parse_flag(&arg, raw.next())?,
            "--only" => {
                let list: String = parse_flag(&arg, raw.next())?;
                args.only = Some(list.split(',').map(|s| s.trim().to_owned()).collect());
            }
            "--target" => args.target = parse_flag(&arg, raw.next())?,
            "--concurrency" => args.concurrency = Some(parse_flag(&arg, raw.next())?),
            "--repeat" => args.repeat = parse_flag(&arg, raw.next())?,
            "--jobs" => args.jobs = parse_flag(&arg, raw.next())?,
            "--charts" => args.charts = Some(parse_flag(&arg, raw.next())?),
            "--no-charts" => args.charts = None,
            "--json" => args.json = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            path => args.traces.push(PathBuf::from(path)),
        }
    }
    if args.traces.is_empty() && args.zipf.is_none() {
        return Err("no trace given: name a trace file or use --zipf S".into());
    }
    if args.keys == 0 || args.requests == 0 {
        return Err("--keys and --requests must be positive".into());
    }
    if args.concurrency == Some(0) || args.jobs == 0 || args.repeat == 0 {
        return Err("--concurrency, --repeat and --jobs must be positive".into());
    }
    if args.repeat > 1 && args.concurrency.is_none() {
        return Err("--repeat repeats the replays of --concurrency N: give both".into());
    }
    Ok(Some(args))
}

fn selected(only: Option<&Vec<String>>) -> Result<Vec<Contender>, String> {
    let all = contenders();
    let Some(only) = only else { return Ok(all) };
    let mut picked = Vec::new();
    for name in only {
        if let Some(found) = all.iter().find(|c| c.name.eq_ignore_ascii_case(name)) {
            picked.push(*found);
        } else if !concurrent_contenders().iter().any(|(c, _)| c.eq_ignore_ascii_case(name)) {
            let names: Vec<_> = all.iter().map(|c| c.name).collect();
            let replayed: Vec<_> = concurrent_contenders().iter().map(|(c, _)| *c).collect();
            return Err(format!(
                "--only: unknown contender {name:?}; known: {}; replayed under --concurrency: {}",
                names.join(", "),
                replayed.join(", ")
            ));
        }
    }
    Ok(picked)
}

/// The caches `--concurrency` replays: all, or those `--only` names.
fn replayed(only: Option<&Vec<String>>) -> Vec<(&'static str, ConcurrentFn)> {
    let all = concurrent_contenders();
    match only {
        None => all,
        Some(only) => all
            .into_iter()
            .filter(|(c, _)| only.iter().any(|n| c.eq_ignore_ascii_case(n)))
            .collect(),
    }
}

fn run(args: &Args) -> Result<(), String> {
    let which = selected(args.only.as_ref())?;
    let target = contenders()
        .into_iter()
        .find(|c| c.name.eq_ignore_ascii_case(&args.target))
        .ok_or_else(|| format!("--target: unknown contender {:?}", args.target))?
        .name;
    let needed = PEERS.iter().copied().chain([OPT, target]);
    let missing: Vec<&str> = needed.filter(|n| !which.iter().any(|c| c.name == *n)).collect();
    if !missing.is_empty() {
        eprintln!("note: no target lines without {}", missing.join(", "));
    }
    let mut traces = Vec::new();
    for path in &args.traces {
        let started = Instant::now();
        let trace = read_trace(path).map_err(|e| e.to_string())?;
        eprintln!(
            "read {} ({} requests, {} distinct) in {:.1?}",
            trace.name,
            trace.keys.len(),
            trace.distinct,
            started.elapsed()
        );
        traces.push(trace);
    }
    if let Some(s) = args.zipf {
        let keys = zipf_keys(args.keys, s, args.requests, args.seed);
        traces.push(Trace::from_keys(format!("zipf-{s}-seed{}", args.seed), keys));
    }
    let mut results = Vec::new();
    let mut loss_rows = Vec::new();
    for trace in &traces {
        let capacities =
            args.capacities.clone().unwrap_or_else(|| default_capacities(trace.is_small()));
        let started = Instant::now();
        let result = simulate(trace, &capacities, &which, args.jobs);
        eprintln!("simulated {} in {:.1?}", trace.name, started.elapsed());
        if let Some(dir) = &args.charts {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = dir.join(format!("{}.svg", trace.name));
            svg_chart(&result, target, &path)?;
            eprintln!("wrote {}", path.display());
        }
        if let Some(threads) = args.concurrency {
            for spec in &capacities {
                let cap = spec.resolve(trace.distinct);
                for (name, replay) in replayed(args.only.as_ref()) {
                    let one = replay(&trace.keys, cap, 1);
                    let many: Vec<u64> =
                        (0..args.repeat).map(|_| replay(&trace.keys, cap, threads)).collect();
                    loss_rows.push(LossRow {
                        trace: trace.name.clone(),
                        capacity: cap,
                        cache: name,
                        one,
                        many,
                        requests: trace.keys.len(),
                    });
                }
            }
        }
        results.push(result);
    }
    if args.json {
        let mut out = format!("{{\"results\":{}", json(&results));
        if args.concurrency.is_some() {
            out.push_str(",\"concurrency\":[");
            for (i, row) in loss_rows.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let each: Vec<String> =
                    row.many.iter().map(|&h| format!("{:.4}", row.ratio(h) / 100.0)).collect();
                out.push_str(&format!(
                    "{{\"trace\":{},\"capacity\":{},\"cache\":{},\"threads\":{},\
                     \"replays\":{},\"hit_ratio_1\":{:.4},\"hit_ratio_n\":{:.4},\
                     \"hit_ratios_n\":[{}]}}",
                    quote(&row.trace),
                    row.capacity,
                    quote(row.cache),
                    args.concurrency.unwrap_or(1),
                    row.many.len(),
                    row.ratio(row.one) / 100.0,
                    row.mean_many() / 100.0,
                    each.join(",")
                ));
            }
            out.push(']');
        }
        out.push('}');
        println!("{out}");
        return Ok(());
    }
    for result in &results {
        println!("{}", markdown(result, target));
    }
    let summary = summary_markdown(&results, target);
    if !summary.is_empty() {
        println!("{summary}");
    }
    if let Some(threads) = args.concurrency {
        print!("{}", loss_markdown(&loss_rows, threads, args.repeat));
    }
    Ok(())
}

/// One cache on one row, replayed from one thread once and from N threads
/// `many.len()` times (hits of each replay).
struct LossRow {
    trace: String,
    capacity: u64,
    cache: &'static str,
    one: u64,
    many: Vec<u64>,
    requests: usize,
}

impl LossRow {
    fn ratio(&self, hits: u64) -> f64 {
        ratio(hits, self.requests)
    }

    /// The mean hit ratio of the N-thread replays, in percent.
    #[allow(clippy::cast_precision_loss)]
    fn mean_many(&self) -> f64 {
        self.many.iter().map(|&h| self.ratio(h)).sum::<f64>() / self.many.len().max(1) as f64
    }

    /// The loss of the mean N-thread replay against one thread, in points.
    fn mean_loss(&self) -> f64 {
        self.ratio(self.one) - self.mean_many()
    }

    /// The loss of the worst single N-thread replay, in points.
    fn worst_loss(&self) -> f64 {
        let fewest = self.many.iter().copied().min().unwrap_or(self.one);
        self.ratio(self.one) - self.ratio(fewest)
    }
}

/// The concurrency table and, per cache, its worst row: by the mean of the
/// replays and, with more than one, by the worst single replay.
fn loss_markdown(rows: &[LossRow], threads: usize, repeat: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let replays = if repeat > 1 { format!(", mean of {repeat} replays") } else { String::new() };
    let _ = write!(
        out,
        "### Hit ratio under concurrency: 1 thread against {threads}{replays}\n\n\
         | trace | capacity | cache | 1 thread | {threads} threads | loss (pp) |"
    );
    out.push_str(if repeat > 1 { " worst replay's loss |\n" } else { "\n" });
    out.push_str("|---|--:|---|--:|--:|--:|");
    out.push_str(if repeat > 1 { "--:|\n" } else { "\n" });
    for row in rows {
        let _ = write!(
            out,
            "| {} | {} | `{}` | {:.2} | {:.2} | {:.2} |",
            row.trace,
            row.capacity,
            row.cache,
            row.ratio(row.one),
            row.mean_many(),
            row.mean_loss()
        );
        if repeat > 1 {
            let _ = write!(out, " {:.2} |", row.worst_loss());
        }
        out.push('\n');
    }
    out.push('\n');
    for (name, _) in concurrent_contenders() {
        let mine: Vec<&LossRow> = rows.iter().filter(|row| row.cache == name).collect();
        let worst = |loss: fn(&LossRow) -> f64| {
            let at = mine.iter().max_by(|a, b| loss(a).total_cmp(&loss(b)))?;
            let over = mine.iter().filter(|row| loss(row) > 0.5).count();
            Some(format!(
                "{:.2} pp ({}, {} entries); {over} of {} rows lose more than 0.5",
                loss(at),
                at.trace,
                at.capacity,
                mine.len()
            ))
        };
        let Some(mean) = worst(LossRow::mean_loss) else { continue };
        if repeat > 1 {
            let single = worst(LossRow::worst_loss).unwrap_or_default();
            let _ =
                writeln!(out, "- `{name}`: worst mean loss {mean}; worst single replay {single}.");
        } else {
            let _ = writeln!(out, "- `{name}`: worst loss {mean}.");
        }
    }
    out
}

#[allow(clippy::cast_precision_loss)]
fn ratio(hits: u64, requests: usize) -> f64 {
    100.0 * hits as f64 / requests.max(1) as f64
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sim: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("sim: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn argument_errors_are_clear() {
        assert!(parse(&[]).unwrap_err().contains("no trace given"));
        assert!(parse(&["--capacities"]).unwrap_err().contains("--capacities needs a value"));
        assert!(parse(&["--capacities", "0", "t"]).unwrap_err().contains("capacity \"0\""));
        assert!(parse(&["--zipf", "-1"]).unwrap_err().contains("positive"));
        assert!(parse(&["--seed", "x", "t"]).unwrap_err().contains("--seed: cannot parse"));
        assert!(parse(&["--bogus"]).unwrap_err().contains("unknown option --bogus"));
        assert!(parse(&["--repeat", "0", "t"]).unwrap_err().contains("--repeat"));
        assert!(parse(&["--repeat", "3", "t"]).unwrap_err().contains("give both"));
        let args = parse(&["--concurrency", "2", "--repeat", "3", "t"]).unwrap().unwrap();
        assert_eq!((args.concurrency, args.repeat), (Some(2), 3));
        assert!(parse(&["-h"]).unwrap().is_none());
        let args = parse(&["a.trace", "--zipf", "0.99", "--no-charts"]).unwrap().unwrap();
        assert_eq!((args.traces.len(), args.zipf, args.charts), (1, Some(0.99), None));
        assert_eq!(args.target, DEFAULT_STORE);
        let args = parse(&["--target", "policy WTinyLfu", "a", "b"]).unwrap().unwrap();
        assert_eq!((args.target.as_str(), args.traces.len()), ("policy WTinyLfu", 2));
        assert!(parse(&["--target"]).unwrap_err().contains("--target needs a value"));
        let err = selected(Some(&vec!["nope".into()])).unwrap_err();
        assert!(err.contains("unknown contender") && err.contains("moka"));
        assert!(err.contains("WTinyLfu behind one mutex (exact)"), "{err}");
        // A cache only replayed under --concurrency is known, and picks no
        // single-thread contender; --only narrows the replays too.
        let only = vec!["WTinyLfu behind one mutex (exact)".to_owned(), "moka".to_owned()];
        let picked: Vec<_> = selected(Some(&only)).unwrap().iter().map(|c| c.name).collect();
        assert_eq!(picked, ["moka"]);
        let names: Vec<_> = replayed(Some(&only)).iter().map(|(c, _)| *c).collect();
        assert_eq!(names, ["WTinyLfu behind one mutex (exact)", "moka"]);
        assert_eq!(replayed(None).len(), concurrent_contenders().len());
    }

    #[test]
    fn losses_are_read_from_the_mean_and_the_worst_replay() {
        let row = LossRow {
            trace: "t".into(),
            capacity: 10,
            cache: DEFAULT_STORE,
            one: 500,
            many: vec![490, 510, 470],
            requests: 1_000,
        };
        assert!((row.mean_many() - 49.0).abs() < 1e-9);
        assert!((row.mean_loss() - 1.0).abs() < 1e-9, "50.0 - 49.0");
        assert!((row.worst_loss() - 3.0).abs() < 1e-9, "50.0 - 47.0");
        let table = loss_markdown(&[row], 2, 3);
        assert!(
            table.contains("| t | 10 | `PolicyStore<WTinyLfu>` | 50.00 | 49.00 | 1.00 | 3.00 |")
        );
        assert!(table.contains("worst mean loss 1.00 pp (t, 10 entries); 1 of 1 rows"));
        assert!(table.contains("worst single replay 3.00 pp"));
    }
}
