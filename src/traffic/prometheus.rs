//! Prometheus' HTTP API, the one call a traffic profile needs:
//! `/api/v1/query_range` for one series over a long range. The range is asked
//! for in pieces of at most [`MAX_POINTS`] points, so no request meets the
//! server's points-per-series limit; each request has a timeout and a bounded
//! body. Credentials go in a header and never into a message.

use crate::credentials;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The most points one request asks for per series: Prometheus refuses more
/// than 11,000 (`exceeded maximum resolution of 11,000 points per timeseries`).
pub const MAX_POINTS: i64 = 11_000;
/// How long one request may take, connection to last byte.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read: 11,000 points of one series are about 300 KiB, so
/// this leaves room for labels and a handful of series before refusing.
pub const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// The most requests one range is split into: a year at one point a minute.
pub const MAX_REQUESTS: i64 = 64;

/// How requests prove who they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Auth {
    #[default]
    None,
    /// `Authorization: Bearer …`.
    Bearer(String),
    /// `Authorization: Basic …`.
    Basic { user: String, password: String },
}

/// A Prometheus server: its base address (no credentials in it) and how to
/// ask it.
#[derive(Debug, Clone)]
pub struct Prometheus {
    base: String,
    auth: Auth,
    pub timeout: Duration,
    pub max_bytes: u64,
}

/// One sample of the series: when, and its value.
pub type Sample = (DateTime<Utc>, f64);

/// Why the series could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromError {
    #[error("`{0}` is not a Prometheus address (write `http://host:9090` or `https://…`)")]
    BadAddress(String),
    #[error("cannot reach Prometheus at {at}: {why}")]
    Unreachable { at: String, why: String },
    #[error("Prometheus at {at} answered HTTP {status}{}", detail(.error))]
    Status {
        at: String,
        status: u16,
        error: Option<String>,
    },
    #[error("Prometheus at {at} could not run the query ({kind}): {error}")]
    Query {
        at: String,
        kind: String,
        error: String,
    },
    #[error("the answer of Prometheus at {at} is not what `query_range` returns: {why}")]
    Malformed { at: String, why: String },
    #[error("the answer of Prometheus at {at} is larger than {max} bytes")]
    TooLarge { at: String, max: u64 },
    #[error(
        "the query returned {count} series; a traffic profile reads exactly one (wrap the query in `sum(...)`, e.g. `sum(rate(http_requests_total[5m]))`)"
    )]
    SeveralSeries { count: usize },
    #[error(
        "the query returned no series over the lookback; check the metric name and labels (a profile needs one series, e.g. `sum(rate(http_requests_total[5m]))`)"
    )]
    NoSeries,
    #[error(
        "the range needs {requests} requests of {MAX_POINTS} points; use a longer step or a shorter lookback"
    )]
    TooManyRequests { requests: i64 },
}

fn detail(error: &Option<String>) -> String {
    error.as_ref().map_or(String::new(), |e| format!(": {e}"))
}

/// What `query_range` answers, success or error.
#[derive(Debug, Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<Series>,
}

#[derive(Debug, Deserialize)]
struct Series {
    #[serde(default)]
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

impl Prometheus {
    /// A server at `address` (`http(s)://host[:port][/prefix]`). Credentials in
    /// the address (`https://user:password@host`) become basic auth unless
    /// `auth` says otherwise; the address kept and shown has none.
    pub fn new(address: &str, auth: Auth) -> Result<Prometheus, PromError> {
        let trimmed = address.trim().trim_end_matches('/');
        let lower = trimmed.to_ascii_lowercase();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some(parts) if lower.starts_with("http://") || lower.starts_with("https://") => parts,
            _ => return Err(PromError::BadAddress(credentials::strip(address))),
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if host.is_empty() || path.contains(['?', '#']) {
            return Err(PromError::BadAddress(credentials::strip(address)));
        }
        let auth = match (auth, userinfo) {
            (Auth::None, Some(u)) => {
                let (user, password) = u.split_once(':').unwrap_or((u, ""));
                Auth::Basic {
                    user: user.to_string(),
                    password: password.to_string(),
                }
            }
            (auth, _) => auth,
        };
        Ok(Prometheus {
            base: format!("{scheme}://{host}{path}"),
            auth,
            timeout: QUERY_TIMEOUT,
            max_bytes: MAX_RESPONSE_BYTES,
        })
    }

    /// The address, for messages (never with credentials).
    pub fn address(&self) -> &str {
        &self.base
    }

    /// The one series `query` gives at `start`, `start + step`, … up to and
    /// including `end`, in order; a point where the series has no value is
    /// left out. Several series, or none at all, are errors.
    pub fn query_range(
        &self,
        query: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: TimeDelta,
    ) -> Result<Vec<Sample>, PromError> {
        let pieces = pieces(start, end, step)?;
        let mut labels: Option<BTreeMap<String, String>> = None;
        let mut samples: Vec<Sample> = Vec::new();
        let mut series_seen = 0usize;
        for (from, to) in pieces {
            let answer = self.request(query, from, to, step)?;
            for series in answer {
                if labels.as_ref() != Some(&series.metric) {
                    series_seen += 1;
                    labels = Some(series.metric.clone());
                }
                if series_seen > 1 {
                    continue;
                }
                for (ts, value) in series.values {
                    let Some(at) = timestamp(ts) else { continue };
                    // `NaN` and `±Inf` (a division by zero in the query) are no data.
                    match value.parse::<f64>() {
                        Ok(v) if v.is_finite() => samples.push((at, v)),
                        _ => {}
                    }
                }
            }
        }
        match series_seen {
            0 => Err(PromError::NoSeries),
            1 => {
                samples.sort_by_key(|(at, _)| *at);
                samples.dedup_by_key(|(at, _)| *at);
                Ok(samples)
            }
            count => Err(PromError::SeveralSeries { count }),
        }
    }

    fn request(
        &self,
        query: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: TimeDelta,
    ) -> Result<Vec<Series>, PromError> {
        let at = self.base.clone();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .user_agent(format!("shipwindow/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let form = [
            ("query", query.to_string()),
            ("start", start.timestamp().to_string()),
            ("end", end.timestamp().to_string()),
            ("step", format!("{}s", step.num_seconds())),
        ];
        let mut request = agent
            .post(format!("{}/api/v1/query_range", self.base))
            .header("Accept", "application/json");
        match &self.auth {
            Auth::None => {}
            Auth::Bearer(token) => {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            Auth::Basic { user, password } => {
                let pair =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                request = request.header("Authorization", format!("Basic {pair}"));
            }
        }
        let mut response = request
            .send_form(form.iter().map(|(k, v)| (*k, v.as_str())))
            .map_err(|e| PromError::Unreachable {
                at: at.clone(),
                why: credentials::strip(&e.to_string()),
            })?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(self.max_bytes)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => PromError::TooLarge {
                    at: at.clone(),
                    max: self.max_bytes,
                },
                other => PromError::Unreachable {
                    at: at.clone(),
                    why: credentials::strip(&other.to_string()),
                },
            })?;
        let parsed: Result<Answer, _> = serde_json::from_slice(&body);
        match parsed {
            // Prometheus answers a bad query with 400 or 422 and says why.
            Ok(answer) if answer.status == "error" => Err(PromError::Query {
                at,
                kind: answer.error_type.unwrap_or_else(|| "error".into()),
                error: answer.error.unwrap_or_default(),
            }),
            _ if !(200..300).contains(&status) => Err(PromError::Status {
                at,
                status,
                error: first_line(&body),
            }),
            Ok(Answer {
                data: Some(data), ..
            }) if data.result_type == "matrix" => Ok(data.result),
            Ok(Answer { data: Some(d), .. }) => Err(PromError::Malformed {
                at,
                why: format!("a `{}` result, not a `matrix`", d.result_type),
            }),
            Ok(_) => Err(PromError::Malformed {
                at,
                why: "no `data`".into(),
            }),
            Err(e) => Err(PromError::Malformed {
                at,
                why: e.to_string(),
            }),
        }
    }
}

/// The first line of an error body, short, for a message.
fn first_line(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let line: String = line.chars().take(200).collect();
    Some(crate::text::escape(&credentials::strip(&line)).into_owned())
}

fn timestamp(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() {
        return None;
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "Prometheus timestamps are whole milliseconds well inside i64"
    )]
    let millis = (seconds * 1000.0).round() as i64;
    DateTime::from_timestamp_millis(millis)
}

/// The first and last point of one request.
pub(crate) type Piece = (DateTime<Utc>, DateTime<Utc>);

/// `[start, end]` at `step` cut into pieces of at most [`MAX_POINTS`] points
/// each, in order, none overlapping.
pub(crate) fn pieces(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    step: TimeDelta,
) -> Result<Vec<Piece>, PromError> {
    if step <= TimeDelta::zero() || end < start {
        return Ok(Vec::new());
    }
    let points = (end - start).num_seconds() / step.num_seconds() + 1;
    let requests = (points + MAX_POINTS - 1) / MAX_POINTS;
    if requests > MAX_REQUESTS {
        return Err(PromError::TooManyRequests { requests });
    }
    let mut out = Vec::new();
    let mut from = start;
    while from <= end {
        let to = (from + step * (MAX_POINTS as i32 - 1)).min(end);
        out.push((from, to));
        from = to + step;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_long_range_is_asked_for_in_pieces_of_at_most_eleven_thousand_points() {
        let start = t("2026-10-01T00:00:00Z");
        let step = TimeDelta::minutes(1);
        // 28 days a minute apart: 40,321 points, four requests.
        let end = start + TimeDelta::days(28);
        let got = pieces(start, end, step).unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].0, start);
        assert_eq!(got[3].1, end);
        let mut total = 0;
        for (i, (from, to)) in got.iter().enumerate() {
            let n = (*to - *from).num_seconds() / 60 + 1;
            assert!(n <= MAX_POINTS, "piece {i} has {n} points");
            total += n;
            if i > 0 {
                assert_eq!(*from, got[i - 1].1 + step, "piece {i} follows the last");
            }
        }
        assert_eq!(total, 40_321);
        // Exactly 11,000 points is one request.
        let one = pieces(start, start + step * 10_999, step).unwrap();
        assert_eq!(one, vec![(start, start + step * 10_999)]);
        assert_eq!(pieces(start, start + step * 11_000, step).unwrap().len(), 2);
    }

    #[test]
    fn a_range_needing_too_many_requests_is_refused() {
        let start = t("2020-01-01T00:00:00Z");
        let got = pieces(start, start + TimeDelta::days(3650), TimeDelta::seconds(1));
        assert!(
            matches!(got, Err(PromError::TooManyRequests { .. })),
            "{got:?}"
        );
    }

    #[test]
    fn credentials_in_the_address_become_basic_auth_and_leave_the_address() {
        let p = Prometheus::new("https://ops:s3cret@prom.example:9090/prom/", Auth::None).unwrap();
        assert_eq!(p.address(), "https://prom.example:9090/prom");
        assert_eq!(
            p.auth,
            Auth::Basic {
                user: "ops".into(),
                password: "s3cret".into()
            }
        );
        let bearer = Prometheus::new("http://h:9090", Auth::Bearer("t".into())).unwrap();
        assert_eq!(bearer.auth, Auth::Bearer("t".into()));
        for bad in ["prom:9090", "ftp://h", "http://", "http://h/?x=1"] {
            let e = Prometheus::new(bad, Auth::None).unwrap_err();
            assert!(matches!(e, PromError::BadAddress(_)), "{bad}: {e}");
        }
        let e = Prometheus::new("ftp://u:pw@h", Auth::None).unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
    }

    /// A one-connection HTTP server on the loopback interface answering
    /// `status` with `body`; returns its address and the request it read.
    fn answer_once(status: u16, body: &'static str) -> (String, std::thread::JoinHandle<String>) {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers, then the form body by its length.
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(reply.as_bytes());
            String::from_utf8_lossy(&request).into_owned()
        });
        (addr, handle)
    }

    fn ask(server: &Prometheus) -> Result<Vec<Sample>, PromError> {
        let start = t("2026-11-01T00:00:00Z");
        server.query_range(
            "up",
            start,
            start + TimeDelta::hours(1),
            TimeDelta::minutes(15),
        )
    }

    #[test]
    fn a_bearer_token_is_sent_and_the_answer_read() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1793491200,"1.5"],[1793492100,"NaN"],[1793493000,"2"]]}]}}"#;
        let (addr, seen) = answer_once(200, body);
        let server = Prometheus::new(&addr, Auth::Bearer("t0ken".into())).unwrap();
        let samples = ask(&server).unwrap();
        assert_eq!(
            samples,
            vec![
                (t("2026-11-01T00:00:00Z"), 1.5),
                (t("2026-11-01T00:30:00Z"), 2.0)
            ],
            "NaN is no data"
        );
        let request = seen.join().unwrap();
        assert!(
            request.starts_with("POST /api/v1/query_range "),
            "{request}"
        );
        assert!(
            request.contains("authorization: Bearer t0ken")
                || request.contains("Authorization: Bearer t0ken"),
            "{request}"
        );
        assert!(
            request.contains("query=up&start=1793491200&end=1793494800&step=900s"),
            "{request}"
        );
    }

    #[test]
    fn basic_auth_is_sent_and_an_http_error_says_what_the_server_said() {
        let (addr, seen) = answer_once(503, "Service Unavailable\nretry later");
        let with_user = addr.replace("http://", "http://ops:pw@");
        let server = Prometheus::new(&with_user, Auth::None).unwrap();
        let err = ask(&server).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("Prometheus at {addr} answered HTTP 503: Service Unavailable")
        );
        let request = seen.join().unwrap();
        let header = request
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
            .unwrap_or_default();
        // base64("ops:pw")
        assert_eq!(header, "authorization: Basic b3BzOnB3", "{request}");
    }

    #[test]
    fn a_query_error_carries_prometheus_own_words() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unclosed left parenthesis"}"#;
        let (addr, _seen) = answer_once(400, body);
        let err = ask(&Prometheus::new(&addr, Auth::None).unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "Prometheus at {addr} could not run the query (bad_data): 1:5: parse error: unclosed left parenthesis"
            )
        );
    }

    #[test]
    fn an_answer_larger_than_the_limit_is_refused() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        let (addr, _seen) = answer_once(200, body);
        let mut server = Prometheus::new(&addr, Auth::None).unwrap();
        server.max_bytes = 16;
        let err = ask(&server).unwrap_err();
        assert_eq!(err, PromError::TooLarge { at: addr, max: 16 });
    }

    #[test]
    fn a_vector_answer_is_malformed_and_an_empty_matrix_is_no_series() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        let (addr, _seen) = answer_once(200, body);
        let err = ask(&Prometheus::new(&addr, Auth::None).unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .contains("a `vector` result, not a `matrix`"),
            "{err}"
        );
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        let (addr, _seen) = answer_once(200, body);
        let err = ask(&Prometheus::new(&addr, Auth::None).unwrap()).unwrap_err();
        assert_eq!(err, PromError::NoSeries);
    }

    #[test]
    fn errors_say_what_to_do() {
        let several = PromError::SeveralSeries { count: 3 }.to_string();
        assert!(
            several.contains("3 series") && several.contains("sum("),
            "{several}"
        );
        let status = PromError::Status {
            at: "http://h".into(),
            status: 503,
            error: Some("Service Unavailable".into()),
        };
        assert_eq!(
            status.to_string(),
            "Prometheus at http://h answered HTTP 503: Service Unavailable"
        );
    }
}
