//! The invalidation message: `[version][op][origin: 16 bytes][wire key]`.

use cache_core::remote::{CodecError, WireKey};

const VERSION: u8 = 1;
const OP_KEY: u8 = 1;
const OP_CLEAR: u8 = 2;
const HEADER: usize = 2 + 16;

/// What a message asks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Invalidation {
    /// Drop this key.
    Key(WireKey),
    /// Drop everything.
    Clear,
}

/// Encodes `what`, from the instance `origin`.
pub(crate) fn encode(origin: [u8; 16], what: &Invalidation) -> Vec<u8> {
    let (op, key) = match what {
        Invalidation::Key(key) => (OP_KEY, key.as_bytes()),
        Invalidation::Clear => (OP_CLEAR, &[][..]),
    };
    let mut out = Vec::with_capacity(HEADER + key.len());
    out.push(VERSION);
    out.push(op);
    out.extend_from_slice(&origin);
    out.extend_from_slice(key);
    out
}

/// Decodes a message: its origin and what it asks.
pub(crate) fn decode(bytes: &[u8]) -> Result<([u8; 16], Invalidation), CodecError> {
    if bytes.len() < HEADER {
        return Err(CodecError::new(format!(
            "invalidation: {} bytes, header is {HEADER}",
            bytes.len()
        )));
    }
    if bytes[0] != VERSION {
        return Err(CodecError::new(format!(
            "invalidation: version {}, expected {VERSION}",
            bytes[0]
        )));
    }
    let mut origin = [0; 16];
    origin.copy_from_slice(&bytes[2..HEADER]);
    let what = match bytes[1] {
        OP_KEY => Invalidation::Key(WireKey::from_bytes(bytes[HEADER..].to_vec())?),
        OP_CLEAR => Invalidation::Clear,
        other => return Err(CodecError::new(format!("invalidation: unknown op {other}"))),
    };
    Ok((origin, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let origin = [7; 16];
        let key = Invalidation::Key(WireKey::of("sku-1"));
        assert_eq!(decode(&encode(origin, &key)).unwrap(), (origin, key));
        assert_eq!(
            decode(&encode(origin, &Invalidation::Clear)).unwrap(),
            (origin, Invalidation::Clear)
        );
        assert_eq!(
            decode(b"x").unwrap_err().to_string(),
            "codec: invalidation: 1 bytes, header is 18"
        );
        let mut bad = encode(origin, &Invalidation::Clear);
        bad[1] = 9;
        assert_eq!(decode(&bad).unwrap_err().to_string(), "codec: invalidation: unknown op 9");
    }
}
