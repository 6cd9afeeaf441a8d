//! The run journal: `DIR/runs/<service>.<env>.jsonl`, one JSON object per line,
//! each line written and `fsync`ed before the runner goes on. It is written
//! before and after every step, so after a crash it says which steps were
//! started and which were done; `run --resume` and `run --rollback` replay it.
//! When a run ends (finished or rolled back) the file is renamed to
//! `<service>.<env>.<run-id>.jsonl` beside it, so the next run starts clean:
//! a journal at the live path is always an unfinished run.
//!
//! Every line carries the run id, strategy, service, env, version and
//! previous version, so each line stands on its own in a log pipeline. A line
//! reads `at`, `event`, what that event carries ([`Record`]), then the run.

use super::hooks::HookName;
use crate::plan::{Color, StepAction};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What happened: the `event` of a line, without what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Started,
    StepStarted,
    StepDone,
    Paused,
    Resumed,
    MonitoringStarted,
    RollbackStarted,
    RollbackStepDone,
    Finished,
    RolledBack,
    Interrupted,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Started => "started",
            Event::StepStarted => "step-started",
            Event::StepDone => "step-done",
            Event::Paused => "paused",
            Event::Resumed => "resumed",
            Event::MonitoringStarted => "monitoring-started",
            Event::RollbackStarted => "rollback-started",
            Event::RollbackStepDone => "rollback-step-done",
            Event::Finished => "finished",
            Event::RolledBack => "rolled-back",
            Event::Interrupted => "interrupted",
        }
    }
}

/// A step as the journal records it (from the plan, at the start of the run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// From 1, as in the plan.
    pub index: usize,
    pub action: StepAction,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
    /// Blue-green: the colour deployed to, switched to, or kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
}

/// One rollback hook call, as identified in `rollback-step-done`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UndoRecord {
    /// The forward step it undoes.
    pub step: usize,
    /// `rollback`, `switch`, `set-weight`.
    pub hook: HookName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
}

/// The fields every line has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub run: String,
    pub strategy: String,
    pub service: String,
    pub env: String,
    pub version: String,
    pub previous: Option<String>,
}

/// One journal line: when, what happened (and what that carries), and the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(with = "rfc3339")]
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub record: Record,
    #[serde(flatten)]
    pub info: RunInfo,
}

/// What happened, with what each event carries; `event` names the variant.
/// (Lines written when this was a struct of optional fields read the same.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Record {
    /// The run passed the policy check and is about to touch things.
    Started {
        /// The strategy's kind (`rolling`, `blue-green`, `canary`).
        kind: String,
        /// Blue-green: the colour live before the run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        live: Option<Color>,
        steps: Vec<StepRecord>,
        /// The fingerprint of the policy that allowed the plan.
        policy: String,
        /// Who runs it.
        pid: u32,
        host: String,
    },
    StepStarted {
        step: StepRecord,
    },
    StepDone {
        step: StepRecord,
    },
    /// Waiting at a step boundary for the policy to allow the rest; why.
    Paused {
        step: StepRecord,
        reason: String,
    },
    /// Going on after a pause (with the step), or after an interruption
    /// (`run --resume`, with who goes on).
    Resumed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<StepRecord>,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pid: Option<u32>,
    },
    MonitoringStarted {
        reason: String,
    },
    /// The cause of the rollback.
    RollbackStarted {
        reason: String,
    },
    /// One rollback hook ran; `ok` says whether it succeeded (and `reason` why not).
    RollbackStepDone {
        undo: UndoRecord,
        ok: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Finished,
    /// The rollback's cause, and how many rollback hooks failed.
    RolledBack {
        reason: String,
        failures: usize,
    },
    /// Stopped by SIGINT/SIGTERM (which, and where); resumable.
    Interrupted {
        reason: String,
    },
}

impl Record {
    pub fn event(&self) -> Event {
        match self {
            Record::Started { .. } => Event::Started,
            Record::StepStarted { .. } => Event::StepStarted,
            Record::StepDone { .. } => Event::StepDone,
            Record::Paused { .. } => Event::Paused,
            Record::Resumed { .. } => Event::Resumed,
            Record::MonitoringStarted { .. } => Event::MonitoringStarted,
            Record::RollbackStarted { .. } => Event::RollbackStarted,
            Record::RollbackStepDone { .. } => Event::RollbackStepDone,
            Record::Finished => Event::Finished,
            Record::RolledBack { .. } => Event::RolledBack,
            Record::Interrupted { .. } => Event::Interrupted,
        }
    }

    /// The step the line is about, if any.
    pub fn step(&self) -> Option<&StepRecord> {
        match self {
            Record::StepStarted { step }
            | Record::StepDone { step }
            | Record::Paused { step, .. } => Some(step),
            Record::Resumed { step, .. } => step.as_ref(),
            _ => None,
        }
    }
}

impl Entry {
    pub fn new(at: DateTime<Utc>, record: Record, info: &RunInfo) -> Entry {
        Entry {
            at,
            record,
            info: info.clone(),
        }
    }

    pub fn event(&self) -> Event {
        self.record.event()
    }
}

mod rfc3339 {
    //! The journal's timestamp form: RFC 3339 in UTC with milliseconds.
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        let t = DateTime::parse_from_rfc3339(&text).map_err(serde::de::Error::custom)?;
        if crate::time::is_leap_second(t.naive_local()) {
            return Err(serde::de::Error::custom(format!(
                "`{text}` is a leap second (`:60`)"
            )));
        }
        Ok(t.with_timezone(&Utc))
    }
}

/// Why a journal could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal {path}, line {line}: {message}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// The open journal of the current run; every append is durable on return.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (creating) the journal for appending. A last line cut short by a
    /// crash is cut off first, so the next line starts on a line of its own.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        };
        let existing = match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        match existing {
            // The new file's directory entry must survive a crash too.
            None => sync_dir(path).map_err(io)?,
            Some(bytes) if !bytes.is_empty() && !bytes.ends_with(b"\n") => {
                let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                file.set_len(keep as u64).map_err(io)?;
                file.sync_all().map_err(io)?;
            }
            Some(_) => {}
        }
        Ok(Journal {
            path: path.to_path_buf(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line and fsyncs it.
    pub fn append(&mut self, entry: &Entry) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(entry).map_err(|e| JournalError::Corrupt {
            path: self.path.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        line.push('\n');
        let io = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        self.file.write_all(line.as_bytes()).map_err(io)?;
        self.file.sync_all().map_err(io)
    }

    /// Renames the journal to `<stem>.<run>.jsonl` beside it (the run is over).
    pub fn archive(self, run: &str) -> Result<PathBuf, JournalError> {
        archive(&self.path, run)
    }
}

/// Renames a finished journal out of the way.
pub fn archive(path: &Path, run: &str) -> Result<PathBuf, JournalError> {
    let io = |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".jsonl").to_string())
        .unwrap_or_default();
    let safe_run: String = run
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let to = path.with_file_name(format!("{stem}.{safe_run}.jsonl"));
    std::fs::rename(path, &to).map_err(io)?;
    sync_dir(path).map_err(io)?;
    Ok(to)
}

fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

/// What a journal says about its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    /// The `started` line.
    pub header: Entry,
    /// What the `started` line lists.
    pub started_as: Started,
    pub entries: Vec<Entry>,
    /// Step indexes with a `step-started` / `step-done`.
    pub started: BTreeSet<usize>,
    pub done: BTreeSet<usize>,
    pub monitoring_started: bool,
    /// The cause given when the rollback started, if one did.
    pub rollback: Option<String>,
    /// Rollback hook calls that succeeded.
    pub undone: BTreeSet<UndoRecord>,
    /// `finished` or `rolled-back`: the run is over (only not archived yet).
    pub ended: Option<Event>,
    /// The last line had been cut short (a crash mid-write) and was ignored.
    pub torn_tail: bool,
}

/// What a `started` line says about the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub live: Option<Color>,
    pub steps: Vec<StepRecord>,
}

impl Replay {
    pub fn info(&self) -> &RunInfo {
        &self.header.info
    }

    pub fn steps(&self) -> &[StepRecord] {
        &self.started_as.steps
    }

    /// When the run started.
    pub fn since(&self) -> DateTime<Utc> {
        self.header.at
    }

    /// The last thing the journal says, for messages: `step-started (step 3)`.
    pub fn last_event(&self) -> String {
        let Some(last) = self.entries.last() else {
            return "nothing".into();
        };
        match last.record.step() {
            Some(step) => format!("{} (step {})", last.event().as_str(), step.index),
            None => last.event().as_str().to_string(),
        }
    }
}

/// Reads a journal: `Ok(None)` when there is none (or it holds no complete
/// `started` line: the run never got to touch anything). A last line cut short
/// by a crash is ignored; a bad line anywhere else is an error.
pub fn replay(path: &Path) -> Result<Option<Replay>, JournalError> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(JournalError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut entries = Vec::new();
    let mut torn_tail = false;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(entry) => entries.push(entry),
            Err(_) if i + 1 == lines.len() && !raw.ends_with('\n') => torn_tail = true,
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    let Some(header) = entries.first().cloned() else {
        return Ok(None);
    };
    let Record::Started { live, steps, .. } = &header.record else {
        return Err(JournalError::Corrupt {
            path: path.to_path_buf(),
            line: 1,
            message: format!(
                "the first event is `{}`, not `started`",
                header.event().as_str()
            ),
        });
    };
    let started_as = Started {
        live: *live,
        steps: steps.clone(),
    };
    let mut replay = Replay {
        header,
        started_as,
        entries: Vec::new(),
        started: BTreeSet::new(),
        done: BTreeSet::new(),
        monitoring_started: false,
        rollback: None,
        undone: BTreeSet::new(),
        ended: None,
        torn_tail,
    };
    for entry in &entries {
        match &entry.record {
            Record::StepStarted { step } => {
                replay.started.insert(step.index);
            }
            Record::StepDone { step } => {
                replay.done.insert(step.index);
            }
            Record::MonitoringStarted { .. } => replay.monitoring_started = true,
            Record::RollbackStarted { reason } => replay.rollback = Some(reason.clone()),
            Record::RollbackStepDone { undo, ok: true, .. } => {
                replay.undone.insert(undo.clone());
            }
            Record::Finished | Record::RolledBack { .. } => replay.ended = Some(entry.event()),
            Record::Started { .. }
            | Record::RollbackStepDone { ok: false, .. }
            | Record::Paused { .. }
            | Record::Resumed { .. }
            | Record::Interrupted { .. } => {}
        }
    }
    replay.entries = entries;
    Ok(Some(replay))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> RunInfo {
        RunInfo {
            run: "20261127T064001Z-42".into(),
            strategy: "web-rolling".into(),
            service: "web".into(),
            env: "prod".into(),
            version: "v2".into(),
            previous: Some("v1".into()),
        }
    }

    fn step(index: usize, target: &str) -> StepRecord {
        StepRecord {
            index,
            action: StepAction::Deploy,
            targets: vec![target.into()],
            weight: None,
            color: None,
        }
    }

    fn line(record: Record) -> Entry {
        Entry::new(Utc::now(), record, &info())
    }

    fn write_run(path: &Path) -> Journal {
        let mut j = Journal::open(path).unwrap();
        let start = Record::Started {
            kind: "rolling".into(),
            live: None,
            steps: vec![step(1, "web-1"), step(2, "web-2"), step(3, "web-3")],
            policy: "sha256:0".into(),
            pid: 42,
            host: "ci-1".into(),
        };
        j.append(&line(start)).unwrap();
        for (started, i) in [(true, 1), (false, 1), (true, 2)] {
            let step = step(i, &format!("web-{i}"));
            let record = if started {
                Record::StepStarted { step }
            } else {
                Record::StepDone { step }
            };
            j.append(&line(record)).unwrap();
        }
        j
    }

    #[test]
    fn replay_knows_what_was_started_and_done() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.prod.jsonl");
        drop(write_run(&path));
        let r = replay(&path).unwrap().unwrap();
        assert_eq!(r.info(), &info());
        assert_eq!(r.steps().len(), 3);
        assert_eq!(r.started, BTreeSet::from([1, 2]));
        assert_eq!(r.done, BTreeSet::from([1]));
        assert_eq!(r.ended, None);
        assert_eq!(r.rollback, None);
        assert_eq!(r.last_event(), "step-started (step 2)");
    }

    #[test]
    fn lines_are_self_describing_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.prod.jsonl");
        drop(write_run(&path));
        let text = std::fs::read_to_string(&path).unwrap();
        let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last["event"], "step-started");
        assert_eq!(last["run"], "20261127T064001Z-42");
        assert_eq!(last["strategy"], "web-rolling");
        assert_eq!(last["version"], "v2");
        assert_eq!(last["previous"], "v1");
        assert_eq!(last["step"]["index"], 2);
        assert_eq!(last["step"]["targets"][0], "web-2");
    }

    #[test]
    fn a_torn_last_line_is_ignored_but_a_bad_line_elsewhere_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.prod.jsonl");
        drop(write_run(&path));
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"at\":\"2026-");
        std::fs::write(&path, &text).unwrap();
        let r = replay(&path).unwrap().unwrap();
        assert!(r.torn_tail);
        assert_eq!(r.started, BTreeSet::from([1, 2]));

        let mut j = Journal::open(&path).unwrap();
        j.append(&line(Record::Interrupted {
            reason: "SIGINT".into(),
        }))
        .unwrap();
        let r = replay(&path).unwrap().unwrap();
        assert!(!r.torn_tail);
        assert_eq!(r.entries.last().unwrap().event(), Event::Interrupted);

        let broken = text.replacen("step-done", "step-dune", 1);
        std::fs::write(&path, broken).unwrap();
        let err = replay(&path).unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
    }

    #[test]
    fn rollback_progress_and_the_end_are_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.prod.jsonl");
        let mut j = write_run(&path);
        j.append(&line(Record::RollbackStarted {
            reason: "health failed".into(),
        }))
        .unwrap();
        let undo = |t: &str, ok| {
            line(Record::RollbackStepDone {
                undo: UndoRecord {
                    step: 2,
                    hook: HookName::Rollback,
                    target: Some(t.into()),
                    color: None,
                    weight: None,
                },
                ok,
                reason: None,
            })
        };
        j.append(&undo("web-2", true)).unwrap();
        j.append(&undo("web-1", false)).unwrap();
        let r = replay(&path).unwrap().unwrap();
        assert_eq!(r.rollback.as_deref(), Some("health failed"));
        assert_eq!(r.undone.len(), 1);
        assert_eq!(r.ended, None);
        j.append(&line(Record::RolledBack {
            reason: "health failed".into(),
            failures: 0,
        }))
        .unwrap();
        assert_eq!(
            replay(&path).unwrap().unwrap().ended,
            Some(Event::RolledBack)
        );
        let archived = j.archive("20261127T064001Z-42").unwrap();
        assert!(!path.exists());
        assert_eq!(
            archived.file_name().unwrap().to_str().unwrap(),
            "web.prod.20261127T064001Z-42.jsonl"
        );
        assert_eq!(replay(&path).unwrap(), None);
    }

    #[test]
    fn a_journal_without_a_complete_start_is_no_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.prod.jsonl");
        std::fs::write(&path, "{\"at\":").unwrap();
        assert_eq!(replay(&path).unwrap(), None);
    }

    /// Lines as written before the entry was a tagged enum (a struct of
    /// optional fields), with their keys in that order: still read.
    #[test]
    fn a_journal_written_by_the_struct_of_options_format_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.prod.jsonl");
        let common = r#""run":"r1","strategy":"web-bg","service":"web","env":"prod","version":"v2","previous":"v1""#;
        let lines = [
            format!(
                r#"{{"at":"2026-11-27T06:40:01.000Z","event":"started",{common},"kind":"blue-green","live":"blue","steps":[{{"index":1,"action":"deploy","targets":["g-1"],"color":"green"}},{{"index":2,"action":"switch","targets":["g-1"],"color":"green"}},{{"index":3,"action":"keep-previous","targets":["b-1"],"color":"blue"}}],"policy":"sha256:1","pid":7,"host":"h"}}"#
            ),
            format!(
                r#"{{"at":"2026-11-27T06:40:02.000Z","event":"step-started",{common},"step":{{"index":1,"action":"deploy","targets":["g-1"],"color":"green"}}}}"#
            ),
            format!(
                r#"{{"at":"2026-11-27T06:40:03.000Z","event":"paused",{common},"step":{{"index":2,"action":"switch","targets":["g-1"],"color":"green"}},"reason":"blocked"}}"#
            ),
            format!(
                r#"{{"at":"2026-11-27T06:40:04.000Z","event":"resumed",{common},"pid":8,"reason":"run --resume: continuing from step 2"}}"#
            ),
            format!(
                r#"{{"at":"2026-11-27T06:40:05.000Z","event":"rollback-started",{common},"reason":"run --rollback"}}"#
            ),
            format!(
                r#"{{"at":"2026-11-27T06:40:06.000Z","event":"rollback-step-done",{common},"undo":{{"step":2,"hook":"set-weight","weight":0}},"ok":true}}"#
            ),
        ];
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let r = replay(&path).unwrap().unwrap();
        assert_eq!(r.started_as.live, Some(Color::Blue));
        assert_eq!(r.steps()[2].action, StepAction::KeepPrevious);
        assert_eq!(r.steps()[1].color, Some(Color::Green));
        assert_eq!(r.started, BTreeSet::from([1]));
        assert_eq!(r.rollback.as_deref(), Some("run --rollback"));
        assert_eq!(r.undone.first().map(|u| u.hook), Some(HookName::SetWeight));
        assert_eq!(r.last_event(), "rollback-step-done");
        // And a line written now carries the same keys.
        let again = serde_json::to_value(&r.entries[2]).unwrap();
        let before: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(again, before);
    }

    #[test]
    fn a_leap_second_in_a_journal_line_is_refused() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T07:32:52.005Z")
            .unwrap()
            .with_timezone(&Utc);
        let e = Entry::new(
            at,
            Record::StepStarted {
                step: step(1, "web-1"),
            },
            &info(),
        );
        let line = serde_json::to_string(&e).unwrap();
        assert!(serde_json::from_str::<Entry>(&line).is_ok());
        let leap = line.replace("2026-11-27T07:32:52.005Z", "2016-12-31T23:59:60.005Z");
        let err = serde_json::from_str::<Entry>(&leap).unwrap_err();
        assert!(err.to_string().contains("leap second"), "{err}");
    }

    /// The layout docs/strategies.md shows: when, what, what it carries, whose run.
    #[test]
    fn a_line_says_when_what_and_its_details_then_the_run() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T07:32:52.005Z")
            .unwrap()
            .with_timezone(&Utc);
        let e = Entry::new(
            at,
            Record::StepStarted {
                step: step(1, "web-1"),
            },
            &info(),
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"at":"2026-11-27T07:32:52.005Z","event":"step-started","step":{"index":1,"action":"deploy","targets":["web-1"]},"run":"20261127T064001Z-42","strategy":"web-rolling","service":"web","env":"prod","version":"v2","previous":"v1"}"#
        );
    }
}
