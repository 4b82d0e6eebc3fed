//! The pluggable decision of what to evict.

/// Decides which key leaves a bounded store, independently of how entries are
/// stored.
///
/// The store tells the policy about every insert of a new key, every access
/// (hit or overwrite) and every removal it did not ask for (explicit removes,
/// expiry), and asks it for a victim whenever it is over capacity. The policy
/// sees keys only; the store owns the values. Calls come one at a time (the
/// store serialises them), so methods take `&mut self`.
///
/// Contract:
/// - [`evict`](EvictionPolicy::evict) names a key the policy was told about
///   and has not yet given up, and forgets it; the store then removes it
///   without calling [`on_remove`](EvictionPolicy::on_remove).
/// - A policy may name the key just inserted (an admission policy rejecting a
///   newcomer).
/// - `evict` returns `None` only when the policy tracks no key.
///
/// # Examples
///
/// A "largest key leaves first" policy in well under 60 lines:
///
/// ```
/// use std::collections::BTreeSet;
/// use cache_core::EvictionPolicy;
///
/// #[derive(Debug, Default)]
/// struct LargestFirst(BTreeSet<u64>);
///
/// impl EvictionPolicy<u64> for LargestFirst {
///     fn on_insert(&mut self, key: &u64, _weight: u32) {
///         self.0.insert(*key);
///     }
///     fn on_access(&mut self, _key: &u64) {}
///     fn on_remove(&mut self, key: &u64) {
///         self.0.remove(key);
///     }
///     fn evict(&mut self) -> Option<u64> {
///         self.0.pop_last()
///     }
///     fn clear(&mut self) {
///         self.0.clear();
///     }
/// }
///
/// let mut policy = LargestFirst::default();
/// for key in [5, 9, 1] {
///     policy.on_insert(&key, 1);
/// }
/// policy.on_remove(&9);
/// assert_eq!(policy.evict(), Some(5));
/// // A store asks through `evict_hashed`; by default it names the key.
/// assert_eq!(policy.evict_hashed(), Some(cache_core::Victim::Key(1)));
/// assert_eq!(policy.evict(), None);
/// ```
pub trait EvictionPolicy<K>: Send + 'static {
    /// A key not tracked before was inserted, weighing `weight`.
    fn on_insert(&mut self, key: &K, weight: u32);

    /// A tracked key was read (a hit).
    fn on_access(&mut self, key: &K);

    /// A tracked key was overwritten with a value weighing `new_weight`.
    /// Counts as an access unless the policy overrides it.
    fn on_update(&mut self, key: &K, old_weight: u32, new_weight: u32) {
        let _ = (old_weight, new_weight);
        self.on_access(key);
    }

    /// A tracked key left the store by other means than [`evict`](Self::evict)
    /// (an explicit remove, or its deadline passed). Forget it.
    fn on_remove(&mut self, key: &K);

    /// Chooses a victim, forgets it and returns it; `None` when nothing is
    /// tracked.
    fn evict(&mut self) -> Option<K>;

    /// Forgets every key.
    fn clear(&mut self);

    /// [`on_insert`](Self::on_insert), given a hash of `key` the caller
    /// computed anyway (a store hashes every key for its own table).
    ///
    /// The `*_hashed` methods and [`on_accesses_by_hash`](Self::on_accesses_by_hash)
    /// let a policy index its keys by the caller's hash instead of hashing
    /// them again. Contract: a caller that uses them on a policy instance
    /// uses them for every call that has one (insert, access, update,
    /// remove), always with hashes from the same hash function; a policy may
    /// otherwise fail to find keys it was told about. The defaults ignore the
    /// hash and call the plain method, so implementing them is optional.
    fn on_insert_hashed(&mut self, key: &K, hash: u64, weight: u32) {
        let _ = hash;
        self.on_insert(key, weight);
    }

    /// [`on_access`](Self::on_access) with the key's hash (see
    /// [`on_insert_hashed`](Self::on_insert_hashed)).
    fn on_access_hashed(&mut self, key: &K, hash: u64) {
        let _ = hash;
        self.on_access(key);
    }

    /// [`on_update`](Self::on_update) with the key's hash (see
    /// [`on_insert_hashed`](Self::on_insert_hashed)).
    fn on_update_hashed(&mut self, key: &K, hash: u64, old_weight: u32, new_weight: u32) {
        let _ = hash;
        self.on_update(key, old_weight, new_weight);
    }

    /// [`on_remove`](Self::on_remove) with the key's hash (see
    /// [`on_insert_hashed`](Self::on_insert_hashed)).
    fn on_remove_hashed(&mut self, key: &K, hash: u64) {
        let _ = hash;
        self.on_remove(key);
    }

    /// Accesses, in order, to the tracked keys whose hashes (as passed to the
    /// `*_hashed` methods) are `hashes`, without the keys themselves: a store
    /// buffering hits as hashes then need not look the keys up, and the
    /// policy may overlap the memory accesses of a batch. Returns `false`
    /// when the policy cannot find keys by hash alone (the default), having
    /// done nothing; the caller then finds each key and calls
    /// [`on_access_hashed`](Self::on_access_hashed). A policy that returns
    /// `true` skips hashes it does not track (and may credit a 64-bit hash
    /// collision to the wrong key).
    fn on_accesses_by_hash(&mut self, hashes: &[u64]) -> bool {
        let _ = hashes;
        false
    }

    /// [`evict`](Self::evict) for a policy driven through the `*_hashed`
    /// methods: it may name the victim by the hash it was given for it
    /// ([`Victim::Hash`]), so it need not keep a copy of every key (the
    /// store has them). The default returns `evict`'s key.
    ///
    /// A caller that uses the hashed methods asks for victims here only;
    /// such a policy's [`evict`](Self::evict) may return `None` while it
    /// still tracks keys it holds no copy of. A policy that names victims
    /// by hash treats two keys with the same 64-bit hash as one.
    fn evict_hashed(&mut self) -> Option<Victim<K>> {
        self.evict().map(Victim::Key)
    }
}

/// A victim named by [`EvictionPolicy::evict_hashed`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Victim<K> {
    /// The victim's key.
    Key(K),
    /// The hash the caller passed for the victim in
    /// [`on_insert_hashed`](EvictionPolicy::on_insert_hashed).
    Hash(u64),
}

impl<K, P: EvictionPolicy<K> + ?Sized> EvictionPolicy<K> for Box<P> {
    fn on_insert(&mut self, key: &K, weight: u32) {
        (**self).on_insert(key, weight);
    }
    fn on_access(&mut self, key: &K) {
        (**self).on_access(key);
    }
    fn on_update(&mut self, key: &K, old_weight: u32, new_weight: u32) {
        (**self).on_update(key, old_weight, new_weight);
    }
    fn on_remove(&mut self, key: &K) {
        (**self).on_remove(key);
    }
    fn evict(&mut self) -> Option<K> {
        (**self).evict()
    }
    fn clear(&mut self) {
        (**self).clear();
    }
    fn on_insert_hashed(&mut self, key: &K, hash: u64, weight: u32) {
        (**self).on_insert_hashed(key, hash, weight);
    }
    fn on_access_hashed(&mut self, key: &K, hash: u64) {
        (**self).on_access_hashed(key, hash);
    }
    fn on_update_hashed(&mut self, key: &K, hash: u64, old_weight: u32, new_weight: u32) {
        (**self).on_update_hashed(key, hash, old_weight, new_weight);
    }
    fn on_remove_hashed(&mut self, key: &K, hash: u64) {
        (**self).on_remove_hashed(key, hash);
    }
    fn on_accesses_by_hash(&mut self, hashes: &[u64]) -> bool {
        (**self).on_accesses_by_hash(hashes)
    }
    fn evict_hashed(&mut self) -> Option<Victim<K>> {
        (**self).evict_hashed()
    }
}
