//! The command grammar: the text after the slash command (`web prod at … for …`,
//! `freeze … because …`, `unfreeze 7`, `freezes`, `reserve web prod next`,
//! `release 3`, `reservations`, `help`) turned into a typed
//! [`SlackCommand`], or a [`CommandError`] that shows the right usage. Knows
//! nothing of the policy: values stay text until the handler resolves them.

use crate::input::RequestText;
use crate::policy::ChangeKind;
use crate::server::new_freeze::FreezeLength;
use crate::time::SyntaxError;
use crate::time::duration::parse_duration;
use chrono::TimeDelta;

/// What the text after the slash command asks for.
#[derive(Debug, Clone)]
pub(super) enum SlackCommand {
    /// `help`, or no text.
    Help,
    /// `<service> <env> [at <time>] [for <duration>] [strategy <name>] [change <kind>]`.
    /// The request is text; `RequestText::resolve` validates it against the policy.
    Check {
        request: RequestText,
        strategy: Option<String>,
    },
    /// `freeze <services> <envs> (for <duration> | until <time>) because <reason…>`.
    Freeze {
        services: Vec<String>,
        envs: Vec<String>,
        length: FreezeLength,
        reason: String,
    },
    /// `unfreeze <id>` (a leading `runtime:` is dropped).
    Unfreeze { id: String },
    /// `freezes`.
    Freezes,
    /// `reserve <service> <env> [at <time> | next]`: book the deploy's slot.
    Reserve {
        service: String,
        env: String,
        at: Option<String>,
        next: bool,
    },
    /// `reservations`.
    Reservations,
    /// `release <id>` (a leading `reservation:` is dropped).
    Release { id: String },
}

const CHECK_USAGE: &str =
    "`/shipwindow <service> <env> [at <time>] [for <duration>] [strategy <name>] [change <kind>]`";
const FREEZE_USAGE: &str =
    "`/shipwindow freeze <services> <envs> (for <duration> | until <time>) because <reason>`";
const UNFREEZE_USAGE: &str = "`/shipwindow unfreeze <id>`";
const FREEZES_USAGE: &str = "`/shipwindow freezes`";
const RESERVE_USAGE: &str = "`/shipwindow reserve <service> <env> [at <time> | next]`";
const RELEASE_USAGE: &str = "`/shipwindow release <id>`";
const RESERVATIONS_USAGE: &str = "`/shipwindow reservations`";
const COMMANDS: [&str; 7] = [
    "help",
    "freeze",
    "unfreeze",
    "freezes",
    "reserve",
    "release",
    "reservations",
];

/// Why the text is not a command. Each message is plain text for the asker: what
/// is wrong, with the user's words in backticks, and the right usage. Rendering
/// escapes it for Slack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum CommandError {
    #[error("A check needs a service and an env. Usage: {CHECK_USAGE}")]
    CheckWithoutService,
    #[error(
        "A check needs a service and an env after it (`{service}` alone is not enough). Usage: {CHECK_USAGE}"
    )]
    CheckWithoutEnv { service: String },
    #[error(
        "Unexpected `{word}` after `{service} {env}`: use the keywords `at`, `for`, `strategy` or `change`. Usage: {CHECK_USAGE}"
    )]
    CheckUnexpected {
        word: String,
        service: String,
        env: String,
    },
    #[error("`{keyword}` is given twice. Usage: {CHECK_USAGE}")]
    CheckRepeated { keyword: String },
    #[error("`{keyword}` needs {}. Usage: {CHECK_USAGE}", check_value(.keyword))]
    CheckWithoutValue { keyword: String },
    #[error("Unknown change kind `{change}`: use deploy, hotfix, rollback or config.")]
    UnknownChange { change: String },

    #[error(
        "`freeze` needs services, envs, a length and a reason. Usage: {FREEZE_USAGE}\nFor example: `/shipwindow freeze payments-*,ledger prod for 2h because incident INC-42`"
    )]
    FreezeTooShort,
    #[error(
        "`freeze` needs the services and then the envs (comma-separated patterns) before `for`/`until`. Usage: {FREEZE_USAGE}"
    )]
    FreezeKeywordForPatterns,
    #[error(
        "`freeze` needs at least one of the {what} (comma-separated, e.g. `payments-*,ledger`). Usage: {FREEZE_USAGE}"
    )]
    FreezeNoPatterns { what: &'static str },
    #[error(
        "Give the freeze's length once: either `for <duration>` or `until <time>`. Usage: {FREEZE_USAGE}"
    )]
    FreezeLengthRepeated,
    #[error("`for` needs a duration like `2h` or `1h30m`. Usage: {FREEZE_USAGE}")]
    FreezeForWithoutDuration,
    /// The message and help of the duration's syntax error, on one line.
    #[error("`for {value}`: {error}")]
    FreezeBadDuration { value: String, error: SyntaxError },
    #[error("`for {value}`: a freeze must last longer than zero.")]
    FreezeNotPositive { value: String },
    #[error(
        "`until` needs a time like `2026-11-27T17:30` (in the policy's zone) or RFC 3339. Usage: {FREEZE_USAGE}"
    )]
    FreezeUntilWithoutTime,
    #[error("`{keyword}` needs the reason people will see. Usage: {FREEZE_USAGE}")]
    FreezeEmptyReason { keyword: String },
    #[error(
        "Unexpected `{word}` in `freeze`: after the services and envs come `for <duration>` or `until <time>`, then `because <reason>`. Usage: {FREEZE_USAGE}"
    )]
    FreezeUnexpected { word: String },
    #[error(
        "A freeze needs a length before the reason: `for <duration>` or `until <time>`. Usage: {FREEZE_USAGE}"
    )]
    FreezeWithoutLength,
    #[error("A freeze needs a reason: end with `because <reason>`. Usage: {FREEZE_USAGE}")]
    FreezeWithoutReason,

    #[error(
        "`unfreeze` needs the id of a freeze (see `/shipwindow freezes`). Usage: {UNFREEZE_USAGE}"
    )]
    UnfreezeWithoutId,
    #[error("`unfreeze` needs a freeze id. Usage: {UNFREEZE_USAGE}")]
    UnfreezeEmptyId,
    #[error("`unfreeze` takes one freeze id. Usage: {UNFREEZE_USAGE}")]
    UnfreezeTooMany,
    #[error("`freezes` takes no arguments. Usage: {FREEZES_USAGE}")]
    FreezesWithArguments,

    #[error("`reserve` needs a service and an env. Usage: {RESERVE_USAGE}")]
    ReserveWithoutTarget,
    #[error(
        "Unexpected `{word}` in `reserve`: after the service and env come `at <time>` or `next`. Usage: {RESERVE_USAGE}"
    )]
    ReserveUnexpected { word: String },
    #[error(
        "`release` takes one reservation id (see `/shipwindow reservations`). Usage: {RELEASE_USAGE}"
    )]
    ReleaseId,
    #[error("`reservations` takes no arguments. Usage: {RESERVATIONS_USAGE}")]
    ReservationsWithArguments,

    /// Text that is not a check and whose first word looks like a misspelt command.
    #[error("{error} (Did you mean `{command}`?)")]
    Misspelt {
        error: Box<CommandError>,
        command: &'static str,
    },
}

/// What a check's keyword is missing, for [`CommandError::CheckWithoutValue`].
fn check_value(keyword: &str) -> &'static str {
    match keyword {
        "at" => "a time like `2026-11-27T17:30` (in the policy's zone) or RFC 3339",
        "for" => "a duration like `45m` or `1h30m`",
        "strategy" => "a strategy name",
        _ => "a change kind: deploy, hotfix, rollback or config",
    }
}

/// Parses the text after the slash command. Keywords are case-insensitive; on
/// error, the message says what is wrong and shows the right usage.
pub(super) fn parse_command(text: &str) -> Result<SlackCommand, CommandError> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((first, rest)) = words.split_first() else {
        return Ok(SlackCommand::Help);
    };
    match first.to_lowercase().as_str() {
        "help" => Ok(SlackCommand::Help),
        "freeze" => parse_freeze(rest),
        "unfreeze" => match rest {
            [id] => {
                let id = strip_prefix_ci(id, "runtime:").unwrap_or(id);
                if id.is_empty() {
                    Err(CommandError::UnfreezeEmptyId)
                } else {
                    Ok(SlackCommand::Unfreeze { id: id.to_string() })
                }
            }
            [] => Err(CommandError::UnfreezeWithoutId),
            _ => Err(CommandError::UnfreezeTooMany),
        },
        "freezes" => match rest {
            [] => Ok(SlackCommand::Freezes),
            _ => Err(CommandError::FreezesWithArguments),
        },
        "reserve" => parse_reserve(rest),
        "release" => match rest {
            [id] => match strip_prefix_ci(id, "reservation:").unwrap_or(id) {
                "" => Err(CommandError::ReleaseId),
                id => Ok(SlackCommand::Release { id: id.to_string() }),
            },
            _ => Err(CommandError::ReleaseId),
        },
        "reservations" => match rest {
            [] => Ok(SlackCommand::Reservations),
            _ => Err(CommandError::ReservationsWithArguments),
        },
        // `check web prod` is `web prod`; `check prod at …` still checks a
        // service named `check` (its second word is a keyword, not an env).
        "check" if !matches!(rest, [_, env, ..] if !is_keyword(env, &CHECK_KEYWORDS)) => match rest
        {
            [] => Err(CommandError::CheckWithoutService),
            [service] if !is_keyword(service, &CHECK_KEYWORDS) => {
                Err(CommandError::CheckWithoutEnv {
                    service: service.to_string(),
                })
            }
            _ => parse_check(&words),
        },
        "check" => parse_check(rest),
        _ => parse_check(&words).map_err(|e| match crate::suggest::closest(first, COMMANDS) {
            Some(command) => CommandError::Misspelt {
                error: Box::new(e),
                command,
            },
            None => e,
        }),
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `reserve <service> <env> [at <time> | next]`.
fn parse_reserve(words: &[&str]) -> Result<SlackCommand, CommandError> {
    let [service, env, rest @ ..] = words else {
        return Err(CommandError::ReserveWithoutTarget);
    };
    let (at, next) = match rest {
        [] => (None, false),
        [word] if word.eq_ignore_ascii_case("next") => (None, true),
        [word, tail @ ..] if word.eq_ignore_ascii_case("at") => match time_value(tail) {
            Some((at, [])) => (Some(at), false),
            Some((_, [extra, ..])) => {
                return Err(CommandError::ReserveUnexpected {
                    word: extra.to_string(),
                });
            }
            None => {
                return Err(CommandError::ReserveUnexpected {
                    word: word.to_string(),
                });
            }
        },
        [word, ..] => {
            return Err(CommandError::ReserveUnexpected {
                word: word.to_string(),
            });
        }
    };
    Ok(SlackCommand::Reserve {
        service: service.to_string(),
        env: env.to_string(),
        at,
        next,
    })
}

const CHECK_KEYWORDS: [&str; 4] = ["at", "for", "strategy", "change"];

fn parse_check(words: &[&str]) -> Result<SlackCommand, CommandError> {
    let (service, env, rest) = match words {
        [service, env, rest @ ..] if !is_keyword(env, &CHECK_KEYWORDS) => (service, env, rest),
        [service, ..] => {
            return Err(CommandError::CheckWithoutEnv {
                service: service.to_string(),
            });
        }
        [] => return Err(CommandError::CheckWithoutService),
    };
    let mut request = RequestText {
        service: Some(service.to_string()),
        env: Some(env.to_string()),
        ..RequestText::default()
    };
    let mut strategy = None;
    let mut rest = rest;
    while let [key, tail @ ..] = rest {
        let keyword = key.to_lowercase();
        let slot = match keyword.as_str() {
            "at" => &mut request.at,
            "for" => &mut request.duration,
            "strategy" => &mut strategy,
            "change" => &mut request.change,
            _ => {
                return Err(CommandError::CheckUnexpected {
                    word: key.to_string(),
                    service: service.to_string(),
                    env: env.to_string(),
                });
            }
        };
        if slot.is_some() {
            return Err(CommandError::CheckRepeated { keyword });
        }
        let Some((value, tail)) = (match keyword.as_str() {
            "at" => time_value(tail),
            _ => tail.split_first().map(|(v, t)| (v.to_string(), t)),
        }) else {
            return Err(CommandError::CheckWithoutValue { keyword });
        };
        *slot = Some(if keyword == "change" {
            value.to_lowercase()
        } else {
            value
        });
        rest = tail;
    }
    if let Some(change) = &request.change
        && ChangeKind::parse(change).is_none()
    {
        return Err(CommandError::UnknownChange {
            change: change.clone(),
        });
    }
    Ok(SlackCommand::Check { request, strategy })
}

const FREEZE_KEYWORDS: [&str; 4] = ["for", "until", "because", "reason"];

fn parse_freeze(words: &[&str]) -> Result<SlackCommand, CommandError> {
    let [services, envs, rest @ ..] = words else {
        return Err(CommandError::FreezeTooShort);
    };
    if is_keyword(services, &FREEZE_KEYWORDS) || is_keyword(envs, &FREEZE_KEYWORDS) {
        return Err(CommandError::FreezeKeywordForPatterns);
    }
    let services = patterns(services, "services")?;
    let envs = patterns(envs, "envs")?;
    let mut length = None;
    let mut reason = None;
    let mut rest = rest;
    while let [key, tail @ ..] = rest {
        let keyword = key.to_lowercase();
        match keyword.as_str() {
            "for" | "until" if length.is_some() => {
                return Err(CommandError::FreezeLengthRepeated);
            }
            "for" => {
                let [value, tail @ ..] = tail else {
                    return Err(CommandError::FreezeForWithoutDuration);
                };
                let d = parse_duration(value).map_err(|error| CommandError::FreezeBadDuration {
                    value: value.to_string(),
                    error,
                })?;
                if d <= TimeDelta::zero() {
                    return Err(CommandError::FreezeNotPositive {
                        value: value.to_string(),
                    });
                }
                length = Some(FreezeLength::For(d));
                rest = tail;
            }
            "until" => {
                let Some((value, tail)) = time_value(tail) else {
                    return Err(CommandError::FreezeUntilWithoutTime);
                };
                length = Some(FreezeLength::Until(value));
                rest = tail;
            }
            "because" | "reason" => {
                if tail.is_empty() {
                    return Err(CommandError::FreezeEmptyReason { keyword });
                }
                reason = Some(tail.join(" "));
                rest = &[];
            }
            _ => {
                return Err(CommandError::FreezeUnexpected {
                    word: key.to_string(),
                });
            }
        }
    }
    let length = length.ok_or(CommandError::FreezeWithoutLength)?;
    let reason = reason.ok_or(CommandError::FreezeWithoutReason)?;
    Ok(SlackCommand::Freeze {
        services,
        envs,
        length,
        reason,
    })
}

fn is_keyword(word: &str, keywords: &[&str]) -> bool {
    keywords.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Comma-separated patterns; empty entries are dropped, none at all is an error.
fn patterns(text: &str, what: &'static str) -> Result<Vec<String>, CommandError> {
    let list: Vec<String> = text
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if list.is_empty() {
        Err(CommandError::FreezeNoPatterns { what })
    } else {
        Ok(list)
    }
}

/// A time value: one token, or a date and a clock time written apart
/// (`2026-11-27 17:30`), which are joined as `2026-11-27T17:30`.
fn time_value<'a, 'w>(words: &'a [&'w str]) -> Option<(String, &'a [&'w str])> {
    match words {
        [date, clock, tail @ ..]
            if is_date(date)
                && clock.starts_with(|c: char| c.is_ascii_digit())
                && clock.contains(':') =>
        {
            Some((format!("{date}T{clock}"), tail))
        }
        [value, tail @ ..] => Some((value.to_string(), tail)),
        [] => None,
    }
}

/// `YYYY-MM-DD` and nothing more.
fn is_date(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicySet;
    use chrono::Utc;

    fn check(text: &str) -> (RequestText, Option<String>) {
        match parse_command(text) {
            Ok(SlackCommand::Check { request, strategy }) => (request, strategy),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn freeze(text: &str) -> (Vec<String>, Vec<String>, FreezeLength, String) {
        match parse_command(text) {
            Ok(SlackCommand::Freeze {
                services,
                envs,
                length,
                reason,
            }) => (services, envs, length, reason),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn err(text: &str) -> String {
        match parse_command(text) {
            Err(e) => e.to_string(),
            Ok(c) => panic!("{text}: parsed as {c:?}"),
        }
    }

    #[test]
    fn reserve_release_and_reservations_parse_and_say_their_usage() {
        match parse_command("reserve payments-api prod at 2026-12-08 19:00").unwrap() {
            SlackCommand::Reserve {
                service,
                env,
                at,
                next,
            } => {
                assert_eq!((service.as_str(), env.as_str()), ("payments-api", "prod"));
                assert_eq!(at.as_deref(), Some("2026-12-08T19:00"));
                assert!(!next);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_command("reserve ledger prod NEXT").unwrap(),
            SlackCommand::Reserve {
                next: true,
                at: None,
                ..
            }
        ));
        assert!(matches!(
            parse_command("release reservation:7").unwrap(),
            SlackCommand::Release { id } if id == "7"
        ));
        assert!(matches!(
            parse_command("reservations").unwrap(),
            SlackCommand::Reservations
        ));
        let err = |t: &str| parse_command(t).unwrap_err().to_string();
        assert!(err("reserve web").contains(RESERVE_USAGE));
        assert!(err("reserve web prod soon").contains("Unexpected `soon`"));
        assert!(err("release").contains(RELEASE_USAGE));
        assert!(err("release 1 2").contains(RELEASE_USAGE));
        assert!(err("reservations all").contains(RESERVATIONS_USAGE));
        assert!(
            err("reserv").contains("Did you mean `reserve`?"),
            "{}",
            err("reserv")
        );
    }

    #[test]
    fn help_and_empty_text() {
        for text in ["", "   ", "help", "HELP", "Help me"] {
            assert!(
                matches!(parse_command(text), Ok(SlackCommand::Help)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_check_with_service_and_env() {
        let (r, s) = check("payments-api prod");
        assert_eq!(r.service.as_deref(), Some("payments-api"));
        assert_eq!(r.env.as_deref(), Some("prod"));
        assert_eq!((r.at, r.duration, r.change, s), (None, None, None, None));
    }

    #[test]
    fn check_before_the_service_is_the_same_check() {
        for text in ["check payments-api prod", "CHECK payments-api prod"] {
            let (r, s) = check(text);
            assert_eq!(r.service.as_deref(), Some("payments-api"), "{text}");
            assert_eq!(r.env.as_deref(), Some("prod"), "{text}");
            assert_eq!((r.at, s), (None, None), "{text}");
        }
        let (r, _) = check("check web prod at 2026-11-27T17:30 for 45m");
        assert_eq!(r.service.as_deref(), Some("web"));
        assert_eq!(r.at.as_deref(), Some("2026-11-27T17:30"));
        assert_eq!(r.duration.as_deref(), Some("45m"));
        // A service named `check`: its env, then keywords.
        let (r, _) = check("check prod at 2026-11-27T17:30");
        assert_eq!(r.service.as_deref(), Some("check"));
        assert_eq!(r.env.as_deref(), Some("prod"));
        // `check` alone, or with a service only, says what is missing.
        assert!(err("check").starts_with("A check needs a service and an env."));
        assert!(err("check web").contains("(`web` alone is not enough)"));
    }

    #[test]
    fn a_check_with_keywords_in_any_order() {
        let (r, s) = check("web prod at 2026-11-27T17:30 for 45m strategy canary");
        assert_eq!(r.at.as_deref(), Some("2026-11-27T17:30"));
        assert_eq!(r.duration.as_deref(), Some("45m"));
        assert_eq!(s.as_deref(), Some("canary"));
        let (r, s) = check(
            "web prod STRATEGY blue-green For 1h30m change HOTFIX AT 2026-11-27T17:30:00+09:00",
        );
        assert_eq!(r.at.as_deref(), Some("2026-11-27T17:30:00+09:00"));
        assert_eq!(r.duration.as_deref(), Some("1h30m"));
        assert_eq!(r.change.as_deref(), Some("hotfix"));
        assert_eq!(s.as_deref(), Some("blue-green"));
        // A date and a clock time written apart are one time.
        let (r, _) = check("web prod at 2026-11-27 17:30 for 45m");
        assert_eq!(r.at.as_deref(), Some("2026-11-27T17:30"));
        assert_eq!(r.duration.as_deref(), Some("45m"));
    }

    #[test]
    fn a_check_resolves_like_any_request() {
        let p = PolicySet::from_files(&[("p.toml", "[settings]\ntimezone = \"Asia/Seoul\"\n")])
            .unwrap();
        let (r, _) = check("web prod at 2026-11-27T17:30 for 45m");
        let req = r.resolve(&p, Utc::now()).unwrap();
        assert_eq!(req.at.to_rfc3339(), "2026-11-27T08:30:00+00:00");
        assert_eq!(req.duration, Some(TimeDelta::minutes(45)));
        // The duration is checked there, not here.
        let (r, _) = check("web prod for soon");
        assert_eq!(r.resolve(&p, Utc::now()).unwrap_err().field, "duration");
    }

    #[test]
    fn check_errors_show_the_usage() {
        for (text, says) in [
            ("web", "needs a service and an env"),
            ("web at 2026-11-27T17:30", "needs a service and an env"),
            ("web prod at", "`at` needs a time"),
            ("web prod for", "`for` needs a duration"),
            ("web prod strategy", "`strategy` needs a strategy name"),
            ("web prod for 1h for 2h", "`for` is given twice"),
            (
                "web prod at 2026-11-27T17:30 AT 2026-11-28T17:30",
                "`at` is given twice",
            ),
            ("web prod tomorrow", "Unexpected `tomorrow`"),
            ("web prod change bugfix", "Unknown change kind `bugfix`"),
        ] {
            let e = err(text);
            assert!(e.contains(says), "{text}: {e}");
            if !says.starts_with("Unknown change") {
                assert!(e.contains(CHECK_USAGE), "{text}: {e}");
            }
        }
        // A typo of a command is pointed out.
        assert!(
            err("freze").contains("Did you mean `freeze`?"),
            "{}",
            err("freze")
        );
    }

    #[test]
    fn a_freeze_for_a_duration() {
        let (s, e, l, r) =
            freeze("freeze payments-*,ledger prod for 2h because incident INC-42 & friends");
        assert_eq!(s, ["payments-*", "ledger"]);
        assert_eq!(e, ["prod"]);
        assert_eq!(l, FreezeLength::For(TimeDelta::hours(2)));
        assert_eq!(r, "incident INC-42 & friends");
        let (s, e, l, r) = freeze("FREEZE * prod,staging, FOR 1h30m REASON db   migration");
        assert_eq!(s, ["*"]);
        assert_eq!(e, ["prod", "staging"]);
        assert_eq!(l, FreezeLength::For(TimeDelta::minutes(90)));
        assert_eq!(r, "db migration");
    }

    #[test]
    fn a_freeze_until_a_time() {
        let (s, e, l, r) =
            freeze("freeze !internal-* prod until 2026-11-30T06:00 because year-end");
        assert_eq!(s, ["!internal-*"]);
        assert_eq!(e, ["prod"]);
        assert_eq!(l, FreezeLength::Until("2026-11-30T06:00".into()));
        assert_eq!(r, "year-end");
        let (_, _, l, _) = freeze("freeze web prod until 2026-11-30 06:00 because x");
        assert_eq!(l, FreezeLength::Until("2026-11-30T06:00".into()));
        let (_, _, l, _) = freeze("freeze web prod until 2026-11-30T06:00:00+09:00 because x");
        assert_eq!(l, FreezeLength::Until("2026-11-30T06:00:00+09:00".into()));
    }

    #[test]
    fn freeze_errors_show_the_usage() {
        for (text, says) in [
            ("freeze", "needs services, envs, a length and a reason"),
            ("freeze web", "needs services, envs, a length and a reason"),
            (
                "freeze web for 2h because x",
                "the services and then the envs",
            ),
            (
                "freeze , prod for 2h because x",
                "at least one of the services",
            ),
            ("freeze web ,, for 2h because x", "at least one of the envs"),
            ("freeze web , for 2h because x", "at least one of the envs"),
            ("freeze web prod because x", "needs a length"),
            ("freeze web prod because x for 2h", "needs a length"),
            ("freeze web prod for 2h", "needs a reason"),
            (
                "freeze web prod for 2h because",
                "`because` needs the reason",
            ),
            ("freeze web prod for 2h reason", "`reason` needs the reason"),
            ("freeze web prod for", "`for` needs a duration"),
            ("freeze web prod until", "`until` needs a time"),
            (
                "freeze web prod for 2h until 2026-11-30T06:00 because x",
                "either `for <duration>` or `until <time>`",
            ),
            (
                "freeze web prod for 2h for 3h because x",
                "either `for <duration>` or `until <time>`",
            ),
            ("freeze web prod 2h because x", "Unexpected `2h`"),
        ] {
            let e = err(text);
            assert!(e.contains(says), "{text}: {e}");
            assert!(e.contains(FREEZE_USAGE), "{text}: {e}");
        }
        let e = err("freeze web prod for 2hours because x");
        assert!(e.contains("`for 2hours`") && e.contains("1h30m"), "{e}");
        assert!(err("freeze web prod for 0m because x").contains("longer than zero"));
    }

    #[test]
    fn unfreeze_and_freezes() {
        for (text, id) in [
            ("unfreeze 7", "7"),
            ("UNFREEZE runtime:7", "7"),
            ("unfreeze Runtime:ab", "ab"),
        ] {
            match parse_command(text) {
                Ok(SlackCommand::Unfreeze { id: got }) => assert_eq!(got, id, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(err("unfreeze").contains(UNFREEZE_USAGE));
        assert!(err("unfreeze runtime:").contains(UNFREEZE_USAGE));
        assert!(err("unfreeze a b").contains("takes one freeze id"));
        assert!(matches!(
            parse_command("freezes"),
            Ok(SlackCommand::Freezes)
        ));
        assert!(matches!(
            parse_command(" Freezes "),
            Ok(SlackCommand::Freezes)
        ));
        assert!(err("freezes prod").contains(FREEZES_USAGE));
    }
}
