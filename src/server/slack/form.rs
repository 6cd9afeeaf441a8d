//! The slash command's form: the `application/x-www-form-urlencoded` body Slack
//! posts, decoded into the fields shipwindow uses, and who is asking.

use serde::Deserialize;

/// The fields of a slash command's `application/x-www-form-urlencoded` body that
/// shipwindow uses; the others (the deprecated `token`, `api_app_id`, …) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(super) struct SlashForm {
    /// The slash command as configured in Slack, e.g. `/shipwindow`.
    pub(super) command: String,
    /// Everything after the command.
    #[serde(default)]
    pub(super) text: String,
    pub(super) user_id: String,
    #[serde(default)]
    pub(super) user_name: String,
    #[serde(default)]
    pub(super) team_id: String,
    #[serde(default)]
    pub(super) team_domain: String,
    #[serde(default)]
    pub(super) channel_id: String,
    #[serde(default)]
    pub(super) channel_name: String,
    #[serde(default)]
    pub(super) response_url: String,
    #[serde(default)]
    pub(super) trigger_id: String,
}

impl SlashForm {
    /// Who is asking, for `created_by`/`lifted_by` and the audit log:
    /// `slack:U2CERLKJA (roadrunner)`, or `slack:U2CERLKJA` without a user name.
    /// The Block Kit answers show such a value as a Slack mention of that user.
    pub(super) fn actor(&self) -> String {
        if self.user_name.is_empty() {
            format!("slack:{}", self.user_id)
        } else {
            format!("slack:{} ({})", self.user_id, self.user_name)
        }
    }
}

/// A body that is not a slash command's form (or lacks `command` or `user_id`).
#[derive(Debug, thiserror::Error)]
#[error("malformed slash command form: {0}")]
pub(super) struct FormError(#[from] serde_urlencoded::de::Error);

/// Decodes a slash command body (the raw bytes whose signature was checked).
pub(super) fn parse_form(body: &[u8]) -> Result<SlashForm, FormError> {
    Ok(serde_urlencoded::from_bytes(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::slack::testing::BODY;

    #[test]
    fn parses_slacks_form() {
        let f = parse_form(BODY.as_bytes()).unwrap();
        assert_eq!(f.command, "/webhook-collect");
        assert_eq!(f.text, "");
        assert_eq!(f.user_id, "U2CERLKJA");
        assert_eq!(f.user_name, "roadrunner");
        assert_eq!(f.team_id, "T1DC2JH3J");
        assert_eq!(f.channel_id, "G8PSS9T3V");
        assert_eq!(
            f.response_url,
            "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN"
        );
        assert_eq!(f.actor(), "slack:U2CERLKJA (roadrunner)");
        let f = parse_form(b"command=%2Fshipwindow&user_id=U1&text=freeze+payments-*%2Cledger+prod+for+2h+because+a+%26+b").unwrap();
        assert_eq!(f.text, "freeze payments-*,ledger prod for 2h because a & b");
        assert_eq!(f.user_name, "");
        assert_eq!(f.actor(), "slack:U1");
        // `command` and `user_id` are required.
        assert!(
            parse_form(b"text=web+prod&user_id=U1")
                .unwrap_err()
                .to_string()
                .contains("command")
        );
        assert!(
            parse_form(b"command=%2Fshipwindow")
                .unwrap_err()
                .to_string()
                .contains("user_id")
        );
    }
}
