//! Three litegres nodes on loopback forming a Raft cluster: what one node
//! commits, every node holds, identically, whatever the SQL did.

mod common;

use common::{code, TestCluster};
use std::time::{Duration, Instant};

/// Every row of `table`, as text, in a stable order.
async fn dump(c: &tokio_postgres::Client, table: &str) -> Vec<String> {
    c.simple_query(&format!("SELECT * FROM {table} ORDER BY 1"))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some((0..r.len()).map(|i| r.get(i).unwrap_or("NULL").to_string()).collect::<Vec<_>>().join("|")),
            _ => None,
        })
        .collect()
}

/// Waits (bounded) until `table` on `c` has `rows` rows.
async fn wait_rows(c: &tokio_postgres::Client, table: &str, rows: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = c.query_one(&format!("SELECT count(*) FROM {table}"), &[]).await {
            if r.get::<_, i64>(0) as usize == rows {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{table} never reached {rows} rows");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn what_the_leader_commits_every_node_holds_identically() {
    let cluster = TestCluster::start(3);
    let leader = &cluster.nodes[cluster.leader()];
    let c = leader.client().await;
    // Values that differ every time they are computed: the followers must
    // hold the leader's, not compute their own.
    c.batch_execute(
        "CREATE TABLE t (id serial PRIMARY KEY, r float8 DEFAULT random(), u uuid DEFAULT gen_random_uuid(), at timestamptz DEFAULT clock_timestamp(), note text);
         INSERT INTO t (note) SELECT 'row ' || g FROM generate_series(1, 50) g;
         UPDATE t SET r = random() WHERE id % 3 = 0;
         DELETE FROM t WHERE id % 7 = 0;
         ALTER TABLE t ADD COLUMN extra int DEFAULT 5;
         UPDATE t SET extra = (random() * 1000)::int;
         CREATE INDEX t_note ON t (note);
         CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (id int PRIMARY KEY, p int REFERENCES parent ON DELETE CASCADE);
         INSERT INTO parent VALUES (1), (2);
         INSERT INTO child VALUES (10, 1), (11, 2), (12, 2);
         DELETE FROM parent WHERE id = 2;",
    )
    .await
    .unwrap();
    // An interactive transaction with a savepoint rolled back.
    c.batch_execute("BEGIN; INSERT INTO t (note) VALUES ('kept'); SAVEPOINT s; INSERT INTO t (note) VALUES ('undone'); ROLLBACK TO s; COMMIT").await.unwrap();
    // A failed statement leaves nothing behind.
    assert_eq!(code(&c.batch_execute("INSERT INTO parent VALUES (1)").await.unwrap_err()), "23505");
    c.batch_execute("CREATE DATABASE other").await.unwrap();
    let want_t = dump(&c, "t").await;
    assert_eq!(want_t.len(), 44);
    assert!(!want_t.iter().any(|r| r.contains("undone")));
    let want_child = dump(&c, "child").await;
    assert_eq!(want_child, vec!["10|1".to_string()]);
    for i in cluster.followers() {
        let f = cluster.nodes[i].client().await;
        wait_rows(&f, "t", want_t.len()).await;
        assert_eq!(dump(&f, "t").await, want_t, "node {} holds other rows", i + 1);
        assert_eq!(dump(&f, "child").await, want_child);
        // The follower's catalog knows the replicated schema.
        let idx: i64 = f.query_one("SELECT count(*) FROM pg_indexes WHERE indexname = 't_note'", &[]).await.unwrap().get(0);
        assert_eq!(idx, 1);
        let dbs: i64 = f.query_one("SELECT count(*) FROM pg_database WHERE datname = 'other'", &[]).await.unwrap().get(0);
        assert_eq!(dbs, 1);
    }
}
