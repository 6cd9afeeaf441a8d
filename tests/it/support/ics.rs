//! Helpers shared by the iCalendar tests: a policy directory in a temporary
//! folder, and intervals written as RFC 3339 text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]
#![allow(dead_code, reason = "each test file uses the helpers it needs")]

use chrono::{DateTime, Utc};
use shipwindow::calendar::Interval;
use shipwindow::policy::{LoadError, LoadOptions, PolicySet};
use std::path::{Path, PathBuf};

/// A policy directory with its files, and a state directory beside it.
pub struct Dir {
    pub tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new(files: &[(&str, &str)]) -> Dir {
        let tmp = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            let path = tmp.path().join("policies").join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Dir { tmp }
    }

    pub fn policies(&self) -> PathBuf {
        self.tmp.path().join("policies")
    }

    pub fn state(&self) -> PathBuf {
        self.tmp.path().join("state")
    }

    pub fn load_at(&self, now: &str) -> Result<PolicySet, LoadError> {
        let options = LoadOptions::new(self.state(), t(now));
        PolicySet::load_with(&self.policies(), &options)
    }

    pub fn load(&self) -> Result<PolicySet, LoadError> {
        self.load_at("2026-11-27T00:00:00Z")
    }
}

/// A policy set with one `[[freeze]]` named `cal` reading `cal.ics` (the text
/// given), in a set whose zone is `zone`; `extra` adds keys to the freeze.
pub fn calendar_policy(zone: &str, extra: &str, ics: &str) -> PolicySet {
    let toml = format!(
        "[settings]\ntimezone = \"{zone}\"\n\n[[freeze]]\nname = \"cal\"\nics = \"cal.ics\"\n{extra}\n"
    );
    let dir = Dir::new(&[("p.toml", &toml), ("cal.ics", ics)]);
    dir.load().unwrap_or_else(|e| panic!("{e}"))
}

/// The load error of such a set.
pub fn calendar_error(zone: &str, extra: &str, ics: &str) -> String {
    let toml = format!(
        "[settings]\ntimezone = \"{zone}\"\n\n[[freeze]]\nname = \"cal\"\nics = \"cal.ics\"\n{extra}\n"
    );
    let dir = Dir::new(&[("p.toml", &toml), ("cal.ics", ics)]);
    let err = dir.load().expect_err("the calendar should not load");
    // Paths differ per run; keep the file name.
    err.to_string()
        .replace(&format!("{}/", dir.policies().display()), "")
}

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

pub fn range(from: &str, to: &str) -> Interval {
    Interval::new(t(from), t(to))
}

/// The intervals of rule `name` that overlap `[from, to)`, as instants.
pub fn intervals(policy: &PolicySet, name: &str, from: &str, to: &str) -> Vec<Interval> {
    let rule = policy
        .rules
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no rule {name}"));
    rule.intervals(range(from, to))
}

/// Asserts the intervals of rule `cal` over `[from, to)` are exactly `want`
/// (RFC 3339 pairs written by hand), showing both sides in the set's zone.
pub fn assert_intervals(policy: &PolicySet, from: &str, to: &str, want: &[(&str, &str)]) {
    let got = intervals(policy, "cal", from, to);
    let want: Vec<Interval> = want.iter().map(|(a, b)| range(a, b)).collect();
    if got != want {
        let tz = policy.settings.timezone;
        let show = |v: &[Interval]| {
            v.iter()
                .map(|i| {
                    format!(
                        "  {} .. {}",
                        i.start.with_timezone(&tz).to_rfc3339(),
                        i.end.with_timezone(&tz).to_rfc3339()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "intervals over [{from}, {to}):\n got:\n{}\n want:\n{}",
            show(&got),
            show(&want)
        );
    }
}

/// An iCalendar text from lines, with CRLF line ends as calendar apps write them.
pub fn ics(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines {
        out.push_str(l);
        out.push_str("\r\n");
    }
    out
}

/// A VCALENDAR around VEVENT bodies (each a list of property lines).
pub fn events(events: &[&[&str]]) -> String {
    let mut lines = vec!["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"];
    for e in events {
        lines.push("BEGIN:VEVENT");
        lines.extend_from_slice(e);
        lines.push("END:VEVENT");
    }
    lines.push("END:VCALENDAR");
    ics(&lines)
}

pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ics")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The occurrences of rule `cal` overlapping `[from, to)`: (summary, start, end)
/// with times as RFC 3339 in UTC.
pub fn occurrences(policy: &PolicySet, from: &str, to: &str) -> Vec<(String, String, String)> {
    use shipwindow::policy::RuleSource;
    let rule = policy.rules.iter().find(|r| r.name == "cal").unwrap();
    let RuleSource::Calendar(source) = &rule.source else {
        panic!("`cal` is not a calendar rule")
    };
    source
        .occurrences(range(from, to))
        .iter()
        .map(|o| {
            (
                o.event.summary.clone(),
                o.interval.start.to_rfc3339(),
                o.interval.end.to_rfc3339(),
            )
        })
        .collect()
}

/// `(summary, start, end)` written by hand, with the times in any offset,
/// normalised to what [`occurrences`] gives.
pub fn expect(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(s, a, b)| (s.to_string(), t(a).to_rfc3339(), t(b).to_rfc3339()))
        .collect()
}

/// The binary, run on `dir`'s policies with its state directory; the `TZ` of the
/// machine is Kiritimati's (+14:00), so a calendar read in the machine's zone
/// would show.
pub fn shipwindow(dir: &Dir, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .arg("--policies")
        .arg(dir.policies())
        .args(args)
        .env("SHIPWINDOW_STATE_DIR", dir.state())
        .env("TZ", "Pacific/Kiritimati")
        .env_remove("SHIPWINDOW_POLICIES")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap()
}

/// A policy file with one `[[freeze]]` named `cal` with `ics = "{target}"`.
pub fn calendar_toml(zone: &str, target: &str, extra: &str) -> String {
    format!(
        "[settings]\ntimezone = \"{zone}\"\n\n[[freeze]]\nname = \"cal\"\nics = \"{target}\"\n{extra}\n"
    )
}
