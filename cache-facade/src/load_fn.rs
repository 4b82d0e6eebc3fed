//! [`LoadFn`]: what `get_with` and `get_with_inline` take as a loader, with
//! a diagnostic for moka's habit of passing the future itself.

/// A loader for [`AsyncCache::get_with`](crate::AsyncCache::get_with): a
/// closure called once, on a miss, that returns the load's future `Fut`.
/// Every `FnOnce() -> Fut` is one.
///
/// A closure (not a future, as moka's `get_with` takes) means a hit never
/// builds the load's future at all.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loader: pass a closure that returns the load's future",
    label = "write `|| async move {{ .. }}` (or `move || load(id)`) here, not the future itself",
    note = "the closure is called only on a miss; its future must return `Result<V, E>`"
)]
pub trait LoadFn<Fut>: FnOnce() -> Fut {}

impl<F, Fut> LoadFn<Fut> for F where F: FnOnce() -> Fut {}
