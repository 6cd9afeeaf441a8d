//! "Did you mean": the known word closest to a typo, by edit distance. Knows
//! nothing of what the words are (zones, keys, day names, rule names); the
//! bottom of the crate, so every layer that reads user input can suggest.

/// The candidate closest to `input` by edit distance, if it is close enough to be a
/// plausible typo (case differences count as the closest of all).
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = input.to_lowercase();
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = if c.to_lowercase() == lower {
            2.0
        } else {
            strsim::jaro_winkler(&lower, &c.to_lowercase())
        };
        if best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    // Jaro-Winkler ranks; a close score or a single edit (`mun` for `mon`) qualifies.
    best.filter(|(c, s)| *s >= 0.8 || strsim::levenshtein(&lower, &c.to_lowercase()) <= 1)
        .map(|(c, _)| c)
}

/// The one candidate that shares the longest beginning with `input`, when that
/// beginning is at least three characters long: a misspelling far from every
/// word by edit distance still usually starts right (`enviroments` → `envs`).
pub fn by_prefix<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = input.to_lowercase();
    let shared = |c: &str| {
        lower
            .chars()
            .zip(c.to_lowercase().chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut best: Option<(&str, usize)> = None;
    let mut tied = false;
    for c in candidates {
        let n = shared(c);
        match best {
            Some((_, b)) if n == b => tied = true,
            Some((_, b)) if n < b => {}
            _ => {
                best = Some((c, n));
                tied = false;
            }
        }
    }
    best.filter(|(_, n)| *n >= 3 && !tied).map(|(c, _)| c)
}

/// Help for a word that is not one of `candidates`: "did you mean `x`? {then}"
/// when one is close (just the question when `then` is empty), else `otherwise`.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    then: &str,
    otherwise: &str,
) -> String {
    match closest(input, candidates) {
        Some(c) if then.is_empty() => format!("did you mean `{c}`?"),
        Some(c) => format!("did you mean `{c}`? {then}"),
        None => otherwise.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_word_is_suggested_and_a_far_one_is_not() {
        assert_eq!(closest("strat", ["start", "end"]), Some("start"));
        assert_eq!(closest("mun", ["mon", "tue"]), Some("mon"));
        assert_eq!(closest("ASIA", ["asia"]), Some("asia"));
        assert_eq!(closest("xyz", ["start", "end"]), None);
    }

    #[test]
    fn a_word_that_starts_like_one_candidate_suggests_it() {
        let keys = ["name", "envs", "end", "end_at", "services"];
        assert_eq!(by_prefix("enviroments", keys), Some("envs"));
        assert_eq!(by_prefix("service_names", keys), Some("services"));
        // `en` is shared with three keys and is too short anyway.
        assert_eq!(by_prefix("enabled", keys), None);
        // Two keys share `end`: no single suggestion.
        assert_eq!(by_prefix("ending", keys), None);
    }

    #[test]
    fn help_names_the_suggestion_or_the_alternatives() {
        let kinds = ["rolling", "canary"];
        assert_eq!(
            did_you_mean("canari", kinds, "kinds are …", "kinds are …"),
            "did you mean `canary`? kinds are …"
        );
        assert_eq!(
            did_you_mean("canari", kinds, "", "x"),
            "did you mean `canary`?"
        );
        assert_eq!(did_you_mean("zzz", kinds, "a", "b"), "b");
    }
}
