//! Each SQLSTATE a client relies on, triggered for real.

mod common;

use common::{code, Server};

#[tokio::test(flavor = "multi_thread")]
async fn errors_carry_postgres_sqlstates() {
    let s = Server::start();
    let c = s.client().await;
    c.batch_execute(
        "CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent(id), qty int CHECK (qty > 0), name text NOT NULL);
         INSERT INTO parent VALUES (1);
         INSERT INTO child VALUES (1, 1, 1, 'a');",
    )
    .await
    .unwrap();
    let cases = [
        ("INSERT INTO child VALUES (1, 1, 1, 'dup')", "23505"),
        ("INSERT INTO child VALUES (2, 99, 1, 'orphan')", "23503"),
        ("INSERT INTO child VALUES (3, 1, 1, NULL)", "23502"),
        ("INSERT INTO child VALUES (4, 1, 0, 'bad qty')", "23514"),
        ("SELECT * FROM missing_table", "42P01"),
        ("SELECT missing_column FROM child", "42703"),
        ("SELEC 1", "42601"),
        ("SELECT 1/0", "22012"),
        ("SELECT 'x'::int", "22P02"),
        ("SELECT * FROM child FOR UPDATE SKIP LOCKED; CREATE TABLE tt (x int) PARTITION BY RANGE (x)", "0A000"),
        ("SELECT nosuchfunction(1)", "42883"),
        ("DELETE FROM parent WHERE id = 1", "23503"),
    ];
    for (sql, want) in cases {
        let e = c.batch_execute(sql).await.expect_err(sql);
        assert_eq!(code(&e), want, "{sql}: {e:?}");
    }
    let e = c.batch_execute("INSERT INTO child VALUES (1, 1, 1, 'dup')").await.unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.message(), "duplicate key value violates unique constraint \"child_pkey\"");
    assert_eq!(db.constraint(), Some("child_pkey"));
    let e = c.batch_execute("SELECT 1 FROM child WHERE 1 = ANY(SELECT 1) FETCH FIRST 1 ROWS WITH TIES").await.unwrap_err();
    assert_eq!(code(&e), "0A000");
    assert!(e.as_db_error().unwrap().message().contains("WITH TIES"), "{e:?}");
    // The session carries on after every error.
    assert_eq!(c.query_one("SELECT count(*) FROM child", &[]).await.unwrap().get::<_, i64>(0), 1);
}
