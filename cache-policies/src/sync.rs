//! The one place the engine's lock-free read buffer takes its atomics,
//! mutex, statics and thread-locals from, so a model checker can swap them
//! in (cache-loader's `sync` module, quick_cache's `shim`).
//!
//! Normally `std`'s. With the `shuttle` feature (tests only, see
//! `policy_store::read_buffer::model`): shuttle's, under which every
//! interleaving of the buffer's loads and stores can be explored.

#[cfg(feature = "shuttle")]
pub(crate) use shuttle::sync::{
    Mutex,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};
#[cfg(not(feature = "shuttle"))]
pub(crate) use std::sync::{
    Mutex,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};

/// `static` items the model checker must reset between executions:
/// `lazy_static!` under shuttle, plain `static`s otherwise.
#[cfg(not(feature = "shuttle"))]
macro_rules! statics {
    ($($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        $($(#[$attr])* static $name: $ty = $init;)*
    };
}
#[cfg(feature = "shuttle")]
macro_rules! statics {
    ($($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;)*) => {
        shuttle::lazy_static! {
            $($(#[$attr])* static ref $name: $ty = $init;)*
        }
    };
}

/// `thread_local!`, or shuttle's (per shuttle thread) under the feature.
#[cfg(not(feature = "shuttle"))]
macro_rules! thread_locals {
    ($($body:tt)*) => {
        std::thread_local! { $($body)* }
    };
}
#[cfg(feature = "shuttle")]
macro_rules! thread_locals {
    ($($body:tt)*) => {
        shuttle::thread_local! { $($body)* }
    };
}

pub(crate) use {statics, thread_locals};
