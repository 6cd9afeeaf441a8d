//! Finding a `[[strategy]]` by name, with "did you mean" when it is not defined.

use crate::policy::{PolicySet, Strategy};

/// A strategy name the policy set does not define.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not defined ({})", self.help())]
pub struct UnknownStrategy {
    pub name: String,
    /// The closest defined name, when one is close.
    pub suggestion: Option<String>,
    /// Every defined strategy, in policy order.
    pub defined: Vec<String>,
}

impl UnknownStrategy {
    fn help(&self) -> String {
        if self.defined.is_empty() {
            return "the policy set defines no `[[strategy]]`".into();
        }
        let defined: Vec<String> = self.defined.iter().map(|n| format!("`{n}`")).collect();
        let defined = format!("defined: {}", defined.join(", "));
        match &self.suggestion {
            Some(s) => format!("did you mean `{s}`? {defined}"),
            None => defined,
        }
    }
}

/// The `[[strategy]]` called `name`.
pub fn find<'p>(policy: &'p PolicySet, name: &str) -> Result<&'p Strategy, UnknownStrategy> {
    let name = name.trim();
    policy
        .strategies
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            let names = policy.strategies.iter().map(|s| s.name.as_str());
            UnknownStrategy {
                name: name.to_string(),
                suggestion: crate::suggest::closest(name, names).map(str::to_string),
                defined: policy.strategies.iter().map(|s| s.name.clone()).collect(),
            }
        })
}
