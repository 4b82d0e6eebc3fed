//! Redis as the second tier and the invalidation backplane of the async cache.
//!
//! - [`RedisTier`] implements [`RemoteTier`](cache_core::remote::RemoteTier):
//!   values in an [`envelope`] (magic, format version, codec id,
//!   logical expiry, payload) under `<prefix>:v<envelope version>:<key>`, over
//!   one multiplexed [`ConnectionManager`](redis::aio::ConnectionManager); it
//!   encodes values with MessagePack, fields by name
//!   ([`ValueCodec`](cache_core::remote::ValueCodec) for every `serde` type).
//! - [`RedisBackplane`] implements [`Backplane`](cache_core::remote::Backplane):
//!   `PUBLISH` on one connection, a RESP3 subscriber on another with automatic
//!   resubscription, and a `PING` heartbeat that catches half-open sockets.
//!
//! Every call is bounded by [`RedisConfig`]'s connect and response timeouts.
//!
//! # Examples
//!
//! ```no_run
//! use cache_core::remote::{RemoteTier, SetMode, ValueCodec};
//! use cache_redis::{RedisConfig, RedisTier};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = RedisConfig::new("redis://127.0.0.1:6379")?.prefix("catalog");
//! let tier = RedisTier::new(&config)?;
//! let payload = tier.encode(&vec![1u32, 2, 3])?;
//! tier.set(b"k", &payload, None, SetMode::Always).await?;
//! let stored = tier.get(b"k").await?.expect("just written");
//! let back: Vec<u32> = tier.decode(&stored.payload)?;
//! assert_eq!(back, [1, 2, 3]);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![doc(test(attr(deny(warnings))))]

mod backplane;
mod codec;
mod config;
pub mod envelope;
mod errors;
#[cfg(feature = "fault-proxy")]
pub mod fault_proxy;
mod lease;
#[cfg(feature = "fault-proxy")]
pub mod testkit;
mod tier;

pub use backplane::RedisBackplane;
pub use config::RedisConfig;
pub use tier::RedisTier;
