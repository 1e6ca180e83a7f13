//! The house's rules, read from `cargo metadata` and the source tree so they stay true: which
//! crate may depend on which, which crate alone knows the command line or the database
//! library, and no cycle between the top-level modules of the crates above the store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Each workspace package's normal (not dev, not build) dependencies, by package name.
fn normal_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata's JSON");
    let mut packages = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let deps = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().expect("a name").to_owned())
            .collect();
        packages.insert(package["name"].as_str().expect("a name").to_owned(), deps);
    }
    packages
}

/// The layers, bottom up: what each crate's own crates may be.
const LAYERS: &[(&str, &[&str])] = &[
    ("jumpup-domain", &[]),
    ("jumpup-store", &["jumpup-domain"]),
    ("jumpup-service", &["jumpup-domain", "jumpup-store"]),
    ("jumpup-server", &["jumpup-domain", "jumpup-service"]),
    ("jumpup-bench", &["jumpup-domain", "jumpup-service"]),
    (
        "jumpup",
        &[
            "jumpup-domain",
            "jumpup-service",
            "jumpup-server",
            "jumpup-bench",
        ],
    ),
];

#[test]
fn each_crate_depends_only_on_the_layers_below_it() {
    let packages = normal_dependencies();
    let ours: BTreeSet<&str> = LAYERS.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        packages.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        ours,
        "every workspace crate has its place in LAYERS"
    );
    for (name, allowed) in LAYERS {
        let own: BTreeSet<&str> = packages[*name]
            .iter()
            .map(String::as_str)
            .filter(|d| ours.contains(d))
            .collect();
        let extra: Vec<_> = own.iter().filter(|d| !allowed.contains(d)).collect();
        assert!(extra.is_empty(), "{name} must not depend on {extra:?}");
    }
}

#[test]
fn one_crate_each_knows_the_command_line_the_database_and_the_web() {
    let packages = normal_dependencies();
    let only = |library: &str, owners: &[&str]| {
        let users: Vec<&str> = packages
            .iter()
            .filter(|(_, deps)| deps.contains(library))
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(users, owners, "who depends on {library}");
    };
    only("clap", &["jumpup"]);
    only("tracing-subscriber", &["jumpup"]);
    only("sqlx", &["jumpup-store"]);
    only("axum", &["jumpup-server"]);
    only("askama", &["jumpup-server"]);
    // The domain does no I/O and parses no JSON (serde only says how its ids are written).
    let domain: Vec<&str> = packages["jumpup-domain"]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(domain, ["chrono", "serde", "sha2", "thiserror"]);
}

/// The modules directly under `src` (a file or a folder) and the top-level modules each one
/// names (`crate::m`, or `super::m` from a file directly under `src`), tests left out.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("a source folder") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                for e in std::fs::read_dir(&dir).expect("a folder") {
                    let p = e.expect("an entry").path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        files.entry(name.clone()).or_default().push(p);
                    }
                }
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            files.entry(name).or_default().push(path);
        }
    }
    let names: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, paths) in &files {
        let mut uses = BTreeSet::new();
        for path in paths {
            let text = std::fs::read_to_string(path).expect("a source file");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let top_level = path.parent() == Some(src);
            for (prefix, applies) in [("crate::", true), ("super::", top_level)] {
                if !applies {
                    continue;
                }
                for part in code.split(prefix).skip(1) {
                    let names_here: Vec<&str> = if let Some(group) = part.strip_prefix('{') {
                        group
                            .split('}')
                            .next()
                            .unwrap_or_default()
                            .split(',')
                            .collect()
                    } else {
                        vec![part]
                    };
                    for n in names_here {
                        let n: String = n
                            .trim()
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if n != *module && names.contains(&n) {
                            uses.insert(n);
                        }
                    }
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// A cycle in the graph, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_cycle_inside_the_crates_above_the_store() {
    for krate in ["service", "server", "bench", "cli"] {
        let src = workspace_root().join("crates").join(krate).join("src");
        let graph = module_graph(&src);
        assert!(graph.len() > 1 || krate == "cli", "{krate}: modules found");
        assert_eq!(cycle(&graph), None, "a module cycle in crates/{krate}");
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec![]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
