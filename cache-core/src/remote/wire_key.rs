//! [`WireKey`]: any `Hash` key as bytes, hashing exactly as the key.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::Equivalent;

use super::CodecError;

const BYTES: u8 = 1;
const U8: u8 = 2;
const U16: u8 = 3;
const U32: u8 = 4;
const U64: u8 = 5;
const U128: u8 = 6;
const USIZE: u8 = 7;
const I8: u8 = 8;
const I16: u8 = 9;
const I32: u8 = 10;
const I64: u8 = 11;
const I128: u8 = 12;
const ISIZE: u8 = 13;

/// A key as bytes: the calls its `Hash` implementation makes, recorded
/// (integers little-endian, `usize` widened to 64 bits).
///
/// Why not `serde`? A `WireKey` needs nothing but `Hash`, so a cache with a
/// remote tier asks no serialization bounds of its keys, and it can be made
/// from any borrowed form (`&str` for `String` keys), as `remove` receives.
/// Replayed into a hasher it hashes exactly as the key, and it is
/// [`Equivalent`] to it, so an instance can drop the entry a message names
/// without decoding the key. Instances sharing a remote tier must hash their
/// keys alike: the same key type, built from the same source (true of the
/// standard library's types and `#[derive(Hash)]`).
///
/// # Examples
///
/// ```
/// use std::hash::{BuildHasher, RandomState};
/// use cache_core::Equivalent;
/// use cache_core::remote::WireKey;
///
/// let key = WireKey::of("ada");
/// assert_eq!(key, WireKey::of(&"ada".to_string()), "a String and its &str agree");
/// let back = WireKey::from_bytes(key.as_bytes().to_vec()).unwrap();
/// assert_eq!(back, key);
///
/// // It hashes as the key, and is equivalent to it: a store finds the entry.
/// let state = RandomState::new();
/// assert_eq!(state.hash_one(&back), state.hash_one("ada"));
/// assert!(Equivalent::<String>::equivalent(&back, &"ada".to_string()));
///
/// assert!(WireKey::from_bytes(vec![99]).is_err());
/// ```
/// Not `Eq` (it is [`Equivalent`] to every key type instead): compare
/// [`as_bytes`](Self::as_bytes).
#[derive(Clone, PartialEq)]
pub struct WireKey {
    bytes: Vec<u8>,
}

impl WireKey {
    /// The wire form of `key`.
    pub fn of<Q: Hash + ?Sized>(key: &Q) -> Self {
        let mut recorder = Recorder { bytes: Vec::with_capacity(24) };
        key.hash(&mut recorder);
        Self { bytes: recorder.bytes }
    }

    /// Parses bytes made by [`as_bytes`](Self::as_bytes).
    ///
    /// # Errors
    ///
    /// When `bytes` are not a well-formed key (an unknown tag or a truncated
    /// field), naming the offset.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, CodecError> {
        let mut at = 0;
        while at < bytes.len() {
            let tag = bytes[at];
            let len = match tag {
                BYTES => {
                    let Some(len) = bytes.get(at + 1..at + 5) else {
                        return Err(CodecError::new(format!("wire key: truncated length at {at}")));
                    };
                    4 + u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize
                }
                U8 | I8 => 1,
                U16 | I16 => 2,
                U32 | I32 => 4,
                U64 | I64 | USIZE | ISIZE => 8,
                U128 | I128 => 16,
                other => {
                    return Err(CodecError::new(format!("wire key: unknown tag {other} at {at}")));
                }
            };
            if bytes.len() < at + 1 + len {
                return Err(CodecError::new(format!("wire key: truncated field at {at}")));
            }
            at += 1 + len;
        }
        Ok(Self { bytes })
    }

    /// The bytes, as sent and stored.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Replays the recorded calls into `state`.
    fn replay<H: Hasher + ?Sized>(&self, state: &mut H) {
        let b = &self.bytes;
        let mut at = 0;
        // `from_bytes` and `of` only make well-formed keys: every slice below is in range.
        while at < b.len() {
            let tag = b[at];
            at += 1;
            let take = |n: usize| &b[at..at + n];
            match tag {
                BYTES => {
                    let len = u32::from_le_bytes(take(4).try_into().unwrap_or([0; 4])) as usize;
                    state.write(&b[at + 4..at + 4 + len]);
                    at += 4 + len;
                }
                U8 => {
                    state.write_u8(b[at]);
                    at += 1;
                }
                I8 => {
                    state.write_i8(i8::from_le_bytes([b[at]]));
                    at += 1;
                }
                U16 | I16 => {
                    let v = u16::from_le_bytes(take(2).try_into().unwrap_or([0; 2]));
                    if tag == U16 {
                        state.write_u16(v);
                    } else {
                        state.write_i16(v as i16);
                    }
                    at += 2;
                }
                U32 | I32 => {
                    let v = u32::from_le_bytes(take(4).try_into().unwrap_or([0; 4]));
                    if tag == U32 {
                        state.write_u32(v);
                    } else {
                        state.write_i32(v as i32);
                    }
                    at += 4;
                }
                U64 | I64 | USIZE | ISIZE => {
                    let v = u64::from_le_bytes(take(8).try_into().unwrap_or([0; 8]));
                    match tag {
                        U64 => state.write_u64(v),
                        I64 => state.write_i64(v as i64),
                        USIZE => state.write_usize(v as usize),
                        _ => state.write_isize(v as i64 as isize),
                    }
                    at += 8;
                }
                _ => {
                    let v = u128::from_le_bytes(take(16).try_into().unwrap_or([0; 16]));
                    if tag == U128 {
                        state.write_u128(v);
                    } else {
                        state.write_i128(v as i128);
                    }
                    at += 16;
                }
            }
        }
    }
}

impl Hash for WireKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.replay(state);
    }
}

impl<K: Hash + ?Sized> Equivalent<K> for WireKey {
    fn equivalent(&self, key: &K) -> bool {
        WireKey::of(key).bytes == self.bytes
    }
}

impl fmt::Debug for WireKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WireKey(")?;
        for byte in &self.bytes {
            write!(f, "{byte:02x}")?;
        }
        write!(f, ")")
    }
}

/// A hasher that writes down what it is fed.
struct Recorder {
    bytes: Vec<u8>,
}

impl Recorder {
    fn field(&mut self, tag: u8, le: &[u8]) {
        self.bytes.push(tag);
        self.bytes.extend_from_slice(le);
    }
}

impl Hasher for Recorder {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Keys longer than 4 GiB do not exist in practice; saturate rather than wrap.
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.field(BYTES, &len.to_le_bytes());
        self.bytes.extend_from_slice(&bytes[..len as usize]);
    }
    fn write_u8(&mut self, i: u8) {
        self.field(U8, &[i]);
    }
    fn write_u16(&mut self, i: u16) {
        self.field(U16, &i.to_le_bytes());
    }
    fn write_u32(&mut self, i: u32) {
        self.field(U32, &i.to_le_bytes());
    }
    fn write_u64(&mut self, i: u64) {
        self.field(U64, &i.to_le_bytes());
    }
    fn write_u128(&mut self, i: u128) {
        self.field(U128, &i.to_le_bytes());
    }
    fn write_usize(&mut self, i: usize) {
        self.field(USIZE, &(i as u64).to_le_bytes());
    }
    fn write_i8(&mut self, i: i8) {
        self.field(I8, &i.to_le_bytes());
    }
    fn write_i16(&mut self, i: i16) {
        self.field(I16, &i.to_le_bytes());
    }
    fn write_i32(&mut self, i: i32) {
        self.field(I32, &i.to_le_bytes());
    }
    fn write_i64(&mut self, i: i64) {
        self.field(I64, &i.to_le_bytes());
    }
    fn write_i128(&mut self, i: i128) {
        self.field(I128, &i.to_le_bytes());
    }
    fn write_isize(&mut self, i: isize) {
        self.field(ISIZE, &(i as i64).to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[derive(Hash, PartialEq, Eq)]
    struct Composite {
        id: u64,
        region: i16,
        tags: Vec<String>,
        kind: Option<usize>,
    }

    #[test]
    fn replays_to_the_same_hash_as_the_key() {
        let state = std::collections::hash_map::RandomState::new();
        let key =
            Composite { id: 7, region: -3, tags: vec!["a".into(), "bc".into()], kind: Some(9) };
        let wire = WireKey::from_bytes(WireKey::of(&key).as_bytes().to_vec()).unwrap();
        assert_eq!(state.hash_one(&wire), state.hash_one(&key));
        assert!(Equivalent::equivalent(&wire, &key));
        let other = Composite { id: 8, ..key };
        assert!(!Equivalent::equivalent(&wire, &other));
        assert_ne!(WireKey::of(&1u64), WireKey::of(&1u32));
    }

    #[test]
    fn refuses_malformed_bytes_by_offset() {
        let err = WireKey::from_bytes(vec![U64, 1, 2]).unwrap_err();
        assert_eq!(err.to_string(), "codec: wire key: truncated field at 0");
        let err = WireKey::from_bytes(vec![U8, 1, 77]).unwrap_err();
        assert_eq!(err.to_string(), "codec: wire key: unknown tag 77 at 2");
        let err = WireKey::from_bytes(vec![BYTES, 9, 0, 0, 0, 1]).unwrap_err();
        assert_eq!(err.to_string(), "codec: wire key: truncated field at 0");
    }
}
