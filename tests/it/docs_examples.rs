//! The docs as a newcomer follows them: an Install section before the first
//! command, examples that run from a fresh clone and print what the docs show,
//! and no citations of a contract document the repository does not contain.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap()
}

/// The text of the console block that starts with `$ {command}`, up to the
/// next `$ ` line or the end of the block.
fn shown(doc: &str, command: &str) -> String {
    let start = doc
        .find(&format!("$ {command}\n"))
        .unwrap_or_else(|| panic!("no `$ {command}` in the doc"));
    let rest = &doc[start..];
    let body = &rest[rest.find('\n').unwrap() + 1..];
    let end = [body.find("\n$ "), body.find("\n```")]
        .into_iter()
        .flatten()
        .min()
        .unwrap();
    body[..=end].to_string()
}

/// Runs `args` in the repository, as a fresh clone would, stdout and stderr
/// together as a terminal shows them.
fn run(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_shipwindow"))
        .args(args)
        .current_dir(root())
        .env_remove("SHIPWINDOW_POLICIES")
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_readme_says_how_to_install_before_the_first_command() {
    let readme = read("README.md");
    let install = readme.find("## Install").expect("an Install section");
    let first = readme.find("## The two commands").unwrap();
    assert!(install < first);
    let section = &readme[install..first];
    assert!(
        section.contains("cargo install --locked --path ."),
        "{section}"
    );
    assert!(
        section.contains("cargo install --locked --git "),
        "{section}"
    );
}

#[test]
fn examples_that_read_files_of_the_repository_print_what_the_docs_show() {
    let readme = read("README.md");
    let cmd = "shipwindow validate --policies examples/broken/";
    assert_eq!(
        run(&["validate", "--policies", "examples/broken/"]),
        shown(&readme, cmd)
    );
    let ci = read("docs/ci.md");
    let cmd = "shipwindow validate --policies examples/broken --format github";
    let want = shown(&ci, cmd);
    let got = run(&[
        "validate",
        "--policies",
        "examples/broken",
        "--format",
        "github",
    ]);
    // The docs show the annotations; the count goes to stderr after them.
    assert_eq!(got, format!("{want}3 problems found\n"));
}

#[test]
fn nothing_cites_the_contract_by_section() {
    let mut files: Vec<PathBuf> = vec![root().join("README.md")];
    for dir in ["docs", "src"] {
        let mut pending = vec![root().join(dir)];
        while let Some(d) = pending.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    pending.push(p);
                } else {
                    files.push(p);
                }
            }
        }
    }
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            if line.contains("SPEC §") || line.contains("SPEC's") || line.contains("(SPEC") {
                found.push(format!("{}:{}: {line}", f.display(), i + 1));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
