//! CREATE DATABASE / DROP DATABASE: each database is its own SQLite file,
//! reachable by name from any client.

mod common;

use common::{code, Server};

#[tokio::test(flavor = "multi_thread")]
async fn databases_are_created_used_listed_and_dropped() {
    let s = Server::start();
    let c = s.client().await;
    c.batch_execute("CREATE DATABASE app").await.unwrap();
    assert_eq!(code(&c.batch_execute("CREATE DATABASE app").await.unwrap_err()), "42P04");
    assert_eq!(code(&c.batch_execute("BEGIN; CREATE DATABASE other").await.unwrap_err()), "25001");
    c.batch_execute("ROLLBACK").await.unwrap();
    let (ok, out, err) = s.psql(&["-A", "-t", "-v", "ON_ERROR_STOP=1"], "\\c app\nCREATE TABLE t (x int);\nINSERT INTO t VALUES (42);\nSELECT x, current_database() FROM t;\n");
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "42|app");
    // The table lives in app only.
    assert_eq!(code(&c.batch_execute("SELECT * FROM t").await.unwrap_err()), "42P01");
    let names: Vec<String> = c.query("SELECT datname FROM pg_database ORDER BY 1", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["app", "postgres", "template0", "template1"]);
    // The templates are there as in PostgreSQL: template1 is a database,
    // template0 refuses connections, neither can be dropped.
    let size: i64 = c.query_one("SELECT pg_database_size('app')", &[]).await.unwrap().get(0);
    assert!(size > 0, "{size}");
    assert_eq!(code(&c.batch_execute("DROP DATABASE template1").await.unwrap_err()), "42809");
    assert_eq!(code(&c.batch_execute("CREATE DATABASE template0").await.unwrap_err()), "42P04");
    let t0 = tokio_postgres::connect(&s.url("postgres", "template0"), tokio_postgres::NoTls).await;
    assert_eq!(code(&t0.err().expect("refused")), "55000");
    let (ok, out, err) = s.psql(&["-A", "-t", "-d", "template1"], "SELECT current_database();\n");
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "template1");
    // In use: refused, unless forced.
    let app = tokio_postgres::connect(&s.url("postgres", "app"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(app.1);
    let app = app.0;
    assert_eq!(code(&c.batch_execute("DROP DATABASE app").await.unwrap_err()), "55006");
    c.batch_execute("DROP DATABASE app WITH (FORCE)").await.unwrap();
    assert_eq!(code(&app.batch_execute("SELECT 1").await.unwrap_err()), "57P01");
    assert_eq!(code(&c.batch_execute("DROP DATABASE app").await.unwrap_err()), "3D000");
    c.batch_execute("DROP DATABASE IF EXISTS app").await.unwrap();
    assert_eq!(code(&c.batch_execute("DROP DATABASE postgres").await.unwrap_err()), "55006");
    let nodb = tokio_postgres::connect(&s.url("postgres", "app"), tokio_postgres::NoTls).await;
    assert_eq!(code(&nodb.err().expect("refused")), "3D000");
}
