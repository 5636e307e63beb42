//! Tidy tests: the architecture invariants of ARCHITECTURE.md that the source itself can
//! show, checked on the source (in the spirit of rust-analyzer's tidy tests). Each names the
//! file and line that breaks a rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use meldpunt::domain::case::CaseStatus;
use meldpunt::domain::notice::{ContactChannel, Delivery, NoticeChannel, NoticeEventKind};
use meldpunt::domain::report::ReportStatus;

/// Every `.rs` file below `src/<dir>`, as (path relative to `src/`, text).
fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root.join(dir), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap().display().to_string();
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// The code of a file without its `#[cfg(test)]` module (tests may do what code may not).
fn code(text: &str) -> &str {
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// `file:line: text` for every line of `dir` (outside `except`) that contains one of `needles`.
fn lines_with(dir: &str, except: &[&str], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, text) in sources(dir) {
        if except.iter().any(|e| file.starts_with(e)) {
            continue;
        }
        for (i, line) in code(&text).lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") {
                continue;
            }
            if needles.iter().any(|n| line.contains(n)) {
                found.push(format!("{file}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn sql_lives_only_in_the_store() {
    let found = lines_with(
        "",
        &["store/"],
        &[
            "sqlx::",
            "\"SELECT ",
            "\"INSERT INTO",
            "\"UPDATE ",
            "\"DELETE FROM",
            "\"CREATE TABLE",
        ],
    );
    assert!(
        found.is_empty(),
        "SQL outside src/store:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_domain_does_no_io_reads_no_clock_and_draws_no_randomness_itself() {
    let found = lines_with(
        "domain",
        &[],
        &[
            "sqlx",
            "axum",
            "tokio",
            "reqwest",
            "lettre",
            "object_store",
            "std::fs",
            "std::net",
            "std::process",
            "std::env",
            "Timestamp::now",
            "Zoned::now",
            "SystemTime",
            "Instant::now",
            "OsRng",
            "thread_rng",
            "tracing::",
        ],
    );
    assert!(
        found.is_empty(),
        "I/O, clock or randomness in src/domain:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_case_status_is_written_only_through_the_lifecycle() {
    // The one UPDATE of a case's status is the store's `set_status` …
    let updates = lines_with("", &[], &["SET status"])
        .into_iter()
        .filter(|l| l.contains("UPDATE cases"))
        .collect::<Vec<_>>();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(updates[0].starts_with("store/cases.rs"), "{updates:?}");
    // … visible to the crate only, and called only by `service::history::change_status`,
    // which asks `domain::case::transition` first.
    let (_, cases) = sources("store")
        .into_iter()
        .find(|(f, _)| f == "store/cases.rs")
        .unwrap();
    assert!(cases.contains("pub(crate) async fn set_status("));
    let callers = lines_with("", &["store/"], &["set_status("])
        .into_iter()
        .filter(|l| l.contains("cases::set_status("))
        .collect::<Vec<_>>();
    assert_eq!(callers.len(), 1, "{callers:?}");
    assert!(callers[0].starts_with("service/history.rs"), "{callers:?}");
    let (_, history) = sources("service")
        .into_iter()
        .find(|(f, _)| f == "service/history.rs")
        .unwrap();
    let change = &history[history.find("async fn change_status(").unwrap()..];
    let check = change.find("transition(").unwrap();
    let write = change.find("cases::set_status(").unwrap();
    assert!(
        check < write,
        "change_status must check the transition before writing"
    );
}

#[test]
fn status_and_channel_identifiers_are_compared_only_as_enums() {
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    ids.extend(CaseStatus::ALL.iter().map(|s| s.as_str()));
    ids.extend([ReportStatus::Active, ReportStatus::Withdrawn].map(|s| s.as_str()));
    ids.extend(NoticeChannel::ALL.iter().map(|s| s.as_str()));
    ids.extend(ContactChannel::ALL.iter().map(|s| s.as_str()));
    ids.extend(Delivery::ALL.iter().map(|s| s.as_str()));
    ids.extend(NoticeEventKind::ALL.iter().map(|s| s.as_str()));
    let mut needles = Vec::new();
    for id in &ids {
        needles.push(format!("== \"{id}\""));
        needles.push(format!("!= \"{id}\""));
        needles.push(format!("\"{id}\" =>"));
        needles.push(format!("\"{id}\" |"));
    }
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    let found = lines_with("", &[], &needles);
    assert!(
        found.is_empty(),
        "a status, channel or delivery identifier compared as a string (use its enum):\n{}",
        found.join("\n")
    );
}

/// The sibling modules a module of `area` (`service` or `web`) refers to.
fn module_graph(area: &str) -> BTreeMap<String, BTreeSet<String>> {
    let files = sources(area);
    let module_of = |file: &str| -> Option<String> {
        let rest = file.strip_prefix(&format!("{area}/"))?;
        let first = rest.split('/').next()?;
        let name = first.trim_end_matches(".rs").to_string();
        (name != "mod").then_some(name)
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|(f, _)| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in &files {
        let Some(from) = module_of(file) else {
            continue;
        };
        let nested = file.matches('/').count() > 1;
        let text = code(text);
        // `super::x` from a top-level file is a sibling; from a file in a folder it is the
        // folder's own, except `super::super::x`.
        let mut prefixes = vec![format!("crate::{area}::")];
        prefixes.push(if nested {
            "super::super::".to_string()
        } else {
            "super::".to_string()
        });
        for prefix in &prefixes {
            for part in text.split(prefix.as_str()).skip(1) {
                let names: Vec<String> = if let Some(inner) = part.strip_prefix('{') {
                    let inner = inner.split('}').next().unwrap_or("");
                    inner
                        .split(',')
                        .map(|n| {
                            n.trim()
                                .split(|c: char| !c.is_alphanumeric() && c != '_')
                                .next()
                                .unwrap_or("")
                                .to_string()
                        })
                        .collect()
                } else {
                    vec![part
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .next()
                        .unwrap_or("")
                        .to_string()]
                };
                for name in names {
                    if modules.contains(&name) && name != from {
                        graph.entry(from.clone()).or_default().insert(name);
                    }
                }
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_modules_of_the_service_and_web_layers_import_one_another_without_cycles() {
    for area in ["service", "web"] {
        let graph = module_graph(area);
        assert!(graph.len() >= 4, "{area}: read only {graph:?}");
        if let Some(cycle) = find_cycle(&graph) {
            panic!("import cycle in src/{area}: {}", cycle.join(" → "));
        }
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.get_mut("c").unwrap().clear();
    assert!(find_cycle(&g).is_none());
}

/// One word per thing (ARCHITECTURE.md, "Words"): a *melding* is a municipality's report, a
/// *verzoek* what the team sends out about a case, and *Berichten* the notifications in
/// meldpunt. The interface never calls what goes to a platform a melding or a bericht.
#[test]
fn the_interface_has_one_word_for_what_goes_to_a_platform() {
    use meldpunt::web::{i18n::TEXTS, messages::MESSAGES};
    let mixed = [
        "melding aan het platform",
        "melding aan platform",
        "meldingen aan platforms",
        "melding (dsa",
        "bericht aan het platform",
        "bericht naar",
        "berichten naar buiten",
        "berichten en platforms",
        "berichtinstellingen",
        "soort bericht",
    ];
    let mut found = Vec::new();
    for (key, nl, _) in TEXTS.iter().chain(MESSAGES.iter()) {
        let nl = nl.to_lowercase();
        for m in mixed {
            if nl.contains(m) {
                found.push(format!("{key}: {m}"));
            }
        }
    }
    for (path, text) in sources("domain") {
        let text = text.to_lowercase();
        for m in mixed {
            if code(&text).contains(m) {
                found.push(format!("{path}: {m}"));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
