//! One database: a SQLite file with one writer connection and a read pool.

use crate::command::{Base, Origin, Step};
use crate::effects::{self, Mark, SharedRecorder};
use crate::group::{Durable, Group};
use crate::pool::{ReadConn, ReadPool};
use crate::StoreError;
use rusqlite::{Connection, InterruptHandle, OpenFlags};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Prepares every connection (functions, collations, pragmas). Called once per connection.
pub type ConnInit = Arc<dyn Fn(&Connection) -> rusqlite::Result<()> + Send + Sync>;

pub struct Database {
    name: String,
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    /// The transactions waiting for their entries on the writer, and what the file holds.
    group: Arc<Group>,
    writer_interrupt: Arc<InterruptHandle>,
    readers: Arc<ReadPool>,
    recorder: SharedRecorder,
    /// Bumped when an applied entry changed the schema, before the entry
    /// counts as applied, so a schema cached at an older version is stale.
    schema_version: AtomicU64,
}

/// Exclusive use of the writer connection. Whoever holds it is the only one
/// changing the database; dropping it releases the writer.
///
/// A session's transaction runs inside the savepoint [`TXN_SAVEPOINT`],
/// itself inside the SQLite transaction of the database's group (see
/// [`crate::group`]).
pub struct WriteLease {
    guard: OwnedMutexGuard<Connection>,
    group: Arc<Group>,
    recorder: SharedRecorder,
    database: String,
    /// A session's transaction is open in its savepoint.
    txn: bool,
}

/// The savepoint a session's transaction runs in.
const TXN_SAVEPOINT: &str = "lg_txn";

impl WriteLease {
    /// The database this lease writes.
    pub fn database(&self) -> &str {
        &self.database
    }

    pub fn group(&self) -> &Arc<Group> {
        &self.group
    }

    /// Starts a session's transaction on top of the group's.
    fn begin_txn(&mut self) -> rusqlite::Result<()> {
        if self.guard.is_autocommit() {
            self.guard.execute_batch("BEGIN IMMEDIATE")?;
        }
        self.guard.execute_batch(&format!("SAVEPOINT {TXN_SAVEPOINT}"))?;
        self.txn = true;
        self.record();
        Ok(())
    }

    /// Whether SQLite rolled the whole SQLite transaction back under the
    /// session (some errors do): the session's transaction and the group's
    /// are gone.
    pub fn lost_transaction(&self) -> bool {
        self.txn && self.guard.is_autocommit()
    }

    /// Ends the session's transaction as part of the group; returns the
    /// state it ran on (the entry's `base`). Fails if SQLite rolled it back.
    pub fn join(&mut self, origin: Origin, schema: bool) -> rusqlite::Result<Base> {
        self.txn = false;
        if self.guard.is_autocommit() {
            return Err(rusqlite::Error::ModuleError("the transaction was rolled back by the storage engine".into()));
        }
        self.guard.execute_batch(&format!("RELEASE {TXN_SAVEPOINT}"))?;
        Ok(self.group.join(origin, schema))
    }

    /// Ends a session's transaction that changed nothing. If it ran on
    /// transactions still waiting for their entries, returns what it must
    /// wait for before it counts as done: (transactions, group generation).
    pub fn end_unchanged(&mut self) -> rusqlite::Result<Option<(u64, u64)>> {
        self.rollback()?;
        if self.group.is_empty() {
            return Ok(None);
        }
        Ok(Some((self.group.writer_seq(), self.group.generation())))
    }

    /// Undoes everything the session's transaction did so far, keeping it
    /// open (and recording) for what comes next.
    pub fn undo_all(&mut self) -> rusqlite::Result<()> {
        self.recorder.lock().rewind(crate::effects::Mark::default());
        if self.txn && !self.guard.is_autocommit() {
            self.guard.execute_batch(&format!("ROLLBACK TO {TXN_SAVEPOINT}"))?;
        }
        Ok(())
    }

    /// Rolls the session's transaction back, leaving the group's.
    pub fn rollback(&mut self) -> rusqlite::Result<()> {
        self.recorder.lock().finish();
        if std::mem::take(&mut self.txn) && !self.guard.is_autocommit() {
            self.guard.execute_batch(&format!("ROLLBACK TO {TXN_SAVEPOINT}; RELEASE {TXN_SAVEPOINT}"))?;
        }
        if self.group.is_empty() && !self.guard.is_autocommit() {
            self.guard.execute_batch("ROLLBACK")?;
        }
        Ok(())
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
        if let Err(e) = self.rollback() {
            tracing::error!(error = %e, "rolling back an abandoned write transaction failed");
        }
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
/// `seq` counts the transactions applied and `last_node`/`last_proposal`
/// name the last of them: an entry names the state it ran on and applies
/// only there (see [`crate::group`]).
pub(crate) const APPLIED_TABLE: &str = "CREATE TABLE IF NOT EXISTS __lg_applied (id INTEGER PRIMARY KEY CHECK (id = 0), term INTEGER NOT NULL, node INTEGER NOT NULL, idx INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0, last_node INTEGER NOT NULL DEFAULT 0, last_proposal INTEGER NOT NULL DEFAULT 0)";

/// Creates `__lg_applied`, or adds the columns a file written by an
/// earlier litegres lacks.
fn ensure_applied_table(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(APPLIED_TABLE)?;
    let has_last: bool = conn.query_row("SELECT count(*) > 0 FROM pragma_table_info('__lg_applied') WHERE name = 'last_proposal'", [], |r| r.get(0))?;
    if !has_last {
        conn.execute_batch(
            "ALTER TABLE __lg_applied ADD COLUMN last_node INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE __lg_applied ADD COLUMN last_proposal INTEGER NOT NULL DEFAULT 0",
        )?;
    }
    Ok(())
}

/// What the file holds: the last entry applied, how many transactions and the last of them.
pub(crate) fn durable_in(conn: &Connection) -> rusqlite::Result<Durable> {
    use rusqlite::OptionalExtension;
    // Proposals are u64 stored bit for bit in SQLite's i64.
    let row = conn
        .query_row("SELECT idx, seq, last_node, last_proposal FROM __lg_applied WHERE id = 0", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?)))
        .optional()?;
    Ok(row.map_or(Durable::default(), |(index, seq, node, proposal)| Durable { index: index as u64, seq: seq as u64, last: Origin { node: node as u64, proposal: proposal as u64 } }))
}

fn configure_writer(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets readers run beside the writer. A commit is durable once its
    // Raft log entry is (fsynced before the client hears COMMIT), so the
    // database commits without fsync (synchronous=NORMAL: WAL fsynced at
    // checkpoints; the state machine fsyncs it before recording progress).
    // Automatic checkpoints stay PASSIVE (SQLite's default), so a long
    // reader never blocks a writer.
    // VACUUM must never renumber rows: entries name rows by rowid, and
    // SQLite's full VACUUM renumbers those of tables without an INTEGER
    // PRIMARY KEY on the node that runs it. With incremental auto-vacuum,
    // VACUUM (`PRAGMA incremental_vacuum`) returns free pages to the file
    // system by moving pages, not rows. It takes effect only on a file with
    // no tables yet, i.e. every database created from now on.
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
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
        ensure_applied_table(&writer).map_err(open_err)?;
        let durable = durable_in(&writer).map_err(open_err)?;
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
            group: Arc::new(Group::new(durable)),
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

    /// How many transactions the file holds (what readers see).
    pub fn commit_seq(&self) -> u64 {
        self.group.durable().seq
    }

    /// How many transactions the writer's state holds: the file's and those
    /// of the group waiting for their entries.
    pub fn writer_seq(&self) -> u64 {
        self.group.writer_seq()
    }

    pub fn group(&self) -> &Arc<Group> {
        &self.group
    }

    fn lease(&self, guard: OwnedMutexGuard<Connection>) -> WriteLease {
        WriteLease { guard, group: self.group.clone(), recorder: self.recorder.clone(), database: self.name.clone(), txn: false }
    }

    /// Waits for the writer, whatever the group holds (the state machine).
    pub async fn write(&self) -> WriteLease {
        self.lease(self.writer.clone().lock_owned().await)
    }

    /// Waits for the writer and starts a session's transaction on it, on
    /// top of the group's, at most `timeout` if given. While a group is
    /// being finished no transaction starts, so that it can end.
    pub async fn write_txn(&self, timeout: Option<Duration>) -> Result<WriteLease, StoreError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let generation = self.group.generation();
            let lock = self.writer.clone().lock_owned();
            let guard = match deadline {
                Some(d) => tokio::time::timeout_at(d.into(), lock).await.map_err(|_| StoreError::WriteTimeout)?,
                None => lock.await,
            };
            if !self.group.open_to_new() {
                drop(guard);
                let wait = self.group.wait_changed(generation);
                match deadline {
                    Some(d) => tokio::time::timeout_at(d.into(), wait).await.map_err(|_| StoreError::WriteTimeout)?,
                    None => wait.await,
                }
                continue;
            }
            let mut lease = self.lease(guard);
            lease.begin_txn()?;
            return Ok(lease);
        }
    }

    /// Waits for the writer with no group open (VACUUM, CHECKPOINT).
    pub async fn write_idle(&self) -> WriteLease {
        loop {
            let generation = self.group.generation();
            let lease = self.write().await;
            if self.group.is_empty() {
                return lease;
            }
            drop(lease);
            self.group.wait_changed(generation).await;
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

    /// An idle read connection if one is ready, without blocking.
    pub fn try_read(&self) -> Option<ReadConn> {
        self.readers.try_get()
    }

    /// Closes idle readers (before the file is removed).
    pub(crate) fn close_readers(&self) {
        self.readers.close_all();
    }
}
