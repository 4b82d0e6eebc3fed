//! Benchmarks of the async cache against peer caches, and a hit-ratio
//! simulator on real traces.
//!
//! The library holds what the binaries and the criterion benches share:
//!
//! | module | what |
//! |---|---|
//! | [`trace`] | reading traces (plain text or zstd, one key per line) with errors that name file and line |
//! | [`zipf`] | a seeded Zipf sampler and synthetic traces |
//! | [`opt`] | Belady's optimal policy (offline, next use), the hit-ratio ceiling |
//! | [`capacity`] | capacities given as entries or as a share of a trace's distinct keys |
//! | [`sim`] | replays a trace through every shipped policy and store, moka, quick_cache and OPT |
//! | [`report`] | markdown tables, JSON, SVG charts |
//! | [`workload`] | the caches under test and the timed workloads shared by `compare` and the benches |
//!
//! Binaries: `sim` (hit ratios), `compare` (operations per second against
//! peers), `memory` (bytes per entry, under a counting allocator).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod capacity;
pub mod opt;
pub mod report;
pub mod sim;
pub mod trace;
pub mod workload;
pub mod zipf;

/// Parses a command line flag value, with an error that names the flag.
///
/// # Errors
///
/// When `value` is missing or does not parse as `T`.
pub fn parse_flag<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value.parse().map_err(|_| format!("{flag}: cannot parse {value:?}"))
}
