//! The bench command's smoke run: every workload at a tiny size on every
//! target, so that the bench keeps working. It measures nothing that is
//! asserted: speed is read in bench/RESULTS.md, never checked by a test.

use std::process::Command;

#[test]
fn the_bench_runs_every_workload_on_every_target_and_writes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("RESULTS.md");
    let run = Command::new(env!("CARGO_BIN_EXE_litegres-bench")).arg("--smoke").arg("--out").arg(&out).output().expect("run litegres-bench");
    assert!(run.status.success(), "litegres-bench --smoke failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let report = std::fs::read_to_string(&out).expect("RESULTS.md written");
    for workload in ["pgbench select-only", "pgbench TPC-B", "ORM mix", "COPY 20000 rows", "INSERT 2000 rows"] {
        for target in ["PostgreSQL", "litegres", "litegres 3-node"] {
            assert!(report.lines().any(|l| l.starts_with(&format!("| {workload}")) && l.contains(&format!("| {target} |"))), "no {workload} row for {target} in:\n{report}");
        }
    }
    for mode in ["simple", "extended", "prepared"] {
        assert!(report.contains(&format!("| pgbench TPC-B | {mode} | 4 | litegres |")), "no TPC-B {mode} row at 4 clients");
    }
    assert!(report.contains("| SQLite (in-process) |"), "no SQLite floor rows");
    assert!(report.contains("## Speed targets") && report.contains("## Open connections"));
    let png = std::fs::read(dir.path().join("latency.png")).expect("chart written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "the chart is not a PNG");
}
