//! The floor: pgbench's point read and TPC-B-like transaction done directly
//! on SQLite through rusqlite, in this process, on a file with the same
//! tables and rows. What litegres adds over SQLite is the difference.
//!
//! The file is in WAL mode with `synchronous=FULL`, so that each commit is
//! durable as it is on PostgreSQL (fsync on) and on litegres (its Raft log
//! is fsynced before COMMIT answers).

use crate::latency::Latencies;
use crate::pgbench::Script;
use anyhow::Result;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Floor {
    path: PathBuf,
    scale: u32,
    _dir: tempfile::TempDir,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub tps: f64,
    pub latencies: Latencies,
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    c.busy_timeout(Duration::from_secs(30))?;
    Ok(c)
}

impl Floor {
    /// A SQLite file with pgbench's tables at `scale`.
    pub fn build(scale: u32) -> Result<Floor> {
        let dir = tempfile::Builder::new().prefix("litegres-bench-sqlite").tempdir()?;
        let path = dir.path().join("pgbench.db");
        let mut c = open(&path)?;
        c.execute_batch(
            "CREATE TABLE pgbench_branches (bid integer PRIMARY KEY, bbalance integer, filler text);
             CREATE TABLE pgbench_tellers (tid integer PRIMARY KEY, bid integer, tbalance integer, filler text);
             CREATE TABLE pgbench_accounts (aid integer PRIMARY KEY, bid integer, abalance integer, filler text);
             CREATE TABLE pgbench_history (tid integer, bid integer, aid integer, delta integer, mtime timestamp, filler text);",
        )?;
        let tx = c.transaction()?;
        {
            let s = scale as i64;
            let mut b = tx.prepare("INSERT INTO pgbench_branches VALUES (?1, 0, NULL)")?;
            for i in 1..=s {
                b.execute([i])?;
            }
            let mut t = tx.prepare("INSERT INTO pgbench_tellers VALUES (?1, ?2, 0, NULL)")?;
            for i in 1..=s * 10 {
                t.execute([i, (i - 1) / 10 + 1])?;
            }
            // pgbench pads each account with 84 blanks: the same row width here.
            let filler = " ".repeat(84);
            let mut a = tx.prepare("INSERT INTO pgbench_accounts VALUES (?1, ?2, 0, ?3)")?;
            for i in 1..=s * 100_000 {
                a.execute(rusqlite::params![i, (i - 1) / 100_000 + 1, filler])?;
            }
        }
        tx.commit()?;
        Ok(Floor { path, scale, _dir: dir })
    }

    fn client(&self, script: Script, seed: u64, until: Instant, max: Option<u64>) -> rusqlite::Result<Latencies> {
        let c = open(&self.path)?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let accounts = self.scale as i64 * 100_000;
        let mut lat = Latencies::default();
        let mut done = 0u64;
        while Instant::now() < until && max.is_none_or(|m| done < m) {
            let aid: i64 = rng.random_range(1..=accounts);
            let start = Instant::now();
            match script {
                Script::SelectOnly => {
                    let _: i64 = c.prepare_cached("SELECT abalance FROM pgbench_accounts WHERE aid = ?1")?.query_row([aid], |r| r.get(0))?;
                }
                Script::TpcB => {
                    let bid: i64 = rng.random_range(1..=self.scale as i64);
                    let tid: i64 = rng.random_range(1..=self.scale as i64 * 10);
                    let delta: i64 = rng.random_range(-5000..=5000);
                    c.execute_batch("BEGIN IMMEDIATE")?;
                    c.prepare_cached("UPDATE pgbench_accounts SET abalance = abalance + ?1 WHERE aid = ?2")?.execute([delta, aid])?;
                    let _: i64 = c.prepare_cached("SELECT abalance FROM pgbench_accounts WHERE aid = ?1")?.query_row([aid], |r| r.get(0))?;
                    c.prepare_cached("UPDATE pgbench_tellers SET tbalance = tbalance + ?1 WHERE tid = ?2")?.execute([delta, tid])?;
                    c.prepare_cached("UPDATE pgbench_branches SET bbalance = bbalance + ?1 WHERE bid = ?2")?.execute([delta, bid])?;
                    c.prepare_cached("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (?1, ?2, ?3, ?4, CURRENT_TIMESTAMP)")?.execute([tid, bid, aid, delta])?;
                    c.execute_batch("COMMIT")?;
                }
            }
            lat.push(start.elapsed());
            done += 1;
        }
        Ok(lat)
    }

    /// Runs `script` on `clients` threads, each with its own connection.
    pub fn run(&self, script: Script, clients: u32, length: Duration, max: Option<u64>) -> Result<Outcome> {
        let start = Instant::now();
        let until = start + length;
        let latencies = std::thread::scope(|s| -> Result<Latencies> {
            let handles: Vec<_> = (0..clients).map(|i| s.spawn(move || self.client(script, i as u64 + 1, until, max))).collect();
            let mut all = Latencies::default();
            for h in handles {
                all.extend(h.join().map_err(|_| anyhow::anyhow!("a SQLite client thread panicked"))??);
            }
            Ok(all)
        })?;
        Ok(Outcome { tps: latencies.len() as f64 / start.elapsed().as_secs_f64(), latencies })
    }
}
