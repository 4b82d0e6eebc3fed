//! `memory`: bytes per entry of each store beyond its key and value (u64 and
//! u64: 16 bytes), beside moka's and quick_cache's, under a counting global
//! allocator (`stats_alloc`). A separate binary, since the allocator wraps
//! every allocation of the process.
//!
//! ```text
//! cargo run --release -p benches --bin memory -- [--entries N] [--json]
//! ```
#![forbid(unsafe_code)]

use std::alloc::System;
use std::process::ExitCode;

use cache_core::Store;
use cache_facade::AsyncCache;
use cache_policies::{LruStore, MokaStore, PolicyStore, Sieve, TtlStore};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes currently allocated by the process.
fn live() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128 + s.bytes_reallocated as i128
}

/// Builds a cache, fills it with `n` entries, and returns (entries held,
/// bytes per held entry beyond 16).
fn measure<C>(
    n: u64,
    build: impl FnOnce() -> C,
    fill: impl Fn(&C, u64),
    len: impl Fn(&C) -> u64,
) -> (u64, f64) {
    let before = live();
    let cache = build();
    for k in 0..n {
        fill(&cache, k);
    }
    let held = len(&cache).max(1);
    let bytes = live() - before;
    drop(cache);
    #[allow(clippy::cast_precision_loss)]
    (held, bytes as f64 / held as f64 - 16.0)
}

fn store<S: Store<u64, u64>>(n: u64, build: impl FnOnce() -> S) -> (u64, f64) {
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

fn main() -> ExitCode {
    let (mut n, mut as_json) = (100_000u64, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let r = match arg.as_str() {
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
    let rows: Vec<(&str, (u64, f64))> = vec![
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
            .map(|(name, (held, bytes))| {
                format!(
                    "{{\"cache\":{},\"entries\":{held},\"overhead_bytes\":{bytes:.1}}}",
                    benches::report::quote(name)
                )
            })
            .collect();
        println!("{{\"capacity\":{n},\"key_value_bytes\":16,\"results\":[{}]}}", items.join(","));
        return ExitCode::SUCCESS;
    }
    println!(
        "### Memory per entry beyond key and value (u64 → u64, 16 bytes)\n\n\
         capacity {n}, filled with {n} distinct keys; live heap bytes after / entries held − 16\n\n\
         | cache | entries held | overhead bytes per entry |\n|---|--:|--:|"
    );
    for (name, (held, bytes)) in rows {
        println!("| `{name}` | {held} | {bytes:.1} |");
    }
    ExitCode::SUCCESS
}
