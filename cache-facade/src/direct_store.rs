//! Direct calls into the stores this crate ships, so the hit path of the
//! stores users pick most often pays no virtual call.
//!
//! The facade keeps its store as an `Arc<dyn Store>`, so any store works. A
//! `dyn` call cannot be inlined, though, and on a store whose hit takes
//! ~8 ns the call itself (with the register saves around it) is a quarter
//! of the time. When the builder is handed one of the shipped stores (or
//! builds the default one) it also keeps a typed handle to the same object,
//! found with a `TypeId` check at build time, and [`DirectStore::get`]
//! calls it directly: a predictable branch instead of a vtable call.

use std::any::Any;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use cache_core::Store;
use cache_policies::{Lru, LruStore, PolicyStore, Sieve, TtlStore, WTinyLfu};

/// The cache's store behind `dyn Store`, and the same object typed when it is
/// a shipped one.
pub(crate) struct HeldStore<K, V> {
    pub(crate) store: Arc<dyn Store<K, V>>,
    pub(crate) direct: DirectStore<K, V>,
}

impl<K, V> HeldStore<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// Holds `store`, typed when its type is a shipped one.
    pub(crate) fn new<S: Store<K, V> + 'static>(store: S) -> Self {
        let store = Arc::new(store);
        let direct = DirectStore::of(&store);
        Self { store, direct }
    }

    /// Holds a store already erased: every call goes through `dyn Store`.
    pub(crate) fn shared(store: Arc<dyn Store<K, V>>) -> Self {
        Self { store, direct: DirectStore::Other }
    }
}

/// A typed handle to the cache's store when it is one of the shipped stores.
pub(crate) enum DirectStore<K, V> {
    /// The default bounded store.
    TinyLfu(Arc<PolicyStore<K, V, WTinyLfu<K>>>),
    /// `PolicyStore::lru`.
    PolicyLru(Arc<PolicyStore<K, V, Lru<K>>>),
    /// `PolicyStore::sieve`.
    Sieve(Arc<PolicyStore<K, V, Sieve<K>>>),
    /// `LruStore` (also the default unbounded store).
    Lru(Arc<LruStore<K, V>>),
    /// `TtlStore`.
    Ttl(Arc<TtlStore<K, V>>),
    /// Any other store: reached through `dyn Store`.
    Other,
}

impl<K, V> DirectStore<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The typed handle for `store`, if its type is one of the shipped ones.
    pub(crate) fn of<S: Store<K, V> + 'static>(store: &Arc<S>) -> Self {
        let any: Arc<dyn Any + Send + Sync> = Arc::clone(store) as _;
        let any = match any.downcast() {
            Ok(s) => return Self::TinyLfu(s),
            Err(any) => any,
        };
        let any = match any.downcast() {
            Ok(s) => return Self::PolicyLru(s),
            Err(any) => any,
        };
        let any = match any.downcast() {
            Ok(s) => return Self::Sieve(s),
            Err(any) => any,
        };
        let any = match any.downcast() {
            Ok(s) => return Self::Lru(s),
            Err(any) => any,
        };
        match any.downcast() {
            Ok(s) => Self::Ttl(s),
            Err(_) => Self::Other,
        }
    }

    /// `store.get(key)`, called directly when the store's type is known.
    /// `store` must be the object this handle was made from.
    #[inline]
    pub(crate) fn get(&self, store: &dyn Store<K, V>, key: &K) -> Option<V> {
        match self {
            Self::TinyLfu(s) => s.get(key),
            Self::PolicyLru(s) => s.get(key),
            Self::Sieve(s) => s.get(key),
            Self::Lru(s) => s.get(key),
            Self::Ttl(s) => s.get(key),
            Self::Other => store.get(key),
        }
    }
}

impl<K, V> fmt::Debug for DirectStore<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TinyLfu(_) => "PolicyStore<WTinyLfu>",
            Self::PolicyLru(_) => "PolicyStore<Lru>",
            Self::Sieve(_) => "PolicyStore<Sieve>",
            Self::Lru(_) => "LruStore",
            Self::Ttl(_) => "TtlStore",
            Self::Other => "dyn Store",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cache_policies::MokaStore;

    fn kind<S: Store<u64, u64> + 'static>(store: S) -> String {
        format!("{:?}", DirectStore::of(&Arc::new(store)))
    }

    #[test]
    fn shipped_stores_are_recognised_and_others_go_through_dyn() {
        assert_eq!(kind(PolicyStore::tinylfu(10)), "PolicyStore<WTinyLfu>");
        assert_eq!(kind(PolicyStore::lru(10)), "PolicyStore<Lru>");
        assert_eq!(kind(PolicyStore::sieve(10)), "PolicyStore<Sieve>");
        assert_eq!(kind(LruStore::new(10)), "LruStore");
        assert_eq!(kind(TtlStore::new(None).max_capacity(10)), "TtlStore");
        assert_eq!(kind(MokaStore::new(10)), "dyn Store");
        assert_eq!(kind(PolicyStore::fifo(10)), "dyn Store");
    }

    #[test]
    fn direct_and_dyn_calls_reach_the_same_object() {
        let store = Arc::new(TtlStore::new(None).max_capacity(10));
        let direct = DirectStore::of(&store);
        let erased: Arc<dyn Store<u64, u64>> = store;
        erased.insert(1, 10, None);
        assert_eq!(direct.get(&*erased, &1), Some(10));
        assert_eq!(DirectStore::<u64, u64>::Other.get(&*erased, &1), Some(10));
    }
}
