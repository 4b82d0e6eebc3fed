//! The envelope around every value stored in Redis.
//!
//! | bytes | field |
//! |---|---|
//! | 0..2 | magic `0xCA 0xC4` |
//! | 2 | format version ([`FORMAT_VERSION`]) |
//! | 3 | codec id ([`CODEC_MSGPACK`], or [`CODEC_TOMBSTONE`] for a removed key) |
//! | 4..12 | logical expiry: Unix time in milliseconds, little-endian; 0 = never |
//! | 12.. | payload |
//!
//! The format version is also part of every key (`<prefix>:v1:<key>`), so
//! instances of a later format never read these values at all; the copy in the
//! envelope catches a value written under the wrong key. The logical expiry
//! lets a reader give its in-process copy no more time than the shared one has.
//!
//! # Examples
//!
//! ```
//! use cache_redis::envelope::{self, CODEC_MSGPACK};
//!
//! let sealed = envelope::seal(CODEC_MSGPACK, None, b"payload");
//! let opened = envelope::open(&sealed).unwrap();
//! assert_eq!((opened.codec, opened.expires_at_ms, opened.payload), (CODEC_MSGPACK, 0, &b"payload"[..]));
//!
//! let err = envelope::open(b"not an envelope").unwrap_err();
//! assert_eq!(err.to_string(), "codec: envelope: bad magic 6e6f");
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cache_core::remote::CodecError;

/// The first two bytes of every envelope.
pub const MAGIC: [u8; 2] = [0xCA, 0xC4];
/// The envelope layout this crate writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// A removed key: no payload; refuses values written by loads until it expires.
pub const CODEC_TOMBSTONE: u8 = 0;
/// MessagePack, struct fields by name (`rmp_serde::to_vec_named`).
pub const CODEC_MSGPACK: u8 = 1;
/// Bytes before the payload.
pub const HEADER_LEN: usize = 12;

/// An envelope read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The codec id.
    pub codec: u8,
    /// Unix time in milliseconds after which the value is dead; 0 = never.
    pub expires_at_ms: u64,
    /// The encoded value.
    pub payload: &'a [u8],
}

impl Opened<'_> {
    /// Time left before the logical expiry at `now`: `Some(None)` for never,
    /// `None` when it has passed.
    #[must_use]
    pub fn remaining(&self, now: SystemTime) -> Option<Option<Duration>> {
        if self.expires_at_ms == 0 {
            return Some(None);
        }
        let now_ms = unix_ms(now);
        (self.expires_at_ms > now_ms)
            .then(|| Some(Duration::from_millis(self.expires_at_ms - now_ms)))
    }
}

/// Wraps `payload` with its codec id and expiry (`ttl` from now; `None`: never).
#[must_use]
pub fn seal(codec: u8, ttl: Option<Duration>, payload: &[u8]) -> Vec<u8> {
    let expires_at_ms = ttl.map_or(0, |ttl| {
        unix_ms(SystemTime::now())
            .saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX))
            .max(1)
    });
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.push(FORMAT_VERSION);
    out.push(codec);
    out.extend_from_slice(&expires_at_ms.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Reads an envelope.
///
/// # Errors
///
/// When `bytes` are shorter than the header, or carry another magic or
/// format version, saying which.
pub fn open(bytes: &[u8]) -> Result<Opened<'_>, CodecError> {
    if bytes.len() < HEADER_LEN {
        return Err(CodecError::new(format!(
            "envelope: {} bytes, shorter than the {HEADER_LEN}-byte header",
            bytes.len()
        )));
    }
    if bytes[..2] != MAGIC {
        return Err(CodecError::new(format!(
            "envelope: bad magic {:02x}{:02x}",
            bytes[0], bytes[1]
        )));
    }
    if bytes[2] != FORMAT_VERSION {
        return Err(CodecError::new(format!(
            "envelope: format version {}, this build reads {FORMAT_VERSION}",
            bytes[2]
        )));
    }
    let mut expiry = [0; 8];
    expiry.copy_from_slice(&bytes[4..12]);
    Ok(Opened {
        codec: bytes[3],
        expires_at_ms: u64::from_le_bytes(expiry),
        payload: &bytes[HEADER_LEN..],
    })
}

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_kept_and_checked() {
        let sealed = seal(CODEC_MSGPACK, Some(Duration::from_secs(60)), b"x");
        let opened = open(&sealed).unwrap();
        let left = opened.remaining(SystemTime::now()).unwrap().unwrap();
        assert!(left > Duration::from_secs(58) && left <= Duration::from_secs(60), "{left:?}");
        let later = SystemTime::now() + Duration::from_secs(61);
        assert_eq!(opened.remaining(later), None, "dead after its expiry");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(
            open(&[0xCA]).unwrap_err().to_string(),
            "codec: envelope: 1 bytes, shorter than the 12-byte header"
        );
        let mut other = seal(CODEC_MSGPACK, None, b"");
        other[2] = 9;
        assert_eq!(
            open(&other).unwrap_err().to_string(),
            "codec: envelope: format version 9, this build reads 1"
        );
    }
}
