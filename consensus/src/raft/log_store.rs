//! The durable Raft log: entries, the vote and the committed id in one SQLite
//! file (`<data-dir>/raft/log.db`, WAL).
//!
//! Each `append` is one SQLite transaction committed without fsync; its
//! flush callback goes to a flusher thread, which fsyncs the WAL once for
//! every append that arrived while the previous fsync ran and only then
//! reports them flushed, in order. That is how many sessions' commits share
//! one fsync (group commit): openraft appends each proposal on its own, and
//! acknowledges an entry (or, on a follower, answers the leader) only once
//! its flush is reported. The vote, truncation and purge are fsynced before
//! they return.

use super::{storage_error, Entry, LogId, NodeId, StorageError, TypeConfig};
use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{ErrorSubject, ErrorVerb, RaftLogReader, Vote};
use rusqlite::{params, Connection, OptionalExtension};
use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

#[derive(Clone)]
pub struct LogStore {
    conn: Arc<Mutex<Connection>>,
    counters: Arc<LogCounters>,
    wal: PathBuf,
    /// Appends waiting for the next fsync of the WAL.
    flusher: mpsc::Sender<LogFlushed<TypeConfig>>,
}

/// What the log store did since the node started (for the metrics endpoint).
#[derive(Debug, Default)]
pub struct LogCounters {
    /// Entries appended.
    pub appended: AtomicU64,
    /// Fsyncs of appended entries: fewer than the entries when commits share them.
    pub flushes: AtomicU64,
}

/// Fsyncs the log's WAL file: what was committed to it before is durable after.
fn sync_wal(wal: &Path) -> std::io::Result<()> {
    std::fs::File::open(wal)?.sync_data()
}

/// The flusher thread: one fsync for every append queued meanwhile, then
/// their callbacks in order. It ends when the last store handle is dropped.
fn run_flusher(wal: PathBuf, queue: mpsc::Receiver<LogFlushed<TypeConfig>>, counters: Arc<LogCounters>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter());
        let result = sync_wal(&wal);
        counters.flushes.fetch_add(1, Ordering::Relaxed);
        for callback in batch {
            callback.log_io_completed(result.as_ref().map(|_| ()).map_err(|e| std::io::Error::new(e.kind(), e.to_string())));
        }
    }
}

fn read_err(e: impl std::error::Error + 'static) -> StorageError {
    storage_error(ErrorSubject::Logs, ErrorVerb::Read, e)
}

fn write_err(e: impl std::error::Error + 'static) -> StorageError {
    storage_error(ErrorSubject::Logs, ErrorVerb::Write, e)
}

impl LogStore {
    pub fn open(path: &Path) -> rusqlite::Result<LogStore> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Commits are not fsynced by SQLite: the store fsyncs the WAL itself
        // (a checkpoint still fsyncs the WAL before copying it back).
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS log (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL);
             CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL);",
        )?;
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        let (flusher, queue) = mpsc::channel();
        let thread_wal = wal.clone();
        let counters = Arc::new(LogCounters::default());
        let thread_counters = counters.clone();
        std::thread::Builder::new()
            .name("raft-log-flush".into())
            .spawn(move || run_flusher(thread_wal, queue, thread_counters))
            .map_err(|e| rusqlite::Error::ModuleError(format!("cannot start the log flusher: {e}")))?;
        Ok(LogStore { conn: Arc::new(Mutex::new(conn)), counters, wal, flusher })
    }

    pub fn counters(&self) -> &Arc<LogCounters> {
        &self.counters
    }

    /// Runs `f` on the connection off the async threads, then fsyncs the WAL.
    async fn durably<R: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Result<R, StorageError> + Send + 'static) -> Result<R, StorageError> {
        let wal = self.wal.clone();
        self.with(move |c| {
            let r = f(c)?;
            sync_wal(&wal).map_err(write_err)?;
            Ok(r)
        })
        .await
    }

    /// Runs `f` on the connection off the async threads.
    async fn with<R: Send + 'static>(&self, f: impl FnOnce(&mut Connection) -> Result<R, StorageError> + Send + 'static) -> Result<R, StorageError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().map_err(|_| write_err(std::io::Error::other("log store lock poisoned")))?;
            f(&mut c)
        })
        .await
        .map_err(|e| write_err(std::io::Error::other(e.to_string())))?
    }

    fn get_state<T: serde::de::DeserializeOwned>(c: &Connection, key: &str) -> Result<Option<T>, StorageError> {
        let raw: Option<Vec<u8>> = c.query_row("SELECT value FROM state WHERE key = ?1", [key], |r| r.get(0)).optional().map_err(read_err)?;
        raw.map(|b| bincode::deserialize(&b).map_err(read_err)).transpose()
    }

    fn put_state<T: serde::Serialize>(c: &Connection, key: &str, value: &T) -> Result<(), StorageError> {
        let bytes = bincode::serialize(value).map_err(write_err)?;
        c.execute("INSERT INTO state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![key, bytes]).map_err(write_err)?;
        Ok(())
    }
}

fn bounds(range: &impl RangeBounds<u64>) -> (i64, i64) {
    let start = match range.start_bound() {
        Bound::Included(s) => *s as i64,
        Bound::Excluded(s) => *s as i64 + 1,
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(e) => *e as i64 + 1,
        Bound::Excluded(e) => *e as i64,
        Bound::Unbounded => i64::MAX,
    };
    (start, end)
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(&mut self, range: RB) -> Result<Vec<Entry>, StorageError> {
        let (start, end) = bounds(&range);
        self.with(move |c| {
            let mut stmt = c.prepare_cached("SELECT entry FROM log WHERE idx >= ?1 AND idx < ?2 ORDER BY idx").map_err(read_err)?;
            let rows = stmt.query_map([start, end], |r| r.get::<_, Vec<u8>>(0)).map_err(read_err)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(bincode::deserialize::<Entry>(&row.map_err(read_err)?).map_err(read_err)?);
            }
            Ok(out)
        })
        .await
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        self.with(|c| {
            let last_purged: Option<LogId> = Self::get_state(c, "last_purged")?;
            let last: Option<Vec<u8>> = c.query_row("SELECT entry FROM log ORDER BY idx DESC LIMIT 1", [], |r| r.get(0)).optional().map_err(read_err)?;
            let last_log_id = match last {
                Some(b) => Some(bincode::deserialize::<Entry>(&b).map_err(read_err)?.log_id),
                None => last_purged,
            };
            Ok(LogState { last_purged_log_id: last_purged, last_log_id })
        })
        .await
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<NodeId>) -> Result<(), StorageError> {
        let vote = *vote;
        self.durably(move |c| Self::put_state(c, "vote", &vote)).await
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<NodeId>>, StorageError> {
        self.with(|c| Self::get_state(c, "vote")).await
    }

    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), StorageError> {
        self.with(move |c| Self::put_state(c, "committed", &committed)).await
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, StorageError> {
        self.with(|c| Ok(Self::get_state::<Option<LogId>>(c, "committed")?.flatten())).await
    }

    async fn append<I>(&mut self, entries: I, callback: LogFlushed<TypeConfig>) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<(i64, Vec<u8>)> = entries.into_iter().map(|e| bincode::serialize(&e).map(|b| (e.log_id.index as i64, b))).collect::<Result<_, _>>().map_err(write_err)?;
        self.counters.appended.fetch_add(entries.len() as u64, Ordering::Relaxed);
        let result = self
            .with(move |c| {
                let tx = c.transaction().map_err(write_err)?;
                {
                    let mut stmt = tx.prepare_cached("INSERT OR REPLACE INTO log (idx, entry) VALUES (?1, ?2)").map_err(write_err)?;
                    for (idx, bytes) in &entries {
                        stmt.execute(params![idx, bytes]).map_err(write_err)?;
                    }
                }
                tx.commit().map_err(write_err)
            })
            .await;
        match &result {
            // Flushed (and reported) with whatever else is appended meanwhile.
            Ok(()) => {
                if let Err(mpsc::SendError(callback)) = self.flusher.send(callback) {
                    callback.log_io_completed(Err(std::io::Error::other("the log flusher stopped")));
                }
            }
            Err(e) => callback.log_io_completed(Err(std::io::Error::other(e.to_string()))),
        }
        result
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.durably(move |c| c.execute("DELETE FROM log WHERE idx >= ?1", [log_id.index as i64]).map(|_| ()).map_err(write_err)).await
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.durably(move |c| {
            let tx = c.transaction().map_err(write_err)?;
            Self::put_state(&tx, "last_purged", &log_id)?;
            tx.execute("DELETE FROM log WHERE idx <= ?1", [log_id.index as i64]).map_err(write_err)?;
            tx.commit().map_err(write_err)
        })
        .await
    }
}
