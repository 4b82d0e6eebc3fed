//! The shipped eviction policies. Each one is usable on its own (a trace
//! simulator calls the [`EvictionPolicy`](cache_core::EvictionPolicy) methods
//! directly) or inside a [`PolicyStore`](crate::PolicyStore).

mod arena;
mod climber;
mod fifo;
mod key_queue;
mod lfu;
mod lru;
mod sieve;
mod sketch;
mod wtinylfu;

pub use fifo::Fifo;
pub use lfu::Lfu;
pub use lru::Lru;
pub use sieve::Sieve;
pub use wtinylfu::WTinyLfu;
