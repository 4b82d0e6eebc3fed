//! Instrumentation: exact local counters with a snapshot, and emission of the
//! same events through the `metrics` crate.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]
