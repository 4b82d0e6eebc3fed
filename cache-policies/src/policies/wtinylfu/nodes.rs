//! W-TinyLFU's key nodes: an [`Arena`] of 16-byte nodes (hash and two
//! links) that keeps each key's queue in the low two bits of the node's tag,
//! its `reused` flag in the third, and its weight in a side column, allocated
//! only once some weight is not 1. Unweighted stores thus pay 16 bytes per
//! node; weighted ones 20.

use super::super::arena::{Arena, List};
use super::{Queue, Slot};

/// The tag bits that hold the queue.
const QUEUE_BITS: u8 = 0b11;
/// The tag bit that holds [`Slot::reused`].
const REUSED_BIT: u8 = 0b100;

impl Queue {
    /// The queue as tag bits.
    const fn tag(self) -> u8 {
        match self {
            Self::Window => 0,
            Self::Probation => 1,
            Self::Protected => 2,
        }
    }

    /// The queue a node tag names.
    const fn of_tag(tag: u8) -> Self {
        match tag & QUEUE_BITS {
            0 => Self::Window,
            1 => Self::Probation,
            _ => Self::Protected,
        }
    }
}

/// Key nodes with a [`Slot`] each; the [`Arena`] calls plus `Slot` access.
#[derive(Debug, Default)]
pub(super) struct Nodes {
    arena: Arena<()>,
    /// Node weights by index, as long as the highest index whose weight was
    /// ever set to something other than 1; any node beyond weighs 1. Empty
    /// while every weight is 1.
    weights: Vec<u32>,
}

impl Nodes {
    pub(super) fn new() -> Self {
        Self { arena: Arena::new(), weights: Vec::new() }
    }

    /// The node's queue, weight and flag.
    #[inline]
    pub(super) fn data(&self, idx: usize) -> Slot {
        let weight = self.weights.get(idx).copied().unwrap_or(1);
        let tag = self.arena.tag(idx);
        Slot { queue: Queue::of_tag(tag), weight, reused: tag & REUSED_BIT != 0 }
    }

    /// Sets the node's [`Slot::reused`] flag.
    #[inline]
    pub(super) fn set_reused(&mut self, idx: usize) {
        let tag = self.arena.tag(idx);
        if tag & REUSED_BIT == 0 {
            self.arena.set_tag(idx, tag | REUSED_BIT);
        }
    }

    /// Moves the node to `queue` (its tag; the caller links it).
    #[inline]
    pub(super) fn set_queue(&mut self, idx: usize, queue: Queue) {
        let tag = self.arena.tag(idx);
        self.arena.set_tag(idx, (tag & !QUEUE_BITS) | queue.tag());
    }

    pub(super) fn set_weight(&mut self, idx: usize, weight: u32) {
        if let Some(stored) = self.weights.get_mut(idx) {
            *stored = weight;
        } else if weight != 1 {
            let len = self.weights.len();
            if idx >= self.weights.capacity() {
                // Grow by an eighth at least, as the arena does.
                self.weights.reserve_exact((idx + 1 - len).max(len / 8).max(16));
            }
            self.weights.resize(idx + 1, 1);
            self.weights[idx] = weight;
        }
    }

    /// [`Arena::alloc`] with a slot.
    pub(super) fn alloc(&mut self, hash: u64, slot: Slot) -> Option<usize> {
        let idx = self.arena.alloc(hash, ())?;
        let reused = if slot.reused { REUSED_BIT } else { 0 };
        self.arena.set_tag(idx, slot.queue.tag() | reused);
        self.set_weight(idx, slot.weight);
        Some(idx)
    }

    #[inline]
    pub(super) fn find(&self, hash: u64) -> Option<usize> {
        self.arena.find(hash)
    }

    pub(super) fn release(&mut self, idx: usize) {
        self.arena.release(idx);
    }

    #[inline]
    pub(super) fn hash_of(&self, idx: usize) -> u64 {
        self.arena.hash_of(idx)
    }

    pub(super) fn next(&self, idx: usize) -> usize {
        self.arena.next(idx)
    }

    #[inline]
    pub(super) fn push_back(&mut self, list: &mut List, idx: usize) {
        self.arena.push_back(list, idx);
    }

    #[inline]
    pub(super) fn unlink(&mut self, list: &mut List, idx: usize) {
        self.arena.unlink(list, idx);
    }

    #[inline]
    pub(super) fn move_to_back(&mut self, list: &mut List, idx: usize) {
        self.arena.move_to_back(list, idx);
    }

    pub(super) fn len(&self) -> usize {
        self.arena.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_and_weights_read_back_and_weights_cost_nothing_until_one_differs() {
        let mut nodes = Nodes::new();
        let slot = |queue, weight| Slot { queue, weight, reused: false };
        let a = nodes.alloc(1, slot(Queue::Window, 1)).expect("room");
        let b = nodes.alloc(2, slot(Queue::Protected, 1)).expect("room");
        assert!(nodes.weights.is_empty(), "unit weights are not stored");
        nodes.set_queue(a, Queue::Probation);
        assert_eq!((nodes.data(a).queue, nodes.data(a).weight), (Queue::Probation, 1));
        assert_eq!(nodes.data(b).queue, Queue::Protected);
        nodes.set_weight(b, 7);
        assert_eq!((nodes.data(a).weight, nodes.data(b).weight), (1, 7));
        nodes.release(b);
        let c = nodes.alloc(3, slot(Queue::Window, 1)).expect("room");
        assert_eq!(c, b, "the slot is reused");
        assert_eq!((nodes.data(c).queue, nodes.data(c).weight), (Queue::Window, 1));
        let d = nodes.alloc(4, slot(Queue::Window, 1)).expect("room");
        assert_eq!(nodes.weights.len(), 2, "unit weights beyond the column are not stored");
        assert_eq!(nodes.data(d).weight, 1);
        nodes.set_reused(d);
        nodes.set_queue(d, Queue::Protected);
        assert_eq!((nodes.data(d).queue, nodes.data(d).reused), (Queue::Protected, true));
        assert!(!nodes.data(a).reused);
    }
}
