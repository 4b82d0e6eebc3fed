//! The value codec of [`RedisTier`]: MessagePack with struct fields by name.
//!
//! Chosen by measurement and by what survives a schema change
//! (`cargo run --release -p benches --bin remote`; `benches/RESULTS.md`,
//! "The Redis second tier"). On a 7-field product: postcard is the smallest
//! (55 B) and fastest (~0.37 µs to encode and decode) but positional: a
//! value written before a field was added cannot be read after. JSON and MessagePack with named fields
//! are self-describing, so a field added with `#[serde(default)]`, or
//! removed, reads old values fine; they cost about the same (0.4–0.7 µs,
//! a hundredth of a Redis round trip), and MessagePack is a quarter smaller
//! (100 B against 132 B), carries bytes and non-string map keys natively, and
//! keeps integers exact. Bincode was not considered (its 3.x is a tombstone).

use cache_core::remote::{CodecError, ValueCodec};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::RedisTier;

impl<V: Serialize + DeserializeOwned> ValueCodec<V> for RedisTier {
    fn encode(&self, value: &V) -> Result<Vec<u8>, CodecError> {
        rmp_serde::to_vec_named(value).map_err(|e| CodecError::new(format!("msgpack encode: {e}")))
    }

    fn decode(&self, bytes: &[u8]) -> Result<V, CodecError> {
        rmp_serde::from_slice(bytes).map_err(|e| CodecError::new(format!("msgpack decode: {e}")))
    }
}
