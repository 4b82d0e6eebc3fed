//! Contracts for a second, shared tier behind the in-process cache:
//!
//! | contract | what it decides |
//! |---|---|
//! | [`RemoteTier`] | where encoded values are shared between instances (Redis, Memcached, Postgres, ...) |
//! | [`ValueCodec`] | how a value becomes bytes and back |
//! | [`Backplane`] | how instances tell each other to drop a key (Redis pub/sub, NATS, ...) |
//! | [`WireKey`] | a key as bytes, for any `K: Hash`, without serde |
//!
//! Everything here is dyn-compatible: the facade holds `Arc<dyn RemoteTier>`
//! and `Arc<dyn Backplane>`, so adding a store touches no facade code. The
//! in-process hit path never awaits any of it.

mod backplane;
mod codec;
mod error;
mod tier;
mod wire_key;

pub use backplane::{Backplane, BackplaneEvent, ConnectionState, EventHandler};
pub use codec::ValueCodec;
pub use error::{CodecError, RemoteError, RemoteErrorKind};
pub use tier::{RemoteTier, RemoteValue, SetMode};
pub use wire_key::WireKey;
