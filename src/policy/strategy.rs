//! `[[strategy]]`: how a service is rolled out — the kind, its targets,
//! step and verify times, what to do when a window closes mid-run, and the hook
//! commands that do the work. Validated on load like every rule.

use chrono::TimeDelta;

/// One `[[strategy]]` table, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strategy {
    pub name: String,
    /// The one service and environment this strategy deploys (exact names).
    pub service: String,
    pub env: String,
    pub kind: StrategyKind,
    /// Estimated time to carry out one step (deploy a batch, switch, set a weight).
    pub step_time: TimeDelta,
    /// Health-watch after each step before the next one.
    pub verify: TimeDelta,
    /// Time held after the last step, polling `health`; `settings.monitoring`
    /// when `None`.
    pub monitoring: Option<TimeDelta>,
    pub on_window_close: OnWindowClose,
    /// The longest the runner waits at a step boundary for the policy to allow
    /// the rest of the plan before it rolls back.
    pub max_pause: TimeDelta,
    /// Consecutive unhealthy polls that trigger a rollback (at least 1).
    pub failure_limit: u32,
    /// Time between two `health` polls.
    pub health_interval: TimeDelta,
    pub hooks: Hooks,
}

/// The deploy style and what it deploys to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrategyKind {
    /// Replace `targets` a batch at a time.
    Rolling { targets: Vec<String>, batch: Batch },
    /// Deploy to the idle colour, switch traffic, keep the old colour for
    /// `keep_previous` so a rollback is a switch back.
    BlueGreen {
        blue: Vec<String>,
        green: Vec<String>,
        keep_previous: TimeDelta,
    },
    /// Raise the new version's share of traffic through `steps` (percentages,
    /// increasing, ending at 100), waiting `pause` after each. With `targets`,
    /// the share is the fraction of targets updated (canary by targets, no
    /// `set_weight`); without, a `set_weight` hook moves traffic.
    Canary {
        steps: Vec<u8>,
        pause: TimeDelta,
        targets: Option<Vec<String>>,
    },
}

impl StrategyKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            StrategyKind::Rolling { .. } => "rolling",
            StrategyKind::BlueGreen { .. } => "blue-green",
            StrategyKind::Canary { .. } => "canary",
        }
    }
}

/// A rolling batch: a number of targets, or a percentage of them (rounded up,
/// at least one target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    Count(u32),
    Percent(u8),
}

impl Batch {
    /// Targets per batch out of `total`.
    pub fn size(self, total: usize) -> usize {
        let size = match self {
            Batch::Count(n) => n as usize,
            Batch::Percent(p) => (total * usize::from(p)).div_ceil(100),
        };
        size.clamp(1, total.max(1))
    }
}

/// What the runner does before a step whose remaining plan no longer fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnWindowClose {
    /// Wait at the step boundary until it fits again (at most `max_pause`).
    Pause,
    Rollback,
}

/// The hook commands. Which ones a kind needs is checked on load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hooks {
    /// Installs `{version}` (on `{target}`, or the `{color}` being deployed).
    pub deploy: Option<Hook>,
    /// Exit 0 healthy, 1 unhealthy, 75 no data yet (retry); a timeout is unhealthy.
    pub health: Option<Hook>,
    /// Puts `{previous}` back (on `{target}`).
    pub rollback: Option<Hook>,
    /// Blue-green: sends traffic to `{color}`.
    pub switch: Option<Hook>,
    /// Canary by weight: sends `{weight}` percent of traffic to the new version.
    pub set_weight: Option<Hook>,
}

/// One hook: an argv array whose `{placeholders}` are substituted per argument
/// (never through a shell), and how long it may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub argv: Vec<String>,
    pub timeout: TimeDelta,
}

/// The placeholders a hook argument may use.
pub const PLACEHOLDERS: [&str; 7] = [
    "target", "version", "previous", "color", "weight", "service", "env",
];

/// Values for a hook's placeholders; `None` where the step has no such value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookValues<'a> {
    pub target: Option<&'a str>,
    pub version: Option<&'a str>,
    pub previous: Option<&'a str>,
    pub color: Option<&'a str>,
    pub weight: Option<u8>,
    pub service: Option<&'a str>,
    pub env: Option<&'a str>,
}

impl Hook {
    /// The argv with every placeholder replaced; a placeholder with no value
    /// becomes the empty string (loading already refused placeholders a hook
    /// can never have).
    pub fn render(&self, values: &HookValues<'_>) -> Vec<String> {
        let weight = values.weight.map(|w| w.to_string());
        let pairs: [(&str, Option<&str>); 7] = [
            ("{target}", values.target),
            ("{version}", values.version),
            ("{previous}", values.previous),
            ("{color}", values.color),
            ("{weight}", weight.as_deref()),
            ("{service}", values.service),
            ("{env}", values.env),
        ];
        self.argv
            .iter()
            .map(|arg| {
                let mut out = arg.clone();
                for (key, value) in pairs {
                    if out.contains(key) {
                        out = out.replace(key, value.unwrap_or(""));
                    }
                }
                out
            })
            .collect()
    }

    /// `SHIPWINDOW_TARGET=…` and the rest, for the hook's environment.
    pub fn env(values: &HookValues<'_>) -> Vec<(&'static str, String)> {
        let mut env = Vec::new();
        let mut put = |key: &'static str, v: Option<String>| {
            if let Some(v) = v {
                env.push((key, v));
            }
        };
        put("SHIPWINDOW_TARGET", values.target.map(str::to_string));
        put("SHIPWINDOW_VERSION", values.version.map(str::to_string));
        put("SHIPWINDOW_PREVIOUS", values.previous.map(str::to_string));
        put("SHIPWINDOW_COLOR", values.color.map(str::to_string));
        put("SHIPWINDOW_WEIGHT", values.weight.map(|w| w.to_string()));
        put("SHIPWINDOW_SERVICE", values.service.map(str::to_string));
        put("SHIPWINDOW_ENV", values.env.map(str::to_string));
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_round_up_and_stay_within_the_targets() {
        assert_eq!(Batch::Count(1).size(4), 1);
        assert_eq!(Batch::Count(2).size(5), 2);
        assert_eq!(Batch::Count(9).size(4), 4);
        assert_eq!(Batch::Percent(25).size(4), 1);
        assert_eq!(Batch::Percent(30).size(5), 2);
        assert_eq!(Batch::Percent(1).size(3), 1);
        assert_eq!(Batch::Percent(100).size(3), 3);
    }

    #[test]
    fn placeholders_are_substituted_per_argument_without_a_shell() {
        let hook = Hook {
            argv: vec![
                "./deploy.sh".into(),
                "{target}".into(),
                "--version={version}; rm -rf /".into(),
                "{weight}%".into(),
            ],
            timeout: TimeDelta::minutes(1),
        };
        let values = HookValues {
            target: Some("web-1 web-2"),
            version: Some("v2"),
            weight: Some(25),
            ..HookValues::default()
        };
        assert_eq!(
            hook.render(&values),
            [
                "./deploy.sh",
                "web-1 web-2",
                "--version=v2; rm -rf /",
                "25%"
            ]
        );
        assert!(Hook::env(&values).contains(&("SHIPWINDOW_WEIGHT", "25".to_string())));
    }
}
