//! Service and environment scoping: lists of globs with `!` exclusions.

use globset::{GlobBuilder, GlobMatcher};

/// A list of globs such as `["payments-*", "!payments-sandbox"]`. A name matches when
/// it matches some positive entry and no `!` entry; a list of only `!` entries
/// means everything but those.
#[derive(Debug, Clone)]
pub struct Scope {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

/// One entry. Plain names and `prefix-*` are by far the most common and are matched
/// without compiling a glob (which costs more than the rest of loading a policy).
#[derive(Debug, Clone)]
enum Pattern {
    Exact(String),
    Prefix(String),
    Glob(GlobMatcher),
}

/// One entry of a scope as an index files it (see [`Scope::index_keys`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexKey<'a> {
    /// Exactly this name.
    Exact(&'a str),
    /// Names that start with this (never empty).
    Prefix(&'a str),
    /// A glob, to be tested.
    Glob,
}

impl Pattern {
    fn new(pattern: &str) -> Result<Pattern, globset::Error> {
        let special = |c: char| matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\');
        if !pattern.contains(special) {
            return Ok(Pattern::Exact(pattern.to_string()));
        }
        if let Some(prefix) = pattern.strip_suffix('*').filter(|p| !p.contains(special)) {
            return Ok(Pattern::Prefix(prefix.to_string()));
        }
        let glob = GlobBuilder::new(pattern)
            .literal_separator(false)
            .backslash_escape(true)
            .build()?;
        Ok(Pattern::Glob(glob.compile_matcher()))
    }

    fn is_match(&self, name: &str) -> bool {
        match self {
            Pattern::Exact(s) => name == s,
            Pattern::Prefix(p) => name.starts_with(p.as_str()),
            Pattern::Glob(g) => g.is_match(name),
        }
    }
}

impl Scope {
    /// Matches everything (the default `["*"]`).
    pub fn everything() -> Scope {
        Scope {
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }

    /// Builds a scope from its entries; an error names the bad entry.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Scope, (usize, String)> {
        let mut scope = Scope::everything();
        for (i, entry) in entries.into_iter().enumerate() {
            let (list, pattern) = match entry.strip_prefix('!') {
                Some(rest) => (&mut scope.exclude, rest),
                None => (&mut scope.include, entry),
            };
            if pattern.is_empty() {
                return Err((i, format!("empty pattern `{entry}`")));
            }
            let pattern = Pattern::new(pattern)
                .map_err(|e| (i, format!("bad glob `{entry}`: {}", e.kind())))?;
            list.push(pattern);
        }
        Ok(scope)
    }

    /// The plain names the scope lists, included or excluded, not its globs:
    /// the services or environments a policy names outright.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.include
            .iter()
            .chain(&self.exclude)
            .filter_map(|p| match p {
                Pattern::Exact(name) => Some(name.as_str()),
                Pattern::Prefix(_) | Pattern::Glob(_) => None,
            })
    }

    /// Whether every name matches (no list, or `*` and no exclusion).
    pub fn is_everything(&self) -> bool {
        let all = |p: &Pattern| matches!(p, Pattern::Prefix(prefix) if prefix.is_empty());
        self.exclude.is_empty() && (self.include.is_empty() || self.include.iter().any(all))
    }

    /// The names the scope lists when it is only plain names (no glob, no
    /// exclusion): the services or environments a rule names outright.
    pub fn plain_names(&self) -> Option<Vec<&str>> {
        if !self.exclude.is_empty() || self.include.is_empty() {
            return None;
        }
        self.include
            .iter()
            .map(|p| match p {
                Pattern::Exact(name) => Some(name.as_str()),
                Pattern::Prefix(_) | Pattern::Glob(_) => None,
            })
            .collect()
    }

    /// The plain names among the entries that include (not `!`), globs left
    /// out: the services or environments a scope names outright, even beside globs.
    pub fn exact_names(&self) -> impl Iterator<Item = &str> {
        self.include.iter().filter_map(|p| match p {
            Pattern::Exact(name) => Some(name.as_str()),
            Pattern::Prefix(_) | Pattern::Glob(_) => None,
        })
    }

    /// How an index finds the scope's names without testing it: `None` when it
    /// may match names that no key lists (no entry, `*`, or only `!` entries),
    /// else one key per entry that includes (a glob is [`IndexKey::Glob`]: the
    /// index tests it). Exclusions are left to [`Scope::matches`].
    pub(crate) fn index_keys(&self) -> Option<Vec<IndexKey<'_>>> {
        let unkeyed = |p: &Pattern| matches!(p, Pattern::Prefix(prefix) if prefix.is_empty());
        if self.include.is_empty() || self.include.iter().any(unkeyed) {
            return None;
        }
        let keys = self.include.iter().map(|p| match p {
            Pattern::Exact(name) => IndexKey::Exact(name.as_str()),
            Pattern::Prefix(prefix) => IndexKey::Prefix(prefix.as_str()),
            Pattern::Glob(_) => IndexKey::Glob,
        });
        Some(keys.collect())
    }

    pub fn matches(&self, name: &str) -> bool {
        let included = self.include.is_empty() || self.include.iter().any(|g| g.is_match(name));
        included && !self.exclude.iter().any(|g| g.is_match(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_plain_entries_included_or_excluded() {
        let scope = Scope::parse(["web", "payments-*", "!payments-sandbox", "api-[ab]"]).unwrap();
        assert_eq!(
            scope.names().collect::<Vec<_>>(),
            ["web", "payments-sandbox"]
        );
        assert_eq!(Scope::everything().names().count(), 0);
    }

    #[test]
    fn globs_and_exclusions() {
        let s = Scope::parse(["payments-*", "ledger", "!payments-sandbox"]).unwrap();
        assert!(s.matches("payments-api"));
        assert!(s.matches("ledger"));
        assert!(!s.matches("payments-sandbox"));
        assert!(!s.matches("web"));
        let only_not = Scope::parse(["!internal-*"]).unwrap();
        assert!(only_not.matches("web"));
        assert!(!only_not.matches("internal-tools"));
        let prefix = Scope::parse(["web*", "!web-canary"]).unwrap();
        assert!(
            prefix.matches("web")
                && prefix.matches("web-eu")
                && !prefix.matches("web-canary")
                && !prefix.matches("api")
        );
        let class = Scope::parse(["web-[ab]", "api-?"]).unwrap();
        assert!(class.matches("web-a") && class.matches("api-1") && !class.matches("web-c"));
        assert!(Scope::parse(["web-[ab"]).is_err());
        let mixed = Scope::parse(["web", "payments-*", "!ledger", "api"]).unwrap();
        assert_eq!(
            mixed.index_keys(),
            Some(vec![
                IndexKey::Exact("web"),
                IndexKey::Prefix("payments-"),
                IndexKey::Exact("api")
            ])
        );
        assert_eq!(class.index_keys(), Some(vec![IndexKey::Glob; 2]));
        for anything in [
            &only_not,
            &Scope::everything(),
            &Scope::parse(["*"]).unwrap(),
        ] {
            assert_eq!(anything.index_keys(), None);
        }
        assert_eq!(mixed.exact_names().collect::<Vec<_>>(), ["web", "api"]);
    }
}
