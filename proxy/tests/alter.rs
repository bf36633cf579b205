//! ALTER TABLE on tables that reference each other, as migrations send it:
//! `compat-tests/slt/10_alter_foreign_keys.slt` runs on a real PostgreSQL
//! (where its expected results come from), on a node, and on a 3-node
//! cluster through a follower; afterwards every node's SQLite file must pass
//! `PRAGMA foreign_key_check` and `integrity_check`, and the nodes must hold
//! identical tables.

mod common;

use common::{inspect_sqlite, slt, Postgres, Server, TestCluster};
use std::path::PathBuf;

const FILE: &str = "10_alter_foreign_keys.slt";
const DB: &str = "alter_fk";

fn corpus_file() -> PathBuf {
    slt::files().into_iter().find(|f| f.ends_with(FILE)).unwrap_or_else(|| panic!("compat-tests/slt/{FILE}"))
}

fn create_db(port: u16) {
    let (ok, _, err) = common::psql_at(port, &["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", &format!("CREATE DATABASE {DB}")], "");
    assert!(ok, "CREATE DATABASE on {port}: {err}");
}

/// Runs the corpus on `target` (trust authentication: the password is not asked).
async fn run(port: u16, target: &str) {
    let outcome = slt::run_file(port, "unused", DB, &corpus_file()).await;
    assert!(outcome.records > 600, "the corpus ran {} records", outcome.records);
    let failures: Vec<String> = outcome.failures.iter().map(|(sql, e)| format!("{sql}\n  {e}")).collect();
    assert!(failures.is_empty(), "{target}: {} of {} records differ from PostgreSQL:\n{}", failures.len(), outcome.records, failures.join("\n"));
}

/// The node's file is sound (integrity, foreign keys) and holds the corpus.
fn assert_sound(node: &Server) {
    let report = inspect_sqlite(&node.sqlite_file(DB));
    assert_eq!(report.integrity, "ok", "node: integrity_check");
    assert!(report.foreign_key_violations.is_empty(), "node: foreign_key_check found {:?}", report.foreign_key_violations);
    assert!(report.tables.len() > 10, "node: expected the corpus's tables and the catalog, found {:?}", report.tables.keys());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_alter_keeps_foreign_keys_on_a_node_and_a_cluster_as_postgresql_does() {
    let pg = Postgres::start();
    create_db(pg.port);
    // LITEGRES_SLT_RECORD as for the compat matrix: `1`, or a prefix of this file's name.
    if std::env::var("LITEGRES_SLT_RECORD").is_ok_and(|v| v == "1" || (!v.is_empty() && FILE.starts_with(&v))) {
        let (ok, _, err) = common::psql_at(pg.port, &["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE alter_fk_record"], "");
        assert!(ok, "{err}");
        slt::record_file(pg.port, "unused", "alter_fk_record", &corpus_file()).await;
    }
    // The expected results are PostgreSQL's own.
    run(pg.port, "postgresql").await;

    let node = Server::start();
    create_db(node.port);
    run(node.port, "node").await;
    assert_sound(&node);

    let cluster = TestCluster::start_steady(3, &[]);
    let follower = &cluster.nodes[cluster.followers()[0]];
    create_db(follower.port);
    run(follower.port, "cluster follower").await;
    cluster.converge().await;
    let tables = cluster.assert_identical(DB);
    assert!(tables.len() > 10, "cluster: expected the corpus's tables and the catalog, found {:?}", tables.keys());
}
