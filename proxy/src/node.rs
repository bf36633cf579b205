//! State shared by every session of a node: the databases, their published
//! schemas, the translation cache, advisory locks and the registry of live
//! sessions (for cancel requests, DROP DATABASE and pg_stat_activity).

use crate::config::Config;
use crate::error::PgError;
use crate::locks::AdvisoryLocks;
use catalog::schema::{CatalogRows, Schema};
use catalog::translate::Plan;
use consensus::raft::{ApplyEvent, Cluster};
use consensus::{Database, Store};
use parking_lot::Mutex;
use rusqlite::{Connection, InterruptHandle};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

/// A published schema and its generation (bumped by every committed DDL).
#[derive(Clone)]
pub struct SchemaSnapshot {
    pub generation: u64,
    pub schema: Arc<Schema>,
}

/// Where a cancel request for one session lands.
#[derive(Default)]
pub struct CancelTarget {
    pub secret: Mutex<Vec<u8>>,
    pub interrupt: Mutex<Option<Arc<InterruptHandle>>>,
    pub canceled: AtomicBool,
    /// Set when the session must end (DROP DATABASE ... WITH (FORCE)).
    pub terminated: AtomicBool,
}

impl CancelTarget {
    pub fn cancel(&self) {
        self.canceled.store(true, Ordering::SeqCst);
        if let Some(h) = self.interrupt.lock().as_ref() {
            h.interrupt();
        }
    }
}

/// What pg_stat_activity shows of a session.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub pid: i32,
    pub user: String,
    pub database: String,
    pub application_name: String,
    pub client_addr: String,
    pub state: String,
    pub query: String,
    pub backend_start_micros: i64,
}

/// The translation cache key: everything that changes what a SQL text means.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PlanKey {
    pub database: String,
    pub generation: u64,
    pub search_path: Vec<String>,
    pub zone: String,
    pub hints: Vec<u32>,
    pub sql: String,
}

pub struct Node {
    pub config: Config,
    pub store: Arc<Store>,
    /// The Raft group every change goes through.
    pub cluster: Arc<Cluster>,
    /// Each database's schema, with the database's schema version it was read at.
    schemas: Mutex<HashMap<String, (u64, SchemaSnapshot)>>,
    generation: AtomicU64,
    pub plans: moka::sync::Cache<PlanKey, Arc<Vec<Plan>>>,
    pub locks: Arc<AdvisoryLocks>,
    /// Advisory locks of follower sessions held at the leader, and this node's sessions' at the leader.
    pub remote_locks: crate::remote_locks::RemoteLocks,
    pub cancel: Mutex<HashMap<i32, Arc<CancelTarget>>>,
    pub activity: Mutex<HashMap<i32, Activity>>,
    next_pid: AtomicI32,
    pub started_micros: i64,
    databases: Mutex<Arc<Vec<String>>>,
}

/// Reads the `__lg_*` catalog tables of a database.
pub fn load_schema(conn: &Connection) -> rusqlite::Result<Schema> {
    let mut rows = CatalogRows::default();
    let mut st = conn.prepare("SELECT oid, name FROM __lg_namespace ORDER BY oid")?;
    rows.namespaces = st.query_map([], |r| Ok((r.get::<_, i64>(0)? as u32, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let mut st = conn.prepare("SELECT oid, schema, name, kind, sqlite_name, definition, comment FROM __lg_relation")?;
    rows.relations = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as u32, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare("SELECT relid, attnum, name, type, not_null, default_expr, identity, comment FROM __lg_attribute")?;
    rows.attributes = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as u32, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare("SELECT oid, relid, name, kind, columns, ref_relid, ref_columns, on_update, on_delete, check_expr FROM __lg_constraint")?;
    rows.constraints = st
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)? as u32,
                r.get::<_, i64>(1)? as u32,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get::<_, Option<i64>>(5)?.map(|v| v as u32),
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare("SELECT oid, relid, columns, is_unique, is_primary, definition FROM __lg_index")?;
    rows.indexes = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as u32, r.get::<_, i64>(1)? as u32, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare("SELECT oid, array_oid, schema, name, labels FROM __lg_type")?;
    rows.types = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as u32, r.get::<_, i64>(1)? as u32, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare("SELECT relid, last_value, start_value, increment, min_value, max_value, cycle, is_called FROM __lg_sequence")?;
    rows.sequences = st
        .query_map([], |r| Ok((r.get::<_, i64>(0)? as u32, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))?
        .collect::<Result<_, _>>()?;
    Ok(Schema::from_rows(rows))
}

impl Node {
    pub fn new(config: Config, store: Arc<Store>, cluster: Arc<Cluster>) -> Node {
        Node {
            config,
            store,
            cluster,
            schemas: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(1),
            plans: moka::sync::Cache::builder().max_capacity(10_000).build(),
            locks: Arc::new(AdvisoryLocks::default()),
            remote_locks: Default::default(),
            cancel: Mutex::new(HashMap::new()),
            activity: Mutex::new(HashMap::new()),
            next_pid: AtomicI32::new(1000),
            started_micros: chrono::Utc::now().timestamp_micros(),
            databases: Mutex::new(Arc::new(Vec::new())),
        }
    }

    /// Keeps the node's caches in step with what the state machine applies
    /// (on a follower, every change arrives that way).
    pub fn follow_applied(self: Arc<Self>) {
        let mut events = self.cluster.subscribe();
        let node = Arc::downgrade(&self);
        tokio::spawn(async move {
            loop {
                let event = match events.recv().await {
                    Ok(e) => Some(e),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => None,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                };
                let Some(node) = node.upgrade() else { return };
                match event {
                    Some(ApplyEvent::Schema(db)) => node.forget_schema(&db),
                    Some(ApplyEvent::Created(_)) => node.databases_changed(),
                    Some(ApplyEvent::Dropped(db)) => {
                        node.terminate_sessions_on(&db);
                        node.forget_schema(&db);
                        node.databases_changed();
                    }
                    // A snapshot replaced every database: sessions still hold the
                    // old files, so they end (clients reconnect to the new ones).
                    Some(ApplyEvent::Replaced) => {
                        let databases: Vec<String> = node.activity.lock().values().map(|a| a.database.clone()).collect();
                        for db in databases {
                            node.terminate_sessions_on(&db);
                        }
                        node.schemas.lock().clear();
                        node.plans.invalidate_all();
                        node.databases_changed();
                    }
                    // Events were missed: nothing cached may be trusted.
                    None => {
                        node.schemas.lock().clear();
                        node.plans.invalidate_all();
                        node.databases_changed();
                    }
                }
            }
        });
    }

    /// Ends the sessions connected to `database` (it was dropped).
    pub fn terminate_sessions_on(&self, database: &str) {
        let pids: Vec<i32> = self.activity.lock().values().filter(|a| a.database == database).map(|a| a.pid).collect();
        for pid in pids {
            if let Some(t) = self.cancel.lock().get(&pid) {
                t.terminated.store(true, Ordering::SeqCst);
                t.cancel();
            }
            self.activity.lock().remove(&pid);
        }
    }

    /// Every database of the node (for pg_database).
    pub fn database_names(&self) -> Arc<Vec<String>> {
        let mut names = self.databases.lock();
        if names.is_empty() {
            *names = Arc::new(self.store.list());
        }
        names.clone()
    }

    /// After CREATE/DROP DATABASE: the list and every cached translation that read it are stale.
    pub fn databases_changed(&self) {
        *self.databases.lock() = Arc::new(self.store.list());
        self.plans.invalidate_all();
    }

    pub fn database(&self, name: &str) -> Result<Arc<Database>, PgError> {
        self.store.get(name).map_err(PgError::from_store)
    }

    /// The published schema of a database, loading it on first use.
    pub fn schema(&self, db: &Database) -> Result<SchemaSnapshot, PgError> {
        // Read the version first: a change applied while loading makes the next call reload.
        let version = db.schema_version();
        if let Some((v, s)) = self.schemas.lock().get(db.name()) {
            if *v == version {
                return Ok(s.clone());
            }
        }
        let conn = db.read().map_err(PgError::from_store)?;
        let schema = load_schema(&conn).map_err(|e| PgError::from_sqlite(e, None))?;
        let snap = SchemaSnapshot { generation: self.generation.fetch_add(1, Ordering::SeqCst), schema: Arc::new(schema) };
        self.schemas.lock().insert(db.name().to_string(), (version, snap.clone()));
        Ok(snap)
    }

    /// Publishes a schema read from the writer after a committed DDL.
    pub fn publish_schema(&self, db: &Database, schema: Schema) -> SchemaSnapshot {
        let snap = SchemaSnapshot { generation: self.generation.fetch_add(1, Ordering::SeqCst), schema: Arc::new(schema) };
        self.schemas.lock().insert(db.name().to_string(), (db.schema_version(), snap.clone()));
        snap
    }

    pub fn forget_schema(&self, db: &str) {
        self.schemas.lock().remove(db);
    }

    pub fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst)
    }

    pub fn new_pid(&self) -> i32 {
        self.next_pid.fetch_add(1, Ordering::SeqCst)
    }

    /// Rows of a live catalog relation as a JSON array of arrays, in the
    /// column order of `catalog::pg_catalog::live_columns`.
    pub fn live_rows(&self, name: &str, settings: &crate::settings::Settings) -> String {
        use serde_json::{json, Value};
        let stamp = |us: i64| chrono::DateTime::<chrono::Utc>::from_timestamp_micros(us).map(catalog::value::datetime::store_timestamptz);
        let rows: Vec<Value> = match name {
            "pg_stat_activity" => {
                let mut sessions: Vec<Activity> = self.activity.lock().values().cloned().collect();
                let databases = self.store.list();
                sessions.sort_by_key(|a| a.pid);
                sessions
                    .into_iter()
                    .map(|a| {
                        let start = stamp(a.backend_start_micros);
                        json!([catalog::pg_catalog::database_oid(&a.database, &databases), a.database, a.pid, null, 10, a.user, a.application_name, a.client_addr, null, null, start, null, null, null, null, null, a.state, null, null, null, a.query, "client backend"])
                    })
                    .collect()
            }
            "pg_locks" => {
                let databases = self.store.list();
                let activity = self.activity.lock();
                self.locks
                    .list()
                    .into_iter()
                    .map(|l| {
                        let (hi, lo) = ((l.key >> 32) as u32, l.key as u32);
                        let database = activity.get(&l.pid).map(|a| catalog::pg_catalog::database_oid(&a.database, &databases));
                        json!(["advisory", database, null, null, null, null, null, 0, lo, if hi == 0 { 1 } else { 2 }, format!("{}/1", l.pid), l.pid, if l.exclusive { "ExclusiveLock" } else { "ShareLock" }, true, false, null])
                    })
                    .collect()
            }
            "pg_stat_replication" => {
                let st = self.cluster.status();
                let lsn = |i: u64| format!("0/{i:X}");
                st.lag
                    .iter()
                    .filter(|(id, _)| **id != st.node_id)
                    .map(|(id, lag)| {
                        let matched = st.last_log_index.saturating_sub(*lag);
                        let state = if st.learners.contains(id) { "catchup" } else { "streaming" };
                        let addr = st.nodes.get(id).cloned().unwrap_or_default();
                        json!([*id as i64, 10, "litegres", format!("node {id}"), addr, null, null, null, null, state, lsn(st.last_log_index), lsn(matched), lsn(matched), lsn(matched), null, null, null, 1, "quorum", null])
                    })
                    .collect()
            }
            "database_sizes" => self
                .store
                .list()
                .into_iter()
                .map(|name| {
                    let bytes = self.store.file_bytes(&name);
                    json!([name, bytes])
                })
                .collect(),
            "pg_settings" => settings
                .all()
                .into_iter()
                .map(|(k, v)| json!([k, v, null, "Customized Options", "", null, "user", "string", "session", null, null, null, v, v, null, null, false]))
                .collect(),
            _ => Vec::new(),
        };
        Value::Array(rows).to_string()
    }

    pub fn sessions_on(&self, database: &str) -> usize {
        self.activity.lock().values().filter(|a| a.database == database).count()
    }
}
