//! `AsyncCache<K, V>` and its builder: the one type users write, composing a
//! store, the loading machinery and metrics.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]
