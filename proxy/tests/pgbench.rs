//! pgbench against a node: initialisation (COPY, ALTER TABLE ADD PRIMARY KEY,
//! VACUUM) then select-only and TPC-B-like runs in all three query modes,
//! with no failed or aborted transaction.

mod common;

use common::Server;
use std::process::Command;

fn pgbench(s: &Server, args: &[&str]) -> String {
    let out = Command::new("pgbench")
        .args(["-h", "127.0.0.1", "-p", &s.port.to_string(), "-U", "postgres"])
        .args(args)
        .arg("postgres")
        .output()
        .expect("pgbench is installed by the test command (postgresql-client)");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "pgbench {args:?} failed:\n{text}");
    text
}

fn assert_clean_run(out: &str) {
    assert!(out.contains("number of failed transactions: 0 (0.000%)"), "{out}");
    assert!(!out.contains("aborted"), "{out}");
    let processed: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("number of transactions actually processed: "))
        .and_then(|n| n.split('/').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(processed > 0, "{out}");
}

#[test]
fn pgbench_initialises_and_runs_in_every_protocol_mode() {
    let s = Server::start();
    let init = pgbench(&s, &["-i", "-s", "1"]);
    assert!(init.contains("done in"), "{init}");
    for mode in ["simple", "extended", "prepared"] {
        assert_clean_run(&pgbench(&s, &["-S", "-T", "5", "-M", mode]));
        assert_clean_run(&pgbench(&s, &["-T", "5", "-c", "4", "-M", mode]));
    }
    // The books balance: each transaction moved the same delta on an account,
    // a teller and a branch (pgbench empties the history before every run).
    let (ok, out, err) = s.psql(
        &["-A", "-t"],
        "SELECT (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(bbalance) FROM pgbench_branches)
            AND (SELECT sum(abalance) FROM pgbench_accounts) = (SELECT sum(tbalance) FROM pgbench_tellers)
            AND (SELECT count(*) FROM pgbench_history) > 0;",
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "t");
}
