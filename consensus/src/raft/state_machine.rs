//! The state machine: applies committed entries to the node's databases.
//! This is the only path by which replicated data changes, on the leader as
//! on followers.
//!
//! A transaction entry is applied in one SQLite transaction that also
//! records the entry's log id in the database (`__lg_applied`), so after a
//! crash each database knows exactly which entries it holds and a replayed
//! entry is skipped. The node-wide applied id and the membership live in
//! `<data-dir>/raft/state.db`; they may lag the databases, never lead them.
//!
//! On the leader, where a transaction ran, its effects are already on the
//! writer, in its database's group ([`crate::group`]): applying its entry
//! marks it, and the group's SQLite transaction commits once every entry in
//! it is reached (or is settled: rolled back, and what committed replayed).
//!
//! Snapshots are consistent copies of every database (SQLite's backup API)
//! packed into one file with the snapshot's metadata; installing one
//! replaces all databases at once ([`crate::Store::replace_all`]).

use super::{storage_error, Entry, LogId, NodeId, StorageError, TypeConfig};
use crate::command::{Applied, Base, Command, Origin, Step};
use super::apply::{apply_to, commit_group, mark_applied};
use crate::group::Hold;
use crate::{Database, Store, StoreError, WriteLease};
use openraft::storage::{RaftStateMachine, Snapshot};
use openraft::{EntryPayload, ErrorSubject, ErrorVerb, RaftSnapshotBuilder, SnapshotMeta, StoredMembership};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// What applying entries changed, for the node's caches and sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyEvent {
    /// A transaction changed the schema of a database.
    Schema(String),
    Created(String),
    Dropped(String),
    /// A snapshot replaced every database.
    Replaced,
}

/// The parts of a large transaction whose final entry has not come yet.
struct Stash {
    origin: Origin,
    database: String,
    steps: Vec<Step>,
    /// Their entries' indexes: counted as in the files only once the final
    /// entry is, so a restart replays them again.
    indexes: Vec<u64>,
}

/// What was applied since the databases were last made durable.
#[derive(Default)]
struct Unsynced {
    databases: std::collections::HashSet<String>,
    entries: u64,
    since: Option<std::time::Instant>,
    /// Every entry up to this one is in the databases' files.
    last: Option<LogId>,
    /// Entries applied after `last`, in order, and whether each is in its
    /// file yet (an entry held in a group is not until the group commits).
    pending: VecDeque<(LogId, bool)>,
    /// Held entries whose group committed before `apply` recorded them.
    early: std::collections::HashSet<u64>,
}

impl Unsynced {
    fn applied(&mut self, id: LogId, in_file: bool) {
        let in_file = in_file || self.early.remove(&id.index);
        if in_file && self.pending.is_empty() {
            self.last = Some(id);
        } else {
            self.pending.push_back((id, in_file));
        }
    }

    /// Entries held in a group reached their file.
    fn in_file(&mut self, indexes: &[u64]) {
        for i in indexes {
            match self.pending.iter_mut().find(|(id, _)| id.index == *i) {
                Some(p) => p.1 = true,
                None => {
                    self.early.insert(*i);
                }
            }
        }
        while let Some((id, true)) = self.pending.front().copied() {
            self.last = Some(id);
            self.pending.pop_front();
        }
    }
}

/// The node-wide applied id is advanced (and the databases' WAL files
/// fsynced) after this many entries or this long, whichever comes first.
const SYNC_EVERY_ENTRIES: u64 = 512;
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// How long a group keeps taking transactions after its first entry was
/// reached: the most a commit waits for the ones grouped after it.
const GROUP_OPEN_FOR: std::time::Duration = std::time::Duration::from_millis(5);

/// The node-wide state beside the databases.
struct Meta {
    conn: Connection,
}

impl Meta {
    fn open(path: &Path) -> rusqlite::Result<Meta> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch("CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value BLOB NOT NULL)")?;
        Ok(Meta { conn })
    }

    fn get<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StorageError> {
        let raw: Option<Vec<u8>> = self.conn.query_row("SELECT value FROM state WHERE key = ?1", [key], |r| r.get(0)).optional().map_err(sm_read)?;
        raw.map(|b| bincode::deserialize(&b).map_err(sm_read)).transpose()
    }

    /// The last entry applied node-wide (stored as an `Option<LogId>`).
    fn applied(&self) -> Result<Option<LogId>, StorageError> {
        Ok(self.get::<Option<LogId>>("applied")?.flatten())
    }

    fn put<T: serde::Serialize>(&self, key: &str, value: &T) -> Result<(), StorageError> {
        let bytes = bincode::serialize(value).map_err(sm_write)?;
        self.conn
            .execute("INSERT INTO state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![key, bytes])
            .map_err(sm_write)?;
        Ok(())
    }
}

fn sm_read(e: impl std::error::Error + 'static) -> StorageError {
    storage_error(ErrorSubject::StateMachine, ErrorVerb::Read, e)
}

fn sm_write(e: impl std::error::Error + 'static) -> StorageError {
    storage_error(ErrorSubject::StateMachine, ErrorVerb::Write, e)
}

fn snap_err(e: impl std::error::Error + 'static) -> StorageError {
    storage_error(ErrorSubject::Snapshot(None), ErrorVerb::Write, e)
}

type Membership = StoredMembership<NodeId, openraft::BasicNode>;

/// What group commit did since the node started (for the metrics endpoint).
#[derive(Debug, Default)]
pub struct GroupCounters {
    /// Groups committed: one SQLite commit each.
    pub committed: AtomicU64,
    /// Transactions in those groups.
    pub transactions: AtomicU64,
    /// Groups settled (rolled back, and what committed replayed).
    pub settled: AtomicU64,
}

#[derive(Clone)]
pub struct StateMachine {
    node_id: NodeId,
    store: Arc<Store>,
    meta: Arc<parking_lot::Mutex<Meta>>,
    snapshots: PathBuf,
    events: broadcast::Sender<ApplyEvent>,
    applied: Arc<watch::Sender<u64>>,
    /// The file a snapshot being received is written to.
    incoming: Arc<parking_lot::Mutex<Option<PathBuf>>>,
    unsynced: Arc<parking_lot::Mutex<Unsynced>>,
    counters: Arc<GroupCounters>,
    stash: Arc<parking_lot::Mutex<Option<Stash>>>,
}

/// The header of a snapshot file: its metadata and the databases that follow, with their sizes.
#[derive(serde::Serialize, serde::Deserialize)]
struct SnapshotHeader {
    meta: SnapshotMeta<NodeId, openraft::BasicNode>,
    databases: Vec<(String, u64)>,
}

const SNAPSHOT_MAGIC: &[u8; 8] = b"LGSNAP1\n";

impl StateMachine {
    pub fn open(node_id: NodeId, raft_dir: &Path, store: Arc<Store>, events: broadcast::Sender<ApplyEvent>) -> Result<StateMachine, StorageError> {
        let snapshots = raft_dir.join("snapshots");
        std::fs::create_dir_all(&snapshots).map_err(snap_err)?;
        let meta = Meta::open(&raft_dir.join("state.db")).map_err(sm_read)?;
        let applied = meta.applied()?;
        let (tx, _) = watch::channel(applied.map_or(0, |l| l.index));
        Ok(StateMachine {
            node_id,
            store,
            meta: Arc::new(parking_lot::Mutex::new(meta)),
            snapshots,
            events,
            applied: Arc::new(tx),
            incoming: Arc::default(),
            unsynced: Arc::default(),
            counters: Arc::default(),
            stash: Arc::default(),
        })
    }

    /// The node id recorded in the data dir, if any (before the state machine is opened).
    pub fn recorded_node_id(raft_dir: &Path) -> Result<Option<NodeId>, StorageError> {
        let meta = Meta::open(&raft_dir.join("state.db")).map_err(sm_read)?;
        Ok(meta.get::<String>("node_id")?.and_then(|s| s.parse().ok()))
    }

    pub fn counters(&self) -> &Arc<GroupCounters> {
        &self.counters
    }

    /// The index of the last entry applied, as it changes.
    pub fn applied_index(&self) -> watch::Receiver<u64> {
        self.applied.subscribe()
    }

    /// A value kept beside the state (cluster id, node id).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StorageError> {
        self.meta.lock().get(key)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StorageError> {
        self.meta.lock().put(key, &value.to_string())
    }

    /// Applies one command; also says whether its effects are in the file
    /// yet (not while held in a group).
    async fn apply_command(&self, log_id: LogId, command: Command) -> Result<(Applied, bool), StorageError> {
        match command {
            Command::TransactionPart { database, steps, origin } => {
                let mut stash = self.stash.lock();
                if stash.as_ref().is_some_and(|s| s.origin != origin || s.database != database) {
                    drop(stash);
                    self.abandon_stash();
                    stash = self.stash.lock();
                }
                let s = stash.get_or_insert_with(|| Stash { origin, database, steps: Vec::new(), indexes: Vec::new() });
                s.steps.extend(steps);
                s.indexes.push(log_id.index);
                Ok((Applied::default(), false))
            }
            Command::Transaction { database, steps, origin, base, parts } => {
                let taken = self.stash.lock().take();
                let (steps, part_indexes) = match taken {
                    Some(s) if s.origin == origin && s.database == database && s.indexes.len() == parts as usize => {
                        let mut all = s.steps;
                        all.extend(steps);
                        (all, s.indexes)
                    }
                    other => {
                        if let Some(s) = other {
                            self.release_parts(&s.indexes);
                        }
                        if parts > 0 {
                            // Its first effects were lost (a leadership change cut them off).
                            return Ok((Applied { error: Some("could not serialize access: part of the transaction was lost".into()), conflict: true }, true));
                        }
                        (steps, Vec::new())
                    }
                };
                self.apply_transaction(log_id, &database, steps, origin, base, part_indexes).await
            }
            Command::CreateDatabase { name: created_name } => {
                self.abandon_stash();
                let store = self.store.clone();
                let name = created_name.clone();
                let created = tokio::task::spawn_blocking(move || -> Result<Result<(), String>, StorageError> {
                    if store.exists(&name) {
                        return Ok(Err(format!("database \"{name}\" already exists")));
                    }
                    match store.create(&name) {
                        Ok(()) => {}
                        Err(e @ (StoreError::InvalidName(_) | StoreError::DatabaseExists(_))) => return Ok(Err(e.to_string())),
                        Err(e) => return Err(sm_write(e)),
                    }
                    let db = store.get(&name).map_err(sm_write)?;
                    let conn = Connection::open(db.path()).map_err(sm_write)?;
                    mark_applied(&conn, log_id, Base::default()).map_err(sm_write)?;
                    Ok(Ok(()))
                })
                .await
                .map_err(sm_write)??;
                if created.is_ok() {
                    let _ = self.events.send(ApplyEvent::Created(created_name));
                }
                Ok((Applied { error: created.err(), conflict: false }, true))
            }
            Command::DropDatabase { name } => {
                self.abandon_stash();
                let store = self.store.clone();
                let n = name.clone();
                let dropped = tokio::task::spawn_blocking(move || match store.drop_database(&n, false) {
                    Ok(()) => Ok(Ok(())),
                    Err(StoreError::NoSuchDatabase(_)) => Ok(Err(format!("database \"{n}\" does not exist"))),
                    Err(e) => Err(sm_write(e)),
                })
                .await
                .map_err(sm_write)??;
                if dropped.is_ok() {
                    let _ = self.events.send(ApplyEvent::Dropped(name));
                }
                Ok((Applied { error: dropped.err(), conflict: false }, true))
            }
        }
    }

    /// Parts that will never be applied (their transaction's final entry
    /// did not follow): their entries count as done.
    fn abandon_stash(&self) {
        if let Some(s) = self.stash.lock().take() {
            self.release_parts(&s.indexes);
        }
    }

    fn release_parts(&self, indexes: &[u64]) {
        if !indexes.is_empty() {
            self.unsynced.lock().in_file(indexes);
        }
    }

    async fn apply_transaction(&self, log_id: LogId, database: &str, mut steps: Vec<Step>, origin: Origin, base: Base, parts: Vec<u64>) -> Result<(Applied, bool), StorageError> {
        let db = match self.store.get(database) {
            Ok(db) => db,
            // Dropped since (a later entry of a replayed log, or a snapshot that no longer has it).
            Err(StoreError::NoSuchDatabase(_)) => {
                self.release_parts(&parts);
                return Ok((Applied { error: Some(format!("database \"{database}\" does not exist")), conflict: false }, true));
            }
            Err(e) => return Err(sm_write(e)),
        };
        self.unsynced.lock().databases.insert(database.to_string());
        if origin.node == self.node_id {
            match db.group().hold(origin, log_id, base, steps, parts.clone()) {
                Hold::Held { first } => {
                    if first {
                        self.spawn_finisher(db);
                    }
                    return Ok((Applied::default(), false));
                }
                Hold::NotMember(s) => steps = s,
            }
        }
        let lease = loop {
            let lease = db.write().await;
            if db.group().is_empty() {
                break lease;
            }
            // A group that cannot hold this entry (left by a leadership that
            // moved, or broken): its entries that committed come first.
            self.end_group(&db, lease).await?;
        };
        let schema_changed = steps.iter().any(Step::changes_schema);
        let (lease, (applied, durable)) = tokio::task::spawn_blocking(move || apply_to(&lease, log_id, origin, base, &steps).map(|r| (lease, r)))
            .await
            .map_err(sm_write)?
            .map_err(sm_write)?;
        db.group().advanced(durable);
        drop(lease);
        self.release_parts(&parts);
        if schema_changed && applied.error.is_none() {
            db.schema_changed();
            let _ = self.events.send(ApplyEvent::Schema(database.to_string()));
        }
        Ok((applied, true))
    }

    pub(crate) fn spawn_finisher(&self, db: Arc<Database>) {
        let me = self.clone();
        tokio::spawn(async move {
            if let Err(e) = me.finish_group(db).await {
                tracing::error!(error = %e, "finishing a group of transactions failed");
            }
        });
    }

    /// Ends a database's group once every entry in it was reached (or it
    /// broke). While transactions keep joining, the group stays open (their
    /// entries share fsyncs and one SQLite commit) for at most
    /// [`GROUP_OPEN_FOR`] after its first entry was reached; then it takes
    /// no more and ends when the last entry in it is reached.
    async fn finish_group(&self, db: Arc<Database>) -> Result<(), StorageError> {
        let group = db.group().clone();
        let generation = group.generation();
        let close_at = tokio::time::Instant::now() + GROUP_OPEN_FOR;
        loop {
            let open = group.open_to_new();
            if !group.wait_ready(generation, open.then_some(close_at)).await {
                return Ok(());
            }
            if open && tokio::time::Instant::now() >= close_at {
                group.close();
            }
            if !group.ready() {
                continue;
            }
            // Transactions queued for the writer before this task still join.
            let lease = db.write().await;
            if group.generation() != generation {
                return Ok(());
            }
            if group.ready() {
                return self.end_group(&db, lease).await;
            }
        }
    }

    /// Ends the group with the writer: commits it, or settles it (rolls it
    /// back and replays the entries that were reached).
    async fn end_group(&self, db: &Arc<Database>, lease: WriteLease) -> Result<(), StorageError> {
        let group = db.group().clone();
        let members = group.take();
        let broken = group.is_broken();
        let before = group.durable();
        let schema = members.iter().any(|m| m.schema && m.applied.is_some());
        let reached: Vec<u64> = members.iter().filter(|m| m.applied.is_some()).flat_map(|m| m.parts.iter().copied().chain(m.applied.as_ref().map(|a| a.0.index))).collect();
        let size = members.len() as u64;
        // The writer is released only after the group's end is published:
        // a transaction that took it earlier would count the group's
        // transactions neither in the file nor in the group.
        let (durable, committed, lease) = tokio::task::spawn_blocking(move || commit_group(&lease, members, before, broken).map(|(d, c)| (d, c, lease)))
            .await
            .map_err(sm_write)?
            .map_err(sm_write)?;
        if committed {
            self.counters.committed.fetch_add(1, Ordering::Relaxed);
            self.counters.transactions.fetch_add(size, Ordering::Relaxed);
        } else if size > 0 {
            self.counters.settled.fetch_add(1, Ordering::Relaxed);
        }
        group.ended(durable);
        drop(lease);
        let last = {
            let mut u = self.unsynced.lock();
            u.in_file(&reached);
            u.last
        };
        if let Some(last) = last {
            self.applied.send_replace(last.index);
        }
        if schema {
            db.schema_changed();
            let _ = self.events.send(ApplyEvent::Schema(db.name().to_string()));
        }
        Ok(())
    }

    /// Makes what was applied durable, then records it as the node-wide
    /// applied id (with a membership that changed). Databases commit
    /// without fsync (the Raft log is the durable record), so their WAL
    /// files are fsynced first: the recorded id never leads what the
    /// databases hold after a power loss, and replay starts no later than
    /// needed (entries a database already holds are skipped).
    fn sync(&self, membership: Option<Membership>) -> Result<(), StorageError> {
        let (databases, last) = {
            let mut u = self.unsynced.lock();
            let taken = (std::mem::take(&mut u.databases), u.last);
            u.entries = 0;
            u.since = None;
            taken
        };
        for name in databases {
            let wal = PathBuf::from(format!("{}-wal", self.store.file(&name).display()));
            if let Ok(f) = std::fs::File::open(&wal) {
                f.sync_all().map_err(sm_write)?;
            }
        }
        // The applied id and the membership change together (one transaction).
        let m = self.meta.lock();
        m.conn.execute_batch("BEGIN").map_err(sm_write)?;
        let written = (|| {
            if let Some(last) = last {
                m.put("applied", &Some(last))?;
            }
            if let Some(ms) = &membership {
                m.put("membership", ms)?;
            }
            Ok(())
        })();
        match written {
            Ok(()) => m.conn.execute_batch("COMMIT").map_err(sm_write),
            Err(e) => {
                let _ = m.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn write_snapshot(&self) -> Result<(SnapshotMeta<NodeId, openraft::BasicNode>, PathBuf), StorageError> {
        // The snapshot starts from what is durable now.
        self.sync(None)?;
        let (applied, membership): (Option<LogId>, Membership) = {
            let m = self.meta.lock();
            (m.applied()?, m.get("membership")?.unwrap_or_default())
        };
        let id = format!("{}-{}-{}", applied.map_or(0, |l| l.leader_id.term), applied.map_or(0, |l| l.index), now_nanos());
        let meta = SnapshotMeta { last_log_id: applied, last_membership: membership, snapshot_id: id.clone() };
        let work = self.snapshots.join(format!("{id}.parts"));
        std::fs::create_dir_all(&work).map_err(snap_err)?;
        // Each database is copied after `applied` was read, so it holds at
        // least the entries up to it (a database is written before the
        // node-wide applied id); entries past it are skipped on replay.
        let mut databases = Vec::new();
        for name in self.store.list() {
            let copy = work.join(format!("{name}.db"));
            let src = match Connection::open_with_flags(self.store.file(&name), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) {
                Ok(c) => c,
                Err(_) => continue,
            };
            let mut dst = Connection::open(&copy).map_err(snap_err)?;
            rusqlite::backup::Backup::new(&src, &mut dst).and_then(|b| b.run_to_completion(i32::MAX, std::time::Duration::ZERO, None)).map_err(snap_err)?;
            drop(dst);
            let len = std::fs::metadata(&copy).map_err(snap_err)?.len();
            databases.push((name, len));
        }
        let path = self.snapshots.join(format!("{id}.snap"));
        let partial = self.snapshots.join(format!("{id}.snap.partial"));
        {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).map_err(snap_err)?);
            let header = bincode::serialize(&SnapshotHeader { meta: meta.clone(), databases: databases.clone() }).map_err(snap_err)?;
            out.write_all(SNAPSHOT_MAGIC).map_err(snap_err)?;
            out.write_all(&(header.len() as u64).to_be_bytes()).map_err(snap_err)?;
            out.write_all(&header).map_err(snap_err)?;
            for (name, _) in &databases {
                let mut f = std::fs::File::open(work.join(format!("{name}.db"))).map_err(snap_err)?;
                std::io::copy(&mut f, &mut out).map_err(snap_err)?;
            }
            let f = out.into_inner().map_err(|e| snap_err(e.into_error()))?;
            f.sync_all().map_err(snap_err)?;
        }
        std::fs::rename(&partial, &path).map_err(snap_err)?;
        let _ = std::fs::remove_dir_all(&work);
        {
            // Under the lock get_current_snapshot reads the record and opens
            // the file with: it never finds the record naming a removed file.
            let m = self.meta.lock();
            m.put("snapshot", &meta)?;
            self.remove_snapshots_except(&path);
        }
        Ok((meta, path))
    }

    fn remove_snapshots_except(&self, keep: &Path) {
        if let Ok(rd) = std::fs::read_dir(&self.snapshots) {
            for e in rd.filter_map(|e| e.ok()) {
                let p = e.path();
                if p != keep && p.extension().is_some_and(|x| x == "snap") {
                    let _ = std::fs::remove_file(p);
                }
            }
        }
    }

    fn snapshot_path(&self, id: &str) -> PathBuf {
        self.snapshots.join(format!("{id}.snap"))
    }

    /// Unpacks a received snapshot file and makes its databases current.
    fn install_from(&self, path: &Path) -> Result<SnapshotMeta<NodeId, openraft::BasicNode>, StorageError> {
        let mut f = std::io::BufReader::new(std::fs::File::open(path).map_err(snap_err)?);
        let mut magic = [0u8; 8];
        f.read_exact(&mut magic).map_err(snap_err)?;
        if &magic != SNAPSHOT_MAGIC {
            return Err(snap_err(std::io::Error::other("not a litegres snapshot")));
        }
        let mut len = [0u8; 8];
        f.read_exact(&mut len).map_err(snap_err)?;
        let mut header = vec![0u8; u64::from_be_bytes(len) as usize];
        f.read_exact(&mut header).map_err(snap_err)?;
        let header: SnapshotHeader = bincode::deserialize(&header).map_err(snap_err)?;
        let work = self.snapshots.join(format!("{}.install", header.meta.snapshot_id));
        std::fs::create_dir_all(&work).map_err(snap_err)?;
        let mut files = Vec::new();
        for (name, size) in &header.databases {
            let target = work.join(format!("{name}.db"));
            let mut out = std::fs::File::create(&target).map_err(snap_err)?;
            std::io::copy(&mut (&mut f).take(*size), &mut out).map_err(snap_err)?;
            out.sync_all().map_err(snap_err)?;
            files.push((name.clone(), target));
        }
        self.store.replace_all(files).map_err(snap_err)?;
        let _ = std::fs::remove_dir_all(&work);
        Ok(header.meta)
    }
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let me = self.clone();
        let (meta, path) = tokio::task::spawn_blocking(move || me.write_snapshot()).await.map_err(snap_err)??;
        let file = tokio::fs::File::open(&path).await.map_err(snap_err)?;
        Ok(Snapshot { meta, snapshot: Box::new(file) })
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = StateMachine;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, Membership), StorageError> {
        // In this process, what was applied; after a restart, what was made
        // durable (replaying from there is idempotent).
        let in_memory = self.unsynced.lock().last;
        let m = self.meta.lock();
        let applied = match in_memory {
            Some(l) => Some(l),
            None => m.applied()?,
        };
        Ok((applied, m.get("membership")?.unwrap_or_default()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Applied>, StorageError>
    where
        I: IntoIterator<Item = Entry> + Send,
        I::IntoIter: Send,
    {
        let mut out = Vec::new();
        let mut any = false;
        let mut membership = None;
        for entry in entries {
            any = true;
            let in_file = match entry.payload {
                EntryPayload::Blank => {
                    self.abandon_stash();
                    out.push(Applied::default());
                    true
                }
                EntryPayload::Normal(command) => {
                    let (applied, in_file) = self.apply_command(entry.log_id, command).await?;
                    out.push(applied);
                    in_file
                }
                EntryPayload::Membership(m) => {
                    self.abandon_stash();
                    membership = Some(StoredMembership::new(Some(entry.log_id), m));
                    out.push(Applied::default());
                    true
                }
            };
            self.unsynced.lock().applied(entry.log_id, in_file);
        }
        if any {
            let due = {
                let mut u = self.unsynced.lock();
                u.entries += 1;
                let since = *u.since.get_or_insert_with(std::time::Instant::now);
                membership.is_some() || u.entries >= SYNC_EVERY_ENTRIES || since.elapsed() >= SYNC_EVERY
            };
            if due {
                let me = self.clone();
                tokio::task::spawn_blocking(move || me.sync(membership)).await.map_err(sm_write)??;
            }
            if let Some(last) = self.unsynced.lock().last {
                self.applied.send_replace(last.index);
            }
        }
        Ok(out)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<tokio::fs::File>, StorageError> {
        let path = self.snapshots.join(format!("incoming-{}.snap.partial", now_nanos()));
        // Read as well as written: installing reads it back.
        let file = tokio::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).await.map_err(snap_err)?;
        *self.incoming.lock() = Some(path);
        Ok(Box::new(file))
    }

    async fn install_snapshot(&mut self, meta: &SnapshotMeta<NodeId, openraft::BasicNode>, snapshot: Box<tokio::fs::File>) -> Result<(), StorageError> {
        use tokio::io::{AsyncSeekExt, AsyncWriteExt};
        // The data is read from the handle given, wherever it was written.
        let mut source = *snapshot;
        source.seek(std::io::SeekFrom::Start(0)).await.map_err(snap_err)?;
        let path = self.snapshot_path(&meta.snapshot_id);
        let partial = path.with_extension("snap.partial");
        {
            let mut out = tokio::fs::File::create(&partial).await.map_err(snap_err)?;
            tokio::io::copy(&mut source, &mut out).await.map_err(snap_err)?;
            out.flush().await.map_err(snap_err)?;
            out.sync_all().await.map_err(snap_err)?;
        }
        drop(source);
        tokio::fs::rename(&partial, &path).await.map_err(snap_err)?;
        if let Some(incoming) = self.incoming.lock().take() {
            let _ = std::fs::remove_file(incoming);
        }
        let me = self.clone();
        let p = path.clone();
        let installed = tokio::task::spawn_blocking(move || me.install_from(&p)).await.map_err(snap_err)??;
        {
            let m = self.meta.lock();
            m.conn.execute_batch("BEGIN").map_err(sm_write)?;
            let written = m.put("applied", &installed.last_log_id).and_then(|_| m.put("membership", &installed.last_membership)).and_then(|_| m.put("snapshot", &installed));
            match written {
                Ok(()) => m.conn.execute_batch("COMMIT").map_err(sm_write)?,
                Err(e) => {
                    let _ = m.conn.execute_batch("ROLLBACK");
                    return Err(e);
                }
            }
            // Older snapshot files go under the same lock as the record (see write_snapshot).
            self.remove_snapshots_except(&path);
        }
        // The installed files are durable and replace whatever was applied before.
        *self.unsynced.lock() = Unsynced { last: installed.last_log_id, ..Unsynced::default() };
        self.applied.send_replace(installed.last_log_id.map_or(0, |l| l.index));
        let _ = self.events.send(ApplyEvent::Replaced);
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        // The record and the file it names are read together, under the lock
        // a new snapshot's record and the removal of older files take: an
        // open handle outlives the removal, a name read alone might not.
        let (meta, file) = {
            let m = self.meta.lock();
            let meta: Option<SnapshotMeta<NodeId, openraft::BasicNode>> = m.get("snapshot")?;
            let Some(meta) = meta else { return Ok(None) };
            match std::fs::File::open(self.snapshot_path(&meta.snapshot_id)) {
                Ok(file) => (meta, file),
                Err(e) => {
                    tracing::warn!(error = %e, snapshot = %meta.snapshot_id, "the recorded snapshot's file cannot be opened");
                    return Ok(None);
                }
            }
        };
        Ok(Some(Snapshot { meta, snapshot: Box::new(tokio::fs::File::from_std(file)) }))
    }
}
