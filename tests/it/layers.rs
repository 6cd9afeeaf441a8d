//! The source files' imports point one way: no file imports a file that imports
//! it back (directly or around a loop), and no layer imports a layer above it.
//!
//! The check reads `src/` as text: every `use` tree and every `crate::…`,
//! `super::…`, `self::…` or `child::…` path outside comments and `#[cfg(test)]`
//! modules is resolved to the deepest module file it names (a `pub use child::X`
//! in a `mod.rs` counts as that file importing the child). That is stricter than
//! the compiler, which allows cycles among modules; we do not.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the failing step"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crate's top-level modules from the bottom up; a module may import only
/// modules in rows before its own. Must match the diagram in `src/lib.rs`.
const LAYERS: &[&[&str]] = &[
    &["credentials", "text"],
    &["suggest", "diagnostic", "calendar", "clock"],
    &["time"],
    &["market", "ics", "traffic"],
    &["policy"],
    &["eval"],
    &["plan"],
    &["review"],
    &["input"],
    &["runner", "store", "wire"],
    &["server"],
    &["cli"],
];

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; `src/lib.rs` is the root.
fn module_of(src: &Path, file: &Path) -> Option<Module> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.last().map(String::as_str) {
        Some("main") if parts.len() == 1 => return None,
        Some("lib") if parts.len() == 1 => parts.clear(),
        Some("mod") => {
            parts.pop();
        }
        _ => {}
    }
    Some(parts)
}

/// The text without comments, string literals' contents and `#[cfg(test)]`
/// modules: only what the compiler reads as code outside tests.
fn code_of(text: &str) -> String {
    let bytes: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 2)].iter().collect();
        if rest == "//" {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if rest == "/*" {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if bytes[i] == 'r'
            && matches!(bytes.get(i + 1), Some('"' | '#'))
            && (i == 0 || !is_ident(bytes[i - 1]))
        {
            // A raw string: `r"…"`, `r#"…"#`, …
            let hashes = bytes[i + 1..].iter().take_while(|c| **c == '#').count();
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + 2 + hashes;
            let body: String = bytes[body_start.min(bytes.len())..].iter().collect();
            let len = body.find(&close).map_or(body.len(), |e| e + close.len());
            i = body_start + body[..len].chars().count();
            out.push_str("\"\"");
        } else if bytes[i] == '\'' && bytes.get(i + 1) == Some(&'\\') {
            // An escaped char literal: `'\n'`, `'\''`, `'\u{7f}'`.
            i += 2;
            while i < bytes.len() && bytes[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else if bytes[i] == '\'' && bytes.get(i + 2) == Some(&'\'') {
            // A char literal such as `'"'` or `'{'`.
            i += 3;
        } else if bytes[i] == '"' {
            // Skip a plain string literal (raw strings hold no paths we care about).
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    strip_test_modules(&out)
}

fn strip_test_modules(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        // The item after the attribute (and any other attributes): a module's
        // block is skipped whole; anything else is kept.
        let head_end = after.find(['{', ';']).unwrap_or(after.len());
        let head = &after[..head_end];
        if head.contains("mod ") && after[head_end..].starts_with('{') {
            let mut depth = 0;
            let mut end = after.len();
            for (k, ch) in after[head_end..].char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = head_end + k + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &after[end..];
        } else {
            out.push_str("#[cfg(test)]");
            rest = &after["#[cfg(test)]".len()..];
        }
    }
    out.push_str(rest);
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (k, ch) in inner.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.trim().is_empty())
        .flat_map(|i| expand(i).into_iter().map(move |p| format!("{prefix}{p}")))
        .collect()
}

/// The deepest module file that `path`, written in `module`, names.
fn resolve(modules: &BTreeSet<Module>, module: &Module, path: &str, bare: bool) -> Option<Module> {
    let segments: Vec<&str> = path
        .split("::")
        .map(|s| s.split(" as ").next().unwrap_or(s).trim())
        .collect();
    let (mut base, rest): (Module, &[&str]) = match segments.first().copied()? {
        "crate" => (Vec::new(), &segments[1..]),
        "self" => (module.clone(), &segments[1..]),
        "super" => {
            let mut base = module.clone();
            let mut k = 0;
            while segments.get(k) == Some(&"super") {
                base.pop();
                k += 1;
            }
            (base, &segments[k..])
        }
        first if bare || path.contains("::") => {
            let mut child = module.clone();
            child.push(first.to_string());
            if !modules.contains(&child) {
                return None;
            }
            (module.clone(), &segments[..])
        }
        _ => return None,
    };
    for s in rest {
        base.push(s.to_string());
        if !modules.contains(&base) {
            base.pop();
            break;
        }
    }
    Some(base)
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every module each source file imports.
fn import_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let files: BTreeMap<Module, PathBuf> = files
        .into_iter()
        .filter_map(|f| Some((module_of(&src, &f)?, f)))
        .collect();
    let modules: BTreeSet<Module> = files.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &files {
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let mut deps = BTreeSet::new();
        // `use` trees.
        let mut rest = code.as_str();
        while let Some(at) = rest.find("use ") {
            let before = rest[..at].chars().next_back();
            let tail = &rest[at + 4..];
            rest = tail;
            if before.is_some_and(is_ident) {
                continue;
            }
            let Some(end) = tail.find(';') else { break };
            for path in expand(&tail[..end]) {
                deps.extend(resolve(&modules, module, &path, false));
            }
        }
        // Paths in code: `crate::…`, `super::…`, `child::…`.
        let chars: Vec<(usize, char)> = code.char_indices().collect();
        for (k, &(at, c)) in chars.iter().enumerate() {
            let starts_word = k == 0 || !is_ident(chars[k - 1].1) && chars[k - 1].1 != ':';
            if !starts_word || !(c.is_ascii_lowercase() || c == '_') {
                continue;
            }
            let word_end = code[at..]
                .find(|ch: char| !is_ident(ch))
                .map_or(code.len(), |e| at + e);
            if !code[word_end..].starts_with("::") {
                continue;
            }
            let path_end = code[word_end..]
                .find(|ch: char| !is_ident(ch) && ch != ':')
                .map_or(code.len(), |e| word_end + e);
            let path = &code[at..path_end];
            // `super::{a, b}`: the `use` trees above read the group.
            if !path.ends_with("::") {
                deps.extend(resolve(&modules, module, path, true));
            }
        }
        deps.remove(module);
        graph.insert(module.clone(), deps);
    }
    graph
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("::")
    }
}

/// A loop through `start`, if there is one: the modules along it.
fn cycle_through(
    graph: &BTreeMap<Module, BTreeSet<Module>>,
    start: &Module,
) -> Option<Vec<String>> {
    // Breadth-first from `start`, keeping each module's parent, until an import
    // leads back to `start`.
    let mut parent: BTreeMap<&Module, &Module> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(m) = queue.pop_front() {
        for next in graph.get(m).into_iter().flatten() {
            if next == start {
                let mut path = vec![name(start)];
                let mut at = m;
                while at != start {
                    path.push(name(at));
                    at = parent[at];
                }
                path.push(name(start));
                path.reverse();
                return Some(path);
            }
            if !parent.contains_key(next) {
                parent.insert(next, m);
                queue.push_back(next);
            }
        }
    }
    None
}

#[test]
fn no_source_file_imports_one_that_imports_it_back() {
    let graph = import_graph();
    assert!(graph.len() > 50, "found only {} source files", graph.len());
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|m| cycle_through(&graph, m))
        .map(|path| path.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let rank = |top: &str| LAYERS.iter().position(|row| row.contains(&top));
    let mut wrong = Vec::new();
    for (module, deps) in import_graph() {
        let Some(top) = module.first() else { continue };
        let Some(mine) = rank(top) else {
            wrong.push(format!(
                "`{top}` is in no layer: add it to LAYERS and lib.rs"
            ));
            continue;
        };
        for dep in deps {
            let Some(theirs) = dep.first().and_then(|t| rank(t)) else {
                continue;
            };
            if theirs >= mine && dep.first() != Some(top) {
                wrong.push(format!("{} imports {}", name(&module), name(&dep)));
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

/// The checker itself finds a loop and a layer break when there is one.
#[test]
fn the_checker_sees_a_parent_child_loop() {
    let modules: BTreeSet<Module> = [vec![], vec!["a".into()], vec!["a".into(), "b".into()]]
        .into_iter()
        .collect();
    let a: Module = vec!["a".into()];
    let b: Module = vec!["a".into(), "b".into()];
    assert_eq!(
        resolve(&modules, &b, "super::Thing", false),
        Some(a.clone())
    );
    assert_eq!(resolve(&modules, &a, "b::Thing", false), Some(b.clone()));
    assert_eq!(resolve(&modules, &a, "b::f", true), Some(b.clone()));
    assert_eq!(resolve(&modules, &a, "std::fmt", false), None);
    let graph: BTreeMap<Module, BTreeSet<Module>> = [
        (a.clone(), [b.clone()].into_iter().collect()),
        (b.clone(), [a.clone()].into_iter().collect()),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        cycle_through(&graph, &a),
        Some(vec!["a".into(), "a::b".into(), "a".into()])
    );
    assert_eq!(
        code_of("use x; // use y;\n#[cfg(test)]\nmod tests { use super::*; }\n"),
        "use x; \n\n"
    );
    assert_eq!(expand("a::{b, c::{d, e}}"), ["a::b", "a::c::d", "a::c::e"]);
}
