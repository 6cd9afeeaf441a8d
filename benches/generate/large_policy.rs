//! The large-policy generator: one organisation's gate, 500 services and 5,000 rules
//! of every time spec a policy file can state, written as a policy directory.
//!
//! Shared by `benches/large.rs`, `examples/gen_large_policy.rs` (for `bench/http.sh`
//! and by hand) and the integration test that loads it, each as `#[path]` module, so
//! there is one generator and no committed output. A fixed seed and a small PRNG of
//! its own (splitmix64) make the output the same on every machine, byte for byte.
//!
//! Shape: 25 teams of 20 services (`payments-00` … `billing-19`). A rule's scope is
//! an exact list of services, a team glob (`payments-*`), or everything (`*`, now and
//! then minus a team). Services and teams are drawn Zipf-like, so a few services carry
//! most of the rules (the "heaviest", like an API gateway every team freezes) and the
//! long tail a handful. Rules run in six zones.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// How many services and rules to generate.
#[derive(Clone, Copy)]
pub struct Size {
    pub services: usize,
    pub rules: usize,
}

/// The benchmark's size: 500 services, 5,000 rules.
pub const FULL: Size = Size {
    services: 500,
    rules: 5_000,
};

/// The seed of every generated policy.
pub const SEED: u64 = 0x5_1A1D_2026;

/// The environment every benchmark request asks about.
pub const ENV: &str = "prod";

/// What was written, and which services to ask about.
pub struct Summary {
    /// Rules written (windows, freezes and markets).
    pub rules: usize,
    /// Services named.
    pub services: usize,
    /// The service the most rules apply to (in `ENV`, for a deploy), and that count.
    pub heaviest: (String, usize),
    /// The service the fewest rules apply to, and that count.
    pub light: (String, usize),
    /// Rules written per time-spec kind, in a fixed order.
    pub kinds: Vec<(&'static str, usize)>,
}

const TEAMS: [&str; 25] = [
    "edge",
    "payments",
    "search",
    "checkout",
    "catalog",
    "identity",
    "ledger",
    "mobile",
    "orders",
    "pricing",
    "inventory",
    "shipping",
    "reviews",
    "ads",
    "media",
    "notify",
    "profile",
    "support",
    "risk",
    "reports",
    "loyalty",
    "partner",
    "tax",
    "ml",
    "billing",
];

const ZONES: [&str; 6] = [
    "Asia/Seoul",
    "America/New_York",
    "Europe/London",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
];

const EXCHANGES: [&str; 6] = ["XKRX", "XNYS", "XNAS", "XTKS", "XLON", "XHKG"];

const KINDS: [&str; 7] = [
    "cron_duration",
    "cron_pair",
    "daily",
    "weekly_span",
    "one_time",
    "window",
    "market",
];

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Zipf-like draws over ranks `0..n`: rank k has weight 1/(k+1)^s.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let cumulative = (0..n)
            .map(|k| {
                acc += 1.0 / ((k + 1) as f64).powf(s);
                acc
            })
            .collect::<Vec<_>>();
        Zipf(cumulative)
    }

    fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let u = rng.unit() * total;
        self.0.partition_point(|&c| c <= u).min(self.0.len() - 1)
    }
}

enum Scope {
    Exact(Vec<usize>),
    Team(usize),
    All { except: Option<usize> },
}

impl Scope {
    fn matches(&self, service: usize, per_team: usize) -> bool {
        match self {
            Scope::Exact(list) => list.contains(&service),
            Scope::Team(t) => service / per_team == *t,
            Scope::All { except } => except.is_none_or(|t| service / per_team != t),
        }
    }

    fn toml(&self, names: &[String]) -> String {
        let quoted = |items: Vec<String>| {
            items
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Scope::Exact(list) => quoted(list.iter().map(|&i| names[i].clone()).collect()),
            Scope::Team(t) => quoted(vec![format!("{}-*", TEAMS[*t])]),
            Scope::All { except: None } => quoted(vec!["*".into()]),
            Scope::All { except: Some(t) } => quoted(vec!["*".into(), format!("!{}-*", TEAMS[*t])]),
        }
    }
}

/// Writes the policy of `size` into `dir` (created if missing; files of the same
/// names are overwritten) and says what it wrote.
pub fn generate(dir: &Path, size: Size) -> io::Result<Summary> {
    let teams = TEAMS.len().min(size.services.max(1));
    let per_team = size.services.div_ceil(teams).max(1);
    let names: Vec<String> = (0..size.services)
        .map(|i| format!("{}-{:02}", TEAMS[i / per_team], i % per_team))
        .collect();
    let mut rng = Rng(SEED);
    let service_rank = Zipf::new(size.services, 1.1);
    let team_rank = Zipf::new(teams, 1.0);

    let mut applies = vec![0usize; size.services];
    let mut kinds = [0usize; KINDS.len()];
    let mut files: Vec<String> = Vec::new();
    let per_file = 250;

    for i in 0..size.rules {
        if i % per_file == 0 {
            files.push(format!(
                "# Generated by benches/generate/large_policy.rs (seed {SEED:#x}); not for editing.\n"
            ));
        }
        let scope = match rng.unit() {
            u if u < 0.60 => {
                let n = 1 + rng.below(3);
                let mut list: Vec<usize> = (0..n).map(|_| service_rank.draw(&mut rng)).collect();
                list.sort_unstable();
                list.dedup();
                Scope::Exact(list)
            }
            u if u < 0.995 => Scope::Team(team_rank.draw(&mut rng)),
            _ if rng.below(2) == 0 => Scope::All { except: None },
            _ => Scope::All {
                except: Some(rng.below(teams)),
            },
        };
        let envs = match rng.below(10) {
            0..=5 => r#"["prod"]"#,
            6 | 7 => r#"["prod", "staging"]"#,
            8 => r#"["prod*"]"#,
            _ => r#"["staging"]"#,
        };
        let kind = match rng.unit() {
            u if u < 0.35 => 0,
            u if u < 0.40 => 1,
            u if u < 0.58 => 2,
            u if u < 0.66 => 3,
            u if u < 0.92 => 4,
            u if u < 0.998 => 5,
            _ => 6,
        };
        kinds[kind] += 1;
        if envs != r#"["staging"]"# {
            for (s, count) in applies.iter_mut().enumerate() {
                if scope.matches(s, per_team) {
                    *count += 1;
                }
            }
        }
        let text = files
            .last_mut()
            .ok_or_else(|| io::Error::other("no file"))?;
        write_rule(text, &mut rng, i, kind, &scope.toml(&names), envs).map_err(io::Error::other)?;
    }

    std::fs::create_dir_all(dir.join("rules"))?;
    std::fs::write(
        dir.join("settings.toml"),
        "[settings]\ntimezone = \"Asia/Seoul\"\ndeploy_duration = \"30m\"\nmonitoring = \"1h\"\nhorizon = \"60d\"\n",
    )?;
    for (k, text) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("rules/part-{k:02}.toml")), text)?;
    }

    let by_count = |pick_max: bool| {
        let mut best = 0;
        for (s, &c) in applies.iter().enumerate() {
            if (pick_max && c > applies[best]) || (!pick_max && c < applies[best]) {
                best = s;
            }
        }
        (
            names.get(best).cloned().unwrap_or_default(),
            applies.get(best).copied().unwrap_or(0),
        )
    };
    Ok(Summary {
        rules: size.rules,
        services: size.services,
        heaviest: by_count(true),
        light: by_count(false),
        kinds: KINDS.iter().copied().zip(kinds).collect(),
    })
}

/// One rule of `kind` (an index into `KINDS`) as TOML.
fn write_rule(
    out: &mut String,
    rng: &mut Rng,
    i: usize,
    kind: usize,
    services: &str,
    envs: &str,
) -> std::fmt::Result {
    let table = match kind {
        5 => "window",
        6 => "market",
        _ => "freeze",
    };
    writeln!(out, "\n[[{table}]]")?;
    writeln!(out, "name = \"r{i:04}-{}\"", KINDS[kind].replace('_', "-"))?;
    if rng.below(3) == 0 {
        writeln!(out, "reason = \"generated rule {i}\"")?;
    }
    writeln!(out, "services = [{services}]")?;
    writeln!(out, "envs = {envs}")?;
    if rng.below(8) == 0 {
        writeln!(out, "override = \"reason\"")?;
    }
    if kind != 6 && rng.below(2) == 0 {
        writeln!(out, "timezone = \"{}\"", rng.pick(&ZONES))?;
    }
    let dow = ["*", "1-5", "0,6", "1,3", "2,4", "5"];
    match kind {
        0 => {
            // A step cron gets a short duration: a `*/2` hour cron held for 2h would
            // freeze its services for good, which no organisation writes.
            let form = rng.below(5);
            let cron = match form {
                0 => format!("{} {} * * *", rng.below(60), rng.below(24)),
                1 => format!("{} {} * * {}", rng.below(60), rng.below(24), rng.pick(&dow)),
                2 => format!(
                    "{} */{} * * *",
                    rng.below(60),
                    rng.pick(&[2, 3, 4, 6, 8, 12])
                ),
                3 => format!("0 {} {} * *", rng.below(24), 1 + rng.below(28)),
                _ => format!(
                    "{} {},{} * * 1-5",
                    5 * rng.below(12),
                    rng.below(12),
                    12 + rng.below(12)
                ),
            };
            writeln!(out, "cron = \"{cron}\"")?;
            let d = if form == 2 {
                rng.pick(&["5m", "10m", "15m"])
            } else {
                rng.pick(&["10m", "15m", "30m", "45m", "1h", "1h30m", "2h"])
            };
            writeln!(out, "duration = \"{d}\"")?;
        }
        1 => {
            let h = rng.below(24);
            writeln!(out, "cron = \"0 {h} * * {}\"", rng.pick(&dow))?;
            writeln!(
                out,
                "until_cron = \"30 {} * * *\"",
                (h + 1 + rng.below(6)) % 24
            )?;
        }
        2 | 5 => {
            let days = rng.pick(&[
                r#"["mon-fri"]"#,
                r#"["sat-sun"]"#,
                r#"["mon", "wed"]"#,
                r#"["sun", "mon-thu"]"#,
                r#"["daily"]"#,
                r#"["fri"]"#,
            ]);
            let (start, end) = if kind == 5 {
                // Windows are wide (business hours, nights), as real ones are.
                *rng.pick(&[
                    ("09:00", "18:00"),
                    ("22:00", "06:00"),
                    ("00:00", "24:00"),
                    ("06:00", "12:00"),
                    ("13:00", "23:00"),
                ])
            } else {
                *rng.pick(&[
                    ("11:30", "13:30"),
                    ("18:00", "24:00"),
                    ("00:00", "02:00"),
                    ("20:00", "23:00"),
                    ("09:00", "10:00"),
                    ("16:00", "04:00"),
                ])
            };
            writeln!(out, "days = {days}\nstart = \"{start}\"\nend = \"{end}\"")?;
        }
        3 => {
            let (from, to) = *rng.pick(&[
                ("fri 17:00", "mon 06:00"),
                ("sat 00:00", "sun 24:00"),
                ("thu 20:00", "fri 08:00"),
                ("sun 18:00", "mon 09:00"),
                ("wed 12:00", "wed 14:00"),
            ]);
            writeln!(out, "from = \"{from}\"\nto = \"{to}\"")?;
        }
        4 => {
            // One-time freezes over 2027 (in the future when written), a couple of hours to a week.
            let day = rng.below(365);
            let (y, m, d) = civil_from_days(days_from_civil(2027, 1, 1) + day as i64);
            let start_h = rng.below(24);
            let hours = rng.pick(&[2, 4, 8, 24, 48, 72, 168]);
            let end_day = days_from_civil(y, m, d) + ((start_h + hours) / 24) as i64;
            let (ey, em, ed) = civil_from_days(end_day);
            writeln!(out, "start_at = \"{y:04}-{m:02}-{d:02}T{start_h:02}:00\"")?;
            writeln!(
                out,
                "end_at = \"{ey:04}-{em:02}-{ed:02}T{:02}:00\"",
                (start_h + hours) % 24
            )?;
            if rng.below(4) == 0 {
                writeln!(out, "lead = \"{}\"", rng.pick(&["2h", "1d", "2d"]))?;
                writeln!(out, "tail = \"{}\"", rng.pick(&["0s", "30m", "6h"]))?;
            }
        }
        _ => {
            writeln!(out, "exchange = \"{}\"", rng.pick(&EXCHANGES))?;
            writeln!(out, "before_open = \"30m\"\nafter_close = \"15m\"")?;
        }
    }
    Ok(())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}
