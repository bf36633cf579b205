//! Bad input never takes a node down: malformed messages, huge queries,
//! thousands of parameters, invalid UTF-8. Also cancel and portal row limits.

mod common;

use common::{code, Server};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn startup_bytes() -> Vec<u8> {
    startup_for("postgres")
}

fn startup_for(database: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&196608i32.to_be_bytes());
    for (k, v) in [("user", "postgres"), ("database", database)] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut msg = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    msg.extend(body);
    msg
}

/// Sends raw bytes after a valid startup and reads whatever comes back.
fn raw_session(port: u16, payload: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s.write_all(&startup_bytes()).unwrap();
    let mut buf = vec![0u8; 4096];
    let _ = s.read(&mut buf);
    let _ = s.write_all(payload);
    read_until_closed(&mut s)
}

/// Everything the server sends until it closes the connection (or goes quiet).
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = s.read(&mut chunk) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&chunk[..n]);
    }
    out
}

/// A refused startup is one FATAL ErrorResponse and the end of the
/// connection, with no ReadyForQuery after it (strict drivers such as asyncpg
/// treat one as a protocol violation).
#[test]
fn a_refused_startup_ends_with_the_error_alone() {
    let node = Server::start();
    let mut s = TcpStream::connect(("127.0.0.1", node.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s.write_all(&startup_for("no_such_db")).unwrap();
    let out = read_until_closed(&mut s);
    assert_eq!(out.first(), Some(&b'E'), "expected an ErrorResponse, got {out:?}");
    let len = i32::from_be_bytes([out[1], out[2], out[3], out[4]]) as usize;
    let text = String::from_utf8_lossy(&out[5..1 + len]);
    assert!(text.contains("FATAL") && text.contains("3D000"), "{text}");
    assert_eq!(out.len(), 1 + len, "nothing may follow the error: {:?}", &out[1 + len..]);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_messages_close_one_connection_not_the_node() {
    let s = Server::start();
    let garbage: Vec<Vec<u8>> = vec![
        vec![b'Q', 0xff, 0xff, 0xff, 0xff],
        vec![b'Z', 0, 0, 0, 4],
        vec![b'P', 0, 0, 0, 3],
        b"\x00\x00\x00\x08\x04\xd2\x16\x2f".to_vec(),
        (0..200u8).collect(),
        vec![b'B', 0, 0, 0, 12, 0, 0, 0, 0, 0xff, 0xff, 0, 0],
    ];
    for g in &garbage {
        let _ = raw_session(s.port, g);
    }
    // Garbage instead of a startup packet too.
    let mut raw = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    let _ = raw.write_all(&[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]);
    drop(raw);
    let c = s.client().await;
    assert_eq!(c.query_one("SELECT 1 + 1", &[]).await.unwrap().get::<_, i32>(0), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_utf8_gets_an_error_and_the_session_goes_on() {
    let s = Server::start();
    let mut q = b"SELECT '".to_vec();
    q.extend_from_slice(&[0xc3, 0x28, 0xff]);
    q.extend_from_slice(b"'\0");
    let mut msg = vec![b'Q'];
    msg.extend_from_slice(&((q.len() + 4) as i32).to_be_bytes());
    msg.extend(q);
    msg.extend_from_slice(&[b'Q', 0, 0, 0, 14]);
    msg.extend_from_slice(b"SELECT 42\0");
    let out = raw_session(s.port, &msg);
    assert!(out.contains(&b'E'), "an ErrorResponse");
    let c = s.client().await;
    assert_eq!(c.query_one("SELECT 'ok'::text", &[]).await.unwrap().get::<_, String>(0), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_queries_and_many_parameters() {
    let s = Server::start();
    let c = s.client().await;
    // A 10 MB query: answered (with an error or a result), never a crash.
    let big = format!("SELECT '{}' AS x", "a".repeat(10 * 1024 * 1024));
    let _ = c.simple_query(&big).await;
    let c = s.client().await;
    // 10,000 parameters.
    let placeholders: Vec<String> = (1..=10_000).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT {}", placeholders.join(" + "));
    let values: Vec<i32> = vec![1; 10_000];
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = values.iter().map(|v| v as &(dyn tokio_postgres::types::ToSql + Sync)).collect();
    match c.query_one(sql.as_str(), &params).await {
        Ok(row) => assert_eq!(row.get::<_, i32>(0), 10_000),
        Err(e) => assert!(e.as_db_error().is_some(), "a clean error: {e:?}"),
    }
    let c = s.client().await;
    assert_eq!(c.query_one("SELECT 7", &[]).await.unwrap().get::<_, i32>(0), 7);
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
    let e = c.simple_query(&deep).await.unwrap_err();
    assert!(e.as_db_error().is_some());
    assert_eq!(c.query_one("SELECT 8", &[]).await.unwrap().get::<_, i32>(0), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_interrupts_a_running_query() {
    let s = Server::start();
    let c = s.client().await;
    let token = c.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        token.cancel_query(tokio_postgres::NoTls).await.unwrap();
    });
    let started = std::time::Instant::now();
    let e = c
        .simple_query("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r")
        .await
        .unwrap_err();
    canceller.await.unwrap();
    assert_eq!(code(&e), "57014");
    assert!(started.elapsed() < Duration::from_secs(10));
    // pg_sleep is interruptible too, and statement_timeout uses the same path.
    c.batch_execute("SET statement_timeout = 200").await.unwrap();
    let e = c.simple_query("SELECT pg_sleep(30)").await.unwrap_err();
    assert_eq!(code(&e), "57014");
    assert_eq!(e.as_db_error().unwrap().message(), "canceling statement due to statement timeout");
    assert_eq!(c.query_one("SELECT 1", &[]).await.unwrap().get::<_, i32>(0), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn portals_return_rows_in_batches() {
    let s = Server::start();
    let mut c = s.client().await;
    c.batch_execute("CREATE TABLE n (i int); INSERT INTO n SELECT g FROM generate_series(1, 25) AS g").await.unwrap();
    let tx = c.transaction().await.unwrap();
    let st = tx.prepare("SELECT i FROM n ORDER BY i").await.unwrap();
    let portal = tx.bind(&st, &[]).await.unwrap();
    let first = tx.query_portal(&portal, 10).await.unwrap();
    let second = tx.query_portal(&portal, 10).await.unwrap();
    let third = tx.query_portal(&portal, 10).await.unwrap();
    assert_eq!((first.len(), second.len(), third.len()), (10, 10, 5));
    assert_eq!(second[0].get::<_, i32>(0), 11);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn deallocate_all_forgets_prepared_statements() {
    let s = Server::start();
    let c = s.client().await;
    let st = c.prepare("SELECT 1 + $1::int").await.unwrap();
    assert_eq!(c.query_one(&st, &[&1i32]).await.unwrap().get::<_, i32>(0), 2);
    c.batch_execute("DEALLOCATE ALL").await.unwrap();
    let e = c.query_one(&st, &[&1i32]).await.unwrap_err();
    assert_eq!(code(&e), "26000");
}
