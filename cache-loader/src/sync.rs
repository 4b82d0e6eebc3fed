//! The one place the concurrency-critical code takes its sync primitives from,
//! so a model checker can swap them in (tokio's `src/loom/mod.rs` pattern).

pub(crate) use parking_lot::{Mutex, MutexGuard};
pub(crate) use std::sync::OnceLock;
pub(crate) use std::sync::{Arc, Weak};
pub(crate) use tokio::sync::Notify;
