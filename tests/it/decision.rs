//! The decision on small hand-written policies: what blocks, what an
//! override satisfies, and the exact next allowed start and end of the clear stretch.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use chrono::{DateTime, TimeDelta, Utc};
use shipwindow::policy::ChangeKind;
use shipwindow::{BlockerKind, Decision, DeployRequest, Override, PolicySet, Verdict};

fn rfc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// These policies have no calendar rules, so every request can be decided.
fn decide(policy: &PolicySet, req: &DeployRequest) -> Decision {
    shipwindow::decide(policy, req).unwrap()
}

fn policy(text: &str) -> PolicySet {
    PolicySet::from_files(&[("p.toml", text)]).unwrap_or_else(|e| panic!("{e}"))
}

/// A request for `web`/`prod` at `at` with a deploy of `dur` minutes and `mon` minutes of monitoring.
fn req(at: &str, dur: i64, mon: i64) -> DeployRequest {
    let mut r = DeployRequest::new("web", "prod", rfc(at));
    r.duration = Some(TimeDelta::minutes(dur));
    r.monitoring = Some(TimeDelta::minutes(mon));
    r
}

fn show(t: Option<DateTime<chrono_tz::Tz>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

fn rules(d: &Decision) -> Vec<&str> {
    d.blocked_by.iter().map(|b| b.rule.as_str()).collect()
}

const SEOUL: &str = "[settings]\ntimezone = \"Asia/Seoul\"\nhorizon = \"30d\"\n";

const WEEKNIGHT: &str = r#"
[[window]]
name = "weeknight"
days = ["mon-thu", "sun"]
start = "22:00"
end = "06:00"
envs = ["prod"]
"#;

#[test]
fn the_whole_guarded_interval_must_fit_the_window() {
    let p = policy(&format!("{SEOUL}{WEEKNIGHT}"));
    // 05:00 + 30m deploy + 30m monitoring ends exactly at 06:00: allowed.
    let d = decide(&p, &req("2026-12-01T05:00:00+09:00", 30, 30));
    assert_eq!(d.verdict, Verdict::Allow, "{d:#?}");
    assert_eq!(show(d.free_until), Some("2026-12-01T06:00:00+09:00".into()));
    // One second later the monitoring spills out of the window.
    let d = decide(&p, &req("2026-12-01T05:00:01+09:00", 30, 30));
    assert_eq!(d.verdict, Verdict::Deny);
    assert_eq!(d.blocked_by[0].kind, BlockerKind::Window);
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-12-01T06:00:00+09:00"
    );
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-12-01T22:00:00+09:00"
    );
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-01T22:00:00+09:00".into())
    );
}

#[test]
fn adjacent_windows_join() {
    let text = format!(
        "{SEOUL}{WEEKNIGHT}\n[[window]]\nname = \"early-morning\"\ndays = [\"mon-fri\"]\nstart = \"06:00\"\nend = \"08:00\"\n"
    );
    let p = policy(&text);
    // 05:30 to 07:00 spans both windows, which touch at 06:00.
    let d = decide(&p, &req("2026-12-01T05:30:00+09:00", 60, 30));
    assert_eq!(d.verdict, Verdict::Allow, "{d:#?}");
    // A request outside both names both, in policy order, as one window blocker.
    let d = decide(&p, &req("2026-12-01T12:00:00+09:00", 30, 30));
    assert_eq!(rules(&d), ["weeknight, early-morning"]);
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-12-01T08:00:00+09:00"
    );
}

#[test]
fn a_freeze_blocks_when_it_meets_any_part_of_the_guarded_interval() {
    let text = format!(
        "{SEOUL}\n[[freeze]]\nname = \"sale\"\nstart_at = \"2026-12-10T00:00\"\nend_at = \"2026-12-11T00:00\"\n"
    );
    let p = policy(&text);
    // Monitoring ends exactly when the freeze starts: half-open, so clear.
    let d = decide(&p, &req("2026-12-09T23:00:00+09:00", 30, 30));
    assert_eq!(d.verdict, Verdict::Allow);
    assert_eq!(show(d.free_until), Some("2026-12-10T00:00:00+09:00".into()));
    // One second more of monitoring overlaps it.
    let mut r = req("2026-12-09T23:00:00+09:00", 30, 30);
    r.monitoring = Some(TimeDelta::seconds(30 * 60 + 1));
    let d = decide(&p, &r);
    assert_eq!(rules(&d), ["sale"]);
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-11T00:00:00+09:00".into())
    );
    // Starting exactly at the freeze's end is clear.
    assert!(decide(&p, &req("2026-12-11T00:00:00+09:00", 30, 30)).allowed);
}

#[test]
fn next_allowed_is_exact_to_the_second() {
    let text = format!(
        "{SEOUL}\n[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-10T00:00\"\nend_at = \"2026-12-10T00:00:17+09:00\"\n"
    );
    let p = policy(&text);
    let d = decide(&p, &req("2026-12-09T23:59:59+09:00", 1, 0));
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-10T00:00:17+09:00".into())
    );
}

#[test]
fn next_allowed_skips_gaps_too_short_for_the_deploy() {
    // Open 22:00-06:00 except a freeze 23:00-23:10: a 2h deploy fits only from 23:10.
    let text = format!(
        "{SEOUL}{WEEKNIGHT}\n[[freeze]]\nname = \"backup\"\ncron = \"0 23 * * *\"\nduration = \"10m\"\n"
    );
    let p = policy(&text);
    let d = decide(&p, &req("2026-12-01T22:00:00+09:00", 90, 30));
    assert_eq!(rules(&d), ["backup"]);
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-01T23:10:00+09:00".into())
    );
    // 6h50m from 23:10 reaches 06:00 exactly; 6h51m does not fit any night.
    let d = decide(&p, &req("2026-12-01T22:00:00+09:00", 380, 30));
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-01T23:10:00+09:00".into())
    );
    let d = decide(&p, &req("2026-12-01T22:00:00+09:00", 381, 30));
    assert_eq!(d.next_allowed, None);
}

#[test]
fn next_allowed_may_reach_past_the_horizon_but_not_start_after_it() {
    let text = "[settings]\nhorizon = \"1d\"\n\n[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-01T00:00:00Z\"\nend_at = \"2026-12-02T00:00:00Z\"\n";
    let p = policy(text);
    // The freeze ends exactly at at + horizon: that start counts, and its guarded
    // interval runs past the horizon.
    let d = decide(&p, &req("2026-12-01T00:00:00Z", 60, 60));
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-02T00:00:00+00:00".into())
    );
    let d = decide(&p, &req("2026-11-30T23:59:59Z", 60, 60));
    assert_eq!(d.next_allowed, None);
}

#[test]
fn applicability_by_globs_and_exempt() {
    let text = format!(
        "{SEOUL}\n[[freeze]]\nname = \"pay\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\nservices = [\"payments-*\", \"!payments-sandbox\"]\nenvs = [\"prod\", \"stag*\"]\nexempt = [\"hotfix\"]\n"
    );
    let p = policy(&text);
    let at = rfc("2026-12-05T12:00:00+09:00"); // Saturday
    let check = |service: &str, env: &str, change: ChangeKind| {
        let mut r = DeployRequest::new(service, env, at);
        r.change = change;
        decide(&p, &r).allowed
    };
    assert!(!check("payments-api", "prod", ChangeKind::Deploy));
    assert!(!check("payments-api", "staging", ChangeKind::Deploy));
    assert!(check("payments-sandbox", "prod", ChangeKind::Deploy));
    assert!(check("web", "prod", ChangeKind::Deploy));
    assert!(check("payments-api", "dev", ChangeKind::Deploy));
    assert!(check("payments-api", "prod", ChangeKind::Hotfix));
    // Setting `exempt` replaces the default, so this rule blocks rollbacks.
    assert!(!check("payments-api", "prod", ChangeKind::Rollback));
    // The default exempts rollbacks.
    let p2 = policy("[[freeze]]\nname = \"f\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\n");
    let mut r = DeployRequest::new("web", "prod", at);
    r.change = ChangeKind::Rollback;
    assert!(decide(&p2, &r).allowed);
    r.change = ChangeKind::Config;
    assert!(!decide(&p2, &r).allowed);
}

#[test]
fn overrides_need_what_each_blocking_rule_asks_for() {
    let text = format!(
        "{SEOUL}\n[[freeze]]\nname = \"sale\"\nstart_at = \"2026-12-10T00:00\"\nend_at = \"2026-12-12T00:00\"\noverride = \"approver\"\napprovers = [\"oncall-lead\"]\n\n[[freeze]]\nname = \"soft\"\nstart_at = \"2026-12-11T00:00\"\nend_at = \"2026-12-11T12:00\"\noverride = \"reason\"\n\n[[freeze]]\nname = \"hard\"\nstart_at = \"2026-12-13T00:00\"\nend_at = \"2026-12-14T00:00\"\n"
    );
    let p = policy(&text);
    let with = |at: &str, approver: Option<&str>| {
        let mut r = req(at, 30, 30);
        r.override_ = Some(Override {
            reason: "INC-42 fix".into(),
            approver: approver.map(String::from),
        });
        decide(&p, &r)
    };
    // approver rule: a listed approver with a reason.
    let d = with("2026-12-10T10:00:00+09:00", Some("oncall-lead"));
    assert_eq!((d.verdict, d.allowed), (Verdict::Override, true));
    assert_eq!(
        rules(&d),
        ["sale"],
        "blockers stay listed under an override"
    );
    assert!(d.blocked_by[0].overridable);
    assert_eq!(d.next_allowed, None);
    assert_eq!(
        with("2026-12-10T10:00:00+09:00", Some("intern")).verdict,
        Verdict::Deny
    );
    assert_eq!(
        with("2026-12-10T10:00:00+09:00", None).verdict,
        Verdict::Deny
    );
    // Two blockers: the override must satisfy both.
    let d = with("2026-12-11T10:00:00+09:00", Some("oncall-lead"));
    assert_eq!(
        (d.verdict, rules(&d)),
        (Verdict::Override, vec!["sale", "soft"])
    );
    // A reason-only rule takes any reason; a never rule takes nothing.
    assert_eq!(
        with("2026-12-13T10:00:00+09:00", Some("oncall-lead")).verdict,
        Verdict::Deny
    );
    let d = with("2026-12-13T10:00:00+09:00", None);
    assert!(!d.blocked_by[0].overridable);
    assert_eq!(
        show(d.next_allowed),
        Some("2026-12-14T00:00:00+09:00".into())
    );
}

#[test]
fn an_override_of_several_windows_must_satisfy_each() {
    let text = format!(
        "{SEOUL}\n[[window]]\nname = \"a\"\ndays = [\"mon\"]\nstart = \"22:00\"\nend = \"23:00\"\noverride = \"reason\"\n\n[[window]]\nname = \"b\"\ndays = [\"tue\"]\nstart = \"22:00\"\nend = \"23:00\"\n"
    );
    let mut r = req("2026-12-02T12:00:00+09:00", 30, 30);
    r.override_ = Some(Override {
        reason: "urgent".into(),
        approver: None,
    });
    let d = decide(&policy(&text), &r);
    assert_eq!(d.verdict, Verdict::Deny);
    assert!(!d.blocked_by[0].overridable);
    let both = text.replace(
        "days = [\"tue\"]\nstart = \"22:00\"\nend = \"23:00\"\n",
        "days = [\"tue\"]\nstart = \"22:00\"\nend = \"23:00\"\noverride = \"reason\"\n",
    );
    let d = decide(&policy(&both), &r);
    assert_eq!(d.verdict, Verdict::Override);
}

#[test]
fn blockers_are_ordered_by_from_then_name_with_maximal_extent() {
    let text = format!(
        "{SEOUL}\n[[freeze]]\nname = \"zeta\"\nstart_at = \"2026-12-10T00:00\"\nend_at = \"2026-12-10T06:00\"\n\n[[freeze]]\nname = \"alpha\"\nstart_at = \"2026-12-10T00:00\"\nend_at = \"2026-12-10T03:00\"\n\n[[freeze]]\nname = \"early\"\ndays = [\"daily\"]\nstart = \"23:00\"\nend = \"01:00\"\n"
    );
    let d = decide(&policy(&text), &req("2026-12-10T00:30:00+09:00", 30, 30));
    assert_eq!(rules(&d), ["early", "alpha", "zeta"]);
    // The daily rule's blocking interval is reported whole, not clipped to the request.
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-12-09T23:00:00+09:00"
    );
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-12-10T01:00:00+09:00"
    );
    // Back-to-back occurrences of one rule are one blocking interval.
    let text = format!(
        "{SEOUL}\n[[freeze]]\nname = \"allday\"\ndays = [\"mon-wed\"]\nstart = \"00:00\"\nend = \"24:00\"\n"
    );
    let d = decide(&policy(&text), &req("2026-12-01T12:00:00+09:00", 30, 30));
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-11-30T00:00:00+09:00"
    );
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-12-03T00:00:00+09:00"
    );
}

#[test]
fn free_until_is_null_beyond_the_horizon() {
    let p = policy(
        "[settings]\nhorizon = \"2d\"\n\n[[freeze]]\nname = \"f\"\nstart_at = \"2026-12-10T00:00:00Z\"\nend_at = \"2026-12-11T00:00:00Z\"\n",
    );
    let d = decide(&p, &req("2026-12-07T00:00:00Z", 30, 30));
    assert_eq!((d.verdict, d.free_until), (Verdict::Allow, None));
    let d = decide(&p, &req("2026-12-08T00:00:00Z", 30, 30));
    assert_eq!(show(d.free_until), Some("2026-12-10T00:00:00+00:00".into()));
}

#[test]
fn decisions_across_dst() {
    // New York, fall back on 2026-11-01: the 01:00-02:00 window lasts two real hours,
    // so a 90-minute deploy plus 30 minutes of monitoring fits exactly.
    let ny = "[settings]\ntimezone = \"America/New_York\"\n\n[[window]]\nname = \"night\"\ndays = [\"sun\"]\nstart = \"01:00\"\nend = \"02:00\"\n";
    let p = policy(ny);
    let d = decide(&p, &req("2026-11-01T01:00:00-04:00", 90, 30));
    assert_eq!(d.verdict, Verdict::Allow, "{d:#?}");
    assert_eq!(show(d.free_until), Some("2026-11-01T02:00:00-05:00".into()));
    // Spring forward on 2026-03-08: a 02:00-03:00 window does not exist, so the next
    // Sunday's is the first.
    let p = policy(&ny.replace(
        "start = \"01:00\"\nend = \"02:00\"",
        "start = \"02:00\"\nend = \"03:00\"",
    ));
    let d = decide(&p, &req("2026-03-08T00:00:00-05:00", 10, 10));
    assert_eq!(
        show(d.next_allowed),
        Some("2026-03-15T02:00:00-04:00".into())
    );
    // A weekly freeze across the fall-back change lasts one hour longer.
    let text = "[settings]\ntimezone = \"America/New_York\"\n\n[[freeze]]\nname = \"weekend\"\nfrom = \"fri 17:00\"\nto = \"mon 06:00\"\n";
    let d = decide(&policy(text), &req("2026-10-31T12:00:00-04:00", 30, 30));
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-11-02T06:00:00-05:00"
    );
    assert_eq!(
        d.blocked_by[0].until - d.blocked_by[0].from,
        TimeDelta::hours(62)
    );
    // Lord Howe moves by 30 minutes: a window 01:30-02:30 on 2026-10-04 is 30 minutes long.
    let lh = "[settings]\ntimezone = \"Australia/Lord_Howe\"\n\n[[window]]\nname = \"w\"\ndays = [\"sun\"]\nstart = \"01:30\"\nend = \"02:30\"\n";
    let p = policy(lh);
    assert!(decide(&p, &req("2026-10-04T01:30:00+10:30", 20, 10)).allowed);
    assert!(!decide(&p, &req("2026-10-04T01:30:00+10:30", 20, 11)).allowed);
}

#[test]
fn a_rule_zone_other_than_the_settings_zone() {
    // Settings print in Seoul; the freeze is read in London (GMT in December).
    let text = format!(
        "{SEOUL}\n[[freeze]]\nname = \"lon\"\ntimezone = \"Europe/London\"\ndays = [\"daily\"]\nstart = \"09:00\"\nend = \"10:00\"\n"
    );
    let d = decide(&policy(&text), &req("2026-12-01T18:30:00+09:00", 30, 30));
    assert_eq!(
        d.blocked_by[0].from.to_rfc3339(),
        "2026-12-01T18:00:00+09:00"
    );
    assert_eq!(
        d.blocked_by[0].until.to_rfc3339(),
        "2026-12-01T19:00:00+09:00"
    );
}

#[test]
fn the_policy_fingerprint_follows_the_files() {
    let a = PolicySet::from_files(&[("a.toml", WEEKNIGHT)]).unwrap();
    let b = PolicySet::from_files(&[("b.toml", WEEKNIGHT)]).unwrap();
    let c = PolicySet::from_files(&[("a.toml", &format!("{WEEKNIGHT}\n"))]).unwrap();
    assert_ne!(a.fingerprint, b.fingerprint, "the path is hashed");
    assert_ne!(a.fingerprint, c.fingerprint, "the bytes are hashed");
    let d = decide(&a, &req("2026-12-01T05:00:00+09:00", 30, 30));
    assert_eq!(d.policy, a.fingerprint);
}
