//! Golden tests: each `golden/*.sql` script runs through psql against a fresh
//! litegres node, and every statement's output must equal what a real
//! PostgreSQL printed for the same script (`golden/*.out`, recorded by
//! `scripts/record-golden`). Statements that differ for a known reason are
//! listed in `golden/known_gaps.txt`; a listed gap that starts matching fails
//! the test too, so the list stays true.

mod common;

use common::Server;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The statements of a script, as psql echoes them (each ends at a line ending with ';' or is a meta-command).
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for line in sql.lines() {
        cur.push(line.to_string());
        if line.trim_end().ends_with(';') || (cur.len() == 1 && line.starts_with('\\')) {
            out.push(cur.join("\n"));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(cur.join("\n"));
    }
    out
}

/// Splits psql's echoed output into the output of each statement.
fn outputs(statements: &[String], printed: &str) -> Vec<String> {
    let mut rest = printed;
    let mut result = Vec::new();
    for (i, st) in statements.iter().enumerate() {
        let Some(pos) = rest.find(st.as_str()) else {
            result.push(format!("<statement not echoed>\n{rest}"));
            rest = "";
            continue;
        };
        rest = &rest[pos + st.len()..];
        let end = statements.get(i + 1).and_then(|next| rest.find(next.as_str())).unwrap_or(rest.len());
        result.push(rest[..end].trim_matches('\n').to_string());
        rest = &rest[end..];
    }
    result
}

/// Sizes are the storage engine's own (SQLite pages are not PostgreSQL's),
/// so in the output of a `+` meta-command (`\dt+`) they are masked, and the
/// table is compared cell by cell without its padding.
fn comparable(statement: &str, output: &str) -> String {
    let verbose = statement.starts_with('\\') && statement.split_whitespace().next().is_some_and(|c| c.ends_with('+'));
    if !verbose {
        return output.to_string();
    }
    let units = ["bytes", "kB", "MB", "GB", "TB"];
    output
        .lines()
        .filter(|l| !l.chars().all(|c| c == '-' || c == '+'))
        .map(|line| {
            line.split('|')
                .map(|cell| {
                    let words: Vec<&str> = cell.split_whitespace().collect();
                    match words.as_slice() {
                        [n, unit] if n.parse::<i64>().is_ok() && units.contains(unit) => "<size>".to_string(),
                        _ => words.join(" "),
                    }
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn known_gaps(dir: &Path) -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(dir.join("known_gaps.txt")).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, " | ");
            Some(((parts.next()?.trim().to_string(), parts.next()?.trim().to_string()), parts.next()?.trim().to_string()))
        })
        .collect()
}

#[test]
fn litegres_prints_what_postgres_prints() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let gaps = known_gaps(&dir);
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "sql")).collect();
    scripts.sort();
    assert!(!scripts.is_empty());
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let (mut total, mut matched, mut gapped) = (0, 0, 0);
    for script in &scripts {
        let name = script.file_name().unwrap().to_string_lossy().to_string();
        let sql = std::fs::read_to_string(script).unwrap();
        let expected = std::fs::read_to_string(script.with_extension("out")).unwrap_or_else(|_| panic!("{name}: no recorded output (scripts/record-golden)"));
        let s = Server::start();
        // Both streams into one pipe, as when the output was recorded.
        let printed = common::psql_merged(s.port, &sql);
        let sts = statements(&sql);
        let want = outputs(&sts, &expected);
        let got = outputs(&sts, &printed);
        for (i, st) in sts.iter().enumerate() {
            total += 1;
            let first = st.lines().next().unwrap_or("").to_string();
            let key = gaps.keys().find(|(f, prefix)| *f == name && first.starts_with(prefix.as_str())).cloned();
            if comparable(st, &want[i]) == comparable(st, &got[i]) {
                matched += 1;
                if let Some(k) = key {
                    stale.push(format!("{name}: `{}` matches now; remove it from known_gaps.txt", k.1));
                }
            } else if key.is_some() {
                gapped += 1;
            } else {
                failures.push(format!("{name}: {first}\n--- postgres\n{}\n--- litegres\n{}\n", want[i], got[i]));
            }
        }
    }
    println!("golden: {total} statements, {matched} identical to PostgreSQL, {gapped} known gaps");
    assert!(failures.is_empty() && stale.is_empty(), "{} differences:\n{}\n{}", failures.len(), failures.join("\n"), stale.join("\n"));
}

