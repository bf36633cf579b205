//! The compatibility matrix: every client program in `compat-tests/` runs,
//! unmodified, against a real PostgreSQL, a litegres node and a follower of
//! a 3-node litegres cluster (so its writes are forwarded to the leader).
//! All three ask for a password (SCRAM-SHA-256) and offer TLS, and each
//! program gets a database of its own on each.
//!
//! A program prints one JSON line `[check, value]` per fact (a psql script:
//! `## check` lines then its output). A check passes on litegres when it
//! printed exactly what it printed on PostgreSQL. The run writes
//! `compat-tests/RESULTS.md`; it fails if a check fails that
//! `compat-tests/known-gaps.toml` does not list (with a note on what is
//! missing).

mod common;

use common::slt;
use common::{python, Postgres, Server, TestCluster};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

const PASSWORD: &str = "compat-secret";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn program(rel: &str) -> String {
    root().join(rel).to_string_lossy().into_owned()
}

/// One client program of the matrix.
struct Client {
    name: &'static str,
    cmd: Vec<String>,
}

fn clients() -> Vec<Client> {
    // One folder per client: compat-tests/<language>/<client>/app.*
    let py = |name: &'static str, dir: &str| Client { name, cmd: vec![python(), program(&format!("compat-tests/python/{dir}/app.py"))] };
    let node = |name: &'static str, file: &str| Client { name, cmd: vec!["node".into(), program(&format!("compat-tests/{file}"))] };
    // The Rust programs are a workspace of their own (compat-tests/rust),
    // built into the same target directory by the test command.
    let bins = std::env::current_exe().ok().and_then(|p| p.parent().and_then(|d| d.parent()).map(Path::to_path_buf)).expect("the test's target directory");
    let rust = |name: &'static str, bin: &str| {
        let path = bins.join(bin);
        assert!(path.exists(), "{} is missing: the test command builds compat-tests/rust (cargo build --manifest-path compat-tests/rust/Cargo.toml)", path.display());
        Client { name, cmd: vec![path.to_string_lossy().into_owned()] }
    };
    let jar = "/usr/share/java/postgresql.jar";
    assert!(Path::new(jar).exists(), "{jar} is missing: the test command installs libpostgresql-jdbc-java");
    vec![
        Client { name: "psql", cmd: vec!["sh".into(), program("compat-tests/psql/run.sh"), program("compat-tests/psql/app.sql")] },
        Client { name: "pgbench", cmd: vec!["sh".into(), program("compat-tests/pgbench/run.sh")] },
        py("psycopg3", "psycopg3"),
        py("psycopg2", "psycopg2"),
        py("pg8000", "pg8000"),
        py("asyncpg", "asyncpg"),
        py("sqlalchemy", "sqlalchemy"),
        py("alembic", "alembic"),
        py("django", "django"),
        node("node-pg", "node/pg/app.js"),
        node("knex", "node/knex/app.js"),
        node("drizzle", "node/drizzle/app.js"),
        node("typeorm", "node/typeorm/app.js"),
        node("prisma", "prisma/run.mjs"),
        rust("tokio-postgres", "tokio_postgres_app"),
        rust("sqlx", "sqlx_app"),
        Client { name: "jdbc", cmd: vec!["java".into(), "-cp".into(), jar.into(), program("compat-tests/jdbc/JdbcMetadata.java")] },
    ]
}

/// Where the programs connect.
struct Target {
    name: &'static str,
    title: &'static str,
    port: u16,
}

/// A program's output: its checks in order, each with every value it printed.
type Checks = Vec<(String, Vec<String>)>;

fn parse(stdout: &str) -> Checks {
    let mut checks: Checks = Vec::new();
    let push = |name: String, value: String, checks: &mut Checks| match checks.iter_mut().find(|(n, _)| *n == name) {
        Some((_, values)) => values.push(value),
        None => checks.push((name, vec![value])),
    };
    let mut section: Option<String> = None;
    for line in stdout.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            section = Some(name.trim().to_string());
            push(name.trim().to_string(), String::new(), &mut checks);
            continue;
        }
        if let Some(name) = &section {
            if let Some((_, values)) = checks.iter_mut().find(|(n, _)| n == name) {
                if let Some(v) = values.last_mut() {
                    v.push_str(line);
                    v.push('\n');
                }
            }
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Array(a)) if a.len() == 2 && a[0].is_string() => push(a[0].as_str().unwrap_or_default().to_string(), a[1].to_string(), &mut checks),
            _ => push(format!("line: {line}"), String::new(), &mut checks),
        }
    }
    checks
}

struct Run {
    checks: Checks,
    /// The program failed: its exit status and the end of its stderr.
    failure: Option<String>,
}

fn run(client: &Client, target: &Target) -> Run {
    let db = format!("compat_{}", client.name.replace('-', "_"));
    let url = format!("postgresql://postgres:{PASSWORD}@127.0.0.1:{}/{db}", target.port);
    let started = Instant::now();
    let out = Command::new(&client.cmd[0])
        .args(&client.cmd[1..])
        .env("DATABASE_URL", format!("{url}?sslmode=disable"))
        .env("DATABASE_URL_TLS", format!("{url}?sslmode=require"))
        .env("PGPASSWORD", PASSWORD)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", client.cmd[0]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failure = (!out.status.success()).then(|| {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        format!("{} after {:.1} s:\n{}", out.status, started.elapsed().as_secs_f64(), tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
    });
    Run { checks: parse(&stdout), failure }
}

/// A known gap: a check allowed to differ from PostgreSQL, and why.
#[derive(serde::Deserialize)]
struct Gap {
    client: String,
    check: String,
    /// "litegres", "cluster" or "*".
    target: String,
    note: String,
}

/// A statement of the sqllogictest corpus allowed to fail on litegres, and why.
#[derive(serde::Deserialize)]
struct SltGap {
    file: String,
    sql: String,
    target: String,
    note: String,
}

#[derive(serde::Deserialize)]
struct Gaps {
    #[serde(default)]
    gap: Vec<Gap>,
    #[serde(default)]
    slt: Vec<SltGap>,
}

/// Runs the corpus on one server: per file, its outcome.
fn run_corpus(port: u16) -> Vec<(String, slt::FileOutcome)> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    slt::files()
        .into_iter()
        .map(|file| {
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("x").to_string();
            let db = format!("slt_{stem}");
            create_databases(port, std::slice::from_ref(&db));
            let outcome = rt.block_on(slt::run_file(port, PASSWORD, &db, &file));
            (format!("{stem}.slt"), outcome)
        })
        .collect()
}

fn create_databases(port: u16, names: &[String]) {
    for db in names {
        let (ok, _, err) = common::psql_at(port, &["-d", "postgres", "-c", &format!("DROP DATABASE IF EXISTS {db}"), "-c", &format!("CREATE DATABASE {db}")], "");
        assert!(ok, "creating {db} on port {port}: {err}");
    }
}

#[test]
fn every_client_prints_on_litegres_what_it_prints_on_postgres() {
    // psql and every program find the password here.
    std::env::set_var("PGPASSWORD", PASSWORD);
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).expect("certificate");
    let certs = tempfile::tempdir().expect("temp dir");
    let (cert_path, key_path) = (certs.path().join("server.crt"), certs.path().join("server.key"));
    std::fs::write(&cert_path, cert.cert.pem()).expect("write cert");
    std::fs::write(&key_path, cert.key_pair.serialize_pem()).expect("write key");
    let pg = Postgres::start_secure(PASSWORD, &cert.cert.pem(), &cert.key_pair.serialize_pem());
    let version = pg.version();
    // The nodes report the reference server's version, so that clients
    // choose the same paths on both (and print the same version).
    let flags = ["--server-version", &version, "--auth", "scram-sha-256", "--password", PASSWORD, "--tls-cert", cert_path.to_str().unwrap(), "--tls-key", key_path.to_str().unwrap()];
    let node = Server::start_with(&flags);
    let cluster = TestCluster::start_steady(3, &flags);
    let follower = &cluster.nodes[cluster.followers()[0]];
    let targets = [
        Target { name: "postgresql", title: "PostgreSQL", port: pg.port },
        Target { name: "litegres", title: "litegres", port: node.port },
        Target { name: "cluster", title: "litegres cluster (follower)", port: follower.port },
    ];
    if let Ok(which) = std::env::var("LITEGRES_SLT_RECORD") {
        // Record mode: the corpus's expected results become PostgreSQL's
        // (`1`: every file; otherwise the files whose name starts so).
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let chosen = |f: &std::path::Path| which == "1" || f.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&which));
        for file in slt::files().into_iter().filter(|f| chosen(f)) {
            let db = format!("slt_{}", file.file_stem().and_then(|s| s.to_str()).unwrap_or("x"));
            create_databases(pg.port, std::slice::from_ref(&db));
            rt.block_on(slt::record_file(pg.port, PASSWORD, &db, &file));
        }
    }
    let clients = clients();
    let dbs: Vec<String> = clients.iter().map(|c| format!("compat_{}", c.name.replace('-', "_"))).collect();
    for t in &targets {
        create_databases(t.port, &dbs);
    }
    // Every (client, target) run is independent: a few at a time.
    let jobs: Mutex<Vec<(usize, usize)>> = Mutex::new((0..clients.len()).flat_map(|c| (0..targets.len()).map(move |t| (c, t))).rev().collect());
    let results: Mutex<BTreeMap<(usize, usize), Run>> = Mutex::new(BTreeMap::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let Some((c, t)) = jobs.lock().unwrap().pop() else { return };
                let r = run(&clients[c], &targets[t]);
                results.lock().unwrap().insert((c, t), r);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let corpus: Vec<Vec<(String, slt::FileOutcome)>> = std::thread::scope(|s| {
        let runs: Vec<_> = targets.iter().map(|t| s.spawn(move || run_corpus(t.port))).collect();
        runs.into_iter().map(|r| r.join().expect("corpus run")).collect()
    });
    let gaps: Gaps = toml::from_str(&std::fs::read_to_string(root().join("compat-tests/known-gaps.toml")).expect("compat-tests/known-gaps.toml")).expect("known-gaps.toml");
    let gap_for = |client: &str, check: &str, target: &str| gaps.gap.iter().find(|g| g.client == client && g.check == check && (g.target == target || g.target == "*"));

    let mut report = String::new();
    let mut unexpected = Vec::new();
    let mut gaps_hit = Vec::new();
    let mut rows = Vec::new();
    for (ci, client) in clients.iter().enumerate() {
        let reference = &results[&(ci, 0)];
        if let Some(f) = &reference.failure {
            unexpected.push(format!("{} failed against PostgreSQL itself: {f}", client.name));
        }
        let mut row = vec![client.name.to_string(), reference.checks.len().to_string()];
        for (ti, target) in targets.iter().enumerate().skip(1) {
            let got = &results[&(ci, ti)];
            let mut passed = 0;
            for (name, expected) in &reference.checks {
                let actual = got.checks.iter().find(|(n, _)| n == name).map(|(_, v)| v);
                if actual == Some(expected) {
                    passed += 1;
                    continue;
                }
                let diff = format!(
                    "{} / {} / {}:\n  PostgreSQL: {}\n  litegres:   {}",
                    client.name,
                    target.name,
                    name,
                    expected.join(" | ").trim_end(),
                    actual.map(|v| v.join(" | ")).unwrap_or_else(|| format!("(not printed{})", got.failure.as_ref().map(|f| format!("; the program failed: {f}")).unwrap_or_default())).trim_end()
                );
                match gap_for(client.name, name, target.name) {
                    Some(g) => gaps_hit.push(format!("- {} / {} / `{}`: {}", client.name, target.name, name, g.note)),
                    None => unexpected.push(diff),
                }
            }
            // Checks printed only on litegres are differences too.
            for (name, _) in got.checks.iter().filter(|(n, _)| !reference.checks.iter().any(|(r, _)| r == n)) {
                if gap_for(client.name, name, target.name).is_none() {
                    unexpected.push(format!("{} / {} / {}: printed only on litegres", client.name, target.name, name));
                }
            }
            row.push(format!("{passed}/{}", reference.checks.len()));
        }
        rows.push(row);
    }
    report.push_str("# compat-tests results\n\nWritten by `cargo nextest run -p litegres --test compat` (part of the README's test command).\n");
    report.push_str(&format!("Each client program ran against PostgreSQL {version}, a litegres node and a follower of a 3-node litegres cluster, all with SCRAM-SHA-256 passwords and TLS offered. A check passes when litegres printed exactly what PostgreSQL printed.\n\n"));
    report.push_str(&format!("| client | checks | {} | {} |\n|---|---|---|---|\n", targets[1].title, targets[2].title));
    for r in &rows {
        report.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    let total: usize = rows.iter().map(|r| r[1].parse::<usize>().unwrap_or(0)).sum();
    let passed = |col: usize| rows.iter().map(|r| r[col].split('/').next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0)).sum::<usize>();
    report.push_str(&format!("| **all** | {total} | {}/{total} | {}/{total} |\n", passed(2), passed(3)));
    report.push_str("\n## sqllogictest corpus\n\n");
    report.push_str("`compat-tests/slt/*.slt`: statements and queries over ORM-style schemas, expected results recorded from PostgreSQL (`LITEGRES_SLT_RECORD=1`), errors compared by SQLSTATE.\n\n");
    report.push_str(&format!("| file | records | {} | {} | {} |\n|---|---|---|---|---|\n", targets[0].title, targets[1].title, targets[2].title));
    let mut totals = [0usize; 4];
    for (fi, (file, reference)) in corpus[0].iter().enumerate() {
        let mut row = format!("| {file} | {} |", reference.records);
        totals[0] += reference.records;
        for (ti, target) in targets.iter().enumerate() {
            let outcome = &corpus[ti][fi].1;
            let passed = outcome.records - outcome.failures.len();
            totals[ti + 1] += passed;
            row.push_str(&format!(" {passed} |"));
            for (sql, error) in &outcome.failures {
                let gap = gaps.slt.iter().find(|g| g.file == *file && g.sql.trim() == sql.trim() && (g.target == target.name || g.target == "*") && ti > 0);
                match gap {
                    Some(g) => gaps_hit.push(format!("- {file} / {} / `{}`: {}", target.name, sql.trim(), g.note)),
                    None => unexpected.push(format!("{file} / {}:\n  {}\n  {}", target.name, sql.trim(), error.lines().take(12).collect::<Vec<_>>().join("\n  "))),
                }
            }
        }
        report.push_str(&row);
        report.push('\n');
    }
    let rate = |n: usize| if totals[0] == 0 { 0.0 } else { 100.0 * n as f64 / totals[0] as f64 };
    report.push_str(&format!("| **all** | {} | {} ({:.1}%) | {} ({:.1}%) | {} ({:.1}%) |\n", totals[0], totals[1], rate(totals[1]), totals[2], rate(totals[2]), totals[3], rate(totals[3])));
    report.push_str("\n## Known gaps\n\n");
    if gaps_hit.is_empty() {
        report.push_str("None: every check printed what PostgreSQL printed.\n");
    } else {
        let unique: BTreeSet<String> = gaps_hit.into_iter().collect();
        for g in unique {
            report.push_str(&format!("{g}\n"));
        }
    }
    if !unexpected.is_empty() {
        report.push_str("\n## Unexpected differences in this run\n\n");
        for u in &unexpected {
            report.push_str(&format!("```\n{u}\n```\n"));
        }
    }
    std::fs::write(root().join("compat-tests/RESULTS.md"), &report).expect("write compat-tests/RESULTS.md");
    println!("{report}");
    assert!(unexpected.is_empty(), "{} unexpected difference(s) from PostgreSQL:\n\n{}", unexpected.len(), unexpected.join("\n\n"));
}
