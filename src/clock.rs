//! The clock: what time it is, and waiting until a later time. Everything that
//! reads "now" or waits for time to pass (the runner's health watches and
//! pauses, its hook deadlines, the server's freeze expiry) asks a [`Clock`]
//! instead of `Utc::now()` or `thread::sleep`, so tests can move time by hand.
//!
//! [`SystemClock`] is the real one. [`ManualClock`] moves only when told to:
//! by [`ManualClock::advance`], or — with [`ManualClock::auto_advance`] on — by
//! jumping straight to the deadline of whoever waits (like tokio's paused time),
//! so a run with one-second steps finishes at once and still sees each second
//! pass.
//!
//! A wait can be cut short: the caller passes a `cancelled` check (the runner's
//! SIGINT/SIGTERM flag), looked at while waiting.

use chrono::{DateTime, TimeDelta, Utc};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waited {
    /// The deadline came.
    Elapsed,
    /// `cancelled` said so first.
    Cancelled,
}

/// What time it is, and waiting for a later time; shared as `Arc<dyn Clock>`.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Waits until `deadline`, or until `cancelled()` turns true (checked at
    /// the start and at least every [`CANCEL_CHECK`] while waiting).
    fn wait_until(&self, deadline: DateTime<Utc>, cancelled: &dyn Fn() -> bool) -> Waited;

    /// Waits for `d` from now; see [`Clock::wait_until`].
    fn wait_for(&self, d: Duration, cancelled: &dyn Fn() -> bool) -> Waited {
        let d = TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        let deadline = self
            .now()
            .checked_add_signed(d)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.wait_until(deadline, cancelled)
    }
}

/// How often a wait looks at its `cancelled` check: a stop is noticed within this.
pub const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn wait_until(&self, deadline: DateTime<Utc>, cancelled: &dyn Fn() -> bool) -> Waited {
        loop {
            if cancelled() {
                return Waited::Cancelled;
            }
            let left = (deadline - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            if left.is_zero() {
                return Waited::Elapsed;
            }
            std::thread::sleep(left.min(CANCEL_CHECK));
        }
    }
}

/// A clock for tests: time stands still until the test moves it.
///
/// Held (the default), a wait blocks until [`advance`](ManualClock::advance)
/// or [`set`](ManualClock::set) reaches its deadline; [`waiting`](ManualClock::waiting)
/// tells the test that the code under test is blocked there. With
/// [`auto_advance`](ManualClock::auto_advance) on, a wait moves the clock to
/// its deadline and returns at once: meant for one thread under test that
/// waits, not for several racing each other.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use shipwindow::clock::{Clock, ManualClock, Waited};
/// use std::time::Duration;
///
/// let start = Utc.with_ymd_and_hms(2026, 11, 27, 6, 40, 0).unwrap();
/// let clock = ManualClock::new(start);
/// clock.auto_advance(true);
/// // An hour of waiting, in no time at all.
/// assert_eq!(clock.wait_for(Duration::from_secs(3600), &|| false), Waited::Elapsed);
/// assert_eq!(clock.now(), start + TimeDelta::hours(1));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<Manual>,
    moved: Condvar,
}

#[derive(Debug)]
struct Manual {
    now: DateTime<Utc>,
    auto: bool,
    /// Threads blocked in `wait_until` right now.
    waiting: usize,
}

impl ManualClock {
    /// A held clock reading `start`.
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            state: Mutex::new(Manual {
                now: start,
                auto: false,
                waiting: 0,
            }),
            moved: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Manual> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock forward by `d` (waits whose deadline it reaches end).
    pub fn advance(&self, d: TimeDelta) {
        let mut state = self.lock();
        state.now += d;
        self.moved.notify_all();
    }

    /// Sets the clock (backwards too).
    pub fn set(&self, t: DateTime<Utc>) {
        self.lock().now = t;
        self.moved.notify_all();
    }

    /// On: every wait jumps the clock to its deadline. Turning it on releases
    /// the waits blocked now.
    pub fn auto_advance(&self, on: bool) {
        self.lock().auto = on;
        self.moved.notify_all();
    }

    /// How many threads are blocked waiting on this (held) clock.
    pub fn waiting(&self) -> usize {
        self.lock().waiting
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.lock().now
    }

    fn wait_until(&self, deadline: DateTime<Utc>, cancelled: &dyn Fn() -> bool) -> Waited {
        let mut state = self.lock();
        state.waiting += 1;
        let waited = loop {
            if cancelled() {
                break Waited::Cancelled;
            }
            if state.auto && state.now < deadline {
                state.now = deadline;
            }
            if state.now >= deadline {
                break Waited::Elapsed;
            }
            // A stop is not a clock move: look at `cancelled` now and then.
            state = self
                .moved
                .wait_timeout(state, CANCEL_CHECK)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|p| p.into_inner().0);
        };
        state.waiting -= 1;
        waited
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-27T06:40:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_system_wait_returns_early_once_cancelled() {
        let clock = SystemClock;
        let never = || false;
        assert_eq!(
            clock.wait_for(Duration::from_millis(20), &never),
            Waited::Elapsed
        );
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            flag.store(true, Ordering::SeqCst);
        });
        let t = Instant::now();
        let cancelled = || stop.load(Ordering::SeqCst);
        assert_eq!(
            clock.wait_for(Duration::from_secs(10), &cancelled),
            Waited::Cancelled
        );
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn a_held_clock_waits_for_the_test_to_move_it() {
        let clock = Arc::new(ManualClock::new(start()));
        let waiter = Arc::clone(&clock);
        let done = std::thread::spawn(move || waiter.wait_for(Duration::from_secs(60), &|| false));
        while clock.waiting() == 0 {
            std::thread::yield_now();
        }
        clock.advance(TimeDelta::seconds(59));
        assert_eq!(clock.waiting(), 1);
        clock.advance(TimeDelta::seconds(1));
        assert_eq!(done.join().unwrap(), Waited::Elapsed);
        assert_eq!(clock.now(), start() + TimeDelta::minutes(1));
    }

    #[test]
    fn an_auto_advancing_clock_jumps_to_each_deadline() {
        let clock = ManualClock::new(start());
        clock.auto_advance(true);
        let t = Instant::now();
        for _ in 0..3600 {
            assert_eq!(
                clock.wait_for(Duration::from_secs(1), &|| false),
                Waited::Elapsed
            );
        }
        assert_eq!(clock.now(), start() + TimeDelta::hours(1));
        assert!(t.elapsed() < Duration::from_secs(1));
        // A cancelled wait does not move the clock.
        assert_eq!(
            clock.wait_for(Duration::from_secs(1), &|| true),
            Waited::Cancelled
        );
        assert_eq!(clock.now(), start() + TimeDelta::hours(1));
    }
}
