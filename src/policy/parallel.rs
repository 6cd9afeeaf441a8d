//! Running one job per item on the machine's cores, with the answers in item
//! order: what lets a large policy set be parsed and read on every core while
//! its problems come out exactly as a one-at-a-time read gives them.

use std::num::NonZeroUsize;
use std::sync::{Mutex, PoisonError};
use std::thread;

/// More threads than this would only add start-up cost: a policy set's work is
/// a few tens of milliseconds at most.
const MAX_WORKERS: usize = 8;

/// How many threads a job over `items` items of `size` total work should use:
/// one when the work is smaller than `worth_it` (a thread costs tens of
/// microseconds to start), else one per core, at most one per item.
pub(crate) fn workers_for(items: usize, size: usize, worth_it: usize) -> usize {
    if size < worth_it {
        return 1;
    }
    thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_WORKERS)
        .min(items)
        .max(1)
}

/// `items.map(job)`, run on up to `workers` threads (this one included), each
/// taking the next item when it is free; the answers come back in item order.
/// A thread the system will not start is done without: its items are taken by
/// the others.
pub(crate) fn map_in_order<I: Send, T: Send>(
    items: Vec<I>,
    workers: usize,
    job: impl Fn(I) -> T + Sync,
) -> Vec<T> {
    let workers = workers.min(items.len());
    if workers <= 1 {
        return items.into_iter().map(job).collect();
    }
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let work = || {
        let mut done = Vec::new();
        loop {
            // The lock is held only to take the item, never while a job runs.
            let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((i, item)) = next else {
                return done;
            };
            done.push((i, job(item)));
        }
    };
    let mut answers: Vec<(usize, T)> = thread::scope(|scope| {
        let helpers: Vec<_> = (1..workers)
            .filter_map(|_| thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut answers = Vec::with_capacity(count);
        answers.extend(work());
        for helper in helpers {
            match helper.join() {
                Ok(done) => answers.extend(done),
                // A job that panicked panics here, as it would have run alone.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        answers
    });
    answers.sort_unstable_by_key(|(i, _)| *i);
    answers.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Condvar;
    use std::time::Duration;

    #[test]
    fn answers_come_back_in_item_order() {
        let items: Vec<u64> = (0..1000).collect();
        let squares = map_in_order(items, 4, |n| n * n);
        let expected: Vec<u64> = (0..1000).map(|n| n * n).collect();
        assert_eq!(squares, expected);
    }

    #[test]
    fn two_workers_run_two_jobs_at_once() {
        // Each job waits until both have started: that can only happen when
        // the second item was taken by another thread while the first ran.
        let started = (Mutex::new(0), Condvar::new());
        let both = map_in_order(vec!["a", "b"], 2, |name| {
            let (count, cv) = &started;
            let mut n = count.lock().unwrap_or_else(PoisonError::into_inner);
            *n += 1;
            cv.notify_all();
            // A hang guard only: the other job starts within microseconds.
            let (n, wait) = cv
                .wait_timeout_while(n, Duration::from_secs(30), |n| *n < 2)
                .unwrap_or_else(PoisonError::into_inner);
            (name, *n == 2 && !wait.timed_out(), thread::current().id())
        });
        assert_eq!(both[0].0, "a");
        assert_eq!(both[1].0, "b");
        assert!(both[0].1 && both[1].1, "both jobs ran at the same time");
        assert_ne!(both[0].2, both[1].2);
    }

    #[test]
    fn one_worker_or_one_item_runs_on_this_thread() {
        let here = thread::current().id();
        let on_this = |n: i32| (n, thread::current().id() == here);
        assert_eq!(
            map_in_order(vec![1, 2, 3], 1, on_this),
            vec![(1, true), (2, true), (3, true)]
        );
        assert_eq!(map_in_order(vec![5], 8, on_this), vec![(5, true)]);
        assert!(map_in_order(Vec::<u8>::new(), 8, |n| n).is_empty());
    }

    #[test]
    fn small_work_is_not_worth_a_thread() {
        assert_eq!(workers_for(100, 10, 1_000), 1);
        assert_eq!(workers_for(0, 10_000, 1_000), 1);
        assert!(workers_for(2, 10_000, 1_000) <= 2);
        assert!((1..=MAX_WORKERS).contains(&workers_for(100, 10_000, 1_000)));
    }
}
