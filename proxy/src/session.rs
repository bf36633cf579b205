//! A client session: its settings, its transaction and the path each
//! statement takes.
//!
//! - Reads outside a write transaction run on a pooled read-only connection.
//! - Writes take the database's single writer ([`consensus::Database::write`]).
//!   Autocommit writes hold it for one statement; a transaction takes it at
//!   its first write and keeps it until COMMIT/ROLLBACK, so its reads see its
//!   own writes. READ COMMITTED reads before that saw earlier snapshots, as in
//!   PostgreSQL; REPEATABLE READ/SERIALIZABLE read one snapshot and fail with
//!   40001 if they write after another transaction committed.
//! - After an error, a transaction is failed: every statement gets 25P02
//!   until ROLLBACK or ROLLBACK TO SAVEPOINT.

use crate::copy::{CopyIn, CopyOutData};
use crate::error::PgError;
use crate::exec::{self, Output, Run};
use crate::functions::ExecCtx;
use crate::inline::InlineCache;
use crate::node::{load_schema, CancelTarget, Node, PlanKey, SchemaSnapshot};
use crate::settings::Settings;
use catalog::runtime::RuntimeCtx;
use catalog::translate::{self, Access, Context, CopyDirection, Notice, OutColumn, Plan, SetValue, SqlPlan, Tag, TxnMode};
use catalog::types::PgType;
use catalog::value::{FormatOptions, Value};
use consensus::{Database, ReadConn, WriteLease};
use pgwire::messages::response::TransactionStatus;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// What a statement produced.
pub enum Outcome {
    Rows(Output),
    Command(String),
    /// COPY FROM STDIN started: the client now sends data.
    CopyIn { columns: usize, binary: bool },
    CopyOut(CopyOutData),
    Empty,
}

pub struct Txn {
    pub read_only: bool,
    pub isolation: String,
    pub failed: bool,
    /// Open savepoints, each with where the recorded effects stood when it was set.
    pub savepoints: Vec<(String, consensus::effects::Mark)>,
    /// The schema as this transaction's own DDL left it (not yet published).
    pub schema: Option<SchemaSnapshot>,
    pub start_micros: i64,
    /// Implicit transaction of a multi-statement query string.
    pub implicit: bool,
    /// REPEATABLE READ / SERIALIZABLE: the commit count when the snapshot was
    /// taken. A write after other commits is a serialization failure.
    pub snapshot_commit: Option<u64>,
    /// The state of each sequence the transaction advanced (nextval,
    /// setval): kept when it rolls back, as PostgreSQL never gives a value
    /// out twice.
    pub sequences: std::collections::BTreeMap<String, (i64, bool)>,
}

pub struct Session {
    pub node: Arc<Node>,
    pub pid: i32,
    pub user: String,
    pub database: String,
    pub db: Arc<Database>,
    pub settings: Settings,
    pub(crate) settings_snapshot: Option<Arc<Settings>>,
    pub txn: Option<Txn>,
    /// The writer, held by a transaction from its first write to its end.
    pub(crate) lease: Option<WriteLease>,
    /// A READ ONLY transaction's snapshot, held for its whole length.
    pub(crate) snapshot: Option<ReadConn>,
    pub cancel: Arc<CancelTarget>,
    pub(crate) currval: HashMap<String, i64>,
    pub(crate) lastval: Option<i64>,
    /// Bumped by every statement; the idle-in-transaction timer compares it.
    pub epoch: u64,
    /// Set when the session was ended from outside (idle timeout).
    pub terminated: Option<PgError>,
    /// Whose advisory locks this session takes: its own pid, or for a
    /// stand-in of a follower's session, that session's owner at the leader.
    pub lock_owner: i32,
    /// ParameterStatus messages owed to the client.
    pub pending_status: Vec<(String, String)>,
    pub copy_in: Option<CopyIn>,
    /// An error met while COPY data streamed in, reported at CopyDone.
    pub pending_error: Option<PgError>,
    /// NOTICE/WARNING messages of the statement being run.
    pub notices: Vec<Notice>,
    /// Prepared statements to forget (DEALLOCATE name; None: all, as DISCARD ALL).
    pub deallocate: Vec<Option<String>>,
    /// Statements prepared with SQL `PREPARE`, by name.
    sql_prepared: HashMap<String, translate::Prepared>,
    pub(crate) next_txid: i64,
    live: Arc<dyn Fn(&str, &Settings) -> String + Send + Sync>,
    /// The log index of this session's last committed write (read-your-writes).
    pub last_write_index: u64,
    /// The SQL text of the statement being run, for forwarding it to the leader.
    pub statement_text: Option<String>,
    /// The transaction running at the leader for this session (see [`crate::forward`]).
    pub(crate) remote: Option<crate::forward::TxnKey>,
    pub(crate) remote_seq: u64,
    /// COPY FROM data gathered on a follower, sent to the leader at CopyDone.
    pub(crate) copy_forward: Option<Vec<u8>>,
    /// Which statements run on this connection's task (see [`crate::inline`]).
    inline: InlineCache,
}

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn in_blocking<R>(f: impl FnOnce() -> R) -> R {
    tokio::task::block_in_place(f)
}

/// Runs `f` in place or on a blocking thread (see [`Session::in_place`]).
fn placed<R>(in_place: bool, f: impl FnOnce() -> R) -> R {
    if in_place {
        f()
    } else {
        in_blocking(f)
    }
}

impl Session {
    pub fn new(node: Arc<Node>, pid: i32, user: &str, database: &str, db: Arc<Database>, cancel: Arc<CancelTarget>) -> Session {
        let node_for_live = node.clone();
        Session {
            node,
            pid,
            user: user.to_string(),
            database: database.to_string(),
            db,
            settings: Settings::new(user),
            settings_snapshot: None,
            txn: None,
            lease: None,
            snapshot: None,
            cancel,
            currval: HashMap::new(),
            lastval: None,
            epoch: 0,
            terminated: None,
            lock_owner: pid,
            pending_status: Vec::new(),
            copy_in: None,
            pending_error: None,
            notices: Vec::new(),
            deallocate: Vec::new(),
            sql_prepared: HashMap::new(),
            next_txid: 1000,
            last_write_index: 0,
            statement_text: None,
            remote: None,
            remote_seq: 0,
            copy_forward: None,
            inline: InlineCache::default(),
            live: {
                let node = Arc::downgrade(&node_for_live);
                Arc::new(move |name: &str, settings: &Settings| node.upgrade().map(|n| n.live_rows(name, settings)).unwrap_or_else(|| "[]".into()))
            },
        }
    }

    /// Whether this session holds the writer, here or at the leader (for the idle-in-transaction timer).
    pub fn holds_writer(&self) -> bool {
        self.lease.is_some() || self.remote.is_some()
    }

    pub fn status(&self) -> TransactionStatus {
        match &self.txn {
            None => TransactionStatus::Idle,
            Some(t) if t.implicit => TransactionStatus::Idle,
            Some(t) if t.failed => TransactionStatus::Error,
            Some(_) => TransactionStatus::Transaction,
        }
    }

    pub fn format(&self) -> FormatOptions {
        self.settings.format_options()
    }

    /// The search path as PostgreSQL applies it: schemas that do not exist are skipped.
    fn search_path(&self) -> Vec<String> {
        let path = self.settings.search_path(&self.user);
        match self.schema() {
            Ok(snap) => path.into_iter().filter(|s| snap.schema.has_namespace(s) || s == "pg_catalog").collect(),
            Err(_) => path,
        }
    }

    /// The schema this session sees: its transaction's own, or the published one.
    pub fn schema(&self) -> Result<SchemaSnapshot, PgError> {
        if let Some(s) = self.txn.as_ref().and_then(|t| t.schema.clone()) {
            return Ok(s);
        }
        self.node.schema(&self.db)
    }

    /// Translates a query string, through the plan cache.
    pub fn plans(&self, sql: &str, hints: &[Option<PgType>]) -> Result<Arc<Vec<Plan>>, PgError> {
        let snap = self.schema()?;
        let search_path = self.search_path();
        let format = self.format();
        let key = PlanKey {
            database: self.database.clone(),
            generation: snap.generation,
            search_path: search_path.clone(),
            zone: format.zone.name.clone(),
            hints: hints.iter().map(|h| h.as_ref().map(|t| t.wire().oid()).unwrap_or(0)).collect(),
            sql: sql.to_string(),
        };
        if let Some(p) = self.node.plans.get(&key) {
            return Ok(p);
        }
        let databases = self.node.database_names();
        let ctx = Context {
            schema: &snap.schema,
            search_path: &search_path,
            format: &format,
            param_hints: hints,
            current_user: &self.user,
            database: &self.database,
            databases: &databases,
        };
        let plans = Arc::new(translate::translate(sql, &ctx)?);
        self.node.plans.insert(key, plans.clone());
        Ok(plans)
    }

    fn exec_ctx(&mut self) -> Option<ExecCtx> {
        let settings = self.settings_snapshot.get_or_insert_with(|| Arc::new(self.settings.clone())).clone();
        let start = self.txn.as_ref().map(|t| t.start_micros).unwrap_or_else(now_micros);
        Some(ExecCtx {
            runtime: RuntimeCtx { format: settings.format_options(), txn_start_micros: start },
            settings,
            set_config: Vec::new(),
            currval: std::mem::take(&mut self.currval),
            drawn: Vec::new(),
            lastval: self.lastval,
            backend_pid: self.pid,
            lock_owner: self.lock_owner,
            locks: self.node.locks.clone(),
            in_transaction: self.txn.as_ref().is_some_and(|t| !t.implicit),
            txid: self.next_txid,
            live: self.live.clone(),
        })
    }

    pub(crate) fn settings_changed(&mut self) {
        self.settings_snapshot = None;
    }

    /// Takes back what SQL functions changed (sequences, set_config).
    fn absorb_ctx(&mut self, ctx: Option<ExecCtx>) -> Result<(), PgError> {
        let Some(ctx) = ctx else { return Ok(()) };
        self.currval = ctx.currval;
        self.lastval = ctx.lastval;
        if let Some(t) = self.txn.as_mut() {
            t.sequences.extend(ctx.drawn.into_iter().map(|(k, v, called)| (k, (v, called))));
        }
        let in_txn = self.txn.is_some();
        for (name, value, local) in ctx.set_config {
            if let Some(report) = self.settings.set(&name, Some(&value), local, in_txn)? {
                self.pending_status.push(report);
            }
            self.settings_changed();
        }
        Ok(())
    }

    /// Runs a statement on `conn`, with cancel and statement_timeout wired to its interrupt.
    fn run_on(&mut self, conn: &rusqlite::Connection, plan: &SqlPlan, params: &[Value], binary: &(dyn Fn(usize) -> bool + Sync), max_rows: usize) -> Result<Output, PgError> {
        let snap = self.schema()?;
        let format = self.format();
        let mut ctx = self.exec_ctx();
        let handle = Arc::new(conn.get_interrupt_handle());
        *self.cancel.interrupt.lock() = Some(handle.clone());
        self.cancel.canceled.store(false, Ordering::SeqCst);
        let timeout_ms = self.settings.millis("statement_timeout");
        let timed_out = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let timer = (timeout_ms > 0).then(|| {
            let (h, flag) = (handle.clone(), timed_out.clone());
            let done = Arc::new((parking_lot::Mutex::new(false), parking_lot::Condvar::new()));
            let d2 = done.clone();
            std::thread::spawn(move || {
                let mut finished = d2.0.lock();
                if !*finished && !d2.1.wait_for(&mut finished, Duration::from_millis(timeout_ms)).timed_out() {
                    return;
                }
                if !*finished {
                    flag.store(true, Ordering::SeqCst);
                    h.interrupt();
                }
            });
            done
        });
        let search_path = self.search_path();
        let run = Run { plan, params, binary, format: &format, schema: &snap.schema, search_path: &search_path, max_rows };
        let result = exec::run(conn, &run, &mut ctx);
        if let Some(done) = timer {
            *done.0.lock() = true;
            done.1.notify_all();
        }
        *self.cancel.interrupt.lock() = None;
        self.absorb_ctx(ctx)?;
        match result {
            Err(e) if e.sqlstate().code() == "57014" && timed_out.load(Ordering::SeqCst) => Err(PgError::StatementTimeout),
            other => other,
        }
    }

    /// Runs one statement of a simple-query string or an Execute.
    pub async fn execute(&mut self, plan: &Plan, params: &[Value], binary: &(dyn Fn(usize) -> bool + Sync), max_rows: usize) -> Result<Outcome, PgError> {
        if let Some(e) = self.terminated.take() {
            return Err(e);
        }
        if self.cancel.terminated.load(Ordering::SeqCst) {
            return Err(PgError::Terminated);
        }
        self.epoch += 1;
        let failed = self.txn.as_ref().is_some_and(|t| t.failed);
        if failed && !matches!(plan, Plan::Rollback | Plan::RollbackTo(_) | Plan::Commit | Plan::Empty) {
            return Err(PgError::InFailedTransaction);
        }
        let result = self.execute_inner(plan, params, binary, max_rows).await;
        if result.is_err() {
            if let Some(t) = self.txn.as_mut() {
                t.failed = true;
            }
        }
        result
    }

    async fn execute_inner(&mut self, plan: &Plan, params: &[Value], binary: &(dyn Fn(usize) -> bool + Sync), max_rows: usize) -> Result<Outcome, PgError> {
        // CREATE and DROP DATABASE on a follower are run by the leader.
        if matches!(plan, Plan::CreateDatabase(_) | Plan::DropDatabase { .. }) && self.remote.is_none() && self.txn.as_ref().is_none_or(|t| t.implicit) && !self.node.cluster.is_leader() {
            let r = self.forward(params, &[], binary).await;
            self.node.databases_changed();
            return r;
        }
        // A transaction that already writes at the leader runs there to its end.
        // (COPY FROM gathers its data here first, then goes to the leader.)
        let copy_in = matches!(plan, Plan::Copy(cp) if cp.direction == CopyDirection::In);
        if self.remote.is_some() && !copy_in && !matches!(plan, Plan::Commit | Plan::Rollback | Plan::Empty) {
            let types = match plan {
                Plan::Sql(p) => p.params.clone(),
                _ => Vec::new(),
            };
            let r = self.forward(params, &types, binary).await;
            if r.is_ok() && matches!(plan, Plan::RollbackTo(_)) {
                // The leader left its failed state; so does this session.
                if let Some(t) = self.txn.as_mut() {
                    t.failed = false;
                }
            }
            return r;
        }
        match plan {
            Plan::Empty => Ok(Outcome::Empty),
            Plan::Sql(p) => self.sql(p, params, binary, max_rows).await,
            Plan::Begin(mode) => self.begin(mode, false).await,
            Plan::Commit => self.commit().await,
            Plan::Rollback => {
                if self.txn.as_ref().is_none_or(|t| t.implicit) {
                    self.notices.push(Notice::warning("25P01", "there is no transaction in progress"));
                    if self.txn.is_none() {
                        return Ok(Outcome::Command("ROLLBACK".into()));
                    }
                }
                self.end_txn(false).await?;
                Ok(Outcome::Command("ROLLBACK".into()))
            }
            Plan::Savepoint(name) => self.savepoint(name),
            Plan::Release(name) => self.release(name),
            Plan::RollbackTo(name) => self.rollback_to(name),
            Plan::Set { name, value, local } => {
                let v = match value {
                    SetValue::Default => None,
                    SetValue::Value(v) => Some(v.as_str()),
                };
                if name == "transaction_isolation" || name == "transaction_read_only" {
                    return self.set_transaction(name, v);
                }
                let in_txn = self.txn.as_ref().is_some_and(|t| !t.implicit);
                if *local && !in_txn {
                    self.notices.push(Notice::warning("25P01", "SET LOCAL can only be used in transaction blocks"));
                }
                if let Some(report) = self.settings.set(name, v, *local, in_txn)? {
                    self.pending_status.push(report);
                }
                self.settings_changed();
                Ok(Outcome::Command("SET".into()))
            }
            Plan::SetTransaction(mode) => {
                let t = self.txn.as_mut().ok_or(PgError::NoTransaction("SET TRANSACTION"))?;
                if let Some(ro) = mode.read_only {
                    t.read_only = ro;
                }
                if let Some(iso) = &mode.isolation {
                    t.isolation = iso.clone();
                }
                Ok(Outcome::Command("SET".into()))
            }
            Plan::Show(name) => self.show(name),
            Plan::Reset(name) => {
                let in_txn = self.txn.as_ref().is_some_and(|t| !t.implicit);
                match name {
                    Some(n) => {
                        if let Some(report) = self.settings.set(n, None, false, in_txn)? {
                            self.pending_status.push(report);
                        }
                    }
                    None => self.settings.reset_all(),
                }
                self.settings_changed();
                Ok(Outcome::Command("RESET".into()))
            }
            Plan::DiscardAll => {
                if self.txn.as_ref().is_some_and(|t| !t.implicit) {
                    return Err(PgError::InsideTransaction("DISCARD ALL"));
                }
                self.settings.reset_all();
                self.settings_changed();
                self.currval.clear();
                self.lastval = None;
                self.node.locks.release_session(self.lock_owner);
                self.deallocate.push(None);
                self.sql_prepared.clear();
                Ok(Outcome::Command("DISCARD ALL".into()))
            }
            Plan::Prepare(p) => {
                if self.sql_prepared.contains_key(&p.name) {
                    return Err(PgError::Function { code: "42P05", message: format!("prepared statement \"{}\" already exists", p.name) });
                }
                self.sql_prepared.insert(p.name.clone(), (**p).clone());
                Ok(Outcome::Command("PREPARE".into()))
            }
            Plan::Execute { name, args } => {
                let prepared = self
                    .sql_prepared
                    .get(name)
                    .ok_or_else(|| PgError::Function { code: "26000", message: format!("prepared statement \"{name}\" does not exist") })?;
                let statement = prepared.bind(args)?;
                let plan = self.plan_unit(&translate::Unit::Parsed(Box::new(statement)))?;
                Box::pin(self.execute(&plan, &[], binary, max_rows)).await
            }
            Plan::Deallocate(name) => {
                match name {
                    Some(n) => {
                        self.sql_prepared.remove(n);
                    }
                    None => self.sql_prepared.clear(),
                }
                self.deallocate.push(name.clone());
                Ok(Outcome::Command(if name.is_some() { "DEALLOCATE" } else { "DEALLOCATE ALL" }.into()))
            }
            Plan::Vacuum | Plan::Checkpoint => {
                if self.txn.as_ref().is_some_and(|t| !t.implicit) {
                    return Err(PgError::InsideTransaction(if matches!(plan, Plan::Vacuum) { "VACUUM" } else { "CHECKPOINT" }));
                }
                let lease = self.db.write_idle().await;
                // Never SQLite's VACUUM: it renumbers rowids on this node only (see
                // consensus::database::configure_writer). A file made before
                // incremental auto-vacuum frees nothing here.
                let sql = if matches!(plan, Plan::Vacuum) { "PRAGMA incremental_vacuum" } else { "PRAGMA wal_checkpoint(PASSIVE)" };
                // Stepped to the end: incremental_vacuum frees one page per step.
                let run = || -> rusqlite::Result<()> {
                    let mut stmt = lease.prepare(sql)?;
                    let mut rows = stmt.raw_query();
                    while rows.next()?.is_some() {}
                    Ok(())
                };
                in_blocking(run).map_err(|e| PgError::from_sqlite(e, None))?;
                Ok(Outcome::Command(if matches!(plan, Plan::Vacuum) { "VACUUM" } else { "CHECKPOINT" }.into()))
            }
            Plan::Analyze => {
                let sql = SqlPlan {
                    pre: vec![],
                    sql: "ANALYZE".into(),
                    post: vec![],
                    params: vec![],
                    columns: vec![],
                    returns_rows: false,
                    tag: Tag::Other("ANALYZE".into()),
                    access: Access::Write,
                    sequences: vec![],
                    notices: vec![],
                };
                self.sql(&sql, &[], &|_| false, 0).await
            }
            Plan::Copy(cp) => match cp.direction {
                CopyDirection::In => {
                    if self.txn.as_ref().is_some_and(|t| t.read_only) {
                        return Err(PgError::ReadOnlyTransaction("COPY FROM".into()));
                    }
                    let binary = cp.format == catalog::translate::CopyFormat::Binary;
                    if self.must_forward(true) {
                        // On a follower the rows are loaded by the leader, in one go at CopyDone.
                        self.copy_forward = Some(Vec::new());
                    } else {
                        self.start_write().await?;
                    }
                    self.copy_in = Some(CopyIn::new(cp.clone()));
                    Ok(Outcome::CopyIn { columns: cp.columns.len(), binary })
                }
                CopyDirection::Out => {
                    let sql = SqlPlan {
                        pre: vec![],
                        sql: cp.sql.clone(),
                        post: vec![],
                        params: vec![],
                        columns: cp.columns.clone(),
                        returns_rows: true,
                        tag: Tag::Select,
                        access: Access::Read,
                        sequences: vec![],
                        notices: vec![],
                    };
                    let out = match self.sql(&sql, &[], &|_| false, 0).await? {
                        Outcome::Rows(o) => o,
                        _ => return Err(PgError::Internal("COPY TO produced no rows".into())),
                    };
                    Ok(Outcome::CopyOut(crate::copy::encode_out(cp, &out)?))
                }
            },
            Plan::Noop(tag) => Ok(Outcome::Command(tag.to_string())),
            Plan::CreateDatabase(name) => {
                if self.txn.as_ref().is_some_and(|t| !t.implicit) {
                    return Err(PgError::InsideTransaction("CREATE DATABASE"));
                }
                if name == catalog::pg_catalog::TEMPLATE0 {
                    return Err(PgError::DuplicateDatabase(name.clone()));
                }
                if !consensus::valid_name(name) {
                    return Err(PgError::from_store(consensus::StoreError::InvalidName(name.clone())));
                }
                if self.node.store.exists(name) {
                    return Err(PgError::DuplicateDatabase(name.clone()));
                }
                let index = self.node.cluster.create_database(name).await.map_err(|e| match e {
                    consensus::raft::CommitError::Rejected(m) if m.contains("already exists") => PgError::DuplicateDatabase(name.clone()),
                    e => PgError::from_commit(e),
                })?;
                self.last_write_index = self.last_write_index.max(index);
                self.node.databases_changed();
                Ok(Outcome::Command("CREATE DATABASE".into()))
            }
            Plan::DropDatabase { name, if_exists, force } => {
                if self.txn.as_ref().is_some_and(|t| !t.implicit) {
                    return Err(PgError::InsideTransaction("DROP DATABASE"));
                }
                if *name == self.database {
                    return Err(PgError::DropCurrentDatabase);
                }
                if name == "template1" || name == catalog::pg_catalog::TEMPLATE0 {
                    return Err(PgError::DropTemplateDatabase);
                }
                if !self.node.store.exists(name) {
                    if *if_exists {
                        self.notices.push(Notice::notice("00000", format!("database \"{name}\" does not exist, skipping")));
                        return Ok(Outcome::Command("DROP DATABASE".into()));
                    }
                    return Err(PgError::NoSuchDatabase(name.clone()));
                }
                let others: Vec<i32> = self.node.activity.lock().values().filter(|a| a.database == *name).map(|a| a.pid).collect();
                if !others.is_empty() {
                    if !force {
                        return Err(PgError::DatabaseInUse(name.clone()));
                    }
                    // WITH (FORCE): the other sessions end at their next statement; a running one is interrupted.
                    for pid in &others {
                        if let Some(t) = self.node.cancel.lock().get(pid) {
                            t.terminated.store(true, Ordering::SeqCst);
                            t.cancel();
                        }
                        self.node.activity.lock().remove(pid);
                    }
                }
                let index = self.node.cluster.drop_database(name).await.map_err(|e| match e {
                    consensus::raft::CommitError::Rejected(_) => PgError::NoSuchDatabase(name.clone()),
                    e => PgError::from_commit(e),
                })?;
                self.last_write_index = self.last_write_index.max(index);
                self.node.forget_schema(name);
                self.node.databases_changed();
                Ok(Outcome::Command("DROP DATABASE".into()))
            }
        }
    }

    fn show(&self, name: &str) -> Result<Outcome, PgError> {
        let text_col = |n: &str| OutColumn::new(n, PgType::TEXT);
        if name == "all" {
            let rows = self.settings.all().into_iter().map(|(k, v)| exec::encode_values(&[Some(k), Some(v), Some(String::new())])).collect::<Vec<_>>();
            let n = rows.len();
            return Ok(Outcome::Rows(Output { columns: vec![text_col("name"), text_col("setting"), text_col("description")], rows, tag: format!("SHOW {n}") }));
        }
        let value = match (name, &self.txn) {
            ("transaction_isolation", Some(t)) => Some(t.isolation.clone()),
            ("transaction_read_only", Some(t)) => Some(if t.read_only { "on" } else { "off" }.to_string()),
            ("litegres.replica_lag", _) => Some(self.node.cluster.replica_lag().to_string()),
            _ => self.settings.get(name),
        };
        let value = value.ok_or_else(|| PgError::Translate(translate::TranslateError::UndefinedParameter(name.to_string())))?;
        let value = match name.to_ascii_lowercase().as_str() {
            "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" | "idle_session_timeout" => show_millis(&value),
            _ => value,
        };
        let col = match name.to_ascii_lowercase().as_str() {
            "timezone" => "TimeZone".to_string(),
            "datestyle" => "DateStyle".to_string(),
            "intervalstyle" => "IntervalStyle".to_string(),
            other => other.to_string(),
        };
        Ok(Outcome::Rows(Output { columns: vec![text_col(&col)], rows: vec![exec::encode_values(&[Some(value)])], tag: "SHOW".into() }))
    }

    async fn sql(&mut self, plan: &SqlPlan, params: &[Value], binary: &(dyn Fn(usize) -> bool + Sync), max_rows: usize) -> Result<Outcome, PgError> {
        self.notices.extend(plan.notices.iter().cloned());
        if plan.pre.is_empty() && plan.sql.is_empty() && plan.post.is_empty() {
            // Nothing to run (a skipped IF [NOT] EXISTS).
            return Ok(Outcome::Command(plan.tag.render(0)));
        }
        if !self.node.cluster.is_leader() && plan.sql.contains("lg_advisory(") {
            // Only the leader's advisory locks exclude every node's sessions:
            // the statement runs there, under this session's owner.
            self.node.remote_locks.flag(self.pid);
            let out = self.forward(params, &plan.params, binary).await;
            if out.is_ok() {
                self.node.remote_locks.confirm(self.pid);
            }
            return out;
        }
        let writes = plan.access != Access::Read || !plan.sequences.is_empty();
        if !writes {
            return self.read(plan, params, binary, max_rows).await;
        }
        if self.txn.as_ref().is_some_and(|t| t.read_only) {
            return Err(PgError::ReadOnlyTransaction(match plan.tag {
                Tag::Insert => "INSERT".into(),
                Tag::Update => "UPDATE".into(),
                Tag::Delete => "DELETE".into(),
                Tag::Select => "SELECT with side effects".into(),
                Tag::Other(ref t) => t.clone(),
            }));
        }
        if self.must_forward(true) {
            return self.forward(params, &plan.params, binary).await;
        }
        let autocommit = self.txn.is_none();
        self.start_write().await?;
        let result = self.write_in_txn(plan, params, binary, max_rows);
        if autocommit {
            let ok = result.is_ok();
            let end = self.end_txn(ok).await;
            let out = result?;
            end?;
            return Ok(out);
        }
        result
    }

    /// Runs a write inside the current transaction, which holds the writer.
    fn write_in_txn(&mut self, plan: &SqlPlan, params: &[Value], binary: &(dyn Fn(usize) -> bool + Sync), max_rows: usize) -> Result<Outcome, PgError> {
        let lease = self.lease.take().ok_or_else(|| PgError::Internal("no writer".into()))?;
        if lease.lost_transaction() {
            // SQLite rolled the transaction back under an earlier error: nothing may run outside it.
            self.lease = Some(lease);
            return Err(PgError::InFailedTransaction);
        }
        let multi = !plan.pre.is_empty() || !plan.post.is_empty();
        let in_place = self.in_place(plan, &lease);
        let run = || -> Result<(Output, Option<catalog::schema::Schema>), PgError> {
            // A statement made of several SQLite statements is atomic on its own.
            if multi {
                lease.execute_batch("SAVEPOINT lg_stmt").map_err(|e| PgError::from_sqlite(e, None))?;
            }
            let mark = lease.mark();
            let r = self.run_on(&lease, plan, params, binary, max_rows);
            if r.is_err() {
                // SQLite undid the failed statement; so do its recorded effects.
                lease.rewind(mark);
                if lease.lost_transaction() {
                    // Some errors roll back the whole SQLite transaction, and
                    // with it the transactions grouped before this one.
                    self.node.cluster.break_group(lease.database(), lease.group());
                    return r.map(|o| (o, None));
                }
            }
            if multi {
                let end = if r.is_ok() { "RELEASE lg_stmt" } else { "ROLLBACK TO lg_stmt; RELEASE lg_stmt" };
                lease.execute_batch(end).map_err(|e| PgError::from_sqlite(e, None))?;
            }
            let r = r?;
            let schema = if plan.access == Access::Ddl { Some(load_schema(&lease).map_err(|e| PgError::from_sqlite(e, None))?) } else { None };
            Ok((r, schema))
        };
        let result = placed(in_place, run);
        self.lease = Some(lease);
        let (out, schema) = result?;
        if let Some(schema) = schema {
            let snap = SchemaSnapshot { generation: self.node.next_generation(), schema: Arc::new(schema) };
            if let Some(t) = self.txn.as_mut() {
                t.schema = Some(snap);
            }
        }
        Ok(if plan.returns_rows { Outcome::Rows(out) } else { Outcome::Command(out.tag) })
    }

    async fn read(&mut self, plan: &SqlPlan, params: &[Value], binary: &(dyn Fn(usize) -> bool + Sync), max_rows: usize) -> Result<Outcome, PgError> {
        let returns_rows = plan.returns_rows;
        let wrap = |out: Output| if returns_rows { Outcome::Rows(out) } else { Outcome::Command(out.tag) };
        let run = |s: &mut Session, conn: &rusqlite::Connection| s.run_on(conn, plan, params, binary, max_rows);
        // Inside a transaction that holds the writer (or a snapshot), read there.
        if let Some(lease) = self.lease.take() {
            if lease.lost_transaction() {
                self.lease = Some(lease);
                return Err(PgError::InFailedTransaction);
            }
            let r = placed(self.in_place(plan, &lease), || run(self, &lease));
            self.lease = Some(lease);
            return r.map(wrap);
        }
        if let Some(snap) = self.snapshot.take() {
            let r = placed(self.in_place(plan, &snap), || run(self, &snap));
            self.snapshot = Some(snap);
            return r.map(wrap);
        }
        crate::replica::wait_for_consistency(self.node.cluster.clone(), self.settings.get("litegres.read_consistency"), self.last_write_index).await?;
        let db = self.db.clone();
        // Only an idle pooled connection may be used in place: opening one, or waiting for one, blocks.
        if let Some(conn) = db.try_read() {
            return placed(self.in_place(plan, &conn), || run(self, &conn)).map(wrap);
        }
        in_blocking(|| {
            let conn = db.read().map_err(PgError::from_store)?;
            run(self, &conn)
        })
        .map(wrap)
    }

    /// Whether a statement runs in place (its plan on `conn` reads a
    /// bounded number of rows) rather than on a blocking thread (see
    /// [`crate::inline`]). Undecidable (no schema): off the task, where the
    /// statement's own error surfaces.
    fn in_place(&mut self, plan: &SqlPlan, conn: &rusqlite::Connection) -> bool {
        if !plan.pre.is_empty() || !plan.post.is_empty() || plan.access == Access::Ddl {
            return false;
        }
        match self.schema() {
            Ok(s) => self.inline.is_cheap(s.generation, &plan.sql, conn),
            Err(_) => false,
        }
    }

    /// Runs `f` with this session installed for SQL functions (defaults such as now() and nextval()).
    pub(crate) fn with_exec_ctx<R>(&mut self, f: impl FnOnce(&mut Session) -> Result<R, PgError>) -> Result<R, PgError> {
        let mut ctx = self.exec_ctx();
        let r = crate::functions::with_ctx(&mut ctx, || f(self));
        self.absorb_ctx(ctx)?;
        r
    }

    pub(crate) fn with_writer<R>(&mut self, f: impl FnOnce(&mut Session, &rusqlite::Connection) -> Result<R, PgError>) -> Result<R, PgError> {
        let lease = self.lease.take().ok_or_else(|| PgError::Internal("no writer".into()))?;
        let r = in_blocking(|| f(self, &lease));
        self.lease = Some(lease);
        r
    }

    /// Translates one statement of a query string against the schema as it is now.
    fn plan_unit(&self, unit: &translate::Unit) -> Result<Plan, PgError> {
        let snap = self.schema()?;
        let search_path = self.search_path();
        let format = self.format();
        let databases = self.node.database_names();
        let ctx = Context {
            schema: &snap.schema,
            search_path: &search_path,
            format: &format,
            param_hints: &[],
            current_user: &self.user,
            database: &self.database,
            databases: &databases,
        };
        Ok(unit.plan(&ctx)?)
    }

    /// Runs a query string (simple protocol): statements run in order, each
    /// translated just before it runs (so it sees the DDL before it); a string
    /// of several statements is one implicit transaction, as in PostgreSQL.
    pub async fn simple_query(&mut self, sql: &str) -> Vec<(Result<Outcome, PgError>, Vec<Notice>)> {
        if self.cancel.terminated.load(Ordering::SeqCst) {
            return vec![(Err(PgError::Terminated), Vec::new())];
        }
        let units = match translate::split(sql) {
            Ok(u) => u,
            Err(e) => return vec![(Err(self.fail(e.into())), Vec::new())],
        };
        if units.len() == 1 {
            self.statement_text = Some(sql.to_string());
            let mut planned = self.plans(sql, &[]);
            if let Err(e) = &planned {
                if crate::replica::caught_up_after(&self.node.cluster, e).await {
                    planned = self.plans(sql, &[]);
                }
            }
            let r = match planned {
                Ok(plans) => self.execute(&plans[0], &[], &|_| false, 0).await,
                Err(e) => self.unplanned(e).await,
            };
            return vec![(r, std::mem::take(&mut self.notices))];
        }
        let implicit = self.txn.is_none();
        if implicit {
            if let Err(e) = self.begin(&TxnMode::default(), true).await {
                return vec![(Err(e), Vec::new())];
            }
        }
        let mut out = Vec::with_capacity(units.len());
        for unit in &units {
            self.statement_text = unit.text();
            let mut planned = self.plan_unit(unit);
            if let Err(e) = &planned {
                if crate::replica::caught_up_after(&self.node.cluster, e).await {
                    planned = self.plan_unit(unit);
                }
            }
            let r = match planned {
                Ok(plan) => self.execute(&plan, &[], &|_| false, 0).await,
                Err(e) => self.unplanned(e).await,
            };
            let stop = r.is_err() || matches!(r, Ok(Outcome::CopyIn { .. }));
            out.push((r, std::mem::take(&mut self.notices)));
            if stop {
                break;
            }
        }
        if self.txn.as_ref().is_some_and(|t| t.implicit) && self.copy_in.is_none() {
            let ok = out.last().is_some_and(|(r, _)| r.is_ok());
            if let Err(e) = self.end_txn(ok).await {
                out.push((Err(e), Vec::new()));
            }
        }
        out
    }

    /// A statement this node could not translate. In a transaction that runs
    /// at the leader, the statement may name what the transaction itself
    /// created there (not here yet): the leader translates it instead.
    async fn unplanned(&mut self, e: PgError) -> Result<Outcome, PgError> {
        if self.remote.is_some() && self.statement_text.is_some() {
            return self.forward(&[], &[], &|_| false).await.map_err(|e| self.fail(e));
        }
        Err(self.fail(e))
    }

    /// Marks the transaction failed and hands the error back.
    fn fail(&mut self, e: PgError) -> PgError {
        if let Some(t) = self.txn.as_mut() {
            t.failed = true;
        }
        e
    }
}

fn show_millis(v: &str) -> String {
    let ms: u64 = v.parse().unwrap_or(0);
    if ms == 0 {
        "0".into()
    } else if ms % 60_000 == 0 {
        format!("{}min", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}
