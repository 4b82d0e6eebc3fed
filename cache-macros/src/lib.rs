//! `#[async_lru]` and `#[async_ttl]`: attribute macros that memoize an
//! `async fn` in an `AsyncCache`, Python's `@AsyncLRU` / `@AsyncTTL`
//! decorators.
//!
//! Use them through `cache-facade`, which re-exports both
//! (`use cache_facade::{async_lru, async_ttl};`) and whose documentation has
//! runnable examples: the generated code refers to `::cache_facade`.
//!
//! # What the macros generate
//!
//! For `#[async_ttl(ttl_secs = 60)] pub async fn price(sku: &str) -> Result<u64, DbError>`:
//! - `price` keeps its exact signature; its body becomes the loader of a
//!   per-function cache (a `static` inside `price_cache`), run through
//!   `AsyncCache::get_with_inline`: concurrent equal calls run the body once
//!   (if the caller running it is dropped, a waiting one takes over);
//! - `price_cache() -> &'static AsyncCache<K, V>`, `price_refresh(sku)`,
//!   `price_invalidate(&key)`, `price_clear()`, `price_metrics()`: the
//!   companions, with the function's visibility (see [`async_lru`]).
//!
//! The body itself moves to a hidden `__price_uncached` function next to it.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod expand;
mod options;

use proc_macro::TokenStream;
use syn::parse::Parser;

use crate::options::{Kind, Options};

/// Memoizes an `async fn` in a least-recently-used cache: Python's
/// `@AsyncLRU(maxsize=128)`, written `#[async_lru(maxsize = 128)]`. Use it
/// through `cache_facade` (`cache_facade::async_lru` has runnable examples).
///
/// # Options
///
/// - `maxsize = <u64>`: at most this many cached results (default 128, as in
///   Python; 0 caches nothing, but concurrent equal calls still share one run).
/// - `skip_args = N`: the first N arguments after the receiver are left out of
///   the key (a `&Db` handle, say). The receiver (`self`) never is part of it:
///   a method's cache is shared by every instance.
/// - `name = "users"`: the label of the cache's metrics (default: the
///   function's path, `module_path!()::name`, so two memoized functions
///   never share their series).
/// - `key = <expr>, key_type = <Type>`: a key of your own, computed from the
///   arguments (in scope by name, `self` included); its type must be written
///   because the cache is a `static`.
///
/// # The key
///
/// Without `key`, the key is made of the remaining arguments: with one, its
/// type; with several, their tuple; with none, `()`. An argument of a
/// reference type `&T` (`&str`, `&[u8]`, `&User`) is turned into an owned key
/// part with `ToOwned` (`String`, `Vec<u8>`, `User`), others are cloned. Every
/// key part must be `Hash + Eq + Clone + Send + Sync + 'static`; a type that is
/// not is reported where the argument's type is written.
///
/// # Results and errors
///
/// A function returning `Result<V, E>` (recognized by the last path segment
/// `Result`, with both type arguments written) caches only `Ok` values. An
/// `Err` is not cached; the body runs once for all concurrent callers, and
/// each of them gets its own `E` made from the one shared error
/// (`E: Debug + Display + Send + Sync + 'static`):
///
/// - a clone of it, when `E: Clone`;
/// - else `E::from(SharedError<E>)`, which `std::io::Error` (kind and
///   message kept), `anyhow::Error` and `BoxError` already implement (the
///   message is kept, the original is reachable by downcast to
///   `SharedError<E>`); implement that `From` for an error of your own, or
///   derive `Clone`. Any other `E` is refused at compile time, at the error
///   type, with this advice.
///
/// Any other return type `V` is cached as it is. `V` must be
/// `Clone + Send + Sync + 'static`. If the body panics, every caller that
/// waited for it panics with the same message.
///
/// # Companions
///
/// Next to `fn name`, with the same visibility (associated functions in the
/// same `impl` for a method):
///
/// | companion | what it does |
/// |---|---|
/// | `async fn name_refresh(<same arguments>) -> <same return type>` | runs the body again and caches the result even when one is cached (Python's `use_cache=False`); a method's takes the same receiver |
/// | `async fn name_invalidate(key: &Key) -> bool` | drops one cached result; whether there was one |
/// | `async fn name_clear()` | drops every cached result |
/// | `fn name_metrics() -> MetricsSnapshot` | hits, misses, size, loads, ... |
/// | `fn name_cache() -> &'static MemoCache<Key, V>` | the cache itself (the one `AsyncLru` / `AsyncTtl` build with the same options) |
///
/// `Key` is the key type described above (`String` for one `&str` argument).
///
/// # Not supported (compile errors)
///
/// Functions that are not `async`; generic functions (type or const
/// parameters, `impl Trait`, `where` clauses): each function has one static
/// cache, so its types must be concrete; arguments that are patterns rather
/// than plain names; `skip_args` larger than the number of arguments; a
/// `Result<T>` alias that hides the error type. An associated function
/// without a receiver is taken for a free function: decorate methods
/// (functions with `self`) or free functions.
#[proc_macro_attribute]
pub fn async_lru(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Lru, args, item)
}

/// Memoizes an `async fn` in a cache whose entries expire: Python's
/// `@AsyncTTL(time_to_live=60, maxsize=1024)`, written
/// `#[async_ttl(ttl_secs = 60, maxsize = 1024)]`. Use it through
/// `cache_facade` (`cache_facade::async_ttl` has runnable examples).
///
/// # Options
///
/// - `ttl_secs = <u64>` (required): how long a result lives after it is
///   computed; 0 caches nothing.
/// - `maxsize = <u64>`: at most this many cached results, evicted by the
///   W-TinyLFU policy (default: no bound).
/// - `fail_safe_secs = <u64>`: keep an expired result this long more, and
///   return it when the next call fails or panics (fail-safe), as
///   `AsyncTtl::fail_safe`.
/// - `skip_args`, `name`, `key` and `key_type`: as in [`async_lru`], which
///   also describes the key, the error handling and the companions
///   (`<fn>_refresh`, `<fn>_invalidate`, `<fn>_clear`, `<fn>_metrics`,
///   `<fn>_cache`).
#[proc_macro_attribute]
pub fn async_ttl(args: TokenStream, item: TokenStream) -> TokenStream {
    run(Kind::Ttl, args, item)
}

fn run(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let result = (|input: syn::parse::ParseStream<'_>| Options::parse(kind, input))
        .parse(args)
        .and_then(|options| {
            let function = syn::parse::<syn::ItemFn>(item.clone())?;
            expand::expand(kind, &options, &function)
        });
    match result {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            // Keep the function as written so that its uses do not add
            // errors of their own.
            let mut out = error.to_compile_error();
            out.extend(proc_macro2::TokenStream::from(item));
            out.into()
        }
    }
}
