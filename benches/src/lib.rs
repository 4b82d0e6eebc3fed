//! Benchmarks against peer caches and a hit-ratio simulator on real traces.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]
