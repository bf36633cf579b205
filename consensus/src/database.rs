//! One database: a SQLite file with one writer connection and a read pool.

use crate::command::Step;
use crate::effects::{self, Mark, SharedRecorder};
use crate::pool::{ReadConn, ReadPool};
use crate::StoreError;
use rusqlite::{Connection, InterruptHandle, OpenFlags};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Prepares every connection (functions, collations, pragmas). Called once per connection.
pub type ConnInit = Arc<dyn Fn(&Connection) -> rusqlite::Result<()> + Send + Sync>;

pub struct Database {
    name: String,
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    /// Bumped by every commit through the write path; lets a snapshot tell
    /// whether anything was committed after it was taken.
    commits: Arc<AtomicU64>,
    writer_interrupt: Arc<InterruptHandle>,
    readers: Arc<ReadPool>,
    recorder: SharedRecorder,
    /// Bumped when an applied entry changed the schema, before the entry
    /// counts as applied, so a schema cached at an older version is stale.
    schema_version: AtomicU64,
}

/// Exclusive use of the writer connection. Whoever holds it is the only one
/// changing the database; dropping it releases the writer.
pub struct WriteLease {
    guard: OwnedMutexGuard<Connection>,
    commits: Arc<AtomicU64>,
    recorder: SharedRecorder,
    database: String,
}

impl WriteLease {
    /// The database this lease writes.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Commits the open transaction and counts it.
    pub fn commit(&self) -> rusqlite::Result<()> {
        self.guard.execute_batch("COMMIT")?;
        self.counted();
        Ok(())
    }

    /// Counts a commit made another way (the state machine's apply).
    pub(crate) fn counted(&self) {
        self.commits.fetch_add(1, Ordering::SeqCst);
    }

    /// Starts recording the transaction's effects (see [`crate::effects`]).
    pub fn record(&self) {
        self.recorder.lock().start();
    }

    /// Where the recorded effects stand, to rewind to if a statement or a savepoint is rolled back.
    pub fn mark(&self) -> Mark {
        self.recorder.lock().mark()
    }

    pub fn rewind(&self, mark: Mark) {
        self.recorder.lock().rewind(mark);
    }

    pub fn is_recording(&self) -> bool {
        self.recorder.lock().is_recording()
    }

    /// Stops recording and returns the transaction's effects.
    pub fn take_effects(&self) -> Vec<Step> {
        self.recorder.lock().finish()
    }
}

impl Drop for WriteLease {
    /// A lease dropped mid-transaction (a client that vanished, a task that
    /// was cancelled) must not hand a half-done transaction to the next writer.
    fn drop(&mut self) {
        if !self.guard.is_autocommit() {
            if let Err(e) = self.guard.execute_batch("ROLLBACK") {
                tracing::error!(error = %e, "rolling back an abandoned write transaction failed");
            }
        }
        self.recorder.lock().finish();
    }
}

impl Deref for WriteLease {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.guard
    }
}

impl DerefMut for WriteLease {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.guard
    }
}

/// The last Raft log entry applied to this database, written in the same
/// transaction as the entry's changes, so a restart knows exactly which
/// entries of the log the file already holds.
pub(crate) const APPLIED_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS __lg_applied (id INTEGER PRIMARY KEY CHECK (id = 0), term INTEGER NOT NULL, node INTEGER NOT NULL, idx INTEGER NOT NULL)";

fn configure_writer(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers run beside the writer. A commit is durable once its
    // Raft log entry is (fsynced before the client hears COMMIT), so the
    // database commits without fsync (synchronous=NORMAL: WAL fsynced at
    // checkpoints; the state machine fsyncs it before recording progress).
    // Automatic checkpoints stay PASSIVE (SQLite's default), so a long
    // reader never blocks a writer.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "wal_autocheckpoint", 1000)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(())
}

impl Database {
    /// Opens (creating if needed) the database at `path`. `bootstrap` runs on
    /// the writer after opening (schema of the catalog tables).
    pub fn open(name: &str, path: &Path, init: ConnInit, bootstrap: &dyn Fn(&Connection) -> rusqlite::Result<()>, readers: usize) -> Result<Arc<Database>, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        let mut writer = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(open_err)?;
        configure_writer(&writer).map_err(open_err)?;
        init(&writer).map_err(open_err)?;
        bootstrap(&writer).map_err(open_err)?;
        writer.execute_batch(APPLIED_TABLE).map_err(open_err)?;
        let recorder = SharedRecorder::default();
        effects::install(&mut writer, recorder.clone()).map_err(open_err)?;
        let writer_interrupt = Arc::new(writer.get_interrupt_handle());
        let reader_path = path.to_path_buf();
        let reader_init = init.clone();
        let readers = ReadPool::new(
            readers,
            Box::new(move || {
                let c = Connection::open_with_flags(&reader_path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
                c.pragma_update(None, "query_only", "ON")?;
                c.busy_timeout(Duration::from_secs(30))?;
                c.set_prepared_statement_cache_capacity(256);
                reader_init(&c)?;
                Ok(c)
            }),
        );
        Ok(Arc::new(Database {
            name: name.to_string(),
            path: path.to_path_buf(),
            writer: Arc::new(Mutex::new(writer)),
            commits: Arc::new(AtomicU64::new(0)),
            writer_interrupt,
            readers,
            recorder,
            schema_version: AtomicU64::new(0),
        }))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Changes whenever an applied entry changed this database's schema.
    pub fn schema_version(&self) -> u64 {
        self.schema_version.load(Ordering::SeqCst)
    }

    pub(crate) fn schema_changed(&self) {
        self.schema_version.fetch_add(1, Ordering::SeqCst);
    }

    /// How many transactions the write path has committed since the database was opened.
    pub fn commit_seq(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    fn lease(&self, guard: OwnedMutexGuard<Connection>) -> WriteLease {
        WriteLease { guard, commits: self.commits.clone(), recorder: self.recorder.clone(), database: self.name.clone() }
    }

    /// Waits for the writer.
    pub async fn write(&self) -> WriteLease {
        self.lease(self.writer.clone().lock_owned().await)
    }

    /// Waits for the writer at most `timeout`.
    pub async fn write_timeout(&self, timeout: Duration) -> Result<WriteLease, StoreError> {
        match tokio::time::timeout(timeout, self.writer.clone().lock_owned()).await {
            Ok(guard) => Ok(self.lease(guard)),
            Err(_) => Err(StoreError::WriteTimeout),
        }
    }

    /// Interrupts whatever statement runs on the writer.
    pub fn writer_interrupt(&self) -> Arc<InterruptHandle> {
        self.writer_interrupt.clone()
    }

    /// Checks out a read-only connection. Blocking: call from a blocking context.
    pub fn read(&self) -> Result<ReadConn, StoreError> {
        Ok(self.readers.get()?)
    }

    /// Closes idle readers (before the file is removed).
    pub(crate) fn close_readers(&self) {
        self.readers.close_all();
    }
}
