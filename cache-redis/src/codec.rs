//! The value codec of [`RedisTier`]: MessagePack with struct fields by name.
//!
//! Chosen by measurement and by what survives a schema change (see
//! `benches/RESULTS.md`, "Redis second tier"): postcard is the smallest and
//! fastest but positional, so adding a field to a value type makes every
//! stored value undecodable (or, worse, decodes into the wrong fields);
//! JSON is self-describing but about twice the size and time; MessagePack
//! with named fields is self-describing, so a field added with
//! `#[serde(default)]` or removed reads old values fine, at a size and
//! speed close to postcard.

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
