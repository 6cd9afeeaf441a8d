//! GitHub Actions output: workflow commands on stdout, a Markdown job summary in
//! `$GITHUB_STEP_SUMMARY` and step outputs in `$GITHUB_OUTPUT` when they are set.

use super::human::when;
use super::output::outln;
use crate::eval::{Decision, DeployRequest, Verdict};
use crate::policy::Diagnostic;
use chrono::{DateTime, SecondsFormat};
use chrono_tz::Tz;
use std::fmt::Write as _;
use std::io::Write as _;

fn rfc(t: &DateTime<Tz>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Escapes a workflow command's message: control characters as visible
/// escapes (a value is one line), then `%`, CR and LF as GitHub's rules say.
fn data(s: &str) -> String {
    crate::text::escape(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A value for the Markdown summary, shown as its text: control characters
/// escaped, and every character Markdown or HTML would read as markup
/// backslash-escaped or written as an entity.
fn markdown(s: &str) -> String {
    let mut out = String::new();
    for c in crate::text::escape(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A value for the Markdown summary as a code span: control characters
/// escaped, a fence longer than any run of backticks inside, and `|` escaped
/// (GitHub reads it as a cell boundary even in a code span).
fn code(s: &str) -> String {
    let text = crate::text::escape(s).replace('|', "\\|");
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Escapes a workflow command's property (`title=`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// How bad a problem is, as GitHub names its annotations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Level {
    Error,
    Warning,
}

/// One problem in a file as a GitHub annotation, so a pull request shows it
/// on its line: `::error file=…,line=…,col=…,endLine=…,endColumn=…::message`,
/// the help on a line of its own under it.
pub(super) fn annotation(level: Level, d: &Diagnostic) -> String {
    let command = match level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut props = vec![format!("file={}", property(&d.file.display().to_string()))];
    if let Some((line, col)) = d.position {
        props.push(format!("line={line},col={col}"));
    }
    if let Some((line, col)) = d.end {
        props.push(format!("endLine={line},endColumn={col}"));
    }
    // Each part escaped on its own, so only the break put between them is one.
    let mut message = data(&d.message);
    if let Some(help) = &d.help {
        message.push_str("%0Ahelp: ");
        message.push_str(&data(help));
    }
    format!("::{command} {}::{message}", props.join(","))
}

/// Bad input (a flag, a policy that fails to load, output that could not be
/// written) as one `::error` annotation, so the run's page says why it failed.
/// On stderr, which the runner reads for workflow commands too: stdout carries
/// answers only, and a failed run prints none.
pub(crate) fn bad_input(message: &str) {
    eprintln!("::error title=shipwindow%3A bad input::{}", data(message));
}

pub(super) fn append(var: &str, text: &str) {
    let Some(path) = std::env::var_os(var).filter(|p| !p.is_empty()) else {
        return;
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path);
    // Later steps read these files: missing outputs must fail the step, not
    // leave `steps.<id>.outputs.allowed` silently empty.
    if let Err(e) = file.and_then(|mut f| f.write_all(text.as_bytes())) {
        super::output::fail(format!(
            "cannot append to ${var} ({}): {e}",
            path.to_string_lossy()
        ));
    }
}

pub(crate) fn decision(d: &Decision) {
    decision_refused(d, &[]);
}

/// [`decision`], with why an override given with the request was refused.
pub(crate) fn decision_refused(d: &Decision, refused: &[String]) {
    let target = format!("{} to {}", d.service, d.env);
    let blockers: Vec<String> = d
        .blocked_by
        .iter()
        .map(|b| {
            format!(
                "{} ({}) until {}: {}",
                b.rule,
                b.kind.as_str(),
                when(&b.until),
                b.reason
            )
        })
        .collect();
    let next = d
        .next_allowed
        .as_ref()
        .map_or("none within the horizon".to_string(), when);
    let mut summary = String::new();
    let verdict = match d.verdict {
        Verdict::Allow => "✅ allowed",
        Verdict::Override => "⚠️ allowed by override",
        Verdict::Deny => "⛔ denied",
    };
    let _ = writeln!(
        summary,
        "### shipwindow: {} {}: {verdict}\n",
        d.change.as_str(),
        markdown(&target)
    );
    let _ = writeln!(
        summary,
        "Start {}, monitoring until {}.\n",
        when(&d.start),
        when(&d.monitoring_end)
    );
    if !d.blocked_by.is_empty() {
        let _ = writeln!(
            summary,
            "| rule | kind | reason | from | until |\n|---|---|---|---|---|"
        );
        for b in &d.blocked_by {
            let _ = writeln!(
                summary,
                "| {} | {} | {} | {} | {} |",
                code(&b.rule),
                b.kind.as_str(),
                markdown(&b.reason),
                when(&b.from),
                when(&b.until)
            );
        }
        let _ = writeln!(summary);
    }
    if d.verdict == Verdict::Deny {
        let _ = writeln!(summary, "**Next allowed:** {next}\n");
    }
    let _ = writeln!(summary, "<sub>policy `{}`</sub>\n", d.policy);
    append("GITHUB_STEP_SUMMARY", &summary);

    let outputs = format!(
        "allowed={}\nverdict={}\nnext_allowed={}\npolicy={}\n",
        d.allowed,
        d.verdict.as_str(),
        d.next_allowed.as_ref().map(rfc).unwrap_or_default(),
        d.policy
    );
    append("GITHUB_OUTPUT", &outputs);
    // The files first: a step whose outputs could not be written fails (exit
    // 2, said as an `::error`), and must not have announced a verdict before.
    if super::output::failure().is_some() {
        return;
    }
    match d.verdict {
        Verdict::Deny => outln!(
            "::error title={}::{}",
            property(&format!("Deploy blocked: {target}")),
            data(&format!(
                "{}. Next allowed: {next}{}",
                blockers.join("; "),
                if refused.is_empty() {
                    String::new()
                } else {
                    format!(". Override refused: {}", refused.join("; "))
                }
            ))
        ),
        Verdict::Override => outln!(
            "::notice title={}::{}",
            property(&format!("Deploy allowed by override: {target}")),
            data(&format!("Overridden: {}", blockers.join("; ")))
        ),
        Verdict::Allow => {
            let free = d
                .free_until
                .as_ref()
                .map_or("beyond the horizon".to_string(), when);
            outln!(
                "::notice title={}::{}",
                property(&format!("Deploy allowed: {target}")),
                data(&format!("Clear from {} until {free}", when(&d.start)))
            )
        }
    }
}

pub(crate) fn next(req: &DeployRequest, next: Option<&DateTime<Tz>>) {
    let title = property(&format!(
        "Next deploy window: {} to {}",
        req.service, req.env
    ));
    append(
        "GITHUB_OUTPUT",
        &format!("next_allowed={}\n", next.map(rfc).unwrap_or_default()),
    );
    // As for a decision: no annotation before outputs that failed.
    if super::output::failure().is_some() {
        return;
    }
    match next {
        Some(t) => outln!("::notice title={title}::{}", data(&when(t))),
        None => outln!("::error title={title}::none within the horizon"),
    }
}
