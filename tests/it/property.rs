//! Differential property test: random small policies and requests, decided by the
//! crate's interval arithmetic and by a slow brute-force reference written here.
//!
//! The reference takes each rule's raw intervals from `Rule::intervals` over a wide
//! range (those are checked against hand-written DST cases elsewhere) and then works
//! only with instants: `blocked_at(t)` asks every interval whether it contains `t`, a
//! start is clear when no *critical* instant of its guarded interval is blocked (its
//! start and every interval boundary inside it: the blocked set only changes at
//! boundaries), and `next_allowed` tries every boundary and a 15-minute grid as
//! candidate starts. Nothing of the crate's merging, complementing or chunked search
//! is reused.
//!
//! The policies mix windows and freezes with daily ranges, weekly spans, cron with a
//! length, cron pairs and one-time rules in zones with DST (New York, London, Lord
//! Howe's 30-minute shift) and without (Seoul); requests cluster around the 2026 DST
//! changes of those zones. Freezes may have a `lead` and a `tail`: the reference
//! takes such a freeze's events from `Rule::event_intervals` and extends each one to
//! `[start - lead, end + tail)` itself, in instants, without merging; it also says
//! which part of the freeze a blocked request meets (an event, a lead, a tail) and
//! checks the blocker's reason words for it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError};
use shipwindow::calendar::Interval;
use shipwindow::eval::WindowState;
use shipwindow::policy::{OverridePolicy, RuleKind};
use shipwindow::time::duration::{DurationStyle, format_duration_as};
use shipwindow::{
    ChangeKind, DeployRequest, Override, PolicySet, Verdict, decide, next_allowed, windows,
};

// ---------------------------------------------------------------------------------
// Generated policies
// ---------------------------------------------------------------------------------

const ZONES: [&str; 5] = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Asia/Seoul",
    "UTC",
];

/// Rule names by position, so that policy order and name order differ.
const NAMES: [&str; 4] = ["night", "alpha", "zz-top", "beta"];

/// 2026 dates around which rules and requests cluster: the DST changes of the zones
/// above, and a quiet day.
const DATES: [(i32, u32, u32); 7] = [
    (2026, 3, 8),   // New York springs forward (02:00 -> 03:00)
    (2026, 3, 29),  // London springs forward (01:00 -> 02:00)
    (2026, 4, 5),   // Lord Howe falls back (02:00 -> 01:30)
    (2026, 10, 4),  // Lord Howe springs forward (02:00 -> 02:30)
    (2026, 10, 25), // London falls back (02:00 -> 01:00)
    (2026, 11, 1),  // New York falls back (02:00 -> 01:00)
    (2026, 6, 15),
];

/// The instants of those changes (UTC), and a quiet noon.
const INSTANTS: [&str; 7] = [
    "2026-03-08T07:00:00Z",
    "2026-03-29T01:00:00Z",
    "2026-04-04T15:00:00Z",
    "2026-10-03T15:30:00Z",
    "2026-10-25T01:00:00Z",
    "2026-11-01T06:00:00Z",
    "2026-06-15T12:00:00Z",
];

#[derive(Debug, Clone)]
enum Spec {
    Daily {
        days: Vec<&'static str>,
        start: u16,
        end: u16,
    },
    Weekly {
        from: (&'static str, u16),
        to: (&'static str, u16),
    },
    CronFor {
        cron: String,
        duration: String,
    },
    CronUntil {
        cron: String,
        until: String,
    },
    Once {
        start: NaiveDateTime,
        end: NaiveDateTime,
        rfc3339: bool,
    },
}

#[derive(Debug, Clone)]
struct RuleGen {
    window: bool,
    spec: Spec,
    services: Option<&'static str>,
    envs: Option<&'static str>,
    exempt: Option<&'static str>,
    override_: Option<&'static str>,
    timezone: Option<&'static str>,
    /// `lead` and `tail` of a freeze (ignored on windows), as written.
    lead: Option<String>,
    tail: Option<String>,
    /// Whether a freeze states its `reason` (`event <name>`), so that the words of
    /// a lead or tail blocker can be checked exactly.
    reason: bool,
}

#[derive(Debug, Clone)]
struct PolicyGen {
    timezone: &'static str,
    horizon: &'static str,
    deploy_duration: Option<&'static str>,
    monitoring: Option<&'static str>,
    rules: Vec<RuleGen>,
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl PolicyGen {
    fn toml(&self) -> String {
        let mut t = format!(
            "[settings]\ntimezone = \"{}\"\nhorizon = \"{}\"\n",
            self.timezone, self.horizon
        );
        if let Some(d) = self.deploy_duration {
            t += &format!("deploy_duration = \"{d}\"\n");
        }
        if let Some(m) = self.monitoring {
            t += &format!("monitoring = \"{m}\"\n");
        }
        for (i, r) in self.rules.iter().enumerate() {
            t += if r.window {
                "\n[[window]]\n"
            } else {
                "\n[[freeze]]\n"
            };
            t += &format!("name = \"{}\"\n", NAMES[i]);
            match &r.spec {
                Spec::Daily { days, start, end } => {
                    let days: Vec<String> = days.iter().map(|d| format!("\"{d}\"")).collect();
                    t += &format!(
                        "days = [{}]\nstart = \"{}\"\nend = \"{}\"\n",
                        days.join(", "),
                        hhmm(*start),
                        hhmm(*end)
                    );
                }
                Spec::Weekly { from, to } => {
                    t += &format!(
                        "from = \"{} {}\"\nto = \"{} {}\"\n",
                        from.0,
                        hhmm(from.1),
                        to.0,
                        hhmm(to.1)
                    );
                }
                Spec::CronFor { cron, duration } => {
                    t += &format!("cron = \"{cron}\"\nduration = \"{duration}\"\n");
                }
                Spec::CronUntil { cron, until } => {
                    t += &format!("cron = \"{cron}\"\nuntil_cron = \"{until}\"\n");
                }
                Spec::Once {
                    start,
                    end,
                    rfc3339,
                } => {
                    let f = if *rfc3339 {
                        "%Y-%m-%dT%H:%M:00Z"
                    } else {
                        "%Y-%m-%dT%H:%M"
                    };
                    t += &format!(
                        "start_at = \"{}\"\nend_at = \"{}\"\n",
                        start.format(f),
                        end.format(f)
                    );
                }
            }
            if let Some(s) = r.services {
                t += &format!("services = {s}\n");
            }
            if let Some(e) = r.envs {
                t += &format!("envs = {e}\n");
            }
            if let Some(x) = r.exempt {
                t += &format!("exempt = {x}\n");
            }
            if let Some(o) = r.override_ {
                t += &format!("override = \"{o}\"\n");
                if o == "approver" {
                    t += "approvers = [\"alice\"]\n";
                }
            }
            if let Some(z) = r.timezone {
                t += &format!("timezone = \"{z}\"\n");
            }
            if !r.window {
                if let Some(l) = &r.lead {
                    t += &format!("lead = \"{l}\"\n");
                }
                if let Some(l) = &r.tail {
                    t += &format!("tail = \"{l}\"\n");
                }
                if r.reason {
                    t += &format!("reason = \"event {}\"\n", NAMES[i]);
                }
            }
        }
        t
    }
}

/// A time of day in minutes: quarter hours, any minute, or the hours DST moves.
fn clock(allow_24: bool) -> BoxedStrategy<u16> {
    let common = prop_oneof![
        3 => (0u16..96).prop_map(|q| q * 15),
        2 => 0u16..1440,
        2 => prop::sample::select(vec![0u16, 60, 90, 105, 120, 135, 150, 180]),
    ];
    if allow_24 {
        prop_oneof![5 => common, 1 => Just(1440u16)].boxed()
    } else {
        common.boxed()
    }
}

fn day() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
}

fn simple_cron() -> impl Strategy<Value = String> {
    let minute = prop_oneof![(0u32..4).prop_map(|q| q * 15), 0u32..60,];
    let hour = prop_oneof![0u32..24, prop::sample::select(vec![0u32, 1, 2, 3]),];
    let dow = prop::sample::select(vec![
        "*", "0", "1", "2", "3", "4", "5", "6", "7", "1-5", "sat,sun", "fri", "mon-thu",
    ]);
    (minute, hour, dow).prop_map(|(m, h, d)| format!("{m} {h} * * {d}"))
}

fn cron_duration() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "45s", "15m", "30m", "90m", "1h", "2h30m", "6h", "1d", "36h"
        ])
        .prop_map(String::from),
        (1u32..30_000).prop_map(|s| format!("{s}s")),
    ]
}

/// A `lead` or `tail`: mostly absent, else anything from a second to three days
/// (longer than some horizons), in the forms people write.
fn lead_or_tail() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        4 => Just(None),
        3 => prop::sample::select(vec![
            "0s", "45s", "15m", "30m", "1h", "90m", "2h", "1h30m", "6h", "1d", "36h", "2d", "3d"
        ])
        .prop_map(|s| Some(s.to_string())),
        1 => (1u32..3 * 86_400).prop_map(|s| Some(format!("{s}s"))),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let daily = (
        prop::collection::vec(
            prop::sample::select(vec![
                "mon", "tue", "wed", "thu", "fri", "sat", "sun", "mon-fri", "fri-mon", "sat-sun",
                "tue-thu", "daily",
            ]),
            1..=3,
        ),
        clock(false),
        clock(true),
    )
        .prop_map(|(days, start, end)| Spec::Daily { days, start, end });
    let weekly = (day(), clock(false), day(), clock(true)).prop_map(|(fd, ft, td, tt)| {
        // `from == to` is a load error; nudge the end.
        let tt = if fd == td && ft == tt { tt + 15 } else { tt };
        Spec::Weekly {
            from: (fd, ft),
            to: (td, tt),
        }
    });
    let cron_for = (simple_cron(), cron_duration())
        .prop_map(|(cron, duration)| Spec::CronFor { cron, duration });
    let cron_until =
        (simple_cron(), simple_cron()).prop_map(|(cron, until)| Spec::CronUntil { cron, until });
    let once = (
        0..DATES.len(),
        -72 * 60i64..72 * 60,
        any::<bool>(),
        120i64..6 * 24 * 60,
        any::<bool>(),
    )
        .prop_map(|(d, offset, quarter, len, rfc3339)| {
            let (y, m, dd) = DATES[d];
            let offset = if quarter { offset / 15 * 15 } else { offset };
            let start = NaiveDate::from_ymd_opt(y, m, dd)
                .expect("a date")
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                + TimeDelta::minutes(offset);
            // At least two hours long, so both ends never fall in the same DST gap.
            Spec::Once {
                start,
                end: start + TimeDelta::minutes(len),
                rfc3339,
            }
        });
    prop_oneof![
        4 => daily,
        2 => weekly,
        2 => cron_for,
        1 => cron_until,
        2 => once,
    ]
}

fn rule() -> impl Strategy<Value = RuleGen> {
    let services = prop::sample::select(vec![
        None,
        None,
        None,
        None,
        None,
        Some(r#"["web"]"#),
        Some(r#"["api", "db"]"#),
        Some(r#"["*", "!web"]"#),
        Some(r#"["!api"]"#),
        Some(r#"["w?b", "d[bc]"]"#),
    ]);
    let envs = prop::sample::select(vec![
        None,
        None,
        None,
        None,
        None,
        Some(r#"["prod"]"#),
        Some(r#"["staging"]"#),
    ]);
    let exempt = prop::sample::select(vec![
        None,
        None,
        Some("[]"),
        Some(r#"["hotfix"]"#),
        Some(r#"["rollback", "config"]"#),
    ]);
    let override_ = prop::sample::select(vec![
        None,
        None,
        Some("never"),
        Some("reason"),
        Some("approver"),
    ]);
    let timezone = prop_oneof![
        3 => Just(None),
        1 => prop::sample::select(ZONES.to_vec()).prop_map(Some),
    ];
    (
        (
            any::<bool>(),
            spec(),
            services,
            envs,
            exempt,
            override_,
            timezone,
        ),
        (lead_or_tail(), lead_or_tail(), any::<bool>()),
    )
        .prop_map(
            |(
                (window, spec, services, envs, exempt, override_, timezone),
                (lead, tail, reason),
            )| {
                RuleGen {
                    window,
                    spec,
                    services,
                    envs,
                    exempt,
                    override_,
                    timezone,
                    lead,
                    tail,
                    reason,
                }
            },
        )
}

fn policy() -> impl Strategy<Value = PolicyGen> {
    (
        prop::sample::select(ZONES.to_vec()),
        prop::sample::select(vec!["12h", "1d", "3d", "10d", "14d"]),
        prop::sample::select(vec![None, Some("30m"), Some("2h"), Some("45s")]),
        prop::sample::select(vec![None, Some("0s"), Some("1h"), Some("17m")]),
        prop_oneof![1 => prop::collection::vec(rule(), 0..=1), 6 => prop::collection::vec(rule(), 2..=4)],
    )
        .prop_map(
            |(timezone, horizon, deploy_duration, monitoring, rules)| PolicyGen {
                timezone,
                horizon,
                deploy_duration,
                monitoring,
                rules,
            },
        )
}

// ---------------------------------------------------------------------------------
// Generated requests
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct RequestGen {
    service: &'static str,
    env: &'static str,
    change: ChangeKind,
    at: DateTime<Utc>,
    duration: Option<i64>,
    monitoring: Option<i64>,
    override_: Option<(&'static str, Option<&'static str>)>,
    /// Moves `at` relative to a rule boundary near it: (which boundary, how, offset in
    /// seconds).
    snap: Option<(prop::sample::Index, Snap, i64)>,
}

/// Where a snapped request puts a rule boundary `b`, give or take the offset.
#[derive(Debug, Clone, Copy)]
enum Snap {
    /// `at = b`.
    Start,
    /// The guarded interval ends at `b`.
    End,
    /// `b` is whole days after the end of the guarded interval (where a search in
    /// chunks may cut).
    DaysAfterEnd(i64),
    /// `b` is the last start the horizon allows.
    Horizon,
}

fn snap() -> impl Strategy<Value = Snap> {
    prop_oneof![
        3 => Just(Snap::Start),
        3 => Just(Snap::End),
        // The crate searches ahead in chunks, the first one a week past the guarded
        // interval: a clear stretch straddling a chunk edge must not be lost.
        1 => Just(Snap::DaysAfterEnd(7)),
        2 => (1i64..=15).prop_map(Snap::DaysAfterEnd),
        1 => Just(Snap::Horizon),
    ]
}

impl RequestGen {
    fn build(&self) -> DeployRequest {
        let mut r = DeployRequest::new(self.service, self.env, self.at);
        r.change = self.change;
        r.duration = self.duration.map(TimeDelta::seconds);
        r.monitoring = self.monitoring.map(TimeDelta::seconds);
        r.override_ = self.override_.map(|(reason, approver)| Override {
            reason: reason.to_string(),
            approver: approver.map(String::from),
        });
        r
    }
}

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 instant")
        .with_timezone(&Utc)
}

fn at() -> impl Strategy<Value = DateTime<Utc>> {
    let near =
        (0..INSTANTS.len(), -3 * 86_400i64..3 * 86_400, 0u8..3).prop_map(|(i, offset, round)| {
            let offset = match round {
                0 => offset / 900 * 900,
                1 => offset / 60 * 60,
                _ => offset,
            };
            instant(INSTANTS[i]) + TimeDelta::seconds(offset)
        });
    let anywhere = (0i64..365 * 86_400)
        .prop_map(|s| instant("2026-01-01T00:00:00Z") + TimeDelta::seconds(s / 60 * 60));
    prop_oneof![4 => near, 1 => anywhere]
}

fn seconds_len(zero_ok: bool) -> impl Strategy<Value = Option<i64>> {
    let lo = if zero_ok { 0 } else { 1 };
    prop_oneof![
        2 => Just(None),
        1 => (lo..=900i64).prop_map(Some),
        2 => (lo..=24i64).prop_map(|q| Some(q * 900)),
        1 => (lo..=20_000i64).prop_map(Some),
    ]
}

fn request() -> impl Strategy<Value = RequestGen> {
    (
        prop::sample::select(vec!["web", "api", "db"]),
        prop::sample::select(vec!["prod", "staging"]),
        prop_oneof![3 => Just(ChangeKind::Deploy), 1 => prop::sample::select(ChangeKind::ALL.to_vec())],
        at(),
        seconds_len(false),
        seconds_len(true),
        prop::sample::select(vec![
            None,
            None,
            Some(("incident 123", None)),
            Some(("incident 123", Some("alice"))),
            Some(("   ", Some("alice"))),
            Some(("incident 123", Some("mallory"))),
        ]),
        prop::option::weighted(
            0.5,
            (any::<prop::sample::Index>(), snap(), -1i64..=1),
        ),
    )
        .prop_map(
            |(service, env, change, at, duration, monitoring, override_, snap)| RequestGen {
                service,
                env,
                change,
                at,
                duration,
                monitoring,
                override_,
                snap,
            },
        )
}

// ---------------------------------------------------------------------------------
// The brute-force reference
// ---------------------------------------------------------------------------------

type Span = (DateTime<Utc>, DateTime<Utc>);

fn has(list: &[Span], t: DateTime<Utc>) -> bool {
    list.iter().any(|&(s, e)| s <= t && t < e)
}

/// A freeze's events (without lead or tail) and its lead and tail.
struct Events {
    list: Vec<Span>,
    lead: TimeDelta,
    tail: TimeDelta,
}

/// Which part of a freeze a guarded interval meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// An event itself (or no lead or tail is involved).
    Event,
    /// Only the tail after an event and/or the lead before one, no event.
    Around { tail: bool, lead: bool },
}

impl Events {
    fn part(&self, g: Span) -> Part {
        if self.list.iter().any(|&(s, e)| s < g.1 && g.0 < e) {
            return Part::Event;
        }
        Part::Around {
            tail: self
                .list
                .iter()
                .any(|&(_, e)| e <= g.0 && g.0 < e + self.tail),
            lead: self
                .list
                .iter()
                .any(|&(s, _)| g.1 <= s && s - self.lead < g.1),
        }
    }
}

/// The applicable rules of one request, as raw instants over a wide range.
struct Reference {
    /// Applicable freezes: (policy index, name, intervals), in policy order. The
    /// intervals of a freeze with a lead or tail are its events, each extended by
    /// them, unmerged (they may overlap).
    freezes: Vec<(usize, String, Vec<Span>)>,
    /// The events of the applicable freezes, in the same order.
    events: Vec<Events>,
    /// Applicable windows, in policy order.
    windows: Vec<(usize, String, Vec<Span>)>,
    /// Every boundary of every applicable interval, plus the range ends; sorted.
    bounds: Vec<DateTime<Utc>>,
    range: Span,
}

impl Reference {
    fn new(
        policy: &PolicySet,
        service: &str,
        env: &str,
        change: ChangeKind,
        range: Span,
    ) -> Reference {
        let mut freezes = Vec::new();
        let mut events = Vec::new();
        let mut windows = Vec::new();
        let mut bounds = vec![range.0, range.1];
        for (i, rule) in policy.rules.iter().enumerate() {
            if !rule.applies(service, env, change) {
                continue;
            }
            // Wide enough that every event whose lead or tail reaches into the
            // range is among them.
            let (lead, tail) = (rule.lead(), rule.tail());
            let wide = Interval::new(range.0 - tail, range.1 + lead);
            let raw: Vec<Span> = rule
                .event_intervals(wide)
                .into_iter()
                .map(|iv| (iv.start, iv.end))
                .collect();
            let list: Vec<Span> = raw.iter().map(|&(s, e)| (s - lead, e + tail)).collect();
            for &(s, e) in &list {
                bounds.push(s);
                bounds.push(e);
            }
            let entry = (i, rule.name.clone(), list);
            match rule.kind {
                RuleKind::Window => windows.push(entry),
                // Market rules deny like freezes (none are generated here).
                RuleKind::Freeze | RuleKind::Market => {
                    freezes.push(entry);
                    events.push(Events {
                        list: raw,
                        lead,
                        tail,
                    });
                }
            }
        }
        bounds.sort();
        bounds.dedup();
        Reference {
            freezes,
            events,
            windows,
            bounds,
            range,
        }
    }

    fn window_blocked(&self, t: DateTime<Utc>) -> bool {
        !self.windows.is_empty() && !self.windows.iter().any(|(_, _, l)| has(l, t))
    }

    fn blocked_at(&self, t: DateTime<Utc>) -> bool {
        self.freezes.iter().any(|(_, _, l)| has(l, t)) || self.window_blocked(t)
    }

    /// `a` and every boundary strictly inside `(a, b)`: the blocked set is constant
    /// between consecutive boundaries, so these stand for all of `[a, b)`.
    fn critical(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = vec![a];
        out.extend(self.bounds.iter().copied().filter(|&x| a < x && x < b));
        out
    }

    fn clear(&self, t: DateTime<Utc>, len: TimeDelta) -> bool {
        self.critical(t, t + len)
            .into_iter()
            .all(|c| !self.blocked_at(c))
    }

    /// Earliest clear start in `[from, latest]`: exact candidates are `from` and every
    /// boundary (a blocked stretch can only end at one); the grid is a safety net.
    fn earliest(
        &self,
        from: DateTime<Utc>,
        latest: DateTime<Utc>,
        len: TimeDelta,
        grid: bool,
    ) -> Option<DateTime<Utc>> {
        let mut cands = vec![from];
        cands.extend(
            self.bounds
                .iter()
                .copied()
                .filter(|&b| from < b && b <= latest),
        );
        if grid {
            let mut g = from;
            while g <= latest {
                cands.push(g);
                g += TimeDelta::minutes(15);
            }
            cands.push(latest);
        }
        cands.sort();
        cands.dedup();
        cands.into_iter().find(|&t| self.clear(t, len))
    }

    /// The first blocked instant at or after `from`, if any.
    fn first_blocked(&self, from: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.critical(from, self.range.1)
            .into_iter()
            .find(|&c| self.blocked_at(c))
    }

    /// The maximal stretch around `t` on which `pred` holds (assumes `pred(t)`),
    /// walking boundary by boundary; cut at the reference range.
    fn stretch(&self, t: DateTime<Utc>, pred: impl Fn(DateTime<Utc>) -> bool) -> Span {
        // Each boundary `b` stands for `[b, next boundary)`.
        let idx = self.bounds.partition_point(|&b| b <= t) - 1;
        let mut lo = idx;
        while lo > 0 && pred(self.bounds[lo - 1]) {
            lo -= 1;
        }
        let mut hi = idx + 1;
        while hi < self.bounds.len() && pred(self.bounds[hi]) {
            hi += 1;
        }
        let start = self.bounds[lo].max(self.range.0);
        let end = self.bounds.get(hi).copied().unwrap_or(self.range.1);
        (start, end)
    }
}

fn clip(s: Span, bounds: Span) -> Span {
    (s.0.max(bounds.0), s.1.min(bounds.1))
}

/// What a `blocked_by` entry must be, in comparable form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ExpBlocker {
    from: DateTime<Utc>,
    rule: String,
    kind: &'static str,
    until: DateTime<Utc>,
    overridable: bool,
}

fn overridable(policy: &PolicySet, idx: usize) -> bool {
    policy.rules[idx].override_policy != OverridePolicy::Never
}

fn accepts(policy: &PolicySet, idx: usize, o: &Override) -> bool {
    let rule = &policy.rules[idx];
    let has_reason = !o.reason.trim().is_empty();
    match rule.override_policy {
        OverridePolicy::Never => false,
        OverridePolicy::Reason => has_reason,
        OverridePolicy::Approver => {
            has_reason
                && o.approver
                    .as_deref()
                    .is_some_and(|a| rule.approvers.iter().any(|x| x == a))
        }
    }
}

// ---------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------

fn load(toml: &str) -> PolicySet {
    match PolicySet::from_files(&[("policy.toml", toml)]) {
        Ok(p) => p,
        Err(e) => panic!("generated policy does not load: {e:?}\n{toml}"),
    }
}

/// Checks one request against the reference; `Err` describes the first mismatch.
/// The request with its snap applied: `at` moved so that a boundary of an applicable
/// rule (within two days of `at`) falls where off-by-one mistakes live.
fn snapped(policy: &PolicySet, rq: &RequestGen) -> RequestGen {
    let mut out = rq.clone();
    out.snap = None;
    let Some((index, how, delta)) = rq.snap else {
        return out;
    };
    let s = &policy.settings;
    let len = rq.duration.map_or(s.deploy_duration, TimeDelta::seconds)
        + rq.monitoring.map_or(s.monitoring, TimeDelta::seconds);
    let near = (rq.at - TimeDelta::days(2), rq.at + TimeDelta::days(2));
    let r = Reference::new(policy, rq.service, rq.env, rq.change, near);
    let inside: Vec<DateTime<Utc>> = r
        .bounds
        .iter()
        .copied()
        .filter(|&b| near.0 < b && b < near.1)
        .collect();
    if inside.is_empty() {
        return out;
    }
    let b = *index.get(&inside);
    out.at = match how {
        Snap::Start => b,
        Snap::End => b - len,
        Snap::DaysAfterEnd(days) => b - len - TimeDelta::days(days),
        Snap::Horizon => b - s.horizon,
    } + TimeDelta::seconds(delta);
    out
}

fn check_decision(toml: &str, rq: &RequestGen) -> Result<(), TestCaseError> {
    check_decision_of(&load(toml), toml, rq)
}

/// The decision of a policy that keeps its expansions between requests, as a
/// server's does, against the same reference: with nothing kept yet, then with
/// everything kept, then with a runtime freeze added (the kept days of the files'
/// rules are reused around it) and lifted, and after a reload to another policy.
fn check_kept(
    toml: &str,
    rq: &RequestGen,
    freeze: &FreezeGen,
    reloaded: &str,
) -> Result<(), TestCaseError> {
    let policy = load(toml);
    policy.reuse_expansions();
    check_decision_of(&policy, toml, rq)?;
    check_decision_of(&policy, toml, rq)?;
    let frozen = policy.with_runtime_rules(freeze.rule(&policy, rq));
    check_decision_of(&frozen, toml, rq)?;
    check_decision_of(&frozen.with_runtime_rules([]), toml, rq)?;
    check_decision_of(&policy, toml, rq)?;
    let next = load(reloaded);
    next.reuse_expansions();
    check_decision_of(&next, reloaded, rq)?;
    check_decision_of(&next, reloaded, rq)
}

/// A runtime freeze around a request: from `offset` minutes after it, `minutes` long.
#[derive(Debug, Clone)]
struct FreezeGen {
    offset: i64,
    minutes: i64,
    everything: bool,
}

fn runtime_freeze() -> impl Strategy<Value = FreezeGen> {
    (-3_000i64..3_000, 1i64..4_000, any::<bool>()).prop_map(|(offset, minutes, everything)| {
        FreezeGen {
            offset,
            minutes,
            everything,
        }
    })
}

impl FreezeGen {
    fn rule(&self, policy: &PolicySet, rq: &RequestGen) -> Option<shipwindow::policy::Rule> {
        let (services, envs) = if self.everything {
            (vec!["*".to_string()], vec!["*".to_string()])
        } else {
            (vec![rq.service.to_string()], vec![rq.env.to_string()])
        };
        let start = rq.at + TimeDelta::minutes(self.offset);
        let spec = shipwindow::policy::RuntimeFreezeSpec {
            id: "prop",
            services: &services,
            envs: &envs,
            start,
            until: start + TimeDelta::minutes(self.minutes),
            reason: "INC-1",
            created_by: "ops",
        };
        spec.rule(policy.settings.timezone)
    }
}

fn check_decision_of(policy: &PolicySet, toml: &str, rq: &RequestGen) -> Result<(), TestCaseError> {
    let rq = &snapped(policy, rq);
    let req = rq.build();
    let ctx = format!("\n--- policy ---\n{toml}--- request ---\n{rq:#?}\n");
    let s = &policy.settings;
    let len = req.duration.unwrap_or(s.deploy_duration) + req.monitoring.unwrap_or(s.monitoring);
    let at = req.at;
    let g = (at, at + len);
    let latest = at + s.horizon;
    let reach = (at - s.horizon, g.1 + s.horizon);
    let wide = (reach.0 - TimeDelta::days(3), reach.1 + TimeDelta::days(3));
    let r = Reference::new(policy, &req.service, &req.env, req.change, wide);

    let d = decide(policy, &req).unwrap();
    prop_assert_eq!(d.start.with_timezone(&Utc), at, "start{}", ctx);
    prop_assert_eq!(
        d.deploy_end.with_timezone(&Utc),
        at + req.duration.unwrap_or(s.deploy_duration),
        "deploy_end{}",
        ctx
    );
    prop_assert_eq!(
        d.monitoring_end.with_timezone(&Utc),
        g.1,
        "monitoring_end{}",
        ctx
    );

    // Blockers. A freeze's extended intervals may overlap, so its maximal blocking
    // interval is walked boundary by boundary from the first blocked instant of G.
    let mut want: Vec<ExpBlocker> = Vec::new();
    let mut parts: Vec<(String, Part, &Events)> = Vec::new();
    for ((idx, name, list), events) in r.freezes.iter().zip(&r.events) {
        if let Some(c) = r.critical(g.0, g.1).into_iter().find(|&c| has(list, c)) {
            let (from, until) = clip(r.stretch(c, |t| has(list, t)), reach);
            want.push(ExpBlocker {
                from,
                rule: name.clone(),
                kind: "freeze",
                until,
                overridable: overridable(policy, *idx),
            });
            parts.push((name.clone(), events.part(g), events));
        }
    }
    if let Some(c) = r
        .critical(g.0, g.1)
        .into_iter()
        .find(|&c| r.window_blocked(c))
    {
        let (from, until) = clip(r.stretch(c, |t| r.window_blocked(t)), reach);
        let names: Vec<&str> = r.windows.iter().map(|(_, n, _)| n.as_str()).collect();
        want.push(ExpBlocker {
            from,
            rule: names.join(", "),
            kind: "window",
            until,
            overridable: r.windows.iter().all(|(i, _, _)| overridable(policy, *i)),
        });
    }
    want.sort_by(|a, b| a.from.cmp(&b.from).then_with(|| a.rule.cmp(&b.rule)));
    let got: Vec<ExpBlocker> = d
        .blocked_by
        .iter()
        .map(|b| ExpBlocker {
            from: b.from.with_timezone(&Utc),
            rule: b.rule.clone(),
            kind: b.kind.as_str(),
            until: b.until.with_timezone(&Utc),
            overridable: b.overridable,
        })
        .collect();
    prop_assert_eq!(&got, &want, "blocked_by{}", ctx);
    prop_assert!(
        d.blocked_by.iter().all(|b| !b.reason.trim().is_empty()),
        "every blocker has a reason{}",
        ctx
    );
    // The words of a freeze blocker: plain when G meets an event, else the tail
    // after one and/or the lead before the next.
    // (A runtime freeze's words are its reason and maker, checked elsewhere.)
    for (name, part, events) in parts.iter().filter(|(n, _, _)| !n.starts_with("runtime:")) {
        let b = d.blocked_by.iter().find(|b| &b.rule == name).unwrap();
        let stated = toml.contains(&format!("reason = \"event {name}\""));
        let plain = if stated {
            format!("event {name}")
        } else {
            format!("freeze {name} (")
        };
        let tail = format!(
            "cool-down, {} after {plain}",
            format_duration_as(events.tail, DurationStyle::Words)
        );
        let lead = format!(
            "{} before {plain}",
            format_duration_as(events.lead, DurationStyle::Words)
        );
        match (part, stated) {
            (Part::Event, true) => prop_assert_eq!(&b.reason, &plain, "reason{}", ctx),
            (Part::Event, false) => prop_assert!(
                b.reason.starts_with(&plain),
                "reason {:?} should be plain{}",
                b.reason,
                ctx
            ),
            (Part::Around { tail: t, lead: l }, _) => {
                prop_assert!(*t || *l, "a freeze met by nothing{}", ctx);
                let mut want = Vec::new();
                if *t {
                    want.push(tail);
                }
                if *l {
                    want.push(lead);
                }
                let got: Vec<&str> = b.reason.split("; ").collect();
                prop_assert_eq!(got.len(), want.len(), "reason {:?}{}", b.reason, ctx);
                for (g, w) in got.iter().zip(&want) {
                    if stated {
                        prop_assert_eq!(*g, w.as_str(), "reason{}", ctx);
                    } else {
                        prop_assert!(
                            g.starts_with(w.as_str()),
                            "reason {:?} vs {:?}{}",
                            g,
                            w,
                            ctx
                        );
                    }
                }
            }
        }
    }

    // The reference agrees with itself: something blocks iff the start is not clear.
    let clear = r.clear(at, len);
    prop_assert_eq!(clear, want.is_empty(), "reference self-check{}", ctx);

    // Verdict.
    let want_verdict = if clear {
        Verdict::Allow
    } else {
        let satisfied = req.override_.as_ref().is_some_and(|o| {
            want.iter().all(|b| match b.kind {
                "window" => r.windows.iter().all(|(i, _, _)| accepts(policy, *i, o)),
                _ => r
                    .freezes
                    .iter()
                    .filter(|(_, n, _)| *n == b.rule)
                    .all(|(i, _, _)| accepts(policy, *i, o)),
            })
        });
        if satisfied {
            Verdict::Override
        } else {
            Verdict::Deny
        }
    };
    prop_assert_eq!(d.verdict, want_verdict, "verdict{}", ctx);
    prop_assert_eq!(d.allowed, want_verdict != Verdict::Deny, "allowed{}", ctx);

    // next_allowed: the earliest clear start in [at, at + horizon].
    let exact = r.earliest(at, latest, len, false);
    let netted = r.earliest(at, latest, len, true);
    prop_assert_eq!(
        exact,
        netted,
        "reference: the grid beat the boundaries{}",
        ctx
    );
    let got_next = next_allowed(policy, &req)
        .unwrap()
        .map(|t| t.with_timezone(&Utc));
    prop_assert_eq!(got_next, exact, "next_allowed(){}", ctx);
    let want_next = match want_verdict {
        Verdict::Deny => exact,
        // `next_allowed` is null when the verdict is allow or override.
        Verdict::Allow | Verdict::Override => None,
    };
    let got_next = d.next_allowed.map(|t| t.with_timezone(&Utc));
    prop_assert_eq!(got_next, want_next, "decision.next_allowed{}", ctx);

    // free_until: only when allowed; the first blocked instant at or after the end of
    // the guarded interval, unless that is past the horizon.
    let want_free = if want_verdict == Verdict::Allow {
        r.first_blocked(g.1).filter(|&t| t <= latest)
    } else {
        None
    };
    let got_free = d.free_until.map(|t| t.with_timezone(&Utc));
    prop_assert_eq!(got_free, want_free, "free_until{}", ctx);
    Ok(())
}

/// Checks the `windows` timeline of one request's service, env and change.
fn check_windows(toml: &str, rq: &RequestGen, back: i64, span: i64) -> Result<(), TestCaseError> {
    let policy = load(toml);
    let rq = &snapped(&policy, rq);
    let from = rq.at - TimeDelta::seconds(back);
    let to = from + TimeDelta::seconds(span);
    let ctx = format!(
        "\n--- policy ---\n{toml}--- windows ---\n{} {} {:?} from {from} to {to}\n",
        rq.service, rq.env, rq.change
    );
    let wide = (from - TimeDelta::days(3), to + TimeDelta::days(3));
    let r = Reference::new(&policy, rq.service, rq.env, rq.change, wide);
    let report = windows(&policy, rq.service, rq.env, rq.change, from, to).unwrap();
    let pieces = &report.intervals;
    prop_assert!(!pieces.is_empty(), "no pieces{}", ctx);
    prop_assert_eq!(
        pieces[0].start.with_timezone(&Utc),
        from,
        "first start{}",
        ctx
    );
    prop_assert_eq!(
        pieces[pieces.len() - 1].end.with_timezone(&Utc),
        to,
        "last end{}",
        ctx
    );
    // The rules an instant is closed or open by, in policy order.
    let rules_at = |t: DateTime<Utc>| -> (WindowState, Vec<String>) {
        let mut closed: Vec<(usize, String)> = r
            .freezes
            .iter()
            .filter(|(_, _, l)| has(l, t))
            .map(|(i, n, _)| (*i, n.clone()))
            .collect();
        if r.window_blocked(t) {
            closed.extend(r.windows.iter().map(|(i, n, _)| (*i, n.clone())));
        }
        if closed.is_empty() {
            let open = r
                .windows
                .iter()
                .filter(|(_, _, l)| has(l, t))
                .map(|(_, n, _)| n.clone())
                .collect();
            (WindowState::Open, open)
        } else {
            closed.sort();
            (
                WindowState::Closed,
                closed.into_iter().map(|(_, n)| n).collect(),
            )
        }
    };
    for (k, p) in pieces.iter().enumerate() {
        let (s, e) = (p.start.with_timezone(&Utc), p.end.with_timezone(&Utc));
        prop_assert!(s < e, "empty piece {}{}", k, ctx);
        if k > 0 {
            let prev = &pieces[k - 1];
            prop_assert_eq!(
                prev.end.with_timezone(&Utc),
                s,
                "gap or overlap at {}{}",
                k,
                ctx
            );
            prop_assert!(
                prev.state != p.state || prev.rules != p.rules,
                "adjacent pieces {} and {} should be one{}",
                k - 1,
                k,
                ctx
            );
        }
        for c in r.critical(s, e) {
            let (state, rules) = rules_at(c);
            prop_assert_eq!(p.state, state, "state of piece {} at {}{}", k, c, ctx);
            prop_assert_eq!(&p.rules, &rules, "rules of piece {} at {}{}", k, c, ctx);
            prop_assert_eq!(
                state == WindowState::Closed,
                r.blocked_at(c),
                "reference self-check at {}{}",
                c,
                ctx
            );
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // `PROPTEST_CASES=100000` for a long hunt.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1024),
        // Failures are pinned as named tests below rather than written next to the
        // source.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decision_matches_brute_force(p in policy(), rq in request()) {
        check_decision(&p.toml(), &rq)?;
    }

    #[test]
    fn kept_expansions_match_brute_force(
        p in policy(),
        rq in request(),
        freeze in runtime_freeze(),
        reloaded in policy(),
    ) {
        check_kept(&p.toml(), &rq, &freeze, &reloaded.toml())?;
    }

    #[test]
    fn windows_timeline_matches_brute_force(
        p in policy(),
        rq in request(),
        back in prop_oneof![Just(0i64), Just(1i64), 0i64..2 * 86_400],
        span in 1i64..5 * 86_400,
    ) {
        check_windows(&p.toml(), &rq, back, span)?;
    }
}

// ---------------------------------------------------------------------------------
// Pinned cases
// ---------------------------------------------------------------------------------

fn run(result: Result<(), TestCaseError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A fold: the 01:00-02:00 window on New York's fall-back night lasts two real hours.
#[test]
fn fold_window_lasts_two_hours() {
    let toml = "[settings]\ntimezone = \"America/New_York\"\nhorizon = \"3d\"\n\n\
                [[window]]\nname = \"night\"\ndays = [\"sun\"]\nstart = \"01:00\"\nend = \"02:00\"\n";
    let rq = RequestGen {
        service: "web",
        env: "prod",
        change: ChangeKind::Deploy,
        at: instant("2026-11-01T05:00:00Z"),
        duration: Some(3600),
        monitoring: Some(3600),
        override_: None,
        snap: None,
    };
    run(check_decision(toml, &rq));
    run(check_windows(toml, &rq, 3600, 4 * 3600));
}

/// Regression, found by `decision_matches_brute_force` (fixed in 75dd853): a cron
/// pair whose `cron` and `until_cron` both fire inside the same DST gap. Both fire at
/// the end of the gap, so the interval runs from there to the next
/// `until_cron` fire strictly after it: here from 03:00 EDT on 2026-03-08 to
/// 02:30 EDT on 2026-03-09. `Rule::intervals` used to return that interval only when
/// the queried range started before the end of the gap (`Cron::next_fire`, inclusive,
/// skipped a fire in the gap that maps exactly onto its bound), so a deploy inside the
/// freeze was allowed, while `windows` from an earlier instant showed it closed.
#[test]
fn cron_pair_firing_in_a_dst_gap_is_seen_from_the_gap_end() {
    let toml = "[settings]\ntimezone = \"America/New_York\"\nhorizon = \"10d\"\n\n\
                [[freeze]]\nname = \"maintenance\"\ncron = \"0 2 * * *\"\nuntil_cron = \"30 2 * * *\"\n";
    let policy = load(toml);
    let req = DeployRequest::new("web", "prod", instant("2026-03-08T12:00:00Z"));
    let d = decide(&policy, &req).unwrap();
    let blocked: Vec<(String, DateTime<Utc>, DateTime<Utc>)> = d
        .blocked_by
        .iter()
        .map(|b| {
            (
                b.rule.clone(),
                b.from.with_timezone(&Utc),
                b.until.with_timezone(&Utc),
            )
        })
        .collect();
    assert_eq!(
        (
            d.verdict,
            blocked,
            d.next_allowed.map(|t| t.with_timezone(&Utc))
        ),
        (
            Verdict::Deny,
            vec![(
                "maintenance".to_string(),
                instant("2026-03-08T07:00:00Z"),
                instant("2026-03-09T06:30:00Z"),
            )],
            Some(instant("2026-03-09T06:30:00Z")),
        ),
        "a deploy at 08:00 EDT on 2026-03-08 falls inside the freeze"
    );
    let rq = RequestGen {
        service: "web",
        env: "prod",
        change: ChangeKind::Deploy,
        at: instant("2026-03-08T07:00:00Z"),
        duration: None,
        monitoring: None,
        override_: None,
        snap: None,
    };
    run(check_decision(toml, &rq));
    run(check_windows(toml, &rq, 0, 86_400));
}
