//! A slab of key nodes threaded by intrusive doubly linked lists, indexed by
//! key: the building block of every shipped policy.
//!
//! Nodes live in a `Vec` and are named by their index; freed indices are
//! reused (free list). A [`List`] is just `(head, tail, len)`, so several lists
//! (LRU queues, SLRU segments) can share one arena, and a node moves between
//! them in O(1). The key index is a `hashbrown::HashTable<u32>` that stores
//! slab indices only. Links and index entries are `u32` (half the bytes of
//! `usize`), so one arena tracks fewer than 2^32 - 1 keys; callers still name
//! nodes by `usize`.
//!
//! A key is tracked by the store's hash alone ([`alloc`](Arena::alloc),
//! [`find`](Arena::find)): no key is copied, and a store that owns its keys
//! is told victims by hash. Two keys with the same 64-bit hash are one node.

use hashbrown::HashTable;

/// The "no node" index.
pub(crate) const NIL: usize = usize::MAX;
/// [`NIL`] as stored in a link.
const NIL_LINK: u32 = u32::MAX;

/// A node index as stored in a link or in the key index.
#[inline]
fn link(idx: usize) -> u32 {
    if idx == NIL {
        NIL_LINK
    } else {
        u32::try_from(idx)
            .ok()
            .filter(|&l| l != NIL_LINK)
            .expect("an arena tracks fewer than 2^32 - 1 keys")
    }
}

/// A stored link as a node index.
#[inline]
fn unlink_index(link: u32) -> usize {
    if link == NIL_LINK { NIL } else { link as usize }
}

#[derive(Debug)]
struct Node<T> {
    hash: u64,
    prev: u32,
    next: u32,
    data: T,
}

/// One intrusive list over an [`Arena`]: `head` is the oldest end (the next
/// victim of a queue), `tail` the newest.
#[derive(Debug, Clone, Copy)]
pub(crate) struct List {
    head: usize,
    tail: usize,
    len: usize,
}

impl Default for List {
    fn default() -> Self {
        Self::new()
    }
}

impl List {
    /// An empty list.
    pub(crate) const fn new() -> Self {
        Self { head: NIL, tail: NIL, len: 0 }
    }

    /// The oldest node, or [`NIL`].
    pub(crate) const fn head(&self) -> usize {
        self.head
    }

    /// The number of linked nodes.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }
}

/// Key-indexed node slab; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Arena<T> {
    nodes: Vec<Node<T>>,
    /// Released indices, reused first.
    free: Vec<usize>,
    /// Slab indices, found by the caller's hash.
    index: HashTable<u32>,
}

impl<T> Arena<T> {
    pub(crate) fn new() -> Self {
        Self { nodes: Vec::new(), free: Vec::new(), index: HashTable::new() }
    }

    /// The node tracked for `hash`, if any.
    pub(crate) fn find(&self, hash: u64) -> Option<usize> {
        let nodes = &self.nodes;
        self.index.find(hash, |&i| nodes[i as usize].hash == hash).map(|&i| i as usize)
    }
    pub(crate) fn alloc(&mut self, hash: u64, data: T) -> usize {
        let node = Node { hash, prev: NIL_LINK, next: NIL_LINK, data };
        let idx = if let Some(idx) = self.free.pop() {
            self.nodes[idx] = node;
            idx
        } else {
            if self.nodes.len() == self.nodes.capacity() {
                // Grow by an eighth, not double: at most 12.5% of the slab is
                // slack (doubling left up to half of it unused; 100,000 keys
                // held 131,072 nodes). Still amortised O(1) per key.
                let more = (self.nodes.len() / 8).max(16);
                self.nodes.reserve_exact(more);
            }
            self.nodes.push(node);
            self.nodes.len() - 1
        };
        let nodes = &self.nodes;
        self.index.insert_unique(hash, link(idx), |&i| nodes[i as usize].hash);
        idx
    }

    /// Forgets an unlinked node and returns its key (`None` in a hashed
    /// arena).
    pub(crate) fn release(&mut self, idx: usize) {
        let hash = self.nodes[idx].hash;
        let stored = link(idx);
        if let Ok(entry) = self.index.find_entry(hash, |&i| i == stored) {
            entry.remove();
        }
        self.free.push(idx);
    }
    pub(crate) fn hash_of(&self, idx: usize) -> u64 {
        self.nodes[idx].hash
    }

    /// The payload of a node.
    pub(crate) fn data(&self, idx: usize) -> &T {
        &self.nodes[idx].data
    }

    /// The payload of a node, mutably.
    pub(crate) fn data_mut(&mut self, idx: usize) -> &mut T {
        &mut self.nodes[idx].data
    }

    /// The next newer node in its list, or [`NIL`].
    pub(crate) fn next(&self, idx: usize) -> usize {
        unlink_index(self.nodes[idx].next)
    }

    /// Links an unlinked node at the newest end of `list`.
    pub(crate) fn push_back(&mut self, list: &mut List, idx: usize) {
        let node = &mut self.nodes[idx];
        node.prev = link(list.tail);
        node.next = NIL_LINK;
        if list.tail == NIL {
            list.head = idx;
        } else {
            self.nodes[list.tail].next = link(idx);
        }
        list.tail = idx;
        list.len += 1;
    }

    /// Unlinks a node from `list` (which must be the list holding it).
    pub(crate) fn unlink(&mut self, list: &mut List, idx: usize) {
        let (prev, next) = (self.nodes[idx].prev, self.nodes[idx].next);
        if prev == NIL_LINK {
            list.head = unlink_index(next);
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL_LINK {
            list.tail = unlink_index(prev);
        } else {
            self.nodes[next as usize].prev = prev;
        }
        self.nodes[idx].prev = NIL_LINK;
        self.nodes[idx].next = NIL_LINK;
        list.len -= 1;
    }

    /// Moves a node of `list` to its newest end.
    pub(crate) fn move_to_back(&mut self, list: &mut List, idx: usize) {
        if list.tail != idx {
            self.unlink(list, idx);
            self.push_back(list, idx);
        }
    }

    /// Forgets every node (lists must be reset by the caller).
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.free.clear();
        self.index.clear();
    }

    /// The number of tracked keys.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_link_unlink_and_reuse_slots() {
        let mut arena: Arena<()> = Arena::new();
        let mut list = List::new();
        let ids: Vec<usize> = (0..3)
            .map(|h| {
                let i = arena.alloc(100 + h, ());
                arena.push_back(&mut list, i);
                i
            })
            .collect();
        arena.move_to_back(&mut list, ids[0]);
        assert_eq!(arena.hash_of(list.head()), 101);
        arena.unlink(&mut list, ids[1]);
        arena.release(ids[1]);
        assert_eq!(arena.find(101), None);
        let again = arena.alloc(109, ());
        assert_eq!(again, ids[1], "freed slots are reused");
        assert_eq!(arena.find(109), Some(again));
        assert_eq!((arena.len(), list.len()), (3, 2));
        assert_eq!(arena.next(list.head()), ids[0]);
    }
}
