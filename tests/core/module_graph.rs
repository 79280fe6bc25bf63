//! No module cycles inside any crate of the workspace.
//!
//! The crates' dependency direction (app → store → core) is kept by Cargo. Inside a
//! crate nothing stops `policy` from importing `grading` while `grading` imports
//! `policy`, so this test reads every source file's paths (`crate::a::b`, `super::x`,
//! `use crate::{a, b::c}`), maps each to the deepest file module that exists, and fails
//! on any strongly connected component of more than one file, naming every edge in it
//! with its line.
//!
//! The rule it checks: a module may use its ancestors and anything outside its own
//! subtree, and a parent may use its own children (they are part of it; those edges are
//! not counted), but no chain of uses may come back to where it started.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One file module: its path from the crate root (`["grading", "ticket"]`).
type ModPath = Vec<String>;

struct Crate {
    name: &'static str,
    src: PathBuf,
}

fn crates() -> Vec<Crate> {
    let root = crate::common::root();
    vec![
        Crate {
            name: "dojo-core",
            src: root.join("crates/dojo-core/src"),
        },
        Crate {
            name: "dojo-store",
            src: root.join("crates/dojo-store/src"),
        },
        Crate {
            name: "escalation-dojo (the app)",
            src: root.join("src"),
        },
    ]
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file is: `a/b.rs` and `a/b/mod.rs` are `a::b`; `lib.rs`/`main.rs` the root.
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_string());
    }
    parts
}

/// The source without comments (line comments, doc comments, block comments) and with
/// string literals blanked, so prose and messages never count as uses.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if b[i] == b'r' && (b[i..].starts_with(b"r#\"") || b[i..].starts_with(b"r\"")) {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i += 2 + hashes;
            while i < b.len() && !b[i..].starts_with(&close) {
                if b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                if i < b.len() && b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal such as '"' or '\n' (lifetimes have no closing quote).
            let end = b[i + 1..]
                .iter()
                .skip(1)
                .position(|&c| c == b'\'')
                .map_or(b.len(), |p| i + 2 + p + 1);
            i = end.min(b.len());
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Paths starting at `start` in `code`: `a::b::c`, and `{a, b::c}` groups expanded.
fn paths_after(code: &str, start: usize) -> Vec<Vec<String>> {
    let rest = &code[start..];
    let mut segs = Vec::new();
    let mut pos = 0;
    loop {
        if rest[pos..].starts_with('{') {
            return group(&segs, &rest[pos..]);
        }
        let ident: String = rest[pos..].chars().take_while(|&c| is_ident(c)).collect();
        if ident.is_empty() {
            break;
        }
        pos += ident.len();
        segs.push(ident);
        if !rest[pos..].starts_with("::") {
            break;
        }
        pos += 2;
    }
    vec![segs]
}

/// `{a, b::{self, c}}` after `prefix::`: one path per item.
fn group(prefix: &[String], text: &str) -> Vec<Vec<String>> {
    let mut depth = 0;
    let mut items = Vec::new();
    let mut item_start = 1;
    for (k, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    items.push(&text[item_start..k]);
                    break;
                }
            }
            ',' if depth == 1 => {
                items.push(&text[item_start..k]);
                item_start = k + 1;
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        for sub in paths_after(item, 0) {
            let mut p = prefix.to_vec();
            if sub.first().is_some_and(|s| s == "self") {
                out.push(p);
                continue;
            }
            p.extend(sub);
            out.push(p);
        }
    }
    out
}

/// Every module path the file refers to, with the line it is on.
fn references(module: &ModPath, is_mod_file: bool, code: &str) -> Vec<(ModPath, usize)> {
    let mut out = Vec::new();
    let line_of = |i: usize| code[..i].matches('\n').count() + 1;
    let boundary = |i: usize| i == 0 || !is_ident(code[..i].chars().next_back().unwrap());
    for (i, _) in code.match_indices("crate::") {
        if boundary(i) && !code[..i].ends_with("::") && !code[..i].ends_with('$') {
            for p in paths_after(code, i + "crate::".len()) {
                out.push((p, line_of(i)));
            }
        }
    }
    for (i, _) in code.match_indices("super::") {
        if !boundary(i) || code[..i].ends_with("::") {
            continue;
        }
        // `super` of a file module: its parent (a mod.rs file's `super` is one further up,
        // since the file is the module itself).
        let mut base = module.clone();
        base.pop();
        let mut j = i + "super::".len();
        while code[j..].starts_with("super::") {
            base.pop();
            j += "super::".len();
        }
        for p in paths_after(code, j) {
            let mut full = base.clone();
            full.extend(p);
            out.push((full, line_of(i)));
        }
    }
    let _ = is_mod_file;
    out
}

/// The deepest file module on `path`.
fn resolve(path: &[String], modules: &BTreeSet<ModPath>) -> Option<ModPath> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

/// (from, to) → the first file:line that makes the edge.
type Edges = BTreeMap<(ModPath, ModPath), String>;

fn edges_of(krate: &Crate) -> (BTreeSet<ModPath>, Edges) {
    let mut files = Vec::new();
    rust_files(&krate.src, &mut files);
    let modules: BTreeSet<ModPath> = files.iter().map(|f| module_of(&krate.src, f)).collect();
    let mut edges = Edges::new();
    for f in &files {
        let from = module_of(&krate.src, f);
        let text = std::fs::read_to_string(f).unwrap();
        let code = code_only(&text);
        let is_mod = f.file_name().is_some_and(|n| n == "mod.rs");
        for (path, line) in references(&from, is_mod, &code) {
            let Some(to) = resolve(&path, &modules) else {
                continue;
            };
            // Itself, or one of its own submodules: part of the module, not a use.
            if to.starts_with(&from) {
                continue;
            }
            edges.entry((from.clone(), to)).or_insert_with(|| {
                format!(
                    "{}:{line}",
                    f.strip_prefix(crate::common::root()).unwrap_or(f).display()
                )
            });
        }
    }
    (modules, edges)
}

/// Tarjan's strongly connected components.
fn components(nodes: &BTreeSet<ModPath>, edges: &Edges) -> Vec<Vec<ModPath>> {
    struct State<'a> {
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        on_stack: BTreeSet<&'a ModPath>,
        stack: Vec<&'a ModPath>,
        next: usize,
        out: Vec<Vec<ModPath>>,
        succ: BTreeMap<&'a ModPath, Vec<&'a ModPath>>,
    }
    fn visit<'a>(v: &'a ModPath, s: &mut State<'a>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.succ.get(v).cloned().unwrap_or_default() {
            if !s.index.contains_key(w) {
                visit(w, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut succ: BTreeMap<&ModPath, Vec<&ModPath>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        succ.entry(from).or_default().push(to);
    }
    let mut s = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on_stack: BTreeSet::new(),
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
        succ,
    };
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(v, &mut s);
        }
    }
    s.out
}

fn name(m: &ModPath) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut report = String::new();
    for krate in crates() {
        let (modules, edges) = edges_of(&krate);
        assert!(
            modules.len() >= 2,
            "{}: found only {} modules under {}",
            krate.name,
            modules.len(),
            krate.src.display()
        );
        for comp in components(&modules, &edges) {
            let members: BTreeSet<&ModPath> = comp.iter().collect();
            report.push_str(&format!(
                "\n{}: a cycle of {} modules: {}\n",
                krate.name,
                comp.len(),
                comp.iter().map(name).collect::<Vec<_>>().join(", ")
            ));
            for ((from, to), at) in &edges {
                if members.contains(from) && members.contains(to) {
                    report.push_str(&format!("    {} → {}  ({at})\n", name(from), name(to)));
                }
            }
        }
    }
    assert!(
        report.is_empty(),
        "module cycles (move the shared item to the module that owns it):{report}"
    );
}

#[test]
fn the_checker_sees_a_cycle_and_the_group_syntax() {
    let code = code_only(
        "use crate::{a::X, b::{self, Y}};\n// crate::c::Z in a comment\nlet s = \"crate::d\";\nsuper::e::f();",
    );
    let refs: Vec<String> = references(&vec!["m".into(), "n".into()], false, &code)
        .into_iter()
        .map(|(p, _)| p.join("::"))
        .collect();
    assert_eq!(refs, ["a::X", "b", "b::Y", "m::e::f"]);
    let nodes: BTreeSet<ModPath> = [vec!["a".to_string()], vec!["b".to_string()]].into();
    let mut edges = Edges::new();
    edges.insert((vec!["a".into()], vec!["b".into()]), "x:1".into());
    edges.insert((vec!["b".into()], vec!["a".into()]), "y:2".into());
    assert_eq!(components(&nodes, &edges).len(), 1);
    edges.remove(&(vec!["b".into()], vec!["a".into()]));
    assert!(components(&nodes, &edges).is_empty());
}
