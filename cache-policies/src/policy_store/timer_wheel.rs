//! A hierarchical timer wheel of entry deadlines: the engine's one expiry
//! mechanism.
//!
//! Five levels of 64 buckets, each bucket spanning 2^24 ns (~17 ms), 2^30 ns
//! (~1.1 s), 2^36 ns (~69 s), 2^42 ns (~73 min) and 2^48 ns (~78 h); later
//! deadlines wait in an overflow list. A deadline goes to the lowest level
//! whose 64 buckets reach it. As time advances, every bucket a level enters
//! is emptied: its deadlines that passed expire, the others move down to a
//! finer level. A deadline thus moves at most five times before it expires:
//! O(1) amortised per entry, and no scan over live entries ever.
//!
//! Items are `(deadline, hash)` pairs and are never removed eagerly: the
//! owner checks, when an item comes due, whether its entry still has that
//! deadline (an overwrite or a removal leaves a stale item behind), and
//! compacts the wheel when stale items outnumber the entries.
//!
//! Precision: level-0 buckets are min-heaps, so an advance expires exactly
//! the items due by then (O(log b) each, b the deadlines within ~17 ms).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::mem;

use super::ticks::Ticks;

/// log2 of the bucket span at each level, in nanoseconds.
const SHIFTS: [u32; 5] = [24, 30, 36, 42, 48];
/// Buckets per level.
const BUCKETS: u64 = 64;

/// A deadline and the hash of its entry.
pub(crate) type Item = (Ticks, u64);

#[derive(Debug)]
pub(crate) struct TimerWheel {
    /// Level 0, each bucket ordered by deadline.
    fine: Vec<BinaryHeap<Reverse<Item>>>,
    /// Levels 1 and up (index 0 unused).
    levels: [Vec<Vec<Item>>; SHIFTS.len()],
    overflow: Vec<Item>,
    /// The time of the last advance.
    time: u64,
    len: usize,
}

impl TimerWheel {
    /// An empty wheel whose clock reads `now`.
    pub(crate) fn new(now: Ticks) -> Self {
        Self {
            fine: Vec::new(),
            levels: std::array::from_fn(|_| Vec::new()),
            overflow: Vec::new(),
            time: now.get(),
            len: 0,
        }
    }

    /// The number of items held (live and stale).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds an item; a deadline at or before the wheel's time is due at the
    /// next advance.
    pub(crate) fn schedule(&mut self, deadline: Ticks, hash: u64) {
        self.len += 1;
        self.place((deadline, hash));
    }

    fn place(&mut self, item: Item) {
        // A deadline already passed goes to the current bucket.
        let at = item.0.get().max(self.time);
        let delta = at.saturating_sub(self.time);
        if delta < BUCKETS << SHIFTS[0] {
            if self.fine.is_empty() {
                self.fine.resize_with(BUCKETS as usize, BinaryHeap::new);
            }
            self.fine[bucket_of(at, SHIFTS[0])].push(Reverse(item));
            return;
        }
        for (level, &shift) in SHIFTS.iter().enumerate().skip(1) {
            if delta < BUCKETS << shift {
                let buckets = &mut self.levels[level];
                if buckets.is_empty() {
                    buckets.resize_with(BUCKETS as usize, Vec::new);
                }
                buckets[bucket_of(at, shift)].push(item);
                return;
            }
        }
        self.overflow.push(item);
    }

    /// Moves the wheel's time to `now`, passing every item due by then to
    /// `expire`: afterwards no item at or before `now` is held.
    pub(crate) fn advance(&mut self, now: Ticks, expire: &mut impl FnMut(Item)) {
        let now = now.get();
        if now < self.time {
            return;
        }
        let previous = mem::replace(&mut self.time, now);
        // Coarse levels first: what they hold for the buckets just entered
        // moves down (or expires) before the finest level is swept.
        for level in (1..SHIFTS.len()).rev() {
            let shift = SHIFTS[level];
            let (from, to) = (previous >> shift, now >> shift);
            if from == to {
                continue;
            }
            if level == SHIFTS.len() - 1 {
                let overflow = mem::take(&mut self.overflow);
                self.replace_all(overflow, now, expire);
            }
            for tick in (from + 1)..=to.min(from + BUCKETS) {
                self.empty_bucket(level, bucket_of(tick << shift, shift), now, expire);
            }
        }
        // The finest level: every bucket left behind is due, and the
        // current one up to `now`.
        if self.fine.is_empty() {
            return;
        }
        let shift = SHIFTS[0];
        let (from, to) = (previous >> shift, now >> shift);
        for tick in from..to.min(from + BUCKETS) {
            // Due, but for an item one revolution ahead that wrapped here.
            let bucket = mem::take(&mut self.fine[bucket_of(tick << shift, shift)]);
            self.replace_all(bucket.into_iter().map(|Reverse(item)| item), now, expire);
        }
        let current = &mut self.fine[bucket_of(now, shift)];
        while current.peek().is_some_and(|Reverse(item)| item.0.get() <= now) {
            let Some(Reverse(item)) = current.pop() else { break };
            self.len -= 1;
            expire(item);
        }
    }

    fn empty_bucket(
        &mut self,
        level: usize,
        index: usize,
        now: u64,
        expire: &mut impl FnMut(Item),
    ) {
        let Some(bucket) = self.levels[level].get_mut(index) else {
            return;
        };
        if bucket.is_empty() {
            return;
        }
        let items = mem::take(bucket);
        self.replace_all(items, now, expire);
    }

    fn replace_all(
        &mut self,
        items: impl IntoIterator<Item = Item>,
        now: u64,
        expire: &mut impl FnMut(Item),
    ) {
        for item in items {
            if item.0.get() <= now {
                self.len -= 1;
                expire(item);
            } else {
                self.place(item);
            }
        }
    }

    /// Keeps only the items for which `live` holds.
    pub(crate) fn retain(&mut self, mut live: impl FnMut(Item) -> bool) {
        let mut kept = 0;
        for bucket in &mut self.fine {
            bucket.retain(|&Reverse(item)| live(item));
            kept += bucket.len();
        }
        for bucket in self.levels.iter_mut().flatten().chain([&mut self.overflow]) {
            bucket.retain(|&item| live(item));
            kept += bucket.len();
        }
        self.len = kept;
    }

    /// Drops every item.
    pub(crate) fn clear(&mut self) {
        self.fine = Vec::new();
        for level in &mut self.levels {
            *level = Vec::new();
        }
        self.overflow = Vec::new();
        self.len = 0;
    }
}

#[allow(clippy::cast_possible_truncation)]
fn bucket_of(at: u64, shift: u32) -> usize {
    ((at >> shift) % BUCKETS) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn collect(wheel: &mut TimerWheel, now: u64) -> Vec<u64> {
        let mut due = Vec::new();
        wheel.advance(Ticks::from_raw(now), &mut |(_, h)| due.push(h));
        due.sort_unstable();
        due
    }

    #[test]
    fn every_item_expires_once_at_the_first_advance_past_its_deadline() {
        let start = 1 << 50;
        let mut wheel = TimerWheel::new(Ticks::from_raw(start));
        // Deadlines from 1 ms to ~300 days, in every level and the overflow.
        let offsets: Vec<u64> = (0..200).map(|i| MS + (i * i * i * i) * 7_919 * MS).collect();
        for (i, &off) in offsets.iter().enumerate() {
            wheel.schedule(Ticks::from_raw(start + off), i as u64);
        }
        assert_eq!(wheel.len(), offsets.len());
        let mut expired = vec![None; offsets.len()];
        let mut now = start;
        let last = start + offsets.iter().max().unwrap() + 1_000 * MS;
        while now < last {
            // Irregular steps, up to ~11 hours.
            let before = now;
            now += 13 * MS + (now / 7 % 40_000_000) * MS;
            for h in collect(&mut wheel, now) {
                assert!(expired[h as usize].replace((before, now)).is_none(), "{h} twice");
            }
        }
        for (i, &off) in offsets.iter().enumerate() {
            let (before, at) = expired[i].unwrap_or_else(|| panic!("item {i} never expired"));
            assert!(
                before < start + off && start + off <= at,
                "item {i} expired at the wrong step"
            );
        }
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn small_steps_reclaim_exactly() {
        let start = 5 << 40;
        let mut wheel = TimerWheel::new(Ticks::from_raw(start));
        for i in 0..1_000u64 {
            wheel.schedule(Ticks::from_raw(start + (i + 1) * 3 * MS), i);
        }
        let mut now = start;
        let mut seen = 0;
        while seen < 1_000 {
            now += MS;
            for h in collect(&mut wheel, now) {
                let deadline = start + (h + 1) * 3 * MS;
                assert!(now >= deadline && now - deadline < MS, "item {h} lag");
                seen += 1;
            }
        }
    }

    #[test]
    fn an_advance_leaves_nothing_due_and_retain_drops_stale_items() {
        let start = 1 << 45;
        let mut wheel = TimerWheel::new(Ticks::from_raw(start));
        wheel.schedule(Ticks::from_raw(start + MS), 1);
        wheel.schedule(Ticks::from_raw(start + 2 * MS), 2);
        wheel.schedule(Ticks::from_raw(start + 3_600_000 * MS), 3);
        let mut due = Vec::new();
        wheel.advance(Ticks::from_raw(start + MS), &mut |(_, h)| due.push(h));
        assert_eq!(due, [1]);
        wheel.retain(|(_, h)| h != 2);
        assert_eq!(wheel.len(), 1);
        wheel.clear();
        assert_eq!(wheel.len(), 0);
    }
}
