//! Implements `Store` for a newtype over a `PolicyStore` by forwarding every
//! method to the engine (the shipped configurations are such newtypes).

macro_rules! delegate_store {
    ($store:ident) => {
        impl<K, V> cache_core::Store<K, V> for $store<K, V>
        where
            K: std::hash::Hash + Eq + Clone + Send + Sync,
            V: Clone + Send + Sync,
        {
            #[inline]
            fn get<Q>(&self, key: &Q) -> Option<V>
            where
                Q: std::hash::Hash + cache_core::Equivalent<K> + ?Sized,
            {
                self.0.get(key)
            }
            fn contains_key<Q>(&self, key: &Q) -> bool
            where
                Q: std::hash::Hash + cache_core::Equivalent<K> + ?Sized,
            {
                self.0.contains_key(key)
            }
            #[inline]
            fn get_with_time_left<Q>(&self, key: &Q) -> Option<(V, Option<std::time::Duration>)>
            where
                Q: std::hash::Hash + cache_core::Equivalent<K> + ?Sized,
            {
                self.0.get_with_time_left(key)
            }
            fn insert(&self, key: K, value: V, expires_at: Option<cache_core::time::Instant>) {
                self.0.insert(key, value, expires_at);
            }
            fn remove<Q>(&self, key: &Q) -> Option<V>
            where
                Q: std::hash::Hash + cache_core::Equivalent<K> + ?Sized,
            {
                self.0.remove(key)
            }
            fn clear(&self) {
                self.0.clear();
            }
            fn run_pending_tasks(&self) {
                self.0.run_pending_tasks();
            }
            #[inline]
            fn len(&self) -> u64 {
                self.0.len()
            }
            #[inline]
            fn weighted_size(&self) -> u64 {
                self.0.weighted_size()
            }
            fn capacity(&self) -> cache_core::Capacity {
                self.0.capacity()
            }
            fn time_to_idle(&self) -> Option<std::time::Duration> {
                self.0.time_to_idle()
            }
            fn for_each_entry(&self, visit: &mut dyn FnMut(&K, &V)) {
                self.0.for_each_entry(visit);
            }
            fn add_eviction_listener(&self, listener: cache_core::EvictionListener<K, V>) {
                self.0.add_eviction_listener(listener);
            }
            fn reports_in_flight(&self) -> bool {
                self.0.reports_in_flight()
            }
        }

        impl<K, V> std::fmt::Debug for $store<K, V> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($store)).field(&self.0).finish()
            }
        }
    };
}

pub(crate) use delegate_store;
