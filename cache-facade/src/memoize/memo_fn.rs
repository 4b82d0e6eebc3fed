//! [`MemoFn`]: async functions of any number of arguments, seen as one
//! function of a key.

use std::future::Future;
use std::hash::Hash;

use cache_core::BoxError;

/// An async function whose arguments form a cache key: implemented for every
/// `Fn(A, B, ..) -> impl Future<Output = Result<V, E>>` of up to six
/// arguments, each `Hash + Eq + Clone`.
///
/// `Args` is the tuple of argument types; it only tells the arities apart.
/// The [`Key`](MemoFn::Key) of a one-argument function is the argument itself
/// (`call(7)`); of a function of several, the tuple (`call((7, "eu"))`); of a
/// function of none, `()`.
pub trait MemoFn<Args>: Send + Sync + 'static {
    /// The arguments as one key.
    type Key: Hash + Eq + Clone + Send + Sync + 'static;
    /// What the function returns on success (cached).
    type Value: Clone + Send + Sync + 'static;
    /// What the function returns on failure (never cached).
    type Error: Into<BoxError> + 'static;
    /// The function's future.
    type Future: Future<Output = Result<Self::Value, Self::Error>> + Send + 'static;

    /// Calls the function with the arguments in `key`.
    fn call_with(&self, key: Self::Key) -> Self::Future;
}

impl<F, Fut, V, E> MemoFn<()> for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<V, E>> + Send + 'static,
    V: Clone + Send + Sync + 'static,
    E: Into<BoxError> + 'static,
{
    type Key = ();
    type Value = V;
    type Error = E;
    type Future = Fut;

    fn call_with(&self, (): ()) -> Fut {
        self()
    }
}

impl<F, A, Fut, V, E> MemoFn<(A,)> for F
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    A: Hash + Eq + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<V, E>> + Send + 'static,
    V: Clone + Send + Sync + 'static,
    E: Into<BoxError> + 'static,
{
    type Key = A;
    type Value = V;
    type Error = E;
    type Future = Fut;

    fn call_with(&self, key: A) -> Fut {
        self(key)
    }
}

macro_rules! memo_fn_for_tuples {
    ($( ($($arg:ident),+) ),+ $(,)?) => {$(
        impl<F, $($arg,)+ Fut, V, E> MemoFn<($($arg,)+)> for F
        where
            F: Fn($($arg),+) -> Fut + Send + Sync + 'static,
            $($arg: Hash + Eq + Clone + Send + Sync + 'static,)+
            Fut: Future<Output = Result<V, E>> + Send + 'static,
            V: Clone + Send + Sync + 'static,
            E: Into<BoxError> + 'static,
        {
            type Key = ($($arg,)+);
            type Value = V;
            type Error = E;
            type Future = Fut;

            #[allow(non_snake_case)]
            fn call_with(&self, ($($arg,)+): Self::Key) -> Fut {
                self($($arg),+)
            }
        }
    )+};
}

memo_fn_for_tuples!((A, B), (A, B, C), (A, B, C, D), (A, B, C, D, G), (A, B, C, D, G, H));
