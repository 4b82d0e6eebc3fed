//! The load lease (cross-instance single-flight): a `SET NX PX` of a random
//! token, and a value written by a Lua script only while the token holds.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use redis::{Cmd, cmd};

/// Stores the value `NX` (with `PX` unless 0) only if the lease holds the
/// token, and releases the lease: 1 stored, 0 a value was there, -1 the lease
/// was lost.
const SET_IF_HELD: &str = r"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
redis.call('DEL', KEYS[2])
local stored
if ARGV[3] == '0' then
  stored = redis.call('SET', KEYS[1], ARGV[2], 'NX')
else
  stored = redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX')
end
if stored then return 1 end
return 0
";

/// A token no other lease of this process or another is likely to hold.
pub(crate) fn token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    RandomState::new().hash_one((std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// The fenced write of `sealed` under `key`, guarded by `lease`.
pub(crate) fn set_if_held(key: &[u8], lease: &[u8], token: u64, sealed: &[u8], ttl_ms: u64) -> Cmd {
    let mut eval = cmd("EVAL");
    eval.arg(SET_IF_HELD)
        .arg(2)
        .arg(key)
        .arg(lease)
        .arg(token.to_string())
        .arg(sealed)
        .arg(ttl_ms.to_string());
    eval
}
