//! Stores and eviction policies: `LruStore`, `MokaStore`, `TtlStore`, and
//! `PolicyStore<P>` over any [`cache_core::EvictionPolicy`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

// -- stores over existing engines (lru, moka) and the TTL store --
// STORES-MODULES
mod budget;
mod expiry;
mod lru_store;
mod moka_store;
mod ttl_store;
pub use lru_store::LruStore;
pub use moka_store::MokaStore;
pub use ttl_store::TtlStore;

// -- PolicyStore and the shipped eviction policies --
// POLICY-MODULES
mod policies;
mod policy_store;
pub use policies::{Fifo, Lfu, Lru, Sieve, WTinyLfu};
pub use policy_store::{PolicyStore, PolicyStoreBuilder};
