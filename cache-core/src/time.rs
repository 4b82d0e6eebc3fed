//! The clock every expiry deadline is read from.
//!
//! All stores read time through [`now`], which is tokio's
//! [`Instant::now`](https://docs.rs/tokio/1/tokio/time/struct.Instant.html#method.now). Inside a runtime whose clock is
//! paused (`#[tokio::test(start_paused = true)]`), time only moves when the test
//! calls `tokio::time::advance` or every task is idle, so expiry tests are
//! exact and never sleep on the real clock. Outside a paused runtime this is the
//! monotonic system clock.
//!
//! A deadline is an `Option<Instant>`: `None` means the entry never expires.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use cache_core::time::{deadline_after, is_expired, now};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let deadline = deadline_after(Duration::from_secs(60));
//! assert!(!is_expired(deadline, now()));
//! tokio::time::advance(Duration::from_secs(60)).await;
//! assert!(is_expired(deadline, now()));
//! assert!(!is_expired(None, now()), "no deadline never expires");
//! # }
//! ```

use std::time::Duration;

pub use tokio::time::Instant;

/// The current time on the cache clock (tokio's clock, pausable in tests).
#[inline]
#[must_use]
pub fn now() -> Instant {
    Instant::now()
}

/// The deadline `ttl` from now, or `None` (never expires) when it lies beyond
/// what an [`Instant`] can represent.
#[must_use]
pub fn deadline_after(ttl: Duration) -> Option<Instant> {
    now().checked_add(ttl)
}

/// Whether an entry with this deadline has expired at `now`.
///
/// An entry expires at its deadline: at `now == deadline` it is already gone.
#[inline]
#[must_use]
pub fn is_expired(deadline: Option<Instant>, now: Instant) -> bool {
    matches!(deadline, Some(d) if d <= now)
}
