//! The store engine and its eviction policies.
//!
//! [`PolicyStore<K, V, P>`](PolicyStore) is the one engine: sharded tables,
//! one [`EvictionPolicy`](cache_core::EvictionPolicy) for the whole store,
//! one expiry mechanism (a timer wheel) and one weight account. The shipped
//! stores are its configurations: the default `PolicyStore` (W-TinyLFU),
//! [`LruStore`] (exact LRU order) and [`TtlStore`] (soonest deadline leaves
//! first). [`MokaStore`] (cargo feature `moka`, on by default) adapts the
//! `moka` crate to the same [`Store`](cache_core::Store) contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

// -- the engine's named configurations, and moka behind its feature --
// STORES-MODULES
mod delegate;
mod lru_store;
#[cfg(feature = "moka")]
mod moka_store;
mod ttl_store;
pub use lru_store::LruStore;
#[cfg(feature = "moka")]
pub use moka_store::MokaStore;
pub use ttl_store::TtlStore;

// -- PolicyStore and the shipped eviction policies --
// POLICY-MODULES
mod policies;
mod policy_store;
mod sync;
pub use policies::{Fifo, Lfu, Lru, Sieve, WTinyLfu};
pub use policy_store::{PolicyStore, PolicyStoreBuilder};
