//! Memoized async functions: Python's `@AsyncLRU` and `@AsyncTTL` decorators
//! as wrappers over [`AsyncCache`](crate::AsyncCache) (no second engine).

mod async_lru;
mod async_ttl;
mod memo_fn;
mod memo_store;
mod memoized;

pub use async_lru::AsyncLru;
pub use async_ttl::AsyncTtl;
pub use memo_fn::MemoFn;
pub use memo_store::{MemoCache, MemoStore};
pub use memoized::Memoized;
