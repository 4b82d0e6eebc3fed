//! The contracts every crate of the async cache workspace builds on.
//!
//! This crate holds traits and small value types only; it pulls in no cache
//! engine and no async runtime (tokio is used for its clock alone).
//!
//! | contract | what it decides |
//! |---|---|
//! | [`Store`] | where entries live: synchronous, non-blocking lookups, inserts with an expiry deadline, removal, eviction reports |
//! | [`EvictionPolicy`] | which key leaves when a bounded store is full, independent of storage |
//! | [`Loader`] / [`BatchLoader`] | how a missing value (or a batch of them) is fetched, asynchronously |
//! | [`error::CacheError`] | what went wrong in a cache operation, with the loader's own error kept recoverable |
//! | [`time`] | the one clock every deadline is read from (tokio's, so tests pause it) |
//! | [`RemovalCause`] / [`EvictionListener`] | why an entry left a store, reported to metrics |
//! | [`LoadObserver`] | load and batch events, reported to metrics |
//! | [`remote`] | a shared second tier and an invalidation backplane between instances |
//!
//! # Examples
//!
//! A loader written as a closure, called directly:
//!
//! ```
//! use cache_core::{Loader, loader_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let squares = loader_fn(|n: u64| async move { Ok::<_, std::io::Error>(n * n) });
//! assert_eq!(squares.load(&7).await.unwrap(), 49);
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

pub mod error;
mod load_failure;
mod loader;
mod observe;
mod policy;
pub mod remote;
mod removal;
mod store;
pub mod time;
mod weigher;

pub use async_trait::async_trait;
pub use loader::{
    BatchLoader, BatchLoaderFn, BoxError, Loader, LoaderFn, batch_loader_fn, loader_fn,
};
pub use observe::{LoadObserver, LoadOutcome, NoopObserver};
pub use policy::{EntryInfo, EvictionPolicy};
pub use removal::{EvictionListener, ListenerSlot, RemovalCause};
pub use store::{Capacity, DynStore, Equivalent, KeyRef, Store};
pub use weigher::{Weigher, weigher_fn};
