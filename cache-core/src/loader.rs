//! How missing values are fetched.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;

use async_trait::async_trait;

/// The error type loaders return: any error, boxed. `?` converts into it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Fetches the value of one key (from a database, a remote API, ...).
///
/// Dyn-compatible through `async-trait`. The cache calls it on a miss and
/// guarantees that concurrent misses of one key share a single call.
///
/// # Examples
///
/// ```
/// use cache_core::{BoxError, Loader, async_trait};
///
/// #[derive(Debug)]
/// struct UserNames;
///
/// #[async_trait]
/// impl Loader<u64, String> for UserNames {
///     async fn load(&self, id: &u64) -> Result<String, BoxError> {
///         if *id == 0 {
///             return Err("user 0 does not exist".into());
///         }
///         Ok(format!("user-{id}"))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let loader: Box<dyn Loader<u64, String>> = Box::new(UserNames);
/// assert_eq!(loader.load(&7).await.unwrap(), "user-7");
/// assert!(loader.load(&0).await.is_err());
/// # }
/// ```
#[async_trait]
pub trait Loader<K, V>: Send + Sync {
    /// Loads the value of `key`.
    async fn load(&self, key: &K) -> Result<V, BoxError>;
}

/// Fetches the values of many keys in one call (DataLoader style).
///
/// It receives the distinct keys of one batch and returns the values it found.
/// A key left out of the map means "not found"; keys nobody asked for are
/// ignored. An error fails every caller of the batch; nothing from a failed
/// batch is cached.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use cache_core::{BatchLoader, BoxError, async_trait};
///
/// #[derive(Debug)]
/// struct EvenSquares;
///
/// #[async_trait]
/// impl BatchLoader<u64, u64> for EvenSquares {
///     async fn load_batch(&self, keys: &[u64]) -> Result<HashMap<u64, u64>, BoxError> {
///         // One query for the whole batch; odd keys "do not exist".
///         Ok(keys.iter().filter(|k| *k % 2 == 0).map(|&k| (k, k * k)).collect())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let found = EvenSquares.load_batch(&[1, 2, 4]).await.unwrap();
/// assert_eq!(found.len(), 2);
/// assert_eq!(found[&4], 16);
/// assert!(!found.contains_key(&1));
/// # }
/// ```
#[async_trait]
pub trait BatchLoader<K, V>: Send + Sync {
    /// Loads the values of `keys` (distinct, never empty).
    async fn load_batch(&self, keys: &[K]) -> Result<HashMap<K, V>, BoxError>;
}

/// A [`Loader`] made from a closure by [`loader_fn`].
pub struct LoaderFn<F, K> {
    f: F,
    _key: PhantomData<fn(K)>,
}

impl<F, K> fmt::Debug for LoaderFn<F, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoaderFn(..)")
    }
}

/// Turns `|key: K| async move { .. }` into a [`Loader`]; the closure receives a
/// clone of the key and returns `Result<V, E>` for any error `E`.
///
/// # Examples
///
/// ```
/// use cache_core::{Loader, loader_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let loader = loader_fn(|name: String| async move {
///     name.parse::<u32>() // a ParseIntError converts into the loader's error
/// });
/// assert_eq!(loader.load(&"42".to_string()).await.unwrap(), 42);
/// assert!(loader.load(&"x".to_string()).await.is_err());
/// # }
/// ```
pub fn loader_fn<F, K, Fut, V, E>(f: F) -> LoaderFn<F, K>
where
    F: Fn(K) -> Fut + Send + Sync,
    Fut: Future<Output = Result<V, E>> + Send,
    E: Into<BoxError>,
{
    LoaderFn { f, _key: PhantomData }
}

#[async_trait]
impl<F, K, Fut, V, E> Loader<K, V> for LoaderFn<F, K>
where
    F: Fn(K) -> Fut + Send + Sync,
    Fut: Future<Output = Result<V, E>> + Send,
    E: Into<BoxError>,
    K: Clone + Send + Sync,
{
    async fn load(&self, key: &K) -> Result<V, BoxError> {
        (self.f)(key.clone()).await.map_err(Into::into)
    }
}

/// A [`BatchLoader`] made from a closure by [`batch_loader_fn`].
pub struct BatchLoaderFn<F, K> {
    f: F,
    _key: PhantomData<fn(K)>,
}

impl<F, K> fmt::Debug for BatchLoaderFn<F, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BatchLoaderFn(..)")
    }
}

/// Turns `|keys: Vec<K>| async move { .. }` into a [`BatchLoader`]; the closure
/// returns `Result<HashMap<K, V>, E>` for any error `E`.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use cache_core::{BatchLoader, batch_loader_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let loader = batch_loader_fn(|ids: Vec<u32>| async move {
///     Ok::<_, std::io::Error>(ids.into_iter().map(|id| (id, id + 1)).collect::<HashMap<_, _>>())
/// });
/// assert_eq!(loader.load_batch(&[1, 2]).await.unwrap()[&2], 3);
/// # }
/// ```
pub fn batch_loader_fn<F, K, Fut, V, E>(f: F) -> BatchLoaderFn<F, K>
where
    F: Fn(Vec<K>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HashMap<K, V>, E>> + Send,
    E: Into<BoxError>,
{
    BatchLoaderFn { f, _key: PhantomData }
}

#[async_trait]
impl<F, K, Fut, V, E> BatchLoader<K, V> for BatchLoaderFn<F, K>
where
    F: Fn(Vec<K>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<HashMap<K, V>, E>> + Send,
    E: Into<BoxError>,
    K: Clone + Hash + Eq + Send + Sync,
{
    async fn load_batch(&self, keys: &[K]) -> Result<HashMap<K, V>, BoxError> {
        (self.f)(keys.to_vec()).await.map_err(Into::into)
    }
}
