//! Loading machinery: single-flight coalescing of concurrent loads of a key,
//! DataLoader-style windowed batching, and warmup with bounded concurrency.
//!
//! Everything here is generic over keys and values and knows nothing of
//! stores: the facade passes a `probe` (a store lookup) and a `commit` (a
//! store insert), and this crate decides when each runs.
//!
//! - [`SingleFlight`]: at most one load per key in flight; every other caller
//!   waits for it. Errors, panics and timeouts, and a panic while storing
//!   the value, reach every waiter as a
//!   [`CacheError`](cache_core::error::CacheError), nothing is stored and the
//!   next caller loads again. Loads run in their own task, so a cancelled or
//!   stalled caller never stalls the others. Invalidation detaches a load in
//!   flight so its value is never stored over a newer write.
//! - [`Batcher`]: groups keys into `load_batch` calls by window and size, on
//!   top of the same single-flight table. A queued key is always sent or
//!   failed, also when the runtime that opened its batch goes away, and the
//!   load timeout bounds each caller's whole wait.
//! - [`warmup`] and [`Batcher::warmup`]: load a known key set ahead of
//!   traffic and report what happened to each key.
//!
//! # Examples
//!
//! A herd of 100 callers, one load:
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use cache_loader::SingleFlight;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let flights = SingleFlight::<u64, String>::new();
//! let loads = Arc::new(AtomicUsize::new(0));
//! let herd = (0..100).map(|_| {
//!     let loads = Arc::clone(&loads);
//!     flights.get_or_load(7, || None, move || async move {
//!         loads.fetch_add(1, Ordering::SeqCst);
//!         tokio::task::yield_now().await;
//!         Ok::<_, std::io::Error>("seven".to_string())
//!     }, None, |_key, _value| {})
//! });
//! let values = futures_util::future::join_all(herd).await;
//! assert!(values.iter().all(|v| v.as_deref().ok() == Some("seven")));
//! assert_eq!(loads.load(Ordering::SeqCst), 1);
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod batcher;
mod completer;
mod error;
mod flight;
mod guarded;
mod load;
mod single_flight;
mod sync;
mod waiter;
mod warmup;

pub use batcher::{BatchConfig, Batcher, Commit, TIMER_SLACK};
pub use completer::Completer;
pub use error::BatchConfigError;
pub use single_flight::{Joined, SingleFlight};
pub use waiter::Waiter;
pub use warmup::{DEFAULT_WARMUP_CONCURRENCY, WarmupFailure, WarmupReport, warmup};
