//! A backstop for batch windows whose timer task cannot run: one process-wide
//! std thread that, once a batch is overdue (its window and some slack have
//! passed and it is still collecting keys), tells the callers waiting on it,
//! so they send it on their own runtime. It needs no async runtime, so it
//! works whatever became of the runtime that opened the batch (blocked, or
//! never polled again); it holds only weak references.

use std::sync::{Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

/// A batcher told that its batch `generation` is overdue.
pub(super) trait Overdue: Send + Sync {
    fn overdue(&self, generation: u64);
}

struct Entry {
    due: Instant,
    target: Weak<dyn Overdue>,
    generation: u64,
}

#[derive(Default)]
struct Watchdog {
    entries: Mutex<Vec<Entry>>,
    wake: Condvar,
}

fn watchdog() -> &'static Watchdog {
    static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();
    WATCHDOG.get_or_init(Watchdog::default)
}

/// Tells `target` after `after` that batch `generation` is overdue (it
/// checks whether the batch is still collecting keys).
pub(super) fn watch(after: Duration, target: Weak<dyn Overdue>, generation: u64) {
    static STARTED: OnceLock<bool> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        std::thread::Builder::new().name("cache-loader-batch-watchdog".into()).spawn(run).is_ok()
    });
    if !*started {
        return; // no backstop: the window timer and later requests still send batches
    }
    let Some(due) = Instant::now().checked_add(after) else { return };
    let dog = watchdog();
    dog.entries.lock().unwrap_or_else(PoisonError::into_inner).push(Entry {
        due,
        target,
        generation,
    });
    dog.wake.notify_one();
}

/// The watchdog's loop: waits for the earliest deadline, tells the batchers
/// whose deadlines passed.
fn run() {
    let dog = watchdog();
    let mut entries = dog.entries.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let now = Instant::now();
        let (due, waiting): (Vec<Entry>, Vec<Entry>) =
            std::mem::take(&mut *entries).into_iter().partition(|entry| entry.due <= now);
        *entries = waiting;
        if !due.is_empty() {
            drop(entries);
            for entry in due {
                if let Some(target) = entry.target.upgrade() {
                    target.overdue(entry.generation);
                }
            }
            entries = dog.entries.lock().unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        entries = match entries.iter().map(|entry| entry.due).min() {
            Some(next) => {
                let wait = next.saturating_duration_since(now);
                dog.wake.wait_timeout(entries, wait).unwrap_or_else(PoisonError::into_inner).0
            }
            None => dog.wake.wait(entries).unwrap_or_else(PoisonError::into_inner),
        };
    }
}
