//! Loading machinery: single-flight coalescing of concurrent loads of a key,
//! DataLoader-style windowed batching, and warmup with bounded concurrency.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]
