//! The Block Kit answers: a decision, a runtime freeze created or lifted, the list
//! of freezes, the help and errors, as Slack message JSON. Text from users and
//! policies is escaped for mrkdwn here; times are shown in the zone the caller
//! passes. Knows nothing of the command grammar or of where the values came from.

use crate::eval::{Blocker, Decision, Verdict};
use crate::policy::{ChangeKind, runtime_reason_parts};
use crate::store::{Reservation, RuntimeFreeze};
use crate::time::duration::{format_duration, format_until};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

/// Slack refuses a section text longer than this.
const SECTION_LIMIT: usize = 3000;
/// At most this many blockers or freezes are listed, so a response stays under
/// Slack's 50 blocks.
const MAX_ITEMS: usize = 40;

/// Escapes the three characters Slack's mrkdwn treats as control characters.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A time in a block: Slack's date formatting, so each reader sees it in their
/// own zone (`<!date^1733580000^{date_short_pretty} {time}|Mon 30 Nov 06:00
/// KST>`), with the time in the policy's zone as the text clients show when
/// they cannot format it.
fn when<Z: TimeZone>(t: &DateTime<Z>, tz: Tz, year: i32) -> String {
    format!(
        "<!date^{}^{{date_short_pretty}} {{time}}|{}>",
        t.timestamp(),
        plain_when(t, tz, year)
    )
}

/// `Mon 30 Nov 06:00 KST` in `tz`, with the year when it is not `year`: for a
/// message's notification text, and the fallback of [`when`].
fn plain_when<Z: TimeZone>(t: &DateTime<Z>, tz: Tz, year: i32) -> String {
    let t = t.with_timezone(&tz);
    if t.year() == year {
        t.format("%a %-d %b %H:%M %Z").to_string()
    } else {
        t.format("%a %-d %b %Y %H:%M %Z").to_string()
    }
}

fn section(text: &str) -> Value {
    let text = if text.chars().count() > SECTION_LIMIT {
        let mut cut: String = text.chars().take(SECTION_LIMIT - 1).collect();
        cut.push('…');
        cut
    } else {
        text.to_string()
    };
    json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

fn context(text: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
}

fn response(response_type: &str, text: &str, blocks: Vec<Value>) -> Value {
    json!({"response_type": response_type, "text": text, "blocks": blocks})
}

/// `sha256:0123456789ab…` → `0123456789ab`.
fn short_fingerprint(policy: &str) -> String {
    let hex = policy.strip_prefix("sha256:").unwrap_or(policy);
    hex.chars().take(12).collect()
}

/// A `created_by`/`lifted_by` value: a Slack actor (`slack:U2CERLKJA (roadrunner)`,
/// as the form's `actor` writes it) as a mention, anything else as escaped text.
fn who(actor: &str) -> String {
    let id = actor
        .strip_prefix("slack:")
        .and_then(|rest| rest.split(' ').next())
        .filter(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        });
    match id {
        Some(id) => format!("<@{id}>"),
        None => escape(actor),
    }
}

/// `` `payments-*`, `ledger` ``.
fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|p| format!("`{}`", escape(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A decision, for the channel: the verdict, the deploy and monitoring interval,
/// each blocker, the next allowed start (or how long the stretch stays clear), and
/// the policy fingerprint. Times are shown in `tz`.
pub(super) fn render_decision(d: &Decision, tz: Tz) -> Value {
    let year = d.start.with_timezone(&tz).year();
    let at = |t: &DateTime<Tz>| when(t, tz, year);
    let plain_at = |t: &DateTime<Tz>| plain_when(t, tz, year);
    let who = format!("*{}* → *{}*", escape(&d.service), escape(&d.env));
    let change = match d.change {
        ChangeKind::Deploy => String::new(),
        other => format!(" ({})", other.as_str()),
    };
    let rules = d
        .blocked_by
        .iter()
        .map(|b| escape(&b.rule))
        .collect::<Vec<_>>()
        .join(", ");
    let plain = format!("{} → {}", escape(&d.service), escape(&d.env));
    let (head, mut fallback) = match d.verdict {
        Verdict::Allow => (
            format!(":white_check_mark: {who} may deploy{change}"),
            format!("{plain}: may deploy{change}"),
        ),
        Verdict::Override => (
            format!(":warning: {who} allowed by override{change}"),
            format!("{plain}: allowed by override{change} ({rules})"),
        ),
        Verdict::Deny => (
            format!(":no_entry: {who} is blocked{change}"),
            format!("{plain}: blocked{change} by {rules}"),
        ),
    };
    let mut blocks = vec![section(&format!(
        "{head}\n*Deploy:* {} – {} (deploy {}, then monitoring {})",
        at(&d.start),
        at(&d.monitoring_end),
        format_duration(d.deploy_end - d.start),
        format_duration(d.monitoring_end - d.deploy_end),
    ))];
    let label = match d.verdict {
        Verdict::Override => "Overridden",
        _ => "Blocked by",
    };
    for b in d.blocked_by.iter().take(MAX_ITEMS) {
        blocks.push(section(&blocker_text(label, b, &at)));
    }
    if d.blocked_by.len() > MAX_ITEMS {
        blocks.push(section(&format!(
            "…and {} more blockers",
            d.blocked_by.len() - MAX_ITEMS
        )));
    }
    let data_end = d
        .data_end
        .as_ref()
        .map(|(t, data)| format!(", where {} ends ({})", escape(data), at(t)));
    match d.verdict {
        Verdict::Deny => {
            let next = match (&d.next_allowed, &data_end) {
                (Some(t), _) => at(t),
                (None, Some(end)) => format!("none found{end}"),
                (None, None) => "none within the horizon".to_string(),
            };
            let plain_next = match &d.next_allowed {
                Some(t) => plain_at(t),
                None => "none".to_string(),
            };
            fallback.push_str(&format!("; next allowed: {plain_next}"));
            blocks.push(section(&format!(":calendar: *Next allowed:* {next}")));
        }
        Verdict::Allow => {
            let clear = match (&d.free_until, &data_end) {
                (Some(t), _) => format!("until {} (room to overrun)", at(t)),
                (None, Some(end)) => format!("at least as far as the search went{end}"),
                (None, None) => "beyond the horizon".to_string(),
            };
            blocks.push(section(&format!(
                ":hourglass_flowing_sand: *Clear* {clear}"
            )));
        }
        Verdict::Override => {}
    }
    blocks.push(context(&format!(
        "policy `sha256:{}`",
        short_fingerprint(&d.policy)
    )));
    response("in_channel", &fallback, blocks)
}

fn blocker_text(label: &str, b: &Blocker, at: &impl Fn(&DateTime<Tz>) -> String) -> String {
    let overridable = if b.overridable { " · overridable" } else { "" };
    // A runtime freeze names who made it: as a mention, which Slack shows as
    // that person (and links to them).
    let reason = match runtime_reason_parts(&b.reason) {
        Some((own, by)) if b.rule.starts_with("runtime:") => {
            format!("{} (runtime freeze by {})", escape(own), who(by))
        }
        _ => escape(&b.reason),
    };
    format!(
        "{label} *{}* ({}{overridable})\n{}\n_from {} until {}_",
        escape(&b.rule),
        b.kind.as_str(),
        reason,
        at(&b.from),
        at(&b.until)
    )
}

/// Every form of the command, with examples, for the asker only. `command` is the
/// slash command as Slack sent it (`/shipwindow`).
pub(super) fn render_help(command: &str) -> Value {
    let c = command;
    let text = escape(&format!(
        "*`{c} <service> <env>`* `[at <time>] [for <duration>] [strategy <name>] [change <kind>]`\n\
         May it deploy (now, or `at` a time)? Why not, and when next? (`{c} check <service> <env>` works too.)\n\
         e.g. `{c} payments-api prod` · `{c} web prod at 2026-11-27T17:30 for 45m` · `{c} web prod change hotfix`\n\n\
         *`{c} freeze <services> <envs> for <duration> because <reason>`* (or `until <time>`)\n\
         Freeze now; services and envs are comma-separated patterns.\n\
         e.g. `{c} freeze payments-*,ledger prod for 2h because incident INC-42` · `{c} freeze * prod until 2026-11-30T06:00 because year-end close`\n\n\
         *`{c} freezes`* — the runtime freezes in force\n\
         *`{c} unfreeze <id>`* — lift one early, e.g. `{c} unfreeze 7`\n\n\
         *`{c} reserve <service> <env>`* `[at <time> | next]` — book the deploy's slot in its lane\n\
         *`{c} reservations`* — the booked slots · *`{c} release <id>`* — free one early\n\
         *`{c} help`* — this message\n\n\
         Times are RFC 3339 (`2026-11-27T17:30:00+09:00`) or local `2026-11-27T17:30` in the policy's zone; durations like `45m`, `1h30m`, `2d`."
    ));
    response(
        "ephemeral",
        &escape(&format!(
            "{c} usage: {c} <service> <env> [at <time>] [for <duration>] · freeze · freezes · unfreeze"
        )),
        vec![section(&text)],
    )
}

/// A slot booked (`verb` "booked") or released, for the channel.
pub(super) fn render_slot(r: &Reservation, tz: Tz, verb: &str) -> Value {
    let year = r.created_at.with_timezone(&tz).year();
    let head = match (&r.released_by, verb) {
        (Some(by), "released") => format!(
            ":unlock: Slot `{}` released by {}",
            escape(&r.rule_name()),
            who(by)
        ),
        _ => format!(
            ":lock: Slot `{}` {verb} by {}",
            escape(&r.rule_name()),
            who(&r.by)
        ),
    };
    let facts = slot_facts(r, tz, year);
    let fallback = format!(
        "Slot {} {verb}: {}/{} in lane {} from {} until {}",
        escape(&r.rule_name()),
        escape(&r.service),
        escape(&r.env),
        escape(&r.lane),
        plain_when(&r.start, tz, year),
        plain_when(&r.monitoring_end, tz, year)
    );
    response(
        "in_channel",
        &fallback,
        vec![section(&head), section(&facts)],
    )
}

/// A slot's deploy, lane and times, one fact a line.
fn slot_facts(r: &Reservation, tz: Tz, year: i32) -> String {
    format!(
        "*Deploy:* `{}` to `{}` (lane `{}`)\n*From:* {} *deploy done* {} *monitoring until* {}\n*Held by:* {}",
        escape(&r.service),
        escape(&r.env),
        escape(&r.lane),
        when(&r.start, tz, year),
        when(&r.deploy_end, tz, year),
        when(&r.monitoring_end, tz, year),
        who(&r.by)
    )
}

/// The booked slots, for the channel.
pub(super) fn render_reservations(list: &[Reservation], tz: Tz, now: DateTime<Utc>) -> Value {
    if list.is_empty() {
        let text = ":unlock: No slots booked.";
        return response("in_channel", text, vec![section(text)]);
    }
    let year = now.with_timezone(&tz).year();
    let count = list.len();
    let plural = if count == 1 { "" } else { "s" };
    let mut blocks = vec![section(&format!(":lock: *{count} slot{plural} booked*"))];
    for r in list.iter().take(MAX_ITEMS) {
        blocks.push(section(&format!(
            "`{}` {}",
            escape(&r.rule_name()),
            slot_facts(r, tz, year).replace('\n', " · ")
        )));
    }
    if count > MAX_ITEMS {
        blocks.push(context(&format!("and {} more", count - MAX_ITEMS)));
    }
    response(
        "in_channel",
        &format!("{count} slot{plural} booked"),
        blocks,
    )
}

/// An error, for the asker only: `message` is plain text (e.g. a command error or
/// an `InputError`), escaped here.
pub(super) fn render_error(message: &str) -> Value {
    let text = format!(":warning: {}", escape(message));
    response("ephemeral", &text, vec![section(&text)])
}

/// A freeze's services, envs, time and reason, one fact a line.
fn freeze_facts(f: &RuntimeFreeze, tz: Tz, year: i32) -> String {
    let span = if (f.start - f.created_at).num_seconds().abs() > 60 {
        format!(
            "*From:* {} *until* {}",
            when(&f.start, tz, year),
            when(&f.until, tz, year)
        )
    } else {
        format!(
            "*Until:* {} ({})",
            when(&f.until, tz, year),
            format_duration(f.until - f.start)
        )
    };
    format!(
        "*Services:* {}   *Envs:* {}\n{span}\n*Reason:* {}",
        code_list(&f.services),
        code_list(&f.envs),
        escape(&f.reason)
    )
}

/// A new runtime freeze, for the channel.
pub(super) fn render_freeze_created(f: &RuntimeFreeze, tz: Tz) -> Value {
    let year = f.created_at.with_timezone(&tz).year();
    let name = escape(&f.rule_name());
    let head = format!(
        ":snowflake: Freeze `{name}` created by {}",
        who(&f.created_by)
    );
    let fallback = format!(
        "Freeze {name} on {} in {} until {}: {}",
        escape(&f.services.join(",")),
        escape(&f.envs.join(",")),
        plain_when(&f.until, tz, year),
        escape(&f.reason)
    );
    response(
        "in_channel",
        &fallback,
        vec![
            section(&format!("{head}\n{}", freeze_facts(f, tz, year))),
            context(&format!("Lift it early with `unfreeze {}`", escape(&f.id))),
        ],
    )
}

/// A runtime freeze lifted early, for the channel.
pub(super) fn render_freeze_lifted(f: &RuntimeFreeze, tz: Tz) -> Value {
    let lifted_at = f.lifted_at.unwrap_or(f.created_at);
    let year = lifted_at.with_timezone(&tz).year();
    let name = escape(&f.rule_name());
    let by = f
        .lifted_by
        .as_deref()
        .map(who)
        .unwrap_or_else(|| "someone".into());
    let head = format!(
        ":sunny: Freeze `{name}` lifted by {by} at {}",
        when(&lifted_at, tz, year)
    );
    let fallback = format!("Freeze {name} lifted: {}", escape(&f.reason));
    response(
        "in_channel",
        &fallback,
        vec![section(&format!(
            "{head}\n{}\n_Created by {}_",
            freeze_facts(f, tz, year),
            who(&f.created_by)
        ))],
    )
}

/// The runtime freezes, for the channel: each one's rule name, services, envs,
/// end, reason and creator, or a line saying there are none.
pub(super) fn render_freezes(list: &[RuntimeFreeze], tz: Tz, now: DateTime<Utc>) -> Value {
    if list.is_empty() {
        let text = ":sunny: No runtime freezes in force.";
        return response("in_channel", text, vec![section(text)]);
    }
    let year = now.with_timezone(&tz).year();
    let count = list.len();
    let plural = if count == 1 { "" } else { "s" };
    let mut blocks = vec![section(&format!(
        ":snowflake: *{count} runtime freeze{plural}*"
    ))];
    let mut lines = Vec::new();
    for f in list.iter().take(MAX_ITEMS) {
        let name = escape(&f.rule_name());
        // In a block with Slack's dates; in the notification text, plain.
        let state_with = |at: &dyn Fn(&DateTime<Utc>) -> String| {
            if let (Some(lifted), by) = (f.lifted_at, &f.lifted_by) {
                let by = by.as_deref().map(who).unwrap_or_else(|| "someone".into());
                format!("lifted by {by} at {}", at(&lifted))
            } else if f.until <= now {
                format!("expired {}", at(&f.until))
            } else if f.start > now {
                format!(
                    "from {} ({}) until {}",
                    at(&f.start),
                    format_until(now, f.start),
                    at(&f.until)
                )
            } else {
                format!("until {} ({})", at(&f.until), format_until(now, f.until))
            }
        };
        let state = state_with(&|t| when(t, tz, year));
        blocks.push(section(&format!(
            "*`{name}`* {} in {}\n{state} · by {}\n*Reason:* {}",
            code_list(&f.services),
            code_list(&f.envs),
            who(&f.created_by),
            escape(&f.reason)
        )));
        let plain = state_with(&|t| plain_when(t, tz, year));
        lines.push(format!("{name} ({plain})"));
    }
    if count > MAX_ITEMS {
        blocks.push(section(&format!("…and {} more", count - MAX_ITEMS)));
    }
    let fallback = format!("{count} runtime freeze{plural}: {}", lines.join("; "));
    response("in_channel", &fallback, blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{DeployRequest, Override, decide};
    use crate::policy::PolicySet;
    use crate::server::slack::testing::{all_text, well_formed};

    const POLICY: &str = r#"
[settings]
timezone = "Asia/Seoul"
horizon = "30d"

[[window]]
name = "weeknight"
days = ["mon-thu", "sun"]
start = "22:00"
end = "06:00"
envs = ["prod"]

[[freeze]]
name = "weekend"
from = "fri 17:00"
to = "mon 06:00"
reason = "Nobody is around to watch a <weekend> deploy & more"
"#;

    fn decision(policy: &str, at: &str, override_: bool) -> Decision {
        let p = PolicySet::from_files(&[("p.toml", policy)]).unwrap();
        let at = DateTime::parse_from_rfc3339(at)
            .unwrap()
            .with_timezone(&Utc);
        let mut req = DeployRequest::new("web", "prod", at);
        if override_ {
            req.override_ = Some(Override {
                reason: "hotfix for INC-1".into(),
                approver: None,
            });
        }
        decide(&p, &req).unwrap()
    }

    fn seoul() -> Tz {
        "Asia/Seoul".parse().unwrap()
    }

    /// Every text in the response, joined, to search.
    #[test]
    fn renders_a_denied_decision_in_the_policy_zone() {
        // Friday 17:30 in Seoul: the weekend freeze and the windows block.
        let d = decision(POLICY, "2026-11-27T17:30:00+09:00", false);
        assert_eq!(d.verdict, Verdict::Deny);
        let v = render_decision(&d, seoul());
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(
            text.contains(":no_entry: *web* → *prod* is blocked"),
            "{text}"
        );
        assert!(
            text.contains("*Deploy:* Fri 27 Nov 17:30 KST – Fri 27 Nov 18:30 KST"),
            "{text}"
        );
        for b in &d.blocked_by {
            assert!(text.contains(&format!("*{}*", b.rule)), "{text}");
        }
        assert!(text.contains("*weekend* (freeze)"), "{text}");
        assert!(text.contains("*weeknight* (window)"), "{text}");
        // The reason, escaped for mrkdwn.
        assert!(
            text.contains("Nobody is around to watch a &lt;weekend&gt; deploy &amp; more"),
            "{text}"
        );
        assert!(!text.contains("<weekend>"), "{text}");
        assert!(
            text.contains("from Fri 27 Nov 17:00 KST until Mon 30 Nov 06:00 KST"),
            "{text}"
        );
        assert!(
            text.contains("*Next allowed:* Mon 30 Nov 22:00 KST"),
            "{text}"
        );
        let short = &d.policy["sha256:".len().."sha256:".len() + 12];
        assert!(text.contains(&format!("policy `sha256:{short}`")), "{text}");
        assert!(
            !text.contains(&d.policy[7..20]),
            "the fingerprint is shortened: {text}"
        );
        // The fallback text alone says what happened.
        let fallback = v["text"].as_str().unwrap();
        assert!(
            fallback.contains("blocked") && fallback.contains("weekend"),
            "{fallback}"
        );
        assert!(fallback.contains("Mon 30 Nov 22:00 KST"), "{fallback}");
    }

    #[test]
    fn renders_times_in_the_zone_given() {
        let d = decision(POLICY, "2026-11-27T17:30:00+09:00", false);
        let text = all_text(&render_decision(&d, Tz::UTC));
        assert!(
            text.contains("*Next allowed:* Mon 30 Nov 13:00 UTC"),
            "{text}"
        );
        assert!(text.contains("*Deploy:* Fri 27 Nov 08:30 UTC"), "{text}");
        // A year other than the request's is shown.
        let policy = "[settings]\ntimezone = \"Asia/Seoul\"\n[[freeze]]\nname = \"year-end\"\nstart_at = \"2026-12-30T00:00\"\nend_at = \"2027-01-04T09:00\"\n";
        let d = decision(policy, "2026-12-31T12:00:00+09:00", false);
        let text = all_text(&render_decision(&d, seoul()));
        assert!(
            text.contains("*Next allowed:* Mon 4 Jan 2027 09:00 KST"),
            "{text}"
        );
        assert!(text.contains("*Deploy:* Thu 31 Dec 12:00 KST"), "{text}");
    }

    #[test]
    fn times_are_slack_dates_with_the_policy_zone_as_fallback() {
        let d = decision(POLICY, "2026-11-27T17:30:00+09:00", false);
        let v = render_decision(&d, seoul());
        let raw = crate::server::slack::testing::raw_text(&v);
        // 2026-11-30T22:00:00+09:00 is 1796043600.
        assert!(
            raw.contains(
                "*Next allowed:* <!date^1796043600^{date_short_pretty} {time}|Mon 30 Nov 22:00 KST>"
            ),
            "{raw}"
        );
        assert!(
            raw.contains("*Deploy:* <!date^1795768200^{date_short_pretty} {time}|Fri 27 Nov 17:30 KST> – <!date^1795771800^"),
            "{raw}"
        );
        // The notification text stays plain: it is what a lock screen shows.
        assert_eq!(
            v["text"],
            "web → prod: blocked by weeknight, weekend; next allowed: Mon 30 Nov 22:00 KST"
        );
    }

    #[test]
    fn a_runtime_freeze_blocker_mentions_who_made_it() {
        let p = PolicySet::from_files(&[("p.toml", POLICY)]).unwrap();
        let all = vec!["*".to_string()];
        let spec = crate::policy::RuntimeFreezeSpec {
            id: "7",
            services: &all,
            envs: &all,
            start: DateTime::parse_from_rfc3339("2026-12-01T20:00:00+09:00")
                .unwrap()
                .to_utc(),
            until: DateTime::parse_from_rfc3339("2026-12-02T08:00:00+09:00")
                .unwrap()
                .to_utc(),
            reason: "incident <INC-42>",
            created_by: "slack:U2CERLKJA (roadrunner)",
        };
        let p = p.with_runtime_rules(spec.rule(seoul()));
        let at = DateTime::parse_from_rfc3339("2026-12-01T22:00:00+09:00")
            .unwrap()
            .to_utc();
        let d = decide(&p, &DeployRequest::new("web", "prod", at)).unwrap();
        assert_eq!(d.verdict, Verdict::Deny);
        let text = all_text(&render_decision(&d, seoul()));
        assert!(
            text.contains(
                "Blocked by *runtime:7* (freeze)\nincident &lt;INC-42&gt; (runtime freeze by <@U2CERLKJA>)\n"
            ),
            "{text}"
        );
        // Made through the API, the maker is text.
        let spec = crate::policy::RuntimeFreezeSpec {
            created_by: "token:deploy-bot <x>",
            ..spec
        };
        let p = p.with_runtime_rules(spec.rule(seoul()));
        let d = decide(&p, &DeployRequest::new("web", "prod", at)).unwrap();
        let text = all_text(&render_decision(&d, seoul()));
        assert!(
            text.contains("(runtime freeze by token:deploy-bot &lt;x&gt;)"),
            "{text}"
        );
    }

    #[test]
    fn renders_an_allowed_decision() {
        // Tuesday 22:00: inside the weeknight window, no freeze.
        let d = decision(POLICY, "2026-12-01T22:00:00+09:00", false);
        assert_eq!(d.verdict, Verdict::Allow);
        let v = render_decision(&d, seoul());
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(
            text.contains(":white_check_mark: *web* → *prod* may deploy"),
            "{text}"
        );
        assert!(
            !text.contains("blocked") && !text.contains("Blocked"),
            "{text}"
        );
        assert!(text.contains("*Clear* until Wed 2 Dec 06:00 KST"), "{text}");
    }

    #[test]
    fn renders_an_override() {
        let policy = POLICY.replace(
            "reason = \"Nobody",
            "override = \"reason\"\nreason = \"Nobody",
        );
        // Sunday 22:30: inside the window, inside the overridable weekend freeze.
        let d = decision(&policy, "2026-11-29T22:30:00+09:00", true);
        assert_eq!(d.verdict, Verdict::Override, "{d:#?}");
        let text = all_text(&render_decision(&d, seoul()));
        assert!(
            text.contains(":warning: *web* → *prod* allowed by override"),
            "{text}"
        );
        assert!(
            text.contains("Overridden *weekend* (freeze · overridable)"),
            "{text}"
        );
        assert!(!text.contains("Next allowed"), "{text}");
    }

    #[test]
    fn renders_no_next_allowed_within_the_horizon() {
        let policy = "[settings]\nhorizon = \"1d\"\n[[freeze]]\nname = \"long\"\nstart_at = \"2026-01-01T00:00\"\nend_at = \"2026-03-01T00:00\"\nreason = \"quarter close\"\n";
        let d = decision(policy, "2026-01-10T00:00:00Z", false);
        assert_eq!(d.next_allowed, None);
        let text = all_text(&render_decision(&d, Tz::UTC));
        assert!(
            text.contains("*Next allowed:* none within the horizon"),
            "{text}"
        );
        assert!(text.contains("quarter close"), "{text}");
    }

    #[test]
    fn renders_help_and_errors_for_the_asker() {
        let v = render_help("/ship");
        well_formed(&v, "ephemeral");
        let text = all_text(&v);
        for form in [
            "/ship <service> <env>",
            "/ship freeze",
            "/ship freezes",
            "/ship unfreeze <id>",
            "/ship payments-api prod",
            "for 2h because",
        ] {
            assert!(text.contains(&escape(form)), "{form}: {text}");
        }
        assert!(!text.contains('<'), "{text}");
        let v = render_error("unknown service <x> & co");
        well_formed(&v, "ephemeral");
        assert!(all_text(&v).contains("unknown service &lt;x&gt; &amp; co"));
    }

    fn rfc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn runtime_freeze(id: &str, reason: &str, by: &str) -> RuntimeFreeze {
        RuntimeFreeze {
            id: id.into(),
            services: vec!["payments-*".into(), "ledger".into()],
            envs: vec!["prod".into()],
            start: rfc("2026-11-27T09:00:00+09:00"),
            until: rfc("2026-11-27T11:00:00+09:00"),
            reason: reason.into(),
            created_by: by.into(),
            created_at: rfc("2026-11-27T09:00:00+09:00"),
            lifted_at: None,
            lifted_by: None,
        }
    }

    #[test]
    fn renders_a_created_and_a_lifted_freeze() {
        let f = runtime_freeze("7", "incident <INC-42>", "slack:U2CERLKJA (roadrunner)");
        let v = render_freeze_created(&f, seoul());
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(text.contains("`runtime:7`"), "{text}");
        assert!(text.contains("created by <@U2CERLKJA>"), "{text}");
        assert!(
            text.contains("`payments-*`, `ledger`") && text.contains("`prod`"),
            "{text}"
        );
        assert!(
            text.contains("*Until:* Fri 27 Nov 11:00 KST (2h)"),
            "{text}"
        );
        assert!(text.contains("incident &lt;INC-42&gt;"), "{text}");
        assert!(text.contains("unfreeze 7"), "{text}");

        let mut f = f;
        f.lifted_at = Some(rfc("2026-11-27T10:15:00+09:00"));
        f.lifted_by = Some("ci-token".into());
        let text = all_text(&render_freeze_lifted(&f, seoul()));
        assert!(
            text.contains("`runtime:7` lifted by ci-token at Fri 27 Nov 10:15 KST"),
            "{text}"
        );
        assert!(text.contains("incident &lt;INC-42&gt;"), "{text}");
    }

    #[test]
    fn renders_the_freezes_list() {
        let now = rfc("2026-11-27T09:40:00+09:00");
        let a = runtime_freeze("aaa111", "db migration", "slack:U1 (alice)");
        let mut b = runtime_freeze("bbb222", "sale <b>&</b>", "<!channel>");
        b.start = rfc("2026-11-28T00:00:00+09:00");
        b.until = rfc("2026-11-30T00:00:00+09:00");
        let v = render_freezes(&[a, b], seoul(), now);
        well_formed(&v, "in_channel");
        let text = all_text(&v);
        assert!(text.contains("2 runtime freezes"), "{text}");
        assert!(
            text.contains("`runtime:aaa111`") && text.contains("`runtime:bbb222`"),
            "{text}"
        );
        assert!(
            text.contains("until Fri 27 Nov 11:00 KST (in 1h 20m) · by <@U1>"),
            "{text}"
        );
        assert!(text.contains("from Sat 28 Nov 00:00 KST"), "{text}");
        assert!(text.contains("db migration"), "{text}");
        assert!(text.contains("sale &lt;b&gt;&amp;&lt;/b&gt;"), "{text}");
        assert!(text.contains("by &lt;!channel&gt;"), "{text}");
        assert!(!text.contains("<!channel>"), "{text}");
        let fallback = v["text"].as_str().unwrap();
        assert!(
            fallback.starts_with("2 runtime freezes: runtime:aaa111 (until Fri 27 Nov 11:00 KST"),
            "{fallback}"
        );
        assert!(
            fallback.contains("; runtime:bbb222 (from Sat 28 Nov"),
            "{fallback}"
        );

        let v = render_freezes(&[], seoul(), now);
        well_formed(&v, "in_channel");
        assert!(all_text(&v).contains("No runtime freezes"), "{v}");
    }

    #[test]
    fn long_lists_stay_within_slacks_limits() {
        let now = rfc("2026-11-27T09:40:00+09:00");
        let list: Vec<_> = (0..60)
            .map(|i| runtime_freeze(&format!("id{i}"), &"x".repeat(4000), "ops"))
            .collect();
        let v = render_freezes(&list, seoul(), now);
        well_formed(&v, "in_channel");
        assert!(all_text(&v).contains("…and 20 more"));
        for b in v["blocks"].as_array().unwrap() {
            assert!(b["text"]["text"].as_str().unwrap().chars().count() <= SECTION_LIMIT);
        }
    }
}
