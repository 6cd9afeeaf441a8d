//! Runs of low slots as the weekly spans a `[[window]]` reads (`from = "sun
//! 22:00"`, `to = "mon 05:00"`): the one translation, used both for a rule's
//! intervals and for the TOML written out, so the two never disagree.

use super::profile::{Run, Step, slot_label};
use crate::time::spec::{TimeSpec, WeekTime};

/// `("sun 22:00", "mon 05:00")`: where a run opens and closes on the wall
/// clock. A run of the whole week opens and closes at `mon 00:00`.
pub fn from_to(step: Step, run: Run) -> (String, String) {
    (
        slot_label(step, run.start),
        slot_label(step, run.start + run.len),
    )
}

/// The weekly span of a run.
pub fn time_spec(step: Step, run: Run) -> Option<TimeSpec> {
    let (from, to) = from_to(step, run);
    Some(TimeSpec::Weekly {
        from: WeekTime::parse(&from, false).ok()?,
        to: WeekTime::parse(&to, false).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Interval;
    use chrono::{DateTime, TimeDelta};

    #[test]
    fn a_run_over_the_week_end_is_one_span_and_keeps_wall_clock_times_across_dst() {
        let step = Step::new(TimeDelta::hours(1)).unwrap();
        // Sunday 22:00 to Monday 05:00.
        let run = Run {
            start: 6 * 24 + 22,
            len: 7,
        };
        assert_eq!(
            from_to(step, run),
            ("sun 22:00".to_string(), "mon 05:00".to_string())
        );
        let spec = time_spec(step, run).unwrap();
        let tz = chrono_tz::America::New_York;
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // The week of 1 November 2026: EDT until Sunday 02:00, EST after.
        let got = spec.intervals(
            tz,
            Interval::new(t("2026-10-25T00:00:00Z"), t("2026-11-10T00:00:00Z")),
        );
        let want = vec![
            // Sun 25 Oct 22:00 EDT to Mon 05:00 EDT.
            Interval::new(t("2026-10-26T02:00:00Z"), t("2026-10-26T09:00:00Z")),
            // Sun 1 Nov 22:00 EST to Mon 05:00 EST.
            Interval::new(t("2026-11-02T03:00:00Z"), t("2026-11-02T10:00:00Z")),
            Interval::new(t("2026-11-09T03:00:00Z"), t("2026-11-09T10:00:00Z")),
        ];
        assert_eq!(got, want);
        let whole = Run { start: 0, len: 168 };
        assert_eq!(
            from_to(step, whole),
            ("mon 00:00".to_string(), "mon 00:00".to_string())
        );
    }
}
