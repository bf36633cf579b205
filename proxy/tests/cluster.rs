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
    // Through a follower too.
    let f = cluster.nodes[cluster.followers()[0]].client().await;
    f.batch_execute("CREATE DATABASE other2").await.unwrap();
    assert_eq!(code(&f.batch_execute("CREATE DATABASE other2").await.unwrap_err()), "42P04");
    let n: i64 = f.query_one("SELECT count(*) FROM pg_database WHERE datname = 'other2'", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
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
        // CREATE DATABASE came after the rows waited for: wait for it too.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let dbs: i64 = f.query_one("SELECT count(*) FROM pg_database WHERE datname IN ('other', 'other2')", &[]).await.unwrap().get(0);
            if dbs == 2 {
                break;
            }
            assert!(Instant::now() < deadline, "the new databases never reached node {}", i + 1);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_session_writes_through_the_leader_and_reads_its_own_writes() {
    let cluster = TestCluster::start(3);
    let followers = cluster.followers();
    let f1 = cluster.nodes[followers[0]].client().await;
    // Autocommit writes on a follower run at the leader; the follower's
    // next read sees them (session consistency, the default).
    f1.batch_execute("CREATE TABLE kv (k int PRIMARY KEY, v text)").await.unwrap();
    f1.execute("INSERT INTO kv VALUES ($1, $2)", &[&1i32, &"one"]).await.unwrap();
    let v: String = f1.query_one("SELECT v FROM kv WHERE k = $1", &[&1i32]).await.unwrap().get(0);
    assert_eq!(v, "one");
    // An interactive transaction through the follower: it reads its own
    // writes before COMMIT, savepoints work, and a constraint error is PostgreSQL's.
    f1.batch_execute("BEGIN").await.unwrap();
    let n: i64 = f1.query_one("SELECT count(*) FROM kv", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
    f1.execute("INSERT INTO kv VALUES (2, 'two')", &[]).await.unwrap();
    let n: i64 = f1.query_one("SELECT count(*) FROM kv", &[]).await.unwrap().get(0);
    assert_eq!(n, 2, "the transaction sees its own insert");
    f1.batch_execute("SAVEPOINT s; INSERT INTO kv VALUES (3, 'three'); ROLLBACK TO s; UPDATE kv SET v = 'uno' WHERE k = 1").await.unwrap();
    // Not visible elsewhere before COMMIT.
    // (The other follower may still be applying the first insert: wait for it,
    // then make sure the uncommitted rows are not there.)
    let f2 = cluster.nodes[followers[1]].client().await;
    wait_rows(&f2, "kv", 1).await;
    assert_eq!(dump(&f2, "kv").await, vec!["1|one".to_string()]);
    f1.batch_execute("COMMIT").await.unwrap();
    assert_eq!(dump(&f1, "kv").await, vec!["1|uno".to_string(), "2|two".to_string()]);
    let err = f1.execute("INSERT INTO kv VALUES (1, 'again')", &[]).await.unwrap_err();
    assert_eq!(code(&err), "23505");
    // A transaction rolled back at the follower leaves nothing anywhere.
    f1.batch_execute("BEGIN; INSERT INTO kv VALUES (9, 'nine'); ROLLBACK").await.unwrap();
    // COPY FROM through the follower (psql, simple protocol) loads at the leader.
    let (ok, out, err) = cluster.nodes[followers[0]].psql(&["-v", "ON_ERROR_STOP=1"], "COPY kv FROM STDIN;\n20\ttwenty\n21\ttwenty-one\n\\.\nSELECT count(*) FROM kv WHERE k >= 20;\n");
    assert!(ok, "{err}");
    assert!(out.contains(" 2\n"), "{out}");
    f1.batch_execute("DELETE FROM kv WHERE k >= 20").await.unwrap();
    // Linearizable reads on another follower see every commit made before them.
    let (lin, conn) = tokio_postgres::connect(
        &format!("{} options='-c litegres.read_consistency=linearizable'", cluster.nodes[followers[1]].url("postgres", "postgres")),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    f1.execute("INSERT INTO kv VALUES (4, 'four')", &[]).await.unwrap();
    assert_eq!(dump(&lin, "kv").await, vec!["1|uno".to_string(), "2|two".to_string(), "4|four".to_string()]);
    let leader = cluster.nodes[cluster.leader()].client().await;
    assert_eq!(dump(&leader, "kv").await, dump(&lin, "kv").await);
    // Replication is visible as PostgreSQL shows it: one row per follower on the leader.
    let rows = leader.query("SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1", &[]).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.get::<_, String>(1) == "streaming" && r.get::<_, String>(2) == "quorum"));
    let none: i64 = f1.query_one("SELECT count(*) FROM pg_stat_replication", &[]).await.unwrap().get(0);
    assert_eq!(none, 0, "a follower has no replicas of its own");
    let lag: String = f1.query_one("SHOW litegres.replica_lag", &[]).await.unwrap().get(0);
    assert!(lag.parse::<u64>().is_ok(), "{lag}");
}

/// Runs `sql` on `port` until it succeeds (bounded); returns the SQLSTATEs of the failures seen.
async fn until_ok(port: u16, sql: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let conf = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres connect_timeout=5");
        if let Ok((c, conn)) = tokio_postgres::connect(&conf, tokio_postgres::NoTls).await {
            tokio::spawn(conn);
            match c.batch_execute(sql).await {
                Ok(()) => return seen,
                Err(e) => seen.push(code(&e)),
            }
        }
        assert!(Instant::now() < deadline, "`{sql}` kept failing: {seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn when_the_leader_dies_another_takes_over_and_nothing_committed_is_lost() {
    let mut cluster = TestCluster::start(3);
    let old = cluster.leader();
    let survivor = cluster.followers()[0];
    let port = cluster.nodes[survivor].port;
    let f = cluster.nodes[survivor].client().await;
    f.batch_execute("CREATE TABLE acct (id int PRIMARY KEY, n int)").await.unwrap();
    for i in 0..20 {
        f.execute("INSERT INTO acct VALUES ($1, $2)", &[&i, &(i * 10)]).await.unwrap();
    }
    // A transaction in flight at the leader when it dies.
    f.batch_execute("BEGIN; INSERT INTO acct VALUES (100, 1)").await.unwrap();
    cluster.nodes[old].kill9();
    let err = f.batch_execute("COMMIT").await.unwrap_err();
    assert!(["40001", "08006"].contains(&code(&err).as_str()), "a retryable error, got {err:?}");
    // A new leader serves writes within a few seconds; until then writes fail retryably.
    let started = Instant::now();
    let seen = until_ok(port, "INSERT INTO acct VALUES (200, 2)").await;
    assert!(seen.iter().all(|c| ["40001", "08006", "25006"].contains(&c.as_str())), "{seen:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "failover took {:?}", started.elapsed());
    assert_ne!(cluster.leader(), old);
    // Every committed row is there, on both survivors; the in-flight one is not.
    let want: Vec<String> = (0..20).map(|i| format!("{i}|{}", i * 10)).chain(["200|2".to_string()]).collect();
    for i in (0..3).filter(|i| *i != old) {
        let c = cluster.nodes[i].client().await;
        wait_rows(&c, "acct", want.len()).await;
        assert_eq!(dump(&c, "acct").await, want, "node {}", i + 1);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wiped_node_rejoins_as_a_learner_and_is_filled_from_the_others() {
    // Snapshots every few entries, so the wiped node needs one (the log it lacks is purged).
    let mut cluster = TestCluster::start_with(3, &["--snapshot-every", "5"]);
    let leader = cluster.nodes[cluster.leader()].client().await;
    leader.batch_execute("CREATE TABLE big (id serial PRIMARY KEY, v text)").await.unwrap();
    for i in 0..30 {
        leader.execute("INSERT INTO big (v) VALUES ($1)", &[&format!("value {i}")]).await.unwrap();
    }
    let want = dump(&leader, "big").await;
    let victim = cluster.followers()[1];
    let victim_id = (victim + 1) as u64;
    cluster.nodes[victim].kill9();
    let dir = cluster.nodes[victim].dir.clone();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    cluster.nodes[victim].spawn();
    // It comes back as a learner, is filled, and is promoted again.
    cluster.wait_for(|s| s["voters"].as_array().is_some_and(|v| v.iter().any(|x| x.as_u64() == Some(victim_id)) && v.len() == 3), "the wiped node to be a voter again");
    let c = cluster.nodes[victim].client().await;
    wait_rows(&c, "big", want.len()).await;
    assert_eq!(dump(&c, "big").await, want);
    // And it takes part: a write through it lands everywhere.
    c.execute("INSERT INTO big (v) VALUES ('after')", &[]).await.unwrap();
    wait_rows(&leader, "big", want.len() + 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_dir_of_another_cluster_is_refused() {
    let a = TestCluster::start(1);
    let b = TestCluster::start(1);
    // b's only node, restarted to join a: its data dir belongs to b's cluster.
    let mut b = b;
    b.nodes[0].kill9();
    let b_dir = b.nodes[0].dir.clone();
    let join = format!("127.0.0.1:{}", a.raft_ports[0]);
    let mut child = std::process::Command::new(common::bin())
        .args(["serve", "--data-dir"])
        .arg(&b_dir)
        .args(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--raft-listen", "127.0.0.1:0", "--node-id", "1", "--cluster-secret", common::CLUSTER_SECRET, "--join", &join])
        .env("LITEGRES_LOG", "error")
        .env("RUST_BACKTRACE", "0")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("a node with a foreign data dir kept running");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("belongs to cluster"), "{err}");
    // a is unaffected.
    let c = a.nodes[0].client().await;
    c.batch_execute("CREATE TABLE still_fine (x int)").await.unwrap();
}

fn content_hash(rows: &[String]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    rows.hash(&mut h);
    h.finish()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_random_workload_through_every_node_leaves_identical_tables() {
    use rand::{Rng, SeedableRng};
    let cluster = TestCluster::start(3);
    let mut clients = Vec::new();
    for n in &cluster.nodes {
        clients.push(n.client().await);
    }
    clients[0]
        .batch_execute(
            "CREATE TABLE d (id serial PRIMARY KEY, r float8 DEFAULT random(), u uuid DEFAULT gen_random_uuid(), ts timestamptz DEFAULT now(), n int);
             CREATE SEQUENCE s; CREATE TABLE log (id bigserial PRIMARY KEY, at timestamptz DEFAULT clock_timestamp(), what text)",
        )
        .await
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261121);
    let mut ddl = 0;
    for k in 0..150i32 {
        let c = &clients[rng.random_range(0..clients.len())];
        let sql = match rng.random_range(0..8) {
            0 => format!("INSERT INTO d (n) VALUES ({k})"),
            1 => "INSERT INTO d (n) SELECT g FROM generate_series(1, 5) g".to_string(),
            // Sequence values drawn in whatever order the rows are visited.
            2 => format!("UPDATE d SET n = nextval('s') WHERE id % 5 = {}", k % 5),
            3 => format!("UPDATE d SET r = random(), u = gen_random_uuid() WHERE id % 3 = {}", k % 3),
            4 => format!("DELETE FROM d WHERE id % 11 = {}", k % 11),
            5 => format!("BEGIN; INSERT INTO d (n) VALUES ({k}); UPDATE d SET n = n + 1 WHERE id = (SELECT max(id) FROM d); INSERT INTO log (what) VALUES ('txn {k}'); COMMIT"),
            6 if ddl < 3 => {
                ddl += 1;
                format!("ALTER TABLE d ADD COLUMN c{ddl} text DEFAULT md5(random()::text)")
            }
            _ => format!("INSERT INTO log (what) SELECT 'batch ' || g FROM generate_series(1, {}) g", k % 4 + 1),
        };
        c.batch_execute(&sql).await.unwrap_or_else(|e| panic!("{sql}: {:?}", e.as_db_error()));
    }
    cluster.converge().await;
    for table in ["d", "log"] {
        let mut hashes = Vec::new();
        for c in &clients {
            hashes.push(content_hash(&dump(c, table).await));
        }
        println!("{table}: content hash per node {hashes:x?}");
        assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{table} differs between nodes: {hashes:x?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_read_on_a_follower_stalls_neither_writes_nor_apply() {
    let cluster = TestCluster::start(3);
    let leader = cluster.nodes[cluster.leader()].client().await;
    let follower_node = &cluster.nodes[cluster.followers()[0]];
    leader.batch_execute("CREATE TABLE w (id serial PRIMARY KEY, v int)").await.unwrap();
    let time_writes = |n: i32| {
        let leader = &leader;
        async move {
            let start = Instant::now();
            for i in 0..n {
                leader.execute("INSERT INTO w (v) VALUES ($1)", &[&i]).await.unwrap();
            }
            start.elapsed() / n as u32
        }
    };
    let before = time_writes(20).await;
    // A REPEATABLE READ transaction on the follower holds its snapshot open.
    let reader = follower_node.client().await;
    reader.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ").await.unwrap();
    let seen: i64 = reader.query_one("SELECT count(*) FROM w", &[]).await.unwrap().get(0);
    let during = time_writes(20).await;
    // The follower keeps applying: another session there sees the new rows...
    let other = follower_node.client().await;
    wait_rows(&other, "w", 40).await;
    // ...while the long reader still sees its snapshot.
    let still: i64 = reader.query_one("SELECT count(*) FROM w", &[]).await.unwrap().get(0);
    assert_eq!(still, seen);
    reader.batch_execute("COMMIT").await.unwrap();
    println!("write latency: {before:?} before, {during:?} during the long read");
}

#[tokio::test(flavor = "multi_thread")]
async fn bank_transfers_survive_a_leader_crash_without_loss_or_double_apply() {
    use rand::{Rng, SeedableRng};
    use std::sync::{Arc, Mutex};
    let mut cluster = TestCluster::start(3);
    let setup = cluster.nodes[cluster.leader()].client().await;
    setup
        .batch_execute(
            "CREATE TABLE acct (id int PRIMARY KEY, bal bigint NOT NULL);
             INSERT INTO acct SELECT g, 1000 FROM generate_series(1, 10) g;
             CREATE TABLE transfers (tid text PRIMARY KEY, src int, dst int, amount int)",
        )
        .await
        .unwrap();
    let ports: Vec<u16> = cluster.nodes.iter().map(|n| n.port).collect();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..6u64 {
        let (ports, acked, stop) = (ports.clone(), acked.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(w);
            let mut seq = 0;
            let mut client: Option<tokio_postgres::Client> = None;
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
                if client.is_none() {
                    let port = ports[rng.random_range(0..ports.len())];
                    let conf = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres connect_timeout=2");
                    match tokio_postgres::connect(&conf, tokio_postgres::NoTls).await {
                        Ok((c, conn)) => {
                            tokio::spawn(conn);
                            client = Some(c);
                        }
                        Err(_) => {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    }
                }
                let (src, dst, amount) = (rng.random_range(1..=10), rng.random_range(1..=10), rng.random_range(1..50));
                seq += 1;
                let tid = format!("w{w}-{seq}");
                let sql = format!(
                    "BEGIN; UPDATE acct SET bal = bal - {amount} WHERE id = {src}; UPDATE acct SET bal = bal + {amount} WHERE id = {dst};
                     INSERT INTO transfers VALUES ('{tid}', {src}, {dst}, {amount}); COMMIT"
                );
                let Some(c) = client.take() else { continue };
                match c.batch_execute(&sql).await {
                    Ok(()) => {
                        acked.lock().unwrap().push(tid);
                        client = Some(c);
                    }
                    // A server error (retryable during failover): the connection stays.
                    Err(e) if e.as_db_error().is_some() => {
                        let _ = c.batch_execute("ROLLBACK").await;
                        client = Some(c);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(_) => {}
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let old = cluster.leader();
    cluster.nodes[old].kill9();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    cluster.nodes[old].spawn();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(!acked.is_empty(), "no transfer went through");
    cluster.converge().await;
    // Every node's state, printed with any failure below.
    let mut states = String::new();
    for (i, n) in cluster.nodes.iter().enumerate() {
        let c = n.client().await;
        let total: i64 = c.query_one("SELECT sum(bal)::bigint FROM acct", &[]).await.unwrap().get(0);
        let count: i64 = c.query_one("SELECT count(*) FROM transfers", &[]).await.unwrap().get(0);
        let accts = dump(&c, "acct").await.join(" ");
        states.push_str(&format!("node {i}: sum {total}, {count} transfers, {accts}\n"));
    }
    let mut first: Option<Vec<String>> = None;
    for n in &cluster.nodes {
        let c = n.client().await;
        let total: i64 = c.query_one("SELECT sum(bal)::bigint FROM acct", &[]).await.unwrap().get(0);
        assert_eq!(total, 10_000, "money was created or destroyed; {} acknowledged\n{states}", acked.len());
        let tids: Vec<String> = c.query("SELECT tid FROM transfers", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
        let unique: std::collections::HashSet<&String> = tids.iter().collect();
        assert_eq!(unique.len(), tids.len(), "a transfer was applied twice");
        for t in &acked {
            assert!(unique.contains(t), "acknowledged transfer {t} is missing");
        }
        // Balances agree with the transfers recorded: no transfer half-applied.
        let off: i64 = c
            .query_one("SELECT count(*) FROM acct a WHERE a.bal <> 1000 - coalesce((SELECT sum(amount) FROM transfers WHERE src = a.id), 0) + coalesce((SELECT sum(amount) FROM transfers WHERE dst = a.id), 0)", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(off, 0);
        let rows = dump(&c, "acct").await;
        if let Some(f) = &first {
            assert_eq!(&rows, f);
        }
        first = Some(rows);
    }
    println!("{} transfers acknowledged across a leader crash and restart", acked.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cluster_grows_to_five_and_shrinks_back_while_writes_run() {
    use std::sync::{Arc, Mutex};
    let mut cluster = TestCluster::start_with(3, &["--snapshot-every", "20"]);
    let setup = cluster.nodes[cluster.leader()].client().await;
    setup.batch_execute("CREATE TABLE ev (id int PRIMARY KEY)").await.unwrap();
    // A writer through node 1 for the whole test (its writes are forwarded when it does not lead).
    let port = cluster.nodes[0].port;
    let acked = Arc::new(Mutex::new(Vec::<i32>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (acked, stop) = (acked.clone(), stop.clone());
        tokio::spawn(async move {
            let conf = format!("host=127.0.0.1 port={port} user=postgres dbname=postgres");
            let (c, conn) = tokio_postgres::connect(&conf, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(conn);
            let mut i = 0;
            let deadline = Instant::now() + Duration::from_secs(60);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && Instant::now() < deadline {
                i += 1;
                if c.execute("INSERT INTO ev VALUES ($1)", &[&i]).await.is_ok() {
                    acked.lock().unwrap().push(i);
                }
            }
        })
    };
    // Waits until the writer has had a write acknowledged after this point.
    let progress = |acked: Arc<Mutex<Vec<i32>>>| async move {
        let before = acked.lock().unwrap().len();
        let deadline = Instant::now() + Duration::from_secs(20);
        while acked.lock().unwrap().len() == before {
            assert!(Instant::now() < deadline, "writes stopped");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    progress(acked.clone()).await;
    // A brand-new empty node, then a fifth: each is filled and becomes a voter.
    let four = cluster.add_node(&["--snapshot-every", "20"]);
    let five = cluster.add_node(&["--snapshot-every", "20"]);
    cluster.wait_for(|s| s["voters"].as_array().is_some_and(|v| v.len() == 5), "five voters");
    progress(acked.clone()).await;
    // The new nodes hold everything acknowledged so far.
    let so_far = acked.lock().unwrap().clone();
    for idx in [four, five] {
        let c = cluster.nodes[idx].client().await;
        c.batch_execute("SET litegres.read_consistency = linearizable").await.unwrap();
        // A linearizable read needs the leader to hear from a quorum; while
        // membership changes that can briefly fail (08006), and a client retries.
        let deadline = Instant::now() + Duration::from_secs(20);
        let rows = loop {
            match c.query("SELECT id FROM ev", &[]).await {
                Ok(rows) => break rows,
                Err(e) => assert!(code(&e) == "08006" && Instant::now() < deadline, "{e:?}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let ids: std::collections::HashSet<i32> = rows.iter().map(|r| r.get(0)).collect();
        assert!(so_far.iter().all(|i| ids.contains(i)), "node {} lacks acknowledged writes", idx + 1);
    }
    // Shrink back with the command operators use: `litegres cluster remove` against the leader.
    for (idx, id) in [(four, 4), (five, 5)] {
        let admin = format!("127.0.0.1:{}", cluster.nodes[cluster.leader()].http_port);
        let out = std::process::Command::new(common::bin()).args(["cluster", "--admin", &admin, "remove", &id.to_string()]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("removed"));
        cluster.nodes[idx].stop();
    }
    let admin = format!("127.0.0.1:{}", cluster.nodes[0].http_port);
    let out = std::process::Command::new(common::bin()).args(["cluster", "--admin", &admin, "status"]).output().unwrap();
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(status["leader"].is_u64(), "{status}");
    cluster.wait_for(|s| s["voters"].as_array().is_some_and(|v| v.len() == 3), "three voters again");
    progress(acked.clone()).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    cluster.converge().await;
    for n in cluster.nodes.iter().filter(|n| n.is_running()) {
        let c = n.client().await;
        let ids: std::collections::HashSet<i32> = c.query("SELECT id FROM ev", &[]).await.unwrap().iter().map(|r| r.get(0)).collect();
        assert!(acked.iter().all(|i| ids.contains(i)), "an acknowledged write is missing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partitioned_leader_stops_writing_the_majority_continues_and_all_converge() {
    let cluster = TestCluster::start_partitionable(3);
    let old = cluster.leader();
    let setup = cluster.nodes[old].client().await;
    setup.batch_execute("CREATE TABLE p (id int PRIMARY KEY, side text); INSERT INTO p VALUES (1, 'before')").await.unwrap();
    cluster.converge().await;
    let isolated = cluster.nodes[old].client().await;
    cluster.faults.as_ref().unwrap().isolate(old, 3);
    // The majority elects a new leader and goes on writing.
    let majority: Vec<usize> = (0..3).filter(|i| *i != old).collect();
    let port = cluster.nodes[majority[0]].port;
    let seen = until_ok(port, "INSERT INTO p VALUES (2, 'majority')").await;
    assert!(seen.iter().all(|c| ["40001", "08006", "25006"].contains(&c.as_str())), "{seen:?}");
    // The old leader, alone, does not commit anything.
    let err = isolated.batch_execute("INSERT INTO p VALUES (3, 'minority')").await.unwrap_err();
    assert!(["40001", "08006", "25006"].contains(&code(&err).as_str()), "{err:?}");
    cluster.faults.as_ref().unwrap().heal();
    // After healing, everyone converges on the majority's history.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut dumps = Vec::new();
        for n in &cluster.nodes {
            if let Ok((c, conn)) = tokio_postgres::connect(&n.url("postgres", "postgres"), tokio_postgres::NoTls).await {
                tokio::spawn(conn);
                dumps.push(dump(&c, "p").await);
            }
        }
        let want = vec!["1|before".to_string(), "2|majority".to_string()];
        if dumps.len() == 3 && dumps.iter().all(|d| *d == want) {
            break;
        }
        assert!(Instant::now() < deadline, "no convergence after healing: {dumps:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A CA and one certificate for 127.0.0.1 signed by it, as PEM files: (cert, key, ca).
fn raft_certs(dir: &std::path::Path) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap().signed_by(&key, &ca, &ca_key).unwrap();
    let write = |name: &str, pem: String| {
        let p = dir.join(name);
        std::fs::write(&p, pem).unwrap();
        p.to_string_lossy().into_owned()
    };
    (write("node.crt", cert.pem()), write("node.key", key.serialize_pem()), write("ca.crt", ca.pem()))
}

#[tokio::test(flavor = "multi_thread")]
async fn nodes_can_talk_over_tls_and_a_node_without_it_cannot_join() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, ca) = raft_certs(dir.path());
    let tls = ["--raft-tls-cert", cert.as_str(), "--raft-tls-key", key.as_str(), "--raft-tls-ca", ca.as_str()];
    let mut cluster = TestCluster::start_with(3, &tls);
    let leader = cluster.nodes[cluster.leader()].client().await;
    leader.batch_execute("CREATE TABLE s (x int); INSERT INTO s VALUES (1), (2)").await.unwrap();
    cluster.converge().await;
    let f = cluster.nodes[cluster.followers()[0]].client().await;
    assert_eq!(dump(&f, "s").await, vec!["1".to_string(), "2".to_string()]);
    // A node that does not speak TLS knows the secret but is not let in.
    let plain = cluster.add_node(&[]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status = common::cluster_status(cluster.nodes[cluster.leader()].http_port).unwrap();
    let id = (plain + 1) as u64;
    assert!(!status["nodes"].as_object().unwrap().contains_key(&id.to_string()), "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_follower_client_vanishing_mid_transaction_releases_the_leaders_writer() {
    let cluster = TestCluster::start(3);
    let leader = cluster.nodes[cluster.leader()].client().await;
    leader.batch_execute("CREATE TABLE v (x int)").await.unwrap();
    {
        let f = cluster.nodes[cluster.followers()[0]].client().await;
        // The transaction now holds the writer at the leader...
        f.batch_execute("BEGIN; INSERT INTO v VALUES (1)").await.unwrap();
        // ...and its client goes away without a word.
    }
    // The leader's writer is released at once (not after the leader's
    // 60-second guard for silent nodes), and the abandoned insert is gone.
    let write = leader.execute("INSERT INTO v VALUES (2)", &[]);
    tokio::time::timeout(Duration::from_secs(20), write).await.expect("the writer was not released").unwrap();
    assert_eq!(dump(&leader, "v").await, vec!["2".to_string()]);
}

/// Reads one counter from a node's metrics endpoint.
fn metric(port: u16, name: &str) -> u64 {
    let body = common::http_get(port, "/metrics").expect("metrics endpoint");
    body.lines().find_map(|l| l.strip_prefix(&format!("litegres_{name} "))).and_then(|v| v.trim().parse().ok()).unwrap_or_else(|| panic!("no metric {name} in:\n{body}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_commits_share_fsyncs_and_build_on_each_other() {
    let cluster = TestCluster::start(3);
    let leader = &cluster.nodes[cluster.leader()];
    let setup = leader.client().await;
    setup.batch_execute("CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0); CREATE TABLE ledger (id serial PRIMARY KEY, who int, at_n int UNIQUE)").await.unwrap();
    let (appended0, fsyncs0, txns0) = (metric(leader.http_port, "raft_log_entries_appended_total"), metric(leader.http_port, "raft_log_fsyncs_total"), metric(leader.http_port, "group_transactions_total"));
    const CLIENTS: i32 = 16;
    const EACH: i32 = 20;
    let mut tasks = Vec::new();
    for who in 0..CLIENTS {
        let c = leader.client().await;
        tasks.push(tokio::spawn(async move {
            for i in 0..EACH {
                // Read-modify-write of one row: each transaction runs on the
                // ones grouped before it, so no increment is lost.
                c.batch_execute(&format!("BEGIN; UPDATE counter SET n = n + 1 WHERE id = 1; INSERT INTO ledger (who, at_n) SELECT {who}, n FROM counter WHERE id = 1; COMMIT")).await.unwrap();
                match i % 5 {
                    // A transaction rolled back, one that changes nothing, one that fails.
                    0 => c.batch_execute("BEGIN; UPDATE counter SET n = n + 1000; ROLLBACK").await.unwrap(),
                    1 => c.batch_execute("UPDATE counter SET n = -1 WHERE id = 2").await.unwrap(),
                    2 => {
                        let err = c.batch_execute("BEGIN; INSERT INTO ledger (who, at_n) VALUES (-1, 1); COMMIT").await.unwrap_err();
                        assert_eq!(code(&err), "23505");
                        c.batch_execute("ROLLBACK").await.unwrap();
                    }
                    _ => {}
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = (CLIENTS * EACH) as i64;
    let n: i32 = setup.query_one("SELECT n FROM counter WHERE id = 1", &[]).await.unwrap().get(0);
    assert_eq!(n as i64, total, "an increment was lost or applied twice");
    let seen: i64 = setup.query_one("SELECT count(DISTINCT at_n) FROM ledger WHERE at_n BETWEEN 1 AND $1", &[&(total as i32)]).await.unwrap().get(0);
    assert_eq!(seen, total, "every transaction saw the counter its predecessor left");
    // Commits shared fsyncs and SQLite commits.
    let appended = metric(leader.http_port, "raft_log_entries_appended_total") - appended0;
    let fsyncs = metric(leader.http_port, "raft_log_fsyncs_total") - fsyncs0;
    let grouped = metric(leader.http_port, "group_transactions_total") - txns0;
    let groups = metric(leader.http_port, "group_commits_total");
    assert!(appended >= total as u64, "{appended} entries for {total} transactions");
    // The leader proposes a group's entries one after another as its
    // transactions finish, each fsync overlapping the next transaction;
    // followers receive them in batches and fsync each batch once.
    for f in cluster.followers() {
        let port = cluster.nodes[f].http_port;
        let (entries, syncs) = (metric(port, "raft_log_entries_appended_total"), metric(port, "raft_log_fsyncs_total"));
        assert!(syncs < entries, "follower {f}: every entry had its own fsync ({syncs} for {entries})");
    }
    assert!(grouped >= total as u64 && groups < metric(leader.http_port, "group_transactions_total"), "no two transactions shared a commit");
    println!("{total} transactions: {appended} entries in {fsyncs} log fsyncs, {grouped} transactions in {} group commits", groups);
    cluster.converge().await;
    let expected = dump(&setup, "ledger").await;
    for (i, n) in cluster.nodes.iter().enumerate() {
        let got = dump(&n.client().await, "ledger").await;
        let missing: Vec<&String> = expected.iter().filter(|r| !got.contains(r)).collect();
        let extra: Vec<&String> = got.iter().filter(|r| !expected.contains(r)).collect();
        if !(missing.is_empty() && extra.is_empty()) {
            let statuses: Vec<_> = cluster.nodes.iter().map(|n| common::cluster_status(n.http_port)).collect();
            tokio::time::sleep(Duration::from_secs(3)).await;
            let later = dump(&n.client().await, "ledger").await.len();
            panic!("node {i} differs from the leader ({} rows vs {}, {later} rows 3 s later): missing {}, extra {extra:?}; {statuses:?}", got.len(), expected.len(), missing.len());
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn advisory_locks_exclude_sessions_of_every_node() {
    async fn try_lock(c: &tokio_postgres::Client, key: i64) -> bool {
        c.query_one(&format!("SELECT pg_try_advisory_lock({key})"), &[]).await.unwrap().get(0)
    }
    let mut cluster = TestCluster::start(3);
    let leader_ix = cluster.leader();
    let followers = cluster.followers();
    let leader = cluster.nodes[leader_ix].client().await;
    let f1 = cluster.nodes[followers[0]].client().await;
    let f2 = cluster.nodes[followers[1]].client().await;
    // A follower's session lock excludes the leader's and the other follower's sessions.
    f1.query_one("SELECT pg_advisory_lock(42)", &[]).await.unwrap();
    assert!(!try_lock(&leader, 42).await);
    assert!(!try_lock(&f2, 42).await);
    let shown: i64 = leader.query_one("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 42", &[]).await.unwrap().get(0);
    assert_eq!(shown, 1);
    // A session waiting on another node gets the lock when it is released.
    let f2_port = cluster.nodes[followers[1]].port;
    let waiter = tokio::spawn(async move {
        let (c, conn) = tokio_postgres::connect(&format!("host=127.0.0.1 port={f2_port} user=postgres dbname=postgres"), tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        c.query_one("SELECT pg_advisory_lock(42)", &[]).await.unwrap();
        c
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "the lock was taken twice");
    assert!(f1.query_one("SELECT pg_advisory_unlock(42)", &[]).await.unwrap().get::<_, bool>(0));
    let holder = tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("the waiter never got the lock").unwrap();
    assert!(!try_lock(&f1, 42).await);
    // Transaction locks end with the transaction, at the leader too.
    f1.batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7)").await.unwrap();
    assert!(!try_lock(&leader, 7).await);
    f1.batch_execute("COMMIT").await.unwrap();
    assert!(try_lock(&leader, 7).await);
    // A follower session that ends releases its locks at the leader.
    drop(holder);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !try_lock(&leader, 42).await {
        assert!(Instant::now() < deadline, "an ended session's lock was never released");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // When the leader changes, a follower session holding a lock ends (its
    // lock no longer excludes anyone) instead of believing it still holds it.
    f1.query_one("SELECT pg_advisory_lock(99)", &[]).await.unwrap();
    cluster.nodes[leader_ix].kill9();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if f1.query_one("SELECT 1", &[]).await.is_err() {
            break;
        }
        assert!(Instant::now() < deadline, "a session kept a lock the new leader does not know");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let other = cluster.nodes[followers[1]].client().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = other.query_one("SELECT pg_try_advisory_lock(99)", &[]).await {
            assert!(r.get::<_, bool>(0), "the lock of an ended session is still held");
            break;
        }
        assert!(Instant::now() < deadline, "no new leader served advisory locks");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_load_through_a_follower_commits_without_disturbing_the_leader() {
    let cluster = TestCluster::start(3);
    let leader = cluster.leader();
    let term = |c: &TestCluster| common::cluster_status(c.nodes[leader].http_port).and_then(|s| s["term"].as_u64()).unwrap_or(0);
    let before = term(&cluster);
    let f = cluster.nodes[cluster.followers()[0]].client().await;
    // One transaction of several megabytes: its entry is split into parts
    // so that replication (and the heartbeats behind it) keeps flowing.
    f.batch_execute("CREATE TABLE bulk (id int PRIMARY KEY, payload text)").await.unwrap();
    f.batch_execute("BEGIN; INSERT INTO bulk SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 100000) g; UPDATE bulk SET payload = upper(payload) WHERE id % 2 = 0; COMMIT").await.unwrap();
    cluster.converge().await;
    for n in &cluster.nodes {
        let c = n.client().await;
        let row = c.query_one("SELECT count(*), sum(length(payload)), count(*) FILTER (WHERE payload = upper(payload)) FROM bulk", &[]).await.unwrap();
        assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1), row.get::<_, i64>(2)), (100_000, 100_000 * 256, 50_000));
    }
    assert_eq!(term(&cluster), before, "the bulk load cost the leader its leadership");
    assert_eq!(cluster.leader(), leader);
}

/// SQLite's full VACUUM renumbers the rows of a table without an INTEGER
/// PRIMARY KEY, and entries name rows by rowid: a VACUUM on one node must
/// leave every node naming the same row alike. It still returns the space
/// that deleted rows held.
#[tokio::test(flavor = "multi_thread")]
async fn vacuum_on_the_leader_leaves_every_node_identical_and_frees_space() {
    let cluster = TestCluster::start_steady(3, &[]);
    let leader = &cluster.nodes[cluster.leader()];
    let c = leader.client().await;
    c.batch_execute("CREATE TABLE t (a text); INSERT INTO t VALUES ('1'), ('2'), ('3'), ('4'); DELETE FROM t WHERE a IN ('1', '2')").await.unwrap();
    c.batch_execute("CREATE TABLE big (b text); INSERT INTO big SELECT repeat('x', 2000) FROM generate_series(1, 500)").await.unwrap();
    c.batch_execute("DELETE FROM big").await.unwrap();
    cluster.converge().await;
    let freelist = |n: &common::Server| {
        let conn = rusqlite::Connection::open_with_flags(n.sqlite_file("postgres"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        conn.query_row("PRAGMA freelist_count", [], |r| r.get::<_, i64>(0)).unwrap()
    };
    let before = freelist(leader);
    assert!(before > 100, "deleting 1 MB of rows should leave free pages, found {before}");
    c.batch_execute("VACUUM").await.unwrap();
    assert_eq!(freelist(leader), 0, "VACUUM should return the free pages to the file system");
    c.batch_execute("UPDATE t SET a = 'x' WHERE a = '3'; INSERT INTO t VALUES ('5'); UPDATE t SET a = 'y' WHERE a = '4'").await.unwrap();
    cluster.converge().await;
    for (i, n) in cluster.nodes.iter().enumerate() {
        let rows = dump(&n.client().await, "t").await;
        assert_eq!(rows, ["5", "x", "y"], "node {}", i + 1);
    }
    cluster.assert_identical("postgres");
}

/// A CHECK whose value depends on the session's time zone passed where the
/// transaction ran; replaying its rows elsewhere must not judge it again
/// under another zone (the follower would lack the row, silently).
#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_depends_on_the_session_time_zone_replays_alike() {
    let cluster = TestCluster::start_steady(3, &[]);
    let leader = &cluster.nodes[cluster.leader()];
    let c = leader.client().await;
    c.batch_execute("SET TimeZone = 'Pacific/Kiritimati'; CREATE TABLE tzc (id int PRIMARY KEY, ts timestamptz CHECK (ts::date = '2024-01-02'))").await.unwrap();
    // 12:00 UTC on January 1st is January 2nd at UTC+14.
    c.batch_execute("INSERT INTO tzc VALUES (1, '2024-01-01 12:00+00')").await.unwrap();
    c.batch_execute("INSERT INTO tzc VALUES (2, '2024-01-01 13:00+00')").await.unwrap();
    cluster.converge().await;
    for (i, n) in cluster.nodes.iter().enumerate() {
        let rows = dump(&n.client().await, "tzc").await;
        assert_eq!(rows.len(), 2, "node {} holds {rows:?}", i + 1);
    }
    cluster.assert_identical("postgres");
}
