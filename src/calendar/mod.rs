//! Half-open intervals on absolute instants and the set operations the decision
//! needs: merge (union), complement within a range, and lookups. Knows nothing of
//! zones or rules.

use chrono::{DateTime, TimeDelta, Utc};

/// A half-open interval `[start, end)` of instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Interval {
        Interval { start, end }
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn len(&self) -> TimeDelta {
        self.end - self.start
    }

    /// Whether the two share at least one instant.
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `t` lies in `[start, end)`.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether `other` lies wholly inside this interval.
    pub fn covers(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// This interval widened by `by` on both sides.
    pub fn widen(&self, by: TimeDelta) -> Interval {
        Interval::new(self.start - by, self.end + by)
    }

    /// This interval cut to `bounds`.
    pub fn clip(&self, bounds: &Interval) -> Interval {
        Interval::new(self.start.max(bounds.start), self.end.min(bounds.end))
    }
}

/// Sorts and merges intervals into a disjoint list; touching intervals join
/// (`[a, b)` and `[b, c)` become `[a, c)`), empty ones are dropped.
pub fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|i| !i.is_empty());
    intervals.sort_unstable_by_key(|i| i.start);
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    for i in intervals {
        match out.last_mut() {
            Some(last) if i.start <= last.end => last.end = last.end.max(i.end),
            _ => out.push(i),
        }
    }
    out
}

/// The parts of `range` not covered by the merged list `covered`.
pub fn complement(covered: &[Interval], range: Interval) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut cursor = range.start;
    for i in covered {
        if i.end <= cursor {
            continue;
        }
        if i.start >= range.end {
            break;
        }
        if i.start > cursor {
            out.push(Interval::new(cursor, i.start));
        }
        cursor = cursor.max(i.end);
    }
    if cursor < range.end {
        out.push(Interval::new(cursor, range.end));
    }
    out
}

/// The first interval of a sorted disjoint list that overlaps `probe`.
pub fn first_overlapping<'a>(list: &'a [Interval], probe: &Interval) -> Option<&'a Interval> {
    let idx = list.partition_point(|i| i.end <= probe.start);
    list.get(idx).filter(|i| i.overlaps(probe))
}

/// Whether a sorted disjoint list contains the instant `t`.
pub fn contains_instant(list: &[Interval], t: DateTime<Utc>) -> bool {
    let idx = list.partition_point(|i| i.end <= t);
    list.get(idx).is_some_and(|i| i.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(a: i64, b: i64) -> Interval {
        let t = |s| DateTime::<Utc>::from_timestamp(s, 0).unwrap();
        Interval::new(t(a), t(b))
    }

    #[test]
    fn merge_joins_overlapping_and_touching() {
        assert_eq!(
            merge(vec![iv(5, 7), iv(0, 2), iv(2, 3), iv(6, 9), iv(4, 4)]),
            vec![iv(0, 3), iv(5, 9)]
        );
    }

    #[test]
    fn complement_fills_the_gaps_of_the_range() {
        let covered = [iv(0, 2), iv(5, 9)];
        assert_eq!(complement(&covered, iv(1, 10)), vec![iv(2, 5), iv(9, 10)]);
        assert_eq!(complement(&covered, iv(5, 9)), vec![]);
        assert_eq!(complement(&[], iv(1, 3)), vec![iv(1, 3)]);
    }

    #[test]
    fn lookups_respect_half_open_ends() {
        let list = [iv(0, 2), iv(5, 9)];
        assert_eq!(first_overlapping(&list, &iv(2, 5)), None);
        assert_eq!(first_overlapping(&list, &iv(1, 6)), Some(&iv(0, 2)));
        assert!(contains_instant(&list, iv(5, 5).start));
        assert!(!contains_instant(&list, iv(9, 9).start));
    }
}
