//! Stores and eviction policies: `LruStore`, `MokaStore`, `TtlStore`, and
//! `PolicyStore<P>` over any [`cache_core::EvictionPolicy`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

// -- stores over existing engines (lru, moka) and the TTL store --
// STORES-MODULES

// -- PolicyStore and the shipped eviction policies --
// POLICY-MODULES
