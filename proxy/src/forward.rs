//! Transactions of a follower's sessions run at the leader.
//!
//! A session on a follower reads its local replica until its transaction
//! first writes; from then on, every statement of that transaction (reads
//! included, so it reads its own writes) is sent to the leader as SQL text
//! with its parameters, where a stand-in session with the same user,
//! database and settings runs it. COMMIT returns once the leader has
//! committed the transaction through Raft and this node has applied it, so
//! the session then reads its own writes locally too.
//!
//! Messages travel on the cluster's authenticated Raft connections
//! ([`consensus::raft::Cluster::forward`]).

use crate::error::PgError;
use crate::exec::Output;
use crate::node::Node;
use crate::session::{Outcome, Session};
use catalog::translate::{Notice, OutColumn, Plan, TxnMode};
use catalog::types::PgType;
use catalog::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Names a forwarded transaction: the follower, its session and a counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TxnKey {
    pub node: u64,
    pub pid: i32,
    pub seq: u64,
}

/// What the stand-in session needs to behave as the follower's session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Opening {
    pub user: String,
    pub database: String,
    pub settings: Vec<(String, String)>,
    /// An explicit transaction (BEGIN ...): its mode and open savepoints.
    pub begin: Option<(Option<String>, bool)>,
    pub savepoints: Vec<String>,
    /// What the session drew from sequences so far (currval, lastval).
    #[serde(default)]
    pub drawn: Drawn,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum WireValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

#[derive(Debug, Serialize, Deserialize)]
pub enum ForwardRequest {
    /// Runs one statement; `open` starts the transaction at the leader.
    /// `autocommit`: the statement is its own transaction.
    Statement { txn: TxnKey, open: Option<Opening>, sql: String, params: Vec<(u32, i32, WireValue)>, binary: Vec<bool>, autocommit: bool },
    /// COPY ... FROM STDIN with all its data.
    Copy { txn: TxnKey, open: Option<Opening>, sql: String, data: Vec<u8>, autocommit: bool },
    End { txn: TxnKey, commit: bool },
    /// The parameter types and result columns of a statement, as the
    /// transaction's stand-in session translates it (Describe on a follower).
    Describe { txn: TxnKey, sql: String, hints: Vec<Option<(u32, i32)>> },
    /// A follower's sessions that hold advisory-lock owners here, and those that ended.
    Locks { node: u64, held: Vec<i32>, released: Vec<i32> },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct WireNotice {
    pub severity: String,
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
}

/// Sequence values a forwarded statement drew: each sequence's last value, and lastval.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Drawn {
    pub currval: Vec<(String, i64)>,
    pub lastval: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum ForwardReply {
    /// A statement's result; `index` is the log entry of a commit it made.
    /// `sequences`: the values the statement drew (currval/lastval for the follower's session).
    Rows { columns: Vec<(String, u32, i32)>, rows: Vec<(Vec<u8>, i16)>, tag: String, notices: Vec<WireNotice>, index: u64, #[serde(default)] sequences: Drawn },
    Command { tag: String, notices: Vec<WireNotice>, index: u64, #[serde(default)] sequences: Drawn },
    Error {
        code: String,
        message: String,
        detail: Option<String>,
        notices: Vec<WireNotice>,
        #[serde(default)]
        fields: crate::error::ErrorFields,
    },
    Described { params: Vec<(u32, i32)>, columns: Vec<(String, u32, i32)> },
    /// COPY ... TO STDOUT of a transaction at the leader: its data.
    CopyOut { columns: usize, chunks: Vec<Vec<u8>>, notices: Vec<WireNotice> },
    /// The sessions of a `Locks` request this leader has no owner for.
    Locks { unknown: Vec<i32> },
}

fn to_wire(v: &Value) -> WireValue {
    match v {
        Value::Null => WireValue::Null,
        Value::Int(i) => WireValue::Int(*i),
        Value::Real(f) => WireValue::Real(*f),
        Value::Text(s) => WireValue::Text(s.clone()),
        Value::Blob(b) => WireValue::Blob(b.clone()),
    }
}

fn from_wire(v: WireValue) -> Value {
    match v {
        WireValue::Null => Value::Null,
        WireValue::Int(i) => Value::Int(i),
        WireValue::Real(f) => Value::Real(f),
        WireValue::Text(s) => Value::Text(s),
        WireValue::Blob(b) => Value::Blob(b),
    }
}

fn wire_notices(notices: Vec<Notice>) -> Vec<WireNotice> {
    notices.into_iter().map(|n| WireNotice { severity: n.severity.to_string(), code: n.code.to_string(), message: n.message, detail: n.detail }).collect()
}

/// A type named by OID: built-in, or one of the database's enums.
fn type_of(session: &Session, oid: u32, typmod: i32) -> PgType {
    if let Some(t) = PgType::from_oid(oid) {
        return t.with_typmod(typmod);
    }
    session
        .schema()
        .ok()
        .and_then(|s| {
            s.schema.enums.values().find(|e| e.oid == oid || e.array_oid == oid).and_then(|e| {
                let array = if e.array_oid == oid { "[]" } else { "" };
                s.schema.resolve_type_text(&format!("\"{}\".\"{}\"{array}", e.name.schema.replace('"', "\"\""), e.name.name.replace('"', "\"\"")))
            })
        })
        .unwrap_or(PgType::TEXT)
}

/// Open forwarded transactions: their stand-in sessions and last activity.
type OpenTxns = HashMap<TxnKey, (Arc<tokio::sync::Mutex<Session>>, Instant)>;

/// The leader's side: stand-in sessions of forwarded transactions.
pub struct ForwardHost {
    node: std::sync::Weak<Node>,
    open: parking_lot::Mutex<OpenTxns>,
}

/// A forwarded transaction idle this long is rolled back (its follower is gone).
const ABANDONED: Duration = Duration::from_secs(60);

impl ForwardHost {
    /// Starts answering forwarded transactions on `node`.
    pub fn install(node: &Arc<Node>) {
        let host = Arc::new(ForwardHost { node: Arc::downgrade(node), open: parking_lot::Mutex::new(HashMap::new()) });
        let h = host.clone();
        node.cluster.set_app_handler(Arc::new(move |bytes: Vec<u8>| {
            let h = h.clone();
            Box::pin(async move {
                let reply = match bincode::deserialize::<ForwardRequest>(&bytes) {
                    Ok(req) => h.handle(req).await,
                    Err(e) => ForwardReply::Error { code: "08P01".into(), message: format!("malformed forwarded request: {e}"), detail: None, notices: vec![], fields: Default::default() },
                };
                bincode::serialize(&reply).unwrap_or_default()
            })
        }));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                if host.node.upgrade().is_none() {
                    return;
                }
                let stale: Vec<_> = host.open.lock().iter().filter(|(_, (_, at))| at.elapsed() > ABANDONED).map(|(k, (s, _))| (*k, s.clone())).collect();
                for (key, s) in stale {
                    host.open.lock().remove(&key);
                    let _ = s.lock().await.end_txn(false).await;
                    tracing::warn!(?key, "rolled back a forwarded transaction whose node went silent");
                }
            }
        });
    }

    async fn handle(&self, req: ForwardRequest) -> ForwardReply {
        match req {
            ForwardRequest::Describe { txn, sql, hints } => {
                let Some((session, _)) = self.open.lock().get(&txn).cloned() else {
                    return error_reply(&PgError::Internal("the forwarded transaction is gone".into()), vec![]);
                };
                let s = session.lock().await;
                let hints: Vec<Option<PgType>> = hints.into_iter().map(|h| h.map(|(oid, typmod)| type_of(&s, oid, typmod))).collect();
                match s.plans(&sql, &hints) {
                    Ok(plans) => {
                        let plan = plans.first().cloned().unwrap_or(Plan::Empty);
                        ForwardReply::Described {
                            params: crate::handler::plan_params(&plan).iter().map(|t| (t.wire().oid(), t.typmod)).collect(),
                            columns: crate::handler::plan_columns(&plan).iter().map(|c| (c.name.clone(), c.ty.wire().oid(), c.ty.typmod)).collect(),
                        }
                    }
                    Err(e) => error_reply(&e, vec![]),
                }
            }
            ForwardRequest::Locks { node: from, held, released } => {
                let Some(node) = self.node.upgrade() else { return error_reply(&PgError::Terminated, vec![]) };
                if !node.cluster.is_leader() {
                    return error_reply(&PgError::NotLeader("advisory locks are held by the leader".into()), vec![]);
                }
                ForwardReply::Locks { unknown: node.remote_locks.renew(&node, from, &held, &released) }
            }
            ForwardRequest::Copy { txn, open, sql, data, autocommit } => {
                let session = match self.session_for(txn, open, autocommit).await {
                    Ok(s) => s,
                    Err(reply) => return reply,
                };
                let mut s = session.lock().await;
                run_copy(&mut s, &sql, &data).await
            }
            ForwardRequest::Statement { txn, open, sql, params, binary, autocommit } => {
                let session = match self.session_for(txn, open, autocommit).await {
                    Ok(s) => s,
                    Err(reply) => return reply,
                };
                let mut s = session.lock().await;
                let reply = run_statement(&mut s, &sql, params, &binary).await;
                if !autocommit {
                    if let Some(entry) = self.open.lock().get_mut(&txn) {
                        entry.1 = Instant::now();
                    }
                }
                reply
            }
            ForwardRequest::End { txn, commit } => {
                let Some((session, _)) = self.open.lock().remove(&txn) else {
                    return if commit { error_reply(&PgError::CommitRetry("the forwarded transaction is gone".into()), vec![]) } else { ForwardReply::Command { tag: "ROLLBACK".into(), notices: vec![], index: 0, sequences: Drawn::default() } };
                };
                let mut s = session.lock().await;
                let plan = if commit { Plan::Commit } else { Plan::Rollback };
                let r = s.execute(&plan, &[], &|_| false, 0).await;
                let notices = wire_notices(std::mem::take(&mut s.notices));
                match r {
                    Ok(Outcome::Command(tag)) => ForwardReply::Command { tag, notices, index: s.last_write_index, sequences: Drawn::default() },
                    Ok(_) => ForwardReply::Command { tag: "COMMIT".into(), notices, index: s.last_write_index, sequences: Drawn::default() },
                    Err(e) => error_reply(&e, notices),
                }
            }
        }
    }

    /// The stand-in session of `txn`, opened now if `open` says so.
    async fn session_for(&self, txn: TxnKey, open: Option<Opening>, autocommit: bool) -> Result<Arc<tokio::sync::Mutex<Session>>, ForwardReply> {
        let session = match open {
            Some(o) => Arc::new(tokio::sync::Mutex::new(self.open_session(o, txn).await.map_err(|e| error_reply(&e, vec![]))?)),
            None => match self.open.lock().get(&txn) {
                Some((s, _)) => s.clone(),
                None => return Err(error_reply(&PgError::Internal("the forwarded transaction is gone (the leader changed or it was idle too long)".into()), vec![])),
            },
        };
        if !autocommit {
            self.open.lock().insert(txn, (session.clone(), Instant::now()));
        }
        Ok(session)
    }

    async fn open_session(&self, o: Opening, txn: TxnKey) -> Result<Session, PgError> {
        let node = self.node.upgrade().ok_or(PgError::Terminated)?;
        let db = node.database(&o.database)?;
        let pid = node.new_pid();
        let mut s = Session::new(node.clone(), pid, &o.user, &o.database, db, Arc::default());
        // Advisory locks it takes belong to the follower's session, not to this stand-in.
        s.lock_owner = node.remote_locks.owner_for(&node, txn.node, txn.pid);
        s.absorb_drawn(o.drawn);
        for (name, value) in &o.settings {
            // Read-only or unknown settings keep the stand-in's own value.
            let _ = s.settings.set(name, Some(value), false, false);
        }
        if let Some((isolation, read_only)) = o.begin {
            let mode = TxnMode { isolation, read_only: Some(read_only), start_transaction: false };
            s.execute(&Plan::Begin(mode), &[], &|_| false, 0).await?;
            for sp in o.savepoints {
                s.execute(&Plan::Savepoint(sp), &[], &|_| false, 0).await?;
            }
        }
        Ok(s)
    }
}

fn error_reply(e: &PgError, notices: Vec<WireNotice>) -> ForwardReply {
    let info = e.to_error_info();
    let fields = crate::error::ErrorFields { constraint: info.constraint, table: info.table, column: info.column, schema: info.schema };
    ForwardReply::Error { code: e.sqlstate().code().to_string(), message: e.to_string(), detail: e.detail(), notices, fields }
}

/// Runs a forwarded COPY FROM on the stand-in session, with all its data.
async fn run_copy(s: &mut Session, sql: &str, data: &[u8]) -> ForwardReply {
    let before = s.last_write_index;
    let plans = match s.plans(sql, &[]) {
        Ok(p) => p,
        Err(e) => return error_reply(&e, vec![]),
    };
    let Some(plan) = plans.first() else { return error_reply(&PgError::Internal("empty COPY".into()), vec![]) };
    let r = match s.execute(plan, &[], &|_| false, 0).await {
        Ok(Outcome::CopyIn { .. }) => match s.copy_data(data) {
            Ok(()) => s.copy_done().await,
            Err(e) => {
                s.copy_fail().await;
                Err(e)
            }
        },
        Ok(_) => Err(PgError::Internal("not a COPY FROM STDIN".into())),
        Err(e) => Err(e),
    };
    let notices = wire_notices(std::mem::take(&mut s.notices));
    let index = if s.last_write_index > before { s.last_write_index } else { 0 };
    match r {
        Ok(n) => ForwardReply::Command { tag: format!("COPY {n}"), notices, index, sequences: s.drawn() },
        Err(e) => error_reply(&e, notices),
    }
}

/// Runs one forwarded statement on the stand-in session.
async fn run_statement(s: &mut Session, sql: &str, params: Vec<(u32, i32, WireValue)>, binary: &[bool]) -> ForwardReply {
    let hints: Vec<Option<PgType>> = params.iter().map(|(oid, typmod, _)| Some(type_of(s, *oid, *typmod))).collect();
    let values: Vec<Value> = params.into_iter().map(|(_, _, v)| from_wire(v)).collect();
    let plans = match s.plans(sql, &hints) {
        Ok(p) => p,
        Err(e) => return error_reply(&e, vec![]),
    };
    let Some(plan) = plans.first() else { return ForwardReply::Command { tag: String::new(), notices: vec![], index: 0, sequences: Drawn::default() } };
    let binary = binary.to_vec();
    let flag = move |i: usize| binary.get(i).copied().unwrap_or(false);
    let before = s.last_write_index;
    let r = s.execute(plan, &values, &flag, 0).await;
    let notices = wire_notices(std::mem::take(&mut s.notices));
    let index = if s.last_write_index > before { s.last_write_index } else { 0 };
    match r {
        Ok(Outcome::Rows(out)) => ForwardReply::Rows {
            columns: out.columns.iter().map(|c| (c.name.clone(), c.ty.wire().oid(), c.ty.typmod)).collect(),
            rows: out.rows.into_iter().map(|r| (r.data.to_vec(), r.field_count)).collect(),
            tag: out.tag,
            notices,
            index,
            sequences: s.drawn(),
        },
        Ok(Outcome::Command(tag)) => ForwardReply::Command { tag, notices, index, sequences: s.drawn() },
        Ok(Outcome::Empty) => ForwardReply::Command { tag: String::new(), notices, index, sequences: s.drawn() },
        Ok(Outcome::CopyOut(data)) => ForwardReply::CopyOut { columns: data.columns, chunks: data.chunks.into_iter().map(|c| c.data.to_vec()).collect(), notices },
        Ok(Outcome::CopyIn { .. }) => error_reply(&PgError::Internal("COPY FROM cannot run as a forwarded statement".into()), notices),
        Err(e) => error_reply(&e, notices),
    }
}

/// The follower's side, called by the session.
impl Session {
    /// Whether this statement must run at the leader: the transaction
    /// already runs there, or it writes and this node does not lead.
    pub(crate) fn must_forward(&self, writes: bool) -> bool {
        self.remote.is_some() || (writes && !self.node.cluster.is_leader())
    }

    /// Runs a statement at the leader (opening the transaction there on its first write).
    pub(crate) async fn forward(&mut self, params: &[Value], param_types: &[PgType], binary: &(dyn Fn(usize) -> bool + Sync)) -> Result<Outcome, PgError> {
        let sql = self.statement_text.clone().ok_or_else(|| PgError::Internal("this statement cannot be forwarded to the leader".into()))?;
        let (key, open, autocommit) = self.remote_txn();
        let params = params.iter().zip(param_types).map(|(v, t)| (t.wire().oid(), t.typmod, to_wire(v))).collect();
        let binary: Vec<bool> = (0..256).map(binary).collect();
        let reply = self.call_leader(&ForwardRequest::Statement { txn: key, open, sql, params, binary, autocommit }).await?;
        self.outcome_of(reply).await
    }

    /// What the stand-in's statements drew from sequences, for the follower's session.
    fn drawn(&self) -> Drawn {
        Drawn { currval: self.currval.iter().map(|(k, v)| (k.clone(), *v)).collect(), lastval: self.lastval }
    }

    /// currval() and lastval() on the follower see what its statements drew at the leader.
    fn absorb_drawn(&mut self, d: Drawn) {
        self.currval.extend(d.currval);
        if d.lastval.is_some() {
            self.lastval = d.lastval;
        }
    }

    /// Asks the leader to translate a statement of the transaction running there.
    pub(crate) async fn describe_remote(&mut self, sql: &str, hints: &[Option<PgType>]) -> Result<(Vec<PgType>, Vec<OutColumn>), PgError> {
        let txn = self.remote.ok_or_else(|| PgError::Internal("no transaction at the leader".into()))?;
        let hints = hints.iter().map(|h| h.as_ref().map(|t| (t.wire().oid(), t.typmod))).collect();
        match self.call_leader(&ForwardRequest::Describe { txn, sql: sql.to_string(), hints }).await? {
            ForwardReply::Described { params, columns } => Ok((
                params.into_iter().map(|(oid, typmod)| type_of(self, oid, typmod)).collect(),
                columns.into_iter().map(|(name, oid, typmod)| OutColumn::new(name, type_of(self, oid, typmod))).collect(),
            )),
            ForwardReply::Error { code, message, detail, fields, .. } => Err(PgError::Forwarded { code, message, detail, fields }),
            _ => Err(PgError::Internal("unexpected reply from the leader".into())),
        }
    }

    /// Loads COPY FROM data gathered here through the leader; the row count.
    pub(crate) async fn forward_copy(&mut self, data: Vec<u8>) -> Result<usize, PgError> {
        let sql = self.statement_text.clone().ok_or_else(|| PgError::Internal("this COPY cannot be forwarded to the leader".into()))?;
        let (key, open, autocommit) = self.remote_txn();
        let reply = self.call_leader(&ForwardRequest::Copy { txn: key, open, sql, data, autocommit }).await;
        let outcome = match reply {
            Ok(r) => self.outcome_of(r).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(Outcome::Command(tag)) => Ok(tag.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0)),
            Ok(_) => Ok(0),
            Err(e) => {
                if let Some(t) = self.txn.as_mut() {
                    t.failed = true;
                }
                Err(e)
            }
        }
    }

    /// The transaction at the leader this statement belongs to: its key,
    /// what opens it there (on its first statement), and whether the
    /// statement is a transaction of its own.
    fn remote_txn(&mut self) -> (TxnKey, Option<Opening>, bool) {
        let autocommit = self.txn.is_none();
        let open = if self.remote.is_none() {
            let t = self.txn.as_ref();
            Some(Opening {
                user: self.user.clone(),
                database: self.database.clone(),
                settings: self.settings.all(),
                begin: (!autocommit).then(|| (t.map(|t| t.isolation.clone()), t.is_some_and(|t| t.read_only))),
                savepoints: t.map(|t| t.savepoints.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default(),
                drawn: self.drawn(),
            })
        } else {
            None
        };
        let key = match self.remote {
            Some(k) => k,
            None => {
                self.remote_seq += 1;
                TxnKey { node: self.node.cluster.node_id(), pid: self.pid, seq: self.remote_seq }
            }
        };
        if !autocommit {
            self.remote = Some(key);
        }
        (key, open, autocommit)
    }

    /// Ends the transaction running at the leader.
    pub(crate) async fn end_remote(&mut self, commit: bool) -> Result<(), PgError> {
        let Some(key) = self.remote.take() else { return Ok(()) };
        let reply = self.call_leader(&ForwardRequest::End { txn: key, commit }).await?;
        self.outcome_of(reply).await.map(|_| ())
    }

    async fn call_leader(&mut self, req: &ForwardRequest) -> Result<ForwardReply, PgError> {
        let bytes = bincode::serialize(req).map_err(|e| PgError::Internal(e.to_string()))?;
        let reply = self.node.cluster.forward(bytes, Duration::from_secs(60)).await.map_err(|e| match e {
            consensus::raft::CommitError::NotLeader { .. } => PgError::CommitRetry(e.to_string()),
            other => PgError::from_commit(other),
        })?;
        bincode::deserialize(&reply).map_err(|e| PgError::Internal(format!("malformed reply from the leader: {e}")))
    }

    async fn outcome_of(&mut self, reply: ForwardReply) -> Result<Outcome, PgError> {
        let index = match &reply {
            ForwardReply::Rows { index, .. } | ForwardReply::Command { index, .. } => *index,
            ForwardReply::Error { .. } | ForwardReply::Locks { .. } | ForwardReply::Described { .. } | ForwardReply::CopyOut { .. } => 0,
        };
        let take = |n: Vec<WireNotice>| n.into_iter().map(|n| Notice { severity: if n.severity == "WARNING" { "WARNING" } else { "NOTICE" }, code: known_code(&n.code), message: n.message, detail: n.detail });
        let outcome = match reply {
            ForwardReply::Rows { columns, rows, tag, notices, sequences, .. } => {
                self.notices.extend(take(notices));
                self.absorb_drawn(sequences);
                let columns = columns.into_iter().map(|(name, oid, typmod)| OutColumn::new(name, type_of(self, oid, typmod))).collect();
                let rows = rows.into_iter().map(|(data, n)| pgwire::messages::data::DataRow::new(bytes::BytesMut::from(&data[..]), n)).collect();
                Ok(Outcome::Rows(Output { columns, rows, tag }))
            }
            ForwardReply::Command { tag, notices, sequences, .. } => {
                self.notices.extend(take(notices));
                self.absorb_drawn(sequences);
                Ok(if tag.is_empty() { Outcome::Empty } else { Outcome::Command(tag) })
            }
            ForwardReply::Error { code, message, detail, notices, fields } => {
                self.notices.extend(take(notices));
                Err(PgError::Forwarded { code, message, detail, fields })
            }
            ForwardReply::CopyOut { columns, chunks, notices } => {
                self.notices.extend(take(notices));
                Ok(Outcome::CopyOut(crate::copy::CopyOutData { columns, chunks: chunks.into_iter().map(|c| pgwire::messages::copy::CopyData::new(c.into())).collect() }))
            }
            ForwardReply::Locks { .. } | ForwardReply::Described { .. } => Err(PgError::Internal("unexpected reply from the leader".into())),
        };
        if index > 0 {
            // Read-your-writes: the commit is visible here before the client hears of it.
            if !self.node.cluster.wait_applied(index, Duration::from_secs(30)).await {
                return Err(PgError::CommitUnknown("the transaction committed at the leader but this node has not applied it within 30 s".into()));
            }
            self.last_write_index = self.last_write_index.max(index);
        }
        outcome
    }
}

/// The plan of a statement described by the leader: it only runs there
/// (every statement of a transaction at the leader is forwarded).
pub(crate) fn remote_plan(params: Vec<PgType>, columns: Vec<OutColumn>) -> Plan {
    Plan::Sql(catalog::translate::SqlPlan {
        pre: Vec::new(),
        sql: String::new(),
        post: Vec::new(),
        params,
        returns_rows: !columns.is_empty(),
        columns,
        tag: catalog::translate::Tag::Other(String::new()),
        access: catalog::translate::Access::Write,
        sequences: Vec::new(),
        notices: Vec::new(),
    })
}

/// Rolls back, in the background, a forwarded transaction whose session is gone.
pub fn abandon(node: &Arc<Node>, key: TxnKey) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
    let Ok(bytes) = bincode::serialize(&ForwardRequest::End { txn: key, commit: false }) else { return };
    let cluster = node.cluster.clone();
    handle.spawn(async move {
        let _ = cluster.forward(bytes, Duration::from_secs(10)).await;
    });
}

/// SQLSTATEs are static strings in [`Notice`]: the table's own (01000, warning, if unknown).
fn known_code(code: &str) -> &'static str {
    catalog::sqlstate::ALL.iter().find(|s| s.code() == code).map(|s| s.code()).unwrap_or("01000")
}
