//! `[[github]]` tables: which service and environment a GitHub repository's
//! deployment environment stands for. Knows nothing of webhooks or HTTP: given
//! `owner/name` and an environment's name, it answers with the pair to decide on.
//!
//! Without a table that matches, the service is the repository's name without
//! its owner and the environment keeps its name. The first table (in policy
//! order) whose `repository` glob matches decides; its `service` replaces the
//! repository's name, and its `environments` renames the environments it lists.

use globset::{GlobBuilder, GlobMatcher};
use std::collections::BTreeMap;

/// One `[[github]]` table.
#[derive(Debug, Clone)]
pub struct GithubMapping {
    /// The glob as written, e.g. `acme/*`.
    pub repository: String,
    matcher: GlobMatcher,
    /// The service the repositories deploy (default: the repository's name).
    pub service: Option<String>,
    /// GitHub environment name → policy environment name.
    pub environments: BTreeMap<String, String>,
}

/// The service and environment a GitHub deployment is decided as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubTarget {
    pub service: String,
    pub env: String,
}

impl GithubMapping {
    /// A table for repositories matching `repository`: `*` stays within the owner
    /// or the name (`acme/*`, `*/web`), and names match whatever their case, as
    /// GitHub's do. An error names what is wrong with the glob.
    pub fn new(
        repository: &str,
        service: Option<String>,
        environments: BTreeMap<String, String>,
    ) -> Result<GithubMapping, globset::Error> {
        let matcher = GlobBuilder::new(repository)
            .literal_separator(true)
            .case_insensitive(true)
            .backslash_escape(true)
            .build()?
            .compile_matcher();
        Ok(GithubMapping {
            repository: repository.to_string(),
            matcher,
            service,
            environments,
        })
    }

    /// Whether this table speaks for `full_name` (`owner/name`).
    pub fn matches(&self, full_name: &str) -> bool {
        self.matcher.is_match(full_name)
    }
}

/// The service and environment for `full_name`'s `environment`: the first of
/// `mappings` that matches decides, else the repository's name and the
/// environment's own.
pub fn github_target(
    mappings: &[GithubMapping],
    full_name: &str,
    environment: &str,
) -> GithubTarget {
    let repo_name = full_name.rsplit('/').next().unwrap_or(full_name);
    match mappings.iter().find(|m| m.matches(full_name)) {
        Some(m) => GithubTarget {
            service: m.service.clone().unwrap_or_else(|| repo_name.to_string()),
            env: m
                .environments
                .get(environment)
                .cloned()
                .unwrap_or_else(|| environment.to_string()),
        },
        None => GithubTarget {
            service: repo_name.to_string(),
            env: environment.to_string(),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn table(glob: &str, service: Option<&str>, envs: &[(&str, &str)]) -> GithubMapping {
        let envs = envs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        GithubMapping::new(glob, service.map(String::from), envs).unwrap()
    }

    #[test]
    fn without_a_table_the_repository_name_and_environment_are_used() {
        let t = github_target(&[], "acme/payments-api", "production");
        assert_eq!(t.service, "payments-api");
        assert_eq!(t.env, "production");
    }

    #[test]
    fn the_first_matching_table_decides() {
        let tables = [
            table("acme/web-*", Some("web"), &[("production", "prod")]),
            table("acme/*", None, &[("staging", "stage")]),
        ];
        let t = github_target(&tables, "acme/web-frontend", "production");
        assert_eq!((t.service.as_str(), t.env.as_str()), ("web", "prod"));
        // Not listed in the table's environments: the environment's own name.
        let t = github_target(&tables, "acme/web-frontend", "staging");
        assert_eq!((t.service.as_str(), t.env.as_str()), ("web", "staging"));
        let t = github_target(&tables, "acme/billing", "staging");
        assert_eq!((t.service.as_str(), t.env.as_str()), ("billing", "stage"));
        let t = github_target(&tables, "other/billing", "staging");
        assert_eq!((t.service.as_str(), t.env.as_str()), ("billing", "staging"));
    }

    #[test]
    fn a_star_stays_within_the_owner_and_case_does_not_matter() {
        let t = table("acme/*", None, &[]);
        assert!(t.matches("ACME/Web"));
        assert!(!t.matches("acme/web/extra"));
        assert!(!t.matches("acmex/web"));
        assert!(table("*/web", None, &[]).matches("anyone/web"));
    }
}
