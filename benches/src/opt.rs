//! Belady's optimal policy: on a miss with a full cache, evict the key whose
//! next use is furthest away (or never). Offline: it needs the whole trace.

use std::collections::{BinaryHeap, HashMap};

/// For each request, the index of the next request of the same key
/// (`usize::MAX`: never again).
#[must_use]
pub fn next_uses(keys: &[u64]) -> Vec<usize> {
    let mut next = vec![usize::MAX; keys.len()];
    let mut seen: HashMap<u64, usize> = HashMap::with_capacity(keys.len() / 4);
    for (i, key) in keys.iter().enumerate().rev() {
        if let Some(later) = seen.insert(*key, i) {
            next[i] = later;
        }
    }
    next
}

/// The hits OPT scores on `keys` with room for `capacity` keys, cold misses
/// included. `next` is [`next_uses`] of `keys` (computed once per trace).
#[must_use]
pub fn opt_hits(keys: &[u64], next: &[usize], capacity: usize) -> u64 {
    if capacity == 0 {
        return 0;
    }
    // Resident key -> its next use; the heap holds (next use, key) with stale
    // items skipped lazily.
    let mut resident: HashMap<u64, usize> = HashMap::with_capacity(capacity * 2);
    let mut heap: BinaryHeap<(usize, u64)> = BinaryHeap::with_capacity(capacity * 2);
    let mut hits = 0;
    for (i, &key) in keys.iter().enumerate() {
        let next_use = next[i];
        if let Some(slot) = resident.get_mut(&key) {
            hits += 1;
            *slot = next_use;
            heap.push((next_use, key));
            continue;
        }
        resident.insert(key, next_use);
        heap.push((next_use, key));
        while resident.len() > capacity {
            let (when, victim) = heap.pop().expect("resident keys are in the heap");
            if resident.get(&victim) == Some(&when) {
                resident.remove(&victim);
            }
        }
        if heap.len() > capacity * 4 {
            heap.retain(|(when, k)| resident.get(k) == Some(when));
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_uses_point_forward() {
        assert_eq!(next_uses(&[1, 2, 1, 1]), [2, usize::MAX, 3, usize::MAX]);
    }

    #[test]
    fn opt_on_a_known_trace() {
        // Capacity 2 on the loop 1 2 3 1 2 3 1 2 3: after the cold misses of
        // 1 and 2, each 3 is needed later than 1 and 2, so OPT drops 3 itself
        // and keeps 1 and 2: hits at 1 2 _ 1 2 _ = 4.
        let keys = [1, 2, 3, 1, 2, 3, 1, 2, 3];
        let next = next_uses(&keys);
        assert_eq!(opt_hits(&keys, &next, 2), 4);
        assert_eq!(opt_hits(&keys, &next, 3), 6);
        assert_eq!(opt_hits(&keys, &next, 0), 0);
        // A textbook example (Silberschatz): 7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1
        // with 3 frames has 9 faults (11 hits) under demand paging, where the
        // new page must be kept. A cache may decline to keep the new key:
        // OPT with bypass, as simulated here, scores one more hit.
        let book = [7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1];
        assert_eq!(opt_hits(&book, &next_uses(&book), 3), 12);
    }

    #[test]
    fn opt_is_never_below_lru() {
        let keys = crate::zipf::zipf_keys(500, 0.8, 20_000, 3);
        let next = next_uses(&keys);
        let mut lru = lru::LruCache::unbounded();
        let mut lru_hits = 0;
        for &k in &keys {
            if lru.get(&k).is_some() {
                lru_hits += 1;
            } else {
                lru.put(k, ());
                if lru.len() > 50 {
                    lru.pop_lru();
                }
            }
        }
        assert!(opt_hits(&keys, &next, 50) > lru_hits);
    }
}
