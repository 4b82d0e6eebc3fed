//! Several instances: the in-process cache (L1) composed with a shared remote
//! tier (L2) and an invalidation backplane, configured with
//! [`AsyncCacheBuilder::remote`](crate::AsyncCacheBuilder::remote) and
//! [`AsyncCacheBuilder::backplane`](crate::AsyncCacheBuilder::backplane).
//!
//! - [`settings`]: what the builder keeps, and wiring it up at `build`;
//! - [`shared`]: the state every path shares (tier, backplane, queue, counters);
//! - [`read`]: a miss reads L2 before the loader, inside single-flight;
//! - [`write`]: inserts, removals and clears go to L2 and the backplane;
//! - [`replay`]: failed remote writes queued per key and replayed with backoff;
//! - [`receive`]: invalidations from other instances, and reconnections;
//! - [`message`]: the invalidation message format;
//! - [`batch`]: batched loads read L2 in one round trip first;
//! - [`lease`]: cross-instance single-flight (off by default).

mod batch;
mod builder_ext;
mod cache_ext;
mod lease;
mod message;
mod read;
mod receive;
mod replay;
pub(crate) mod settings;
mod shared;
mod write;

pub(crate) use read::Through;
pub(crate) use shared::Tier;
pub(crate) use write::{Begun, clear, prepare_insert, prepare_refresh, prepare_remove};
