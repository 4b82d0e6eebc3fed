//! `memory`: bytes per entry of each store beyond its key and value (u64 and
//! u64: 16 bytes), beside moka's and quick_cache's, under a counting global
//! allocator (`stats_alloc`). A separate binary, since the allocator wraps
//! every allocation of the process.
//!
//! ```text
//! cargo run --release -p benches --bin memory -- [--entries N] [--json]
//! ```
//!
//! A second column keeps inserting (3 × N more distinct keys): bytes per
//! entry once the cache has evicted as it inserted for a while, its steady
//! state (removals leave tombstones in hash tables; ghosts fill up). Caches
//! that do not evict (they then hold more than N entries) show no figure.
//!
//! A second table checks that memory follows what a cache holds, never its
//! budget: each case runs in a child process of its own (this binary with
//! `--case NAME`) and reports the resident set (RSS, from `/proc/self/statm`)
//! and the live heap it added.
#![forbid(unsafe_code)]

use std::alloc::System;
use std::process::ExitCode;

use std::time::Instant;

use cache_core::Store;
use cache_facade::AsyncCache;
use cache_policies::{LruStore, MokaStore, PolicyStore, Sieve, TtlStore};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes currently allocated by the process. (`stats_alloc` already adds a
/// `realloc`'s growth to `bytes_allocated` and its shrinking to
/// `bytes_deallocated`; `bytes_reallocated` is the same net change again, so
/// adding it counted every `Vec` grown in place twice: 2026-11-30.)
fn live() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128
}

/// Entries held and bytes per held entry beyond 16, after the fill; bytes
/// per held entry after 3 × `n` more keys (`None` if the cache then held
/// more than `n`: it does not evict).
type Measure = (u64, f64, Option<f64>);

/// Builds a cache, fills it with `n` entries, then inserts `3 * n` more.
fn measure<C>(
    n: u64,
    build: impl FnOnce() -> C,
    fill: impl Fn(&C, u64),
    len: impl Fn(&C) -> u64,
) -> Measure {
    let before = live();
    let cache = build();
    for k in 0..n {
        fill(&cache, k);
    }
    let held = len(&cache).max(1);
    let bytes = live() - before;
    for k in n..4 * n {
        fill(&cache, k);
    }
    let held_after = len(&cache).max(1);
    let bytes_after = live() - before;
    drop(cache);
    #[allow(clippy::cast_precision_loss)]
    let per_entry = |bytes: i128, held: u64| bytes as f64 / held as f64 - 16.0;
    (held, per_entry(bytes, held), (held_after <= n).then(|| per_entry(bytes_after, held_after)))
}

fn store<S: Store<u64, u64>>(n: u64, build: impl FnOnce() -> S) -> Measure {
    measure(
        n,
        build,
        |s, k| s.insert(k, k, None),
        |s| {
            s.run_pending_tasks();
            s.len()
        },
    )
}

/// The resident set of this process, in bytes (Linux; 0 elsewhere).
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// The budget cases: (name, `max_capacity`, entries of 64-byte values).
const CASES: [(&str, u64, u64); 4] = [
    ("bytes-16MiB", 16 << 20, 100_000),
    ("bytes-1GiB", 1 << 30, 100_000),
    ("bytes-u64max", u64::MAX, 100_000),
    ("build-u64max", u64::MAX, 0),
];

/// Runs one budget case in this process: a byte-weighted default cache of
/// `u64 -> Vec<u8>` (64 bytes) filled with `entries` keys. Prints one JSON
/// line: RSS and heap added, build time, entries held.
fn run_case(name: &str) -> ExitCode {
    let Some(&(_, budget, entries)) = CASES.iter().find(|(n, _, _)| *n == name) else {
        eprintln!("memory: unknown case {name}");
        return ExitCode::from(2);
    };
    let (rss_before, heap_before) = (rss(), live());
    let started = Instant::now();
    let cache: AsyncCache<u64, Vec<u8>> = AsyncCache::builder()
        .max_capacity(budget)
        .weigher(|_, v: &Vec<u8>| u32::try_from(v.len()).unwrap_or(u32::MAX))
        .build()
        .expect("cache");
    let build_us = started.elapsed().as_secs_f64() * 1e6;
    let build_heap = live() - heap_before;
    for k in 0..entries {
        benches::workload::poll_now(cache.insert(k, vec![0u8; 64]));
    }
    let held = cache.len();
    let (rss_added, heap_added) = (rss().saturating_sub(rss_before), live() - heap_before);
    println!(
        "{{\"case\":\"{name}\",\"budget\":{budget},\"entries\":{held},\"build_us\":{build_us:.1},\"build_heap\":{build_heap},\"rss_added\":{rss_added},\"heap_added\":{heap_added}}}"
    );
    drop(cache);
    ExitCode::SUCCESS
}

/// Runs every budget case in a child process and prints their table.
fn budget_table() -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut out = String::from(
        "### Memory follows contents, not the budget (one process per case)\n\n\
         default store, byte weigher, `u64 -> Vec<u8>` of 64 bytes\n\n\
         | case | max_capacity | entries held | build | heap at build | RSS added | heap added |\n\
         |---|--:|--:|--:|--:|--:|--:|\n",
    );
    for (name, budget, _) in CASES {
        let run = std::process::Command::new(&exe)
            .args(["--case", name])
            .output()
            .map_err(|e| e.to_string())?;
        let line = String::from_utf8_lossy(&run.stdout).trim().to_owned();
        let field = |key: &str| -> String {
            let tail = line.split(&format!("\"{key}\":")).nth(1).unwrap_or("?");
            tail.split([',', '}']).next().unwrap_or("?").to_owned()
        };
        let mib = |key: &str| {
            field(key)
                .parse::<f64>()
                .map_or("?".to_owned(), |b| format!("{:.1} MiB", b / 1_048_576.0))
        };
        let budget = if budget == u64::MAX {
            "u64::MAX".to_owned()
        } else {
            format!("{} MiB", budget >> 20)
        };
        out.push_str(&format!(
            "| {name} | {budget} | {} | {} µs | {} | {} | {} |\n",
            field("entries"),
            field("build_us"),
            mib("build_heap"),
            mib("rss_added"),
            mib("heap_added"),
        ));
    }
    Ok(out)
}

/// The target: the default store's overhead per entry ≤ quick_cache's,
/// after the fill and after the churn.
fn target_lines(rows: &[(&str, Measure)]) -> String {
    let find = |name: &str| rows.iter().find(|(n, _)| *n == name).map(|(_, r)| *r);
    let (Some(ours), Some(quick)) =
        (find("PolicyStore<WTinyLfu>"), find("quick_cache::sync::Cache"))
    else {
        return String::new();
    };
    let mut out = format!(
        "- after the fill: the default store {:.1} B per entry, quick_cache {:.1} B (target ≤: {})",
        ours.1,
        quick.1,
        benches::report::verdict(ours.1 <= quick.1)
    );
    if let (Some(a), Some(b)) = (ours.2, quick.2) {
        out.push_str(&format!(
            "\n- after the churn: the default store {a:.1} B per entry, quick_cache {b:.1} B (target ≤: {})",
            benches::report::verdict(a <= b)
        ));
    }
    out
}

fn main() -> ExitCode {
    let (mut n, mut as_json) = (100_000u64, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let r = match arg.as_str() {
            "--case" => return run_case(&args.next().unwrap_or_default()),
            "--entries" => benches::parse_flag(&arg, args.next()).map(|v| n = v),
            "--json" => {
                as_json = true;
                Ok(())
            }
            other => Err(format!("unknown argument {other}")),
        };
        if let Err(e) =
            r.and_then(|()| if n == 0 { Err("--entries must be positive".into()) } else { Ok(()) })
        {
            eprintln!("memory: {e}\n\nusage: memory [--entries N] [--json]");
            return ExitCode::from(2);
        }
    }
    let cap = usize::try_from(n).unwrap_or(usize::MAX);
    let rows: Vec<(&str, Measure)> = vec![
        ("PolicyStore<WTinyLfu>", store(n, || PolicyStore::tinylfu(n))),
        ("PolicyStore<Lru>", store(n, || PolicyStore::lru(n))),
        ("PolicyStore<Sieve>", store(n, || PolicyStore::new(n, |_| Sieve::new()))),
        ("LruStore", store(n, || LruStore::new(n))),
        ("TtlStore", store(n, || TtlStore::with_capacity(n))),
        ("MokaStore", store(n, || MokaStore::new(n))),
        (
            "AsyncCache<PolicyStore<WTinyLfu>>",
            measure(
                n,
                || {
                    AsyncCache::<u64, u64>::builder()
                        .store(PolicyStore::tinylfu(n))
                        .build()
                        .expect("cache")
                },
                |c, k| benches::workload::poll_now(c.insert(k, k)),
                AsyncCache::len,
            ),
        ),
        (
            "moka::sync::Cache",
            measure(
                n,
                || moka::sync::Cache::<u64, u64>::new(n),
                |c, k| c.insert(k, k),
                |c| {
                    c.run_pending_tasks();
                    c.entry_count()
                },
            ),
        ),
        (
            "quick_cache::sync::Cache",
            measure(
                n,
                || quick_cache::sync::Cache::<u64, u64>::new(cap),
                |c, k| c.insert(k, k),
                |c| c.len() as u64,
            ),
        ),
        (
            "Mutex<lru::LruCache>",
            measure(
                n,
                || parking_lot::Mutex::new(lru::LruCache::<u64, u64>::unbounded()),
                |c, k| {
                    c.lock().put(k, k);
                },
                |c| c.lock().len() as u64,
            ),
        ),
    ];
    if as_json {
        let items: Vec<String> = rows
            .iter()
            .map(|(name, (held, bytes, churned))| {
                let churned = churned.map_or("null".to_owned(), |b| format!("{b:.1}"));
                format!(
                    "{{\"cache\":{},\"entries\":{held},\"overhead_bytes\":{bytes:.1},\"overhead_bytes_after_churn\":{churned}}}",
                    benches::report::quote(name)
                )
            })
            .collect();
        println!("{{\"capacity\":{n},\"key_value_bytes\":16,\"results\":[{}]}}", items.join(","));
        return ExitCode::SUCCESS;
    }
    println!(
        "### Memory per entry beyond key and value (u64 → u64, 16 bytes)\n\n\
         capacity {n}, filled with {n} distinct keys; live heap bytes after / entries held − 16; \
         then {} more distinct keys (evicting as they arrive), same measure\n\n\
         | cache | entries held | overhead bytes per entry | after 3×{n} more keys |\n|---|--:|--:|--:|",
        3 * n
    );
    for (name, (held, bytes, churned)) in &rows {
        let churned = churned.map_or("— (no eviction)".to_owned(), |b| format!("{b:.1}"));
        println!("| `{name}` | {held} | {bytes:.1} | {churned} |");
    }
    println!("\n{}", target_lines(&rows));
    match budget_table() {
        Ok(table) => println!("\n{table}"),
        Err(e) => eprintln!("memory: the budget cases could not run: {e}"),
    }
    ExitCode::SUCCESS
}
