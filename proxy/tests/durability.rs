//! Committed data survives restarts and kill -9; nothing unacknowledged appears.

mod common;

use common::Server;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_keeps_every_committed_row() {
    let mut s = Server::start();
    {
        let c = s.client().await;
        c.batch_execute("CREATE TABLE kept (id serial PRIMARY KEY, v numeric(8,2)); INSERT INTO kept (v) VALUES (1.10), (2.20)").await.unwrap();
    }
    s.stop();
    s.spawn();
    let c = s.client().await;
    let rows = c.query("SELECT id, v::text FROM kept ORDER BY id", &[]).await.unwrap();
    let got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![(1, "1.10".to_string()), (2, "2.20".to_string())]);
    // The sequence continues after the restart.
    let id: i32 = c.query_one("INSERT INTO kept (v) VALUES (3) RETURNING id", &[]).await.unwrap().get(0);
    assert_eq!(id, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_during_writes_loses_no_acknowledged_commit() {
    let mut s = Server::start();
    s.client().await.batch_execute("CREATE TABLE acked (id int PRIMARY KEY, writer int)").await.unwrap();
    let acked = Arc::new(Mutex::new(Vec::<i32>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for w in 0..4 {
        let (acked, stop) = (acked.clone(), stop.clone());
        let c = s.client().await;
        tasks.push(tokio::spawn(async move {
            // Bounded: at most 100000 inserts per writer, until the node dies.
            for i in 0..100_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let id = w * 1_000_000 + i;
                match c.execute("INSERT INTO acked VALUES ($1, $2)", &[&id, &w]).await {
                    Ok(_) => acked.lock().unwrap().push(id),
                    Err(_) => break,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.kill9();
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        let _ = t.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 10, "the load ran ({} commits)", acked.len());
    s.spawn();
    let c = s.client().await;
    let present: std::collections::HashSet<i32> = c.query("SELECT id FROM acked", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
    let missing: Vec<&i32> = acked.iter().filter(|id| !present.contains(id)).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {:?}", &missing[..missing.len().min(10)]);
    // At most the commits in flight at the kill can be present without an acknowledgement.
    assert!(present.len() <= acked.len() + 4, "{} present, {} acknowledged", present.len(), acked.len());
}
