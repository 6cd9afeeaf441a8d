//! `[[kubernetes]]` tables: which environment the workloads of a namespace
//! deploy to. Knows nothing of admission reviews: given a namespace, it answers
//! with the environment to decide on.
//!
//! An object's own `shipwindow.io/env` label comes first (the caller reads it);
//! then the first table (in policy order) whose `namespaces` match; without one,
//! the namespace is the environment.

use super::scope::Scope;

/// One `[[kubernetes]]` table.
#[derive(Debug, Clone)]
pub struct KubernetesMapping {
    /// The namespace patterns as written (`["payments-prod", "shop-*"]`).
    pub namespaces: Vec<String>,
    matcher: Scope,
    /// The environment those namespaces deploy to.
    pub env: String,
}

impl KubernetesMapping {
    /// A table for the namespaces `patterns` match (globs, with `!` exclusions,
    /// as a rule's `envs`); an error names the bad pattern by its index.
    pub fn new(patterns: Vec<String>, env: String) -> Result<KubernetesMapping, (usize, String)> {
        let matcher = Scope::parse(patterns.iter().map(String::as_str))?;
        Ok(KubernetesMapping {
            namespaces: patterns,
            matcher,
            env,
        })
    }

    pub fn matches(&self, namespace: &str) -> bool {
        self.matcher.matches(namespace)
    }
}

/// The environment of `namespace`: the first of `mappings` that matches, else
/// the namespace itself.
pub fn kubernetes_env<'a>(mappings: &'a [KubernetesMapping], namespace: &'a str) -> &'a str {
    mappings
        .iter()
        .find(|m| m.matches(namespace))
        .map_or(namespace, |m| m.env.as_str())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    fn table(patterns: &[&str], env: &str) -> KubernetesMapping {
        KubernetesMapping::new(
            patterns.iter().map(|p| p.to_string()).collect(),
            env.to_string(),
        )
        .unwrap()
    }

    #[test]
    fn the_first_matching_table_names_the_env_else_the_namespace_does() {
        let tables = [
            table(&["payments-prod", "shop-*", "!shop-sandbox"], "prod"),
            table(&["shop-*"], "sandbox"),
        ];
        assert_eq!(kubernetes_env(&tables, "payments-prod"), "prod");
        assert_eq!(kubernetes_env(&tables, "shop-eu"), "prod");
        assert_eq!(kubernetes_env(&tables, "shop-sandbox"), "sandbox");
        assert_eq!(kubernetes_env(&tables, "staging"), "staging");
        assert_eq!(kubernetes_env(&[], "prod"), "prod");
    }
}
