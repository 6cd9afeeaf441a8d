//! The Slack slash command, `POST /v1/slack/command`: its [`handler`]
//! verifies Slack's signature before anything else, records the request in the
//! audit log, then answers the command in Block Kit. Signed requests need no
//! bearer token; unsigned ones are refused with 401 and nothing is evaluated.
//!
//! The parts the handler ties together are pure (no IO, no clock; the handler
//! passes `now` and the policy's zone), and none of them knows the others:
//! [`signature`] checks the `v0` HMAC, [`form`] decodes the body, [`command`] parses
//! the text after the slash command, and [`blocks`] renders the answers.

mod blocks;
mod command;
mod form;
pub(super) mod handler;
mod signature;

/// Slack's documented example of a signed request, and ways to look into a Block
/// Kit answer, for the parts' tests.
#[cfg(test)]
mod testing {
    use serde_json::Value;

    /// The signing secret, timestamp, body and signature of the request in Slack's
    /// "Verifying requests from Slack" guide.
    pub(super) const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    pub(super) const TS: &str = "1531420618";
    pub(super) const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    pub(super) const EXPECTED: &str =
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    /// Every text in the response, joined, to search, with Slack's date tokens
    /// shown as their fallback text (as a client that cannot format dates
    /// shows them; [`raw_text`] keeps the tokens).
    pub(super) fn all_text(v: &Value) -> String {
        date_fallbacks(&raw_text(v))
    }

    /// `<!date^…^…|Fri 27 Nov 17:30 KST>` → `Fri 27 Nov 17:30 KST`.
    pub(super) fn date_fallbacks(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("<!date^") {
            out.push_str(&rest[..at]);
            let token = &rest[at..];
            let end = token.find('>').unwrap();
            let (_, fallback) = token[..end].split_once('|').unwrap();
            out.push_str(fallback);
            rest = &token[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Every text in the response, joined, as sent.
    pub(super) fn raw_text(v: &Value) -> String {
        let mut out = v["text"].as_str().unwrap().to_string();
        for b in v["blocks"].as_array().unwrap() {
            if let Some(t) = b["text"]["text"].as_str() {
                out.push('\n');
                out.push_str(t);
            }
            for e in b["elements"].as_array().into_iter().flatten() {
                out.push('\n');
                out.push_str(e["text"].as_str().unwrap());
            }
        }
        out
    }

    pub(super) fn well_formed(v: &Value, response_type: &str) {
        assert_eq!(v["response_type"], response_type, "{v}");
        assert!(!v["text"].as_str().unwrap().is_empty(), "{v}");
        let blocks = v["blocks"].as_array().unwrap();
        assert!(!blocks.is_empty() && blocks.len() <= 50, "{v}");
        for b in blocks {
            match b["type"].as_str().unwrap() {
                "section" => assert_eq!(b["text"]["type"], "mrkdwn"),
                "context" => assert!(!b["elements"].as_array().unwrap().is_empty()),
                other => panic!("unexpected block type {other}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::blocks::render_error;
    use super::command::parse_command;
    use super::testing::{all_text, well_formed};
    use serde_json::Value;

    fn error_for(text: &str) -> Value {
        match parse_command(text) {
            Err(e) => render_error(&e.to_string()),
            Ok(c) => panic!("{text}: parsed as {c:?}"),
        }
    }

    #[test]
    fn command_errors_are_escaped_for_the_asker() {
        // User text in a message is escaped for mrkdwn when rendered.
        let shown = all_text(&error_for("web prod <!channel>"));
        assert!(shown.contains("`&lt;!channel&gt;`"), "{shown}");
        assert!(!shown.contains('<'), "{shown}");
        let v = error_for("web");
        well_formed(&v, "ephemeral");
        assert!(all_text(&v).contains("/shipwindow &lt;service&gt; &lt;env&gt;"));
    }
}
