//! Transactions, savepoints, the aborted state, isolation between sessions,
//! settings, advisory locks and the idle-in-transaction timeout.

mod common;

use common::{code, Server};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn savepoints_and_the_aborted_state() {
    let s = Server::start();
    let c = s.client().await;
    c.batch_execute("CREATE TABLE t (id int PRIMARY KEY, v text)").await.unwrap();
    c.batch_execute("BEGIN; INSERT INTO t VALUES (1, 'a'); SAVEPOINT s1; INSERT INTO t VALUES (2, 'b');").await.unwrap();
    let e = c.batch_execute("INSERT INTO t VALUES (1, 'dup')").await.unwrap_err();
    assert_eq!(code(&e), "23505");
    let e = c.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(code(&e), "25P02");
    c.batch_execute("ROLLBACK TO SAVEPOINT s1").await.unwrap();
    c.batch_execute("INSERT INTO t VALUES (3, 'c'); RELEASE SAVEPOINT s1; COMMIT").await.unwrap();
    let ids: Vec<i32> = c.query("SELECT id FROM t ORDER BY id", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, vec![1, 3]);
    // COMMIT of a failed transaction is a rollback.
    c.batch_execute("BEGIN; INSERT INTO t VALUES (4, 'd')").await.unwrap();
    let _ = c.batch_execute("SELECT 1/0").await.unwrap_err();
    let msgs = c.simple_query("COMMIT").await.unwrap();
    assert!(matches!(msgs.last(), Some(tokio_postgres::SimpleQueryMessage::CommandComplete(_))));
    assert_eq!(c.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get::<_, i64>(0), 2);
    let e = c.batch_execute("SAVEPOINT nowhere").await.unwrap_err();
    assert_eq!(code(&e), "25P01");
}

#[tokio::test(flavor = "multi_thread")]
async fn uncommitted_writes_are_invisible_to_other_sessions() {
    let s = Server::start();
    let a = s.client().await;
    let b = s.client().await;
    a.batch_execute("CREATE TABLE acct (id int PRIMARY KEY, bal int)").await.unwrap();
    a.batch_execute("INSERT INTO acct VALUES (1, 100)").await.unwrap();
    a.batch_execute("BEGIN; UPDATE acct SET bal = 50 WHERE id = 1").await.unwrap();
    // Own writes visible inside the transaction, not outside it.
    assert_eq!(a.query_one("SELECT bal FROM acct", &[]).await.unwrap().get::<_, i32>(0), 50);
    assert_eq!(b.query_one("SELECT bal FROM acct", &[]).await.unwrap().get::<_, i32>(0), 100);
    // A writer in another session waits for the first to finish.
    let b2 = tokio::spawn(async move {
        b.batch_execute("UPDATE acct SET bal = bal + 1 WHERE id = 1").await.unwrap();
        b
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!b2.is_finished());
    a.batch_execute("COMMIT").await.unwrap();
    let b = b2.await.unwrap();
    assert_eq!(b.query_one("SELECT bal FROM acct", &[]).await.unwrap().get::<_, i32>(0), 51);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_statement_string_is_one_implicit_transaction() {
    let s = Server::start();
    let c = s.client().await;
    c.batch_execute("CREATE TABLE t (id int)").await.unwrap();
    assert!(c.batch_execute("INSERT INTO t VALUES (1); SELECT 1/0;").await.is_err());
    assert_eq!(c.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get::<_, i64>(0), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_transactions_refuse_writes() {
    let s = Server::start();
    let c = s.client().await;
    c.batch_execute("CREATE TABLE t (id int)").await.unwrap();
    c.batch_execute("BEGIN READ ONLY").await.unwrap();
    assert_eq!(code(&c.batch_execute("INSERT INTO t VALUES (1)").await.unwrap_err()), "25006");
    c.batch_execute("ROLLBACK").await.unwrap();
    c.batch_execute("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE; INSERT INTO t VALUES (1); COMMIT").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_set_show_reset_and_set_config() {
    let s = Server::start();
    let c = s.client().await;
    let show = |r: Vec<tokio_postgres::SimpleQueryMessage>| -> String {
        r.into_iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
            .unwrap_or_default()
    };
    c.batch_execute("SET application_name = 'svc'").await.unwrap();
    assert_eq!(show(c.simple_query("SHOW application_name").await.unwrap()), "svc");
    c.batch_execute("SET myapp.tenant = '42'").await.unwrap();
    assert_eq!(show(c.simple_query("SELECT current_setting('myapp.tenant')").await.unwrap()), "42");
    c.batch_execute("BEGIN; SET LOCAL statement_timeout = '5s'").await.unwrap();
    assert_eq!(show(c.simple_query("SHOW statement_timeout").await.unwrap()), "5s");
    c.batch_execute("COMMIT").await.unwrap();
    assert_eq!(show(c.simple_query("SHOW statement_timeout").await.unwrap()), "0");
    c.batch_execute("SELECT set_config('myapp.tenant', '7', false)").await.unwrap();
    assert_eq!(show(c.simple_query("SHOW myapp.tenant").await.unwrap()), "7");
    assert_eq!(code(&c.batch_execute("SET no_such_setting = 1").await.unwrap_err()), "42704");
    c.batch_execute("RESET ALL").await.unwrap();
    assert_eq!(show(c.simple_query("SHOW application_name").await.unwrap()), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn now_is_fixed_for_the_whole_transaction() {
    let s = Server::start();
    let c = s.client().await;
    c.batch_execute("BEGIN").await.unwrap();
    let a: String = c.query_one("SELECT now()::text", &[]).await.unwrap().get(0);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let b: String = c.query_one("SELECT now()::text", &[]).await.unwrap().get(0);
    assert_eq!(a, b);
    c.batch_execute("COMMIT").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn advisory_locks_exclude_other_sessions() {
    let s = Server::start();
    let a = s.client().await;
    let b = s.client().await;
    a.query_one("SELECT pg_advisory_lock(7)", &[]).await.unwrap();
    assert!(!b.query_one("SELECT pg_try_advisory_lock(7)", &[]).await.unwrap().get::<_, bool>(0));
    assert!(a.query_one("SELECT pg_advisory_unlock(7)", &[]).await.unwrap().get::<_, bool>(0));
    assert!(b.query_one("SELECT pg_try_advisory_lock(7)", &[]).await.unwrap().get::<_, bool>(0));
    // Transaction-level locks end with the transaction.
    a.batch_execute("BEGIN; SELECT pg_advisory_xact_lock(8)").await.unwrap();
    assert!(!b.query_one("SELECT pg_try_advisory_lock(8)", &[]).await.unwrap().get::<_, bool>(0));
    a.batch_execute("COMMIT").await.unwrap();
    assert!(b.query_one("SELECT pg_try_advisory_lock(8)", &[]).await.unwrap().get::<_, bool>(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_transaction_holding_the_writer_is_ended() {
    let s = Server::start();
    let a = s.client().await;
    let b = s.client().await;
    a.batch_execute("CREATE TABLE t (id int)").await.unwrap();
    a.batch_execute("SET idle_in_transaction_session_timeout = '300ms'; BEGIN; INSERT INTO t VALUES (1)").await.unwrap();
    // Another writer gets through once the forgotten transaction is ended.
    tokio::time::timeout(Duration::from_secs(10), b.batch_execute("INSERT INTO t VALUES (2)")).await.unwrap().unwrap();
    let e = a.batch_execute("SELECT 1").await.unwrap_err();
    assert_eq!(code(&e), "25P03");
    assert_eq!(b.query_one("SELECT count(*) FROM t", &[]).await.unwrap().get::<_, i64>(0), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn repeatable_read_sees_one_snapshot_and_fails_a_conflicting_write_with_40001() {
    let s = Server::start();
    let a = s.client().await;
    let b = s.client().await;
    a.batch_execute("CREATE TABLE inv (id int PRIMARY KEY, qty int); INSERT INTO inv VALUES (1, 10)").await.unwrap();
    a.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ").await.unwrap();
    assert_eq!(a.query_one("SELECT qty FROM inv", &[]).await.unwrap().get::<_, i32>(0), 10);
    // The reading transaction does not block another writer...
    tokio::time::timeout(Duration::from_secs(5), b.batch_execute("UPDATE inv SET qty = 7 WHERE id = 1")).await.unwrap().unwrap();
    // ...and keeps seeing its snapshot.
    assert_eq!(a.query_one("SELECT qty FROM inv", &[]).await.unwrap().get::<_, i32>(0), 10);
    // Writing on a stale snapshot is a serialization failure; the client retries.
    let e = a.batch_execute("UPDATE inv SET qty = qty - 1 WHERE id = 1").await.unwrap_err();
    assert_eq!(code(&e), "40001");
    a.batch_execute("ROLLBACK").await.unwrap();
    a.batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE; UPDATE inv SET qty = qty - 1 WHERE id = 1; COMMIT").await.unwrap();
    assert_eq!(b.query_one("SELECT qty FROM inv", &[]).await.unwrap().get::<_, i32>(0), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn live_catalog_views_show_sessions_locks_and_settings() {
    let s = Server::start();
    let a = s.client().await;
    let b = s.client().await;
    b.batch_execute("SET application_name = 'worker'").await.unwrap();
    let me: i32 = a.query_one("SELECT pg_backend_pid()", &[]).await.unwrap().get(0);
    let rows = a.query("SELECT pid, application_name, state, datname FROM pg_stat_activity ORDER BY pid", &[]).await.unwrap();
    assert_eq!(rows.len(), 2);
    let mine = rows.iter().find(|r| r.get::<_, i32>(0) == me).unwrap();
    assert_eq!(mine.get::<_, String>(2), "active");
    assert_eq!(mine.get::<_, String>(3), "postgres");
    b.query_one("SELECT pg_advisory_lock(99)", &[]).await.unwrap();
    let lock = a.query_one("SELECT locktype, objid::int8, mode, granted FROM pg_locks", &[]).await.unwrap();
    assert_eq!(lock.get::<_, String>(0), "advisory");
    assert_eq!(lock.get::<_, i64>(1), 99);
    assert_eq!(lock.get::<_, String>(2), "ExclusiveLock");
    a.batch_execute("SET statement_timeout = '3s'").await.unwrap();
    let v: String = a.query_one("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'", &[]).await.unwrap().get(0);
    assert_eq!(v, "3000");
}
