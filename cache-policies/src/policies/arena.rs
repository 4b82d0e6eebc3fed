//! A slab of key nodes threaded by intrusive doubly linked lists, indexed by
//! key: the building block of every shipped policy.
//!
//! Nodes live in a `Vec` and are named by their index; freed indices are
//! reused, newest first (a free list threaded through the freed nodes' links,
//! so it costs no memory). A [`List`] is just `(head, tail, len)`, so several lists
//! (LRU queues, SLRU segments) can share one arena, and a node moves between
//! them in O(1). The key index is a `hashbrown::HashTable<u32>` that stores
//! slab indices only. Links and index entries are `u32` (half the bytes of
//! `usize`), of which a link uses 29 bits: the top 3 bits of a node's `next`
//! link are its *tag*, three bits of payload for free (W-TinyLFU's queue and
//! a flag, SIEVE's visited bit). A node with a zero-sized payload
//! (`Arena<()>`) is thus 16 bytes: its hash and two links. One arena tracks
//! at most [`MAX_NODES`] (2^29 - 1, 536,870,911) keys; [`alloc`](Arena::alloc) refuses more, and
//! the policy leaves such a key untracked instead of panicking: it is never
//! a victim, and a [`PolicyStore`](crate::PolicyStore) keeps its bound by
//! evicting the keys the policy does name (any entry once it names none).
//! Callers still name nodes by `usize`.
//!
//! A key is tracked by the store's hash alone ([`alloc`](Arena::alloc),
//! [`find`](Arena::find)): no key is copied, and a store that owns its keys
//! is told victims by hash. Two keys with the same 64-bit hash are one node.

use hashbrown::HashTable;

use crate::policy_store::make_room;

/// The "no node" index.
pub(crate) const NIL: usize = usize::MAX;
/// Bits of a link that name a node; the rest of a `next` link is the tag.
const LINK_BITS: u32 = 29;
/// The node bits of a link.
const LINK_MASK: u32 = (1 << LINK_BITS) - 1;
/// [`NIL`] as stored in a link.
const NIL_LINK: u32 = LINK_MASK;
/// The most keys one arena tracks: indices `0..MAX_NODES`, all below
/// [`NIL_LINK`].
pub(crate) const MAX_NODES: usize = LINK_MASK as usize;

/// A node index (below [`MAX_NODES`], or [`NIL`]) as stored in a link or in
/// the key index.
#[inline]
fn link(idx: usize) -> u32 {
    if idx == NIL {
        NIL_LINK
    } else {
        debug_assert!(idx < MAX_NODES, "node {idx} beyond the arena");
        // `alloc` hands out indices below MAX_NODES only: no truncation.
        #[allow(clippy::cast_possible_truncation)]
        let link = idx as u32;
        link
    }
}

/// A stored link (tag bits cleared) as a node index.
#[inline]
fn unlink_index(link: u32) -> usize {
    if link == NIL_LINK { NIL } else { link as usize }
}

#[derive(Debug)]
struct Node<T> {
    hash: u64,
    prev: u32,
    /// The next newer node's link in the low [`LINK_BITS`], the node's tag
    /// in the top bits.
    next: u32,
    data: T,
}

impl<T> Node<T> {
    /// The next link, without the tag.
    #[inline]
    const fn next_link(&self) -> u32 {
        self.next & LINK_MASK
    }

    /// Sets the next link, keeping the tag.
    #[inline]
    fn set_next(&mut self, link: u32) {
        self.next = (self.next & !LINK_MASK) | link;
    }
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
#[derive(Debug)]
pub(crate) struct Arena<T> {
    nodes: Vec<Node<T>>,
    /// The most recently released node, reused first; each released node's
    /// `next` link names the one released before it ([`NIL_LINK`]: none).
    free: u32,
    /// Slab indices, found by the caller's hash.
    index: HashTable<u32>,
    /// The most keys tracked at once ([`MAX_NODES`]; less in tests).
    limit: usize,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Arena<T> {
    pub(crate) fn new() -> Self {
        Self::with_limit(MAX_NODES)
    }

    /// An arena that tracks at most `limit` (≤ [`MAX_NODES`]) keys.
    fn with_limit(limit: usize) -> Self {
        Self {
            nodes: Vec::new(),
            free: NIL_LINK,
            index: HashTable::new(),
            limit: limit.min(MAX_NODES),
        }
    }

    /// The node tracked for `hash`, if any.
    pub(crate) fn find(&self, hash: u64) -> Option<usize> {
        let nodes = &self.nodes;
        self.index.find(hash, |&i| nodes[i as usize].hash == hash).map(|&i| i as usize)
    }

    /// Tracks `hash` in a new unlinked node with tag 0; `None` (and nothing
    /// tracked) when the arena already tracks [`MAX_NODES`] keys.
    pub(crate) fn alloc(&mut self, hash: u64, data: T) -> Option<usize> {
        let node = Node { hash, prev: NIL_LINK, next: NIL_LINK, data };
        let idx = if self.free == NIL_LINK {
            if self.nodes.len() >= self.limit {
                return None;
            }
            if self.nodes.len() == self.nodes.capacity() {
                // Grow by an eighth, not double: at most 12.5% of the slab is
                // slack (doubling left up to half of it unused; 100,000 keys
                // held 131,072 nodes). Still amortised O(1) per key.
                let more = (self.nodes.len() / 8).max(16);
                self.nodes.reserve_exact(more);
            }
            self.nodes.push(node);
            self.nodes.len() - 1
        } else {
            let idx = self.free as usize;
            self.free = self.nodes[idx].next_link();
            self.nodes[idx] = node;
            idx
        };
        let nodes = &self.nodes;
        if self.index.len() == self.index.capacity() {
            // Not doubled for the tombstones of released keys (see make_room).
            make_room(&mut self.index, |&i| nodes[i as usize].hash);
        }
        self.index.insert_unique(hash, link(idx), |&i| nodes[i as usize].hash);
        Some(idx)
    }

    /// Forgets an unlinked node.
    pub(crate) fn release(&mut self, idx: usize) {
        let hash = self.nodes[idx].hash;
        let stored = link(idx);
        if let Ok(entry) = self.index.find_entry(hash, |&i| i == stored) {
            entry.remove();
        }
        self.nodes[idx].set_next(self.free);
        self.free = stored;
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

    /// The node's tag (0..8; 0 when allocated), kept in its `next` link.
    #[inline]
    pub(crate) fn tag(&self, idx: usize) -> u8 {
        // The top three bits of a u32: the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation)]
        let tag = (self.nodes[idx].next >> LINK_BITS) as u8;
        tag
    }

    /// Sets the node's tag (`tag` < 8); linked or not, it stays put.
    #[inline]
    pub(crate) fn set_tag(&mut self, idx: usize, tag: u8) {
        debug_assert!(tag < 8, "a tag has three bits");
        let node = &mut self.nodes[idx];
        node.next = node.next_link() | (u32::from(tag) << LINK_BITS);
    }

    /// The next newer node in its list, or [`NIL`].
    pub(crate) fn next(&self, idx: usize) -> usize {
        unlink_index(self.nodes[idx].next_link())
    }

    /// Links an unlinked node at the newest end of `list`.
    pub(crate) fn push_back(&mut self, list: &mut List, idx: usize) {
        let node = &mut self.nodes[idx];
        node.prev = link(list.tail);
        node.set_next(NIL_LINK);
        if list.tail == NIL {
            list.head = idx;
        } else {
            self.nodes[list.tail].set_next(link(idx));
        }
        list.tail = idx;
        list.len += 1;
    }

    /// Unlinks a node from `list` (which must be the list holding it); its
    /// tag stays.
    pub(crate) fn unlink(&mut self, list: &mut List, idx: usize) {
        let (prev, next) = (self.nodes[idx].prev, self.nodes[idx].next_link());
        if prev == NIL_LINK {
            list.head = unlink_index(next);
        } else {
            self.nodes[prev as usize].set_next(next);
        }
        if next == NIL_LINK {
            list.tail = unlink_index(prev);
        } else {
            self.nodes[next as usize].prev = prev;
        }
        self.nodes[idx].prev = NIL_LINK;
        self.nodes[idx].set_next(NIL_LINK);
        list.len -= 1;
    }

    /// Moves a node of `list` to its newest end (the hit path of LRU
    /// queues: [`unlink`](Self::unlink) then [`push_back`](Self::push_back)
    /// without the stores they would undo).
    pub(crate) fn move_to_back(&mut self, list: &mut List, idx: usize) {
        let tail = list.tail;
        if tail == idx {
            return;
        }
        // Linked and not the newest: `next` is a node.
        let (prev, next) = (self.nodes[idx].prev, self.nodes[idx].next_link());
        if prev == NIL_LINK {
            list.head = next as usize;
        } else {
            self.nodes[prev as usize].set_next(next);
        }
        self.nodes[next as usize].prev = prev;
        self.nodes[tail].set_next(link(idx));
        let node = &mut self.nodes[idx];
        node.prev = link(tail);
        node.set_next(NIL_LINK);
        list.tail = idx;
    }

    /// Forgets every node (lists must be reset by the caller).
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.free = NIL_LINK;
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
    fn a_node_without_payload_is_a_hash_and_two_links() {
        assert_eq!(std::mem::size_of::<Node<()>>(), 16);
    }

    #[test]
    fn lists_link_unlink_and_reuse_slots() {
        let mut arena: Arena<()> = Arena::new();
        let mut list = List::new();
        let ids: Vec<usize> = (0..3)
            .map(|h| {
                let i = arena.alloc(100 + h, ()).expect("room");
                arena.push_back(&mut list, i);
                i
            })
            .collect();
        arena.move_to_back(&mut list, ids[0]);
        assert_eq!(arena.hash_of(list.head()), 101);
        arena.unlink(&mut list, ids[1]);
        arena.release(ids[1]);
        assert_eq!(arena.find(101), None);
        let again = arena.alloc(109, ()).expect("room");
        assert_eq!(again, ids[1], "freed slots are reused");
        assert_eq!(arena.find(109), Some(again));
        assert_eq!((arena.len(), list.len()), (3, 2));
        assert_eq!(arena.next(list.head()), ids[0]);
        for &i in &[ids[2], ids[0]] {
            arena.unlink(&mut list, i);
            arena.release(i);
        }
        let reused = [arena.alloc(7, ()), arena.alloc(8, ()), arena.alloc(9, ())];
        assert_eq!(reused, [Some(ids[0]), Some(ids[2]), Some(3)], "newest freed first");
        assert_eq!((arena.find(7), arena.find(9)), (Some(ids[0]), Some(3)));
    }

    #[test]
    fn tags_survive_every_link_change() {
        let mut arena: Arena<()> = Arena::new();
        let (mut a, mut b) = (List::new(), List::new());
        let ids: Vec<usize> = (0..4u8)
            .map(|t| {
                let i = arena.alloc(u64::from(t), ()).expect("room");
                assert_eq!(arena.tag(i), 0, "a new node has tag 0");
                arena.set_tag(i, 7 - t);
                arena.push_back(&mut a, i);
                i
            })
            .collect();
        arena.move_to_back(&mut a, ids[0]);
        arena.unlink(&mut a, ids[2]);
        arena.push_back(&mut b, ids[2]);
        arena.set_tag(ids[1], 2);
        arena.move_to_back(&mut a, ids[3]); // from the middle
        arena.move_to_back(&mut a, ids[3]); // the newest already
        let tags: Vec<u8> = ids.iter().map(|&i| arena.tag(i)).collect();
        assert_eq!(tags, [7, 2, 5, 4]);
        // Links are intact: a holds 1, 0, 3 (oldest first); b holds 2.
        assert_eq!((a.head(), a.len()), (ids[1], 3));
        assert_eq!(arena.next(ids[1]), ids[0]);
        assert_eq!(arena.next(ids[0]), ids[3]);
        assert_eq!(arena.next(ids[3]), NIL);
        assert_eq!((b.head(), arena.next(ids[2])), (ids[2], NIL));
        arena.unlink(&mut a, ids[3]);
        arena.push_back(&mut a, ids[3]);
        arena.unlink(&mut a, ids[0]);
        assert_eq!((a.head(), arena.next(ids[1]), a.len()), (ids[1], ids[3], 2));
    }

    #[test]
    fn churn_leaves_the_key_index_at_the_size_the_keys_need() {
        let mut arena: Arena<()> = Arena::new();
        let mut list = List::new();
        let hash = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (k >> 7);
        for k in 0..3_000 {
            let i = arena.alloc(hash(k), ()).expect("room");
            arena.push_back(&mut list, i);
        }
        let size = arena.index.allocation_size();
        for k in 3_000..200_000 {
            let oldest = list.head();
            arena.unlink(&mut list, oldest);
            arena.release(oldest);
            let i = arena.alloc(hash(k), ()).expect("room");
            arena.push_back(&mut list, i);
        }
        assert_eq!((arena.len(), arena.index.allocation_size()), (3_000, size));
        assert_eq!(arena.find(hash(199_999)), Some(list.tail));
    }

    #[test]
    fn a_full_arena_refuses_keys_and_takes_them_again_once_one_leaves() {
        let mut arena: Arena<()> = Arena::with_limit(2);
        let first = arena.alloc(1, ()).expect("room");
        assert!(arena.alloc(2, ()).is_some());
        assert_eq!(arena.alloc(3, ()), None, "full");
        assert_eq!((arena.len(), arena.find(3)), (2, None));
        arena.release(first);
        assert_eq!(arena.alloc(3, ()), Some(first));
        assert_eq!(Arena::<()>::with_limit(usize::MAX).limit, MAX_NODES);
    }
}
