//! The wire layer: pgwire's handler traits for one connection, turning
//! protocol messages into session calls and session outcomes into messages.
//! Transaction status in ReadyForQuery always comes from the session.

use crate::auth::Startup;
use crate::deferred::Deferred;
use crate::error::PgError;
use crate::exec;
use crate::node::Node;
use crate::session::{Outcome, Session};
use async_trait::async_trait;
use catalog::translate::{OutColumn, Plan};
use catalog::types::PgType;
use futures::{stream, Sink, SinkExt};
use pgwire::api::cancel::CancelHandler;
use pgwire::api::copy::CopyHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{send_describe_response, send_ready_for_query, ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{CopyResponse, DescribePortalResponse, DescribeStatementResponse, FieldFormat, FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState, PgWireServerHandlers, Type, DEFAULT_NAME};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail, CopyInResponse, CopyOutResponse};
use pgwire::messages::data::{DataRow, ParameterDescription, RowDescription};
use pgwire::messages::extendedquery::{Bind, BindComplete, Describe, Execute, Parse, ParseComplete, Sync as PgSync, TARGET_TYPE_BYTE_STATEMENT};
use pgwire::messages::response::{CommandComplete, EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::ParameterStatus;
use pgwire::messages::PgWireBackendMessage;
use std::fmt::Debug;
use std::sync::Arc;

/// A prepared statement: its text and translation, re-translated when the schema changed.
#[derive(Debug)]
pub struct Prepared {
    pub sql: String,
    pub hints: Vec<Option<PgType>>,
    pub plan: Plan,
    pub generation: u64,
    /// Described by the leader: the statement names what a transaction
    /// running there created, which this node does not have yet.
    pub remote: bool,
}

/// The per-connection state pgwire's handlers share.
pub struct Connection {
    pub node: Arc<Node>,
    pub session: tokio::sync::Mutex<Option<Session>>,
    pub pid: parking_lot::Mutex<Option<i32>>,
    /// Names of the protocol-level prepared statements (for DEALLOCATE ALL).
    statements: parking_lot::Mutex<std::collections::HashSet<String>>,
    /// The idle-in-transaction timer armed after the last statement (see `server::arm_idle_timer`).
    pub idle_timer: parking_lot::Mutex<Option<tokio::task::AbortHandle>>,
}

impl Connection {
    /// Applies DEALLOCATE / DISCARD ALL to pgwire's statement store.
    fn deallocate<S: PortalStore>(&self, store: &S, requests: Vec<Option<String>>) {
        let mut names = self.statements.lock();
        for r in requests {
            match r {
                Some(name) => {
                    store.rm_statement(&name);
                    names.remove(&name);
                }
                None => {
                    for name in names.drain() {
                        store.rm_statement(&name);
                    }
                    store.clear_portals();
                }
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        // A transaction this session ran at the leader is rolled back there now,
        // not when the leader notices the silence.
        if let Ok(mut guard) = self.session.try_lock() {
            if let Some(key) = guard.as_mut().and_then(|s| s.remote.take()) {
                crate::forward::abandon(&self.node, key);
            }
        }
        if let Some(timer) = self.idle_timer.lock().take() {
            timer.abort();
        }
        if let Some(pid) = *self.pid.lock() {
            self.node.cancel.lock().remove(&pid);
            self.node.activity.lock().remove(&pid);
            self.node.locks.release_session(pid);
            self.node.remote_locks.session_ended(pid);
            tracing::info!(pid, "session ended");
        }
    }
}

pub struct Handlers {
    startup: Arc<Startup>,
    query: Arc<QueryHandler>,
}

impl Handlers {
    pub fn new(node: Arc<Node>) -> Handlers {
        let conn = Arc::new(Connection {
            node: node.clone(),
            session: tokio::sync::Mutex::new(None),
            pid: parking_lot::Mutex::new(None),
            statements: parking_lot::Mutex::new(Default::default()),
            idle_timer: parking_lot::Mutex::new(None),
        });
        Handlers { startup: Arc::new(Startup::new(node.clone(), conn.clone())), query: Arc::new(QueryHandler { conn }) }
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.query.clone()
    }
    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.query.clone()
    }
    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }
    fn copy_handler(&self) -> Arc<impl CopyHandler> {
        self.query.clone()
    }
    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.query.clone()
    }
}

pub struct QueryHandler {
    conn: Arc<Connection>,
}

/// The wire description of result columns.
pub fn fields(columns: &[OutColumn], format: &dyn Fn(usize) -> FieldFormat) -> Vec<FieldInfo> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            FieldInfo::new(c.name.clone(), Some(c.table_oid as i32), Some(c.attnum), c.ty.wire(), format(i))
                .with_type_size(c.ty.typlen())
                .with_type_modifier(c.ty.typmod)
        })
        .collect()
}

fn row_description(columns: &[OutColumn]) -> RowDescription {
    RowDescription::new(fields(columns, &|_| FieldFormat::Text).iter().map(Into::into).collect())
}

fn notice(n: &catalog::translate::Notice) -> pgwire::error::ErrorInfo {
    let mut info = pgwire::error::ErrorInfo::new(n.severity.to_string(), n.code.to_string(), n.message.clone());
    info.severity_nonlocalized = Some(n.severity.to_string());
    info.detail = n.detail.clone();
    info
}

fn no_session() -> PgWireError {
    PgError::Protocol("no session (startup not complete)".into()).into()
}

async fn send_status<C>(client: &mut C, session: &mut Session) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for (k, v) in std::mem::take(&mut session.pending_status) {
        client.feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(k, v))).await?;
    }
    Ok(())
}

impl QueryHandler {
    fn set_activity(&self, pid: i32, state: &str, query: &str) {
        if let Some(a) = self.conn.node.activity.lock().get_mut(&pid) {
            a.state = state.to_string();
            a.query = query.chars().take(1024).collect();
        }
    }

    fn prepare(&self, session: &Session, sql: &str, hints: &[Option<PgType>]) -> Result<Prepared, PgError> {
        let generation = session.schema()?.generation;
        let plans = session.plans(sql, hints)?;
        let plan = match plans.len() {
            0 => Plan::Empty,
            1 => plans[0].clone(),
            _ => return Err(PgError::MultipleCommands),
        };
        Ok(Prepared { sql: sql.to_string(), hints: hints.to_vec(), plan, generation, remote: false })
    }

    /// The statement's plan, re-translated if DDL changed the schema since Parse.
    fn current_plan(&self, session: &Session, p: &Prepared) -> Result<Plan, PgError> {
        if p.remote && session.remote.is_some() {
            return Ok(p.plan.clone());
        }
        if session.schema()?.generation == p.generation && !p.remote {
            return Ok(p.plan.clone());
        }
        Ok(self.prepare(session, &p.sql, &p.hints)?.plan)
    }
}

pub(crate) fn plan_columns(plan: &Plan) -> Vec<OutColumn> {
    match plan {
        Plan::Sql(s) if s.returns_rows => s.columns.clone(),
        Plan::Show(name) => vec![OutColumn::new(name.clone(), PgType::TEXT)],
        _ => Vec::new(),
    }
}

pub(crate) fn plan_params(plan: &Plan) -> Vec<PgType> {
    match plan {
        Plan::Sql(s) => s.params.clone(),
        _ => Vec::new(),
    }
}

fn copy_formats(columns: usize) -> Vec<i16> {
    vec![0; columns]
}

#[async_trait]
impl SimpleQueryHandler for QueryHandler {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let mut guard = self.conn.session.lock().await;
        let session = guard.as_mut().ok_or_else(no_session)?;
        let span = tracing::debug_span!("statement", pid = session.pid, protocol = "simple");
        let _enter = span.enter();
        self.set_activity(session.pid, "active", &query.query);
        let results = session.simple_query(&query.query).await;
        for (r, notices) in results {
            for n in notices {
                client.feed(PgWireBackendMessage::NoticeResponse(notice(&n).into())).await?;
            }
            match r {
                Ok(Outcome::Rows(out)) => {
                    client.feed(PgWireBackendMessage::RowDescription(row_description(&out.columns))).await?;
                    for row in out.rows {
                        client.feed(PgWireBackendMessage::DataRow(row)).await?;
                    }
                    client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(out.tag))).await?;
                }
                Ok(Outcome::Command(tag)) => client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(tag))).await?,
                Ok(Outcome::Empty) => client.feed(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?,
                Ok(Outcome::CopyIn { columns, .. }) => {
                    send_status(client, session).await?;
                    client.send(PgWireBackendMessage::CopyInResponse(CopyInResponse::new(0, columns as i16, copy_formats(columns)))).await?;
                    client.set_state(PgWireConnectionState::CopyInProgress(false));
                    return Ok(());
                }
                Ok(Outcome::CopyOut(data)) => {
                    client.feed(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(0, data.columns as i16, copy_formats(data.columns)))).await?;
                    let n = data.chunks.len();
                    for chunk in data.chunks {
                        client.feed(PgWireBackendMessage::CopyData(chunk)).await?;
                    }
                    client.feed(PgWireBackendMessage::CopyDone(CopyDone::new())).await?;
                    client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(format!("COPY {n}")))).await?;
                }
                Err(e) if e.is_fatal() => return Err(e.into()),
                Err(e) => {
                    tracing::debug!(code = e.sqlstate().code(), error = %e, "statement failed");
                    client.feed(PgWireBackendMessage::ErrorResponse(e.to_error_info().into())).await?;
                }
            }
        }
        send_status(client, session).await?;
        self.conn.deallocate(client.portal_store(), std::mem::take(&mut session.deallocate));
        self.set_activity(session.pid, if session.txn.is_some() { "idle in transaction" } else { "idle" }, &query.query);
        let status = session.status();
        crate::server::arm_idle_timer(&self.conn, session);
        drop(guard);
        client.set_state(PgWireConnectionState::ReadyForQuery);
        client.set_transaction_status(status);
        send_ready_for_query(client, status).await
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(PgError::Internal("simple queries are handled in on_query".into()).into())
    }
}

/// Parse is handled in `on_parse`, where the session is at hand; this parser is never asked.
pub struct NoParser;

#[async_trait]
impl QueryParser for NoParser {
    type Statement = Arc<Prepared>;

    async fn parse_sql<C>(&self, _client: &C, _sql: &str, _types: &[Option<Type>]) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        Err(PgError::Internal("parse goes through the session".into()).into())
    }

    fn get_parameter_types(&self, stmt: &Self::Statement) -> PgWireResult<Vec<Type>> {
        Ok(plan_params(&stmt.plan).iter().map(PgType::wire).collect())
    }

    fn get_result_schema(&self, stmt: &Self::Statement, _format: Option<&Format>) -> PgWireResult<Vec<FieldInfo>> {
        Ok(fields(&plan_columns(&stmt.plan), &|_| FieldFormat::Text))
    }
}

#[async_trait]
impl ExtendedQueryHandler for QueryHandler {
    type Statement = Arc<Prepared>;
    type QueryParser = NoParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::new(NoParser)
    }

    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.conn.session.lock().await;
        // Mutable only so the reference may live across the catch-up wait below.
        let session = guard.as_mut().ok_or_else(no_session)?;
        if session.terminated.is_some() {
            return Err(PgError::IdleInTransactionTimeout.into());
        }
        if session.cancel.terminated.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(PgError::Terminated.into());
        }
        let hints: Vec<Option<PgType>> = message.type_oids.iter().map(|oid| PgType::from_oid(*oid)).collect();
        // In a failed transaction only statements that end it may be parsed, as in PostgreSQL.
        let failed = session.txn.as_ref().is_some_and(|t| t.failed);
        let mut prepared = self.prepare(session, &message.query, &hints);
        if let Err(e) = &prepared {
            if crate::replica::caught_up_after(&self.conn.node.cluster, e).await {
                prepared = self.prepare(session, &message.query, &hints);
            }
        }
        if prepared.is_err() && !failed && session.remote.is_some() {
            // It may name what this transaction created at the leader: the leader describes it.
            if let Ok((params, columns)) = session.describe_remote(&message.query, &hints).await {
                prepared = Ok(Prepared { sql: message.query.clone(), hints: hints.clone(), plan: crate::forward::remote_plan(params, columns), generation: 0, remote: true });
            }
        }
        let prepared = match prepared {
            Ok(p) if failed && !matches!(p.plan, Plan::Rollback | Plan::RollbackTo(_) | Plan::Commit) => Err(PgError::InFailedTransaction),
            Err(_) if failed => Err(PgError::InFailedTransaction),
            other => other,
        }
        .inspect_err(|e| {
            // The statement text may hold literals (passwords): trace level only.
            tracing::trace!(code = e.sqlstate().code(), error = %e, sql = %message.query, "parse failed");
        })?;
        drop(guard);
        let name = message.name.clone().unwrap_or_else(|| DEFAULT_NAME.to_owned());
        if message.name.is_some() {
            self.conn.statements.lock().insert(name.clone());
        }
        let stmt = StoredStatement::new(name, Arc::new(prepared), hints.iter().map(|h| h.as_ref().map(PgType::wire)).collect());
        client.portal_store().put_statement(Arc::new(stmt));
        // Written with the replies that follow, at Sync (see crate::deferred).
        client.feed(PgWireBackendMessage::ParseComplete(ParseComplete::new())).await?;
        Ok(())
    }

    /// The wire layer's Bind, its reply held until Sync (see crate::deferred).
    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statement_name = message.statement_name.as_deref().unwrap_or(DEFAULT_NAME);
        let portal_name = message.portal_name.as_deref().unwrap_or(DEFAULT_NAME);
        match client.portal_store().get_statement(statement_name) {
            Some(Entry::Value(statement)) => {
                let portal = Portal::try_new(&message, statement)?;
                client.portal_store().put_portal(Arc::new(portal));
            }
            Some(Entry::Empty) => {
                if !message.parameters.is_empty() {
                    return Err(PgError::Protocol(format!("bind message supplies {} parameters, but prepared statement \"{statement_name}\" requires 0", message.parameters.len())).into());
                }
                client.portal_store().put_empty_portal(portal_name);
            }
            None => return Err(PgWireError::StatementNotFound(statement_name.to_owned())),
        }
        client.feed(PgWireBackendMessage::BindComplete(BindComplete::new())).await?;
        Ok(())
    }

    /// Describe of a statement always answers ParameterDescription and then
    /// RowDescription or NoData, as PostgreSQL does. (The wire layer's
    /// default sends an empty RowDescription for a statement that has
    /// parameters but returns no rows, which JDBC reads as a result set.)
    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let client = &mut Deferred(client);
        if message.target_type != TARGET_TYPE_BYTE_STATEMENT {
            return self._on_describe(client, message).await;
        }
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let Some(Entry::Value(stmt)) = client.portal_store().get_statement(name) else {
            return self._on_describe(client, message).await;
        };
        let described = self.do_describe_statement(client, &stmt).await?;
        let oids = described.parameters.iter().map(|t| t.oid()).collect();
        client.feed(PgWireBackendMessage::ParameterDescription(ParameterDescription::new(oids))).await?;
        send_describe_response(client, &DescribePortalResponse::new(described.fields)).await
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let r = self._on_execute(&mut Deferred(client), message).await;
        if let Some(s) = self.conn.session.lock().await.as_mut() {
            send_status(client, s).await?;
            client.set_transaction_status(s.status());
        }
        if matches!(client.state(), PgWireConnectionState::CopyInProgress(_)) {
            // The client sends its COPY data only once it has read CopyInResponse.
            client.flush().await?;
        }
        r
    }

    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.portal_store().rm_portal(DEFAULT_NAME);
        let mut guard = self.conn.session.lock().await;
        let status = match guard.as_mut() {
            Some(s) => {
                // A Sync ends an implicit transaction of the extended protocol.
                if s.txn.as_ref().is_some_and(|t| t.implicit) {
                    let ok = !s.txn.as_ref().is_some_and(|t| t.failed);
                    if let Err(e) = s.end_txn(ok).await {
                        client.feed(PgWireBackendMessage::ErrorResponse(e.to_error_info().into())).await?;
                    }
                }
                send_status(client, s).await?;
                crate::server::arm_idle_timer(&self.conn, s);
                s.status()
            }
            None => client.transaction_status(),
        };
        drop(guard);
        client.set_transaction_status(status);
        client.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(status))).await?;
        client.flush().await?;
        Ok(())
    }

    async fn do_describe_statement<C>(&self, _client: &mut C, target: &StoredStatement<Self::Statement>) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let guard = self.conn.session.lock().await;
        let session = guard.as_ref().ok_or_else(no_session)?;
        let plan = self.current_plan(session, &target.statement)?;
        let params = plan_params(&plan).iter().map(PgType::wire).collect();
        Ok(DescribeStatementResponse::new(params, fields(&plan_columns(&plan), &|_| FieldFormat::Text)))
    }

    async fn do_describe_portal<C>(&self, _client: &mut C, portal: &Portal<Self::Statement>) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let guard = self.conn.session.lock().await;
        let session = guard.as_ref().ok_or_else(no_session)?;
        let plan = self.current_plan(session, &portal.statement.statement)?;
        let fmt = portal.result_column_format.clone();
        Ok(DescribePortalResponse::new(fields(&plan_columns(&plan), &|i| fmt.format_for(i))))
    }

    async fn do_query<C>(&self, client: &mut C, portal: &Portal<Self::Statement>, _max_rows: usize) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.conn.session.lock().await;
        let session = guard.as_mut().ok_or_else(no_session)?;
        let span = tracing::debug_span!("statement", pid = session.pid, protocol = "extended");
        let _enter = span.enter();
        let prepared = &portal.statement.statement;
        self.set_activity(session.pid, "active", &prepared.sql);
        let plan = self.current_plan(session, prepared)?;
        let types = plan_params(&plan);
        if portal.parameters.len() != types.len() {
            return Err(PgError::Protocol(format!(
                "bind message supplies {} parameters, but prepared statement \"{}\" requires {}",
                portal.parameters.len(),
                portal.statement.id.replace(DEFAULT_NAME, ""),
                types.len()
            ))
            .into());
        }
        let format = session.format();
        let mut params = Vec::with_capacity(types.len());
        for (i, ty) in types.iter().enumerate() {
            let binary = portal.parameter_format.format_for(i) == FieldFormat::Binary;
            let v = exec::decode_param(ty, portal.parameters[i].as_deref(), binary, &format).inspect_err(|e| {
                tracing::debug!(code = e.sqlstate().code(), error = %e, param = i + 1, ty = %ty, binary, "bind failed");
            })?;
            if let catalog::value::Value::Text(text) = &v {
                session.schema()?.schema.check_enum(ty, text).map_err(PgError::Value)?;
            }
            params.push(v);
        }
        // Outside an explicit transaction, an extended-protocol statement runs in an implicit one until Sync.
        let fmt = portal.result_column_format.clone();
        let binary = move |i: usize| fmt.format_for(i) == FieldFormat::Binary;
        session.statement_text = Some(prepared.sql.clone());
        let outcome = session.execute(&plan, &params, &binary, 0).await.inspect_err(|e| {
            tracing::debug!(code = e.sqlstate().code(), error = %e, "statement failed");
            tracing::trace!(sql = %prepared.sql, "failed statement");
        });
        for n in std::mem::take(&mut session.notices) {
            client.feed(PgWireBackendMessage::NoticeResponse(notice(&n).into())).await?;
        }
        self.conn.deallocate(client.portal_store(), std::mem::take(&mut session.deallocate));
        self.set_activity(session.pid, if session.txn.is_some() { "idle in transaction" } else { "idle" }, &prepared.sql);
        match outcome.map_err(<PgWireError as From<PgError>>::from)? {
            Outcome::Rows(out) => {
                let fmt = portal.result_column_format.clone();
                let schema = Arc::new(fields(&out.columns, &|i| fmt.format_for(i)));
                let tag = out.tag.split_whitespace().next().unwrap_or("SELECT").to_string();
                let rows: Vec<PgWireResult<DataRow>> = out.rows.into_iter().map(Ok).collect();
                let mut resp = QueryResponse::new(schema, stream::iter(rows));
                resp.set_command_tag(&tag);
                if tag == "INSERT" {
                    // INSERT ... RETURNING reports "INSERT 0 n".
                    resp.set_command_tag("INSERT 0");
                }
                Ok(Response::Query(resp))
            }
            Outcome::Command(tag) => Ok(Response::Execution(raw_tag(&tag))),
            Outcome::Empty => Ok(Response::EmptyQuery),
            // Drivers that run every statement through Parse/Bind/Execute
            // (tokio-postgres's copy_in/copy_out) COPY this way: the data
            // follows Execute, and the client sends Sync after CopyDone.
            Outcome::CopyIn { columns, binary } => Ok(Response::CopyIn(CopyResponse::new(i8::from(binary), columns, stream::empty()))),
            Outcome::CopyOut(data) => Ok(Response::CopyOut(CopyResponse::new(0, data.columns, stream::iter(data.chunks.into_iter().map(Ok))))),
        }
    }
}

/// A command tag already rendered (e.g. "INSERT 0 3").
fn raw_tag(tag: &str) -> Tag {
    Tag::new(tag)
}

#[async_trait]
impl CopyHandler for QueryHandler {
    async fn on_copy_data<C>(&self, _client: &mut C, data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.conn.session.lock().await;
        let session = guard.as_mut().ok_or_else(no_session)?;
        if session.copy_in.is_none() {
            // An earlier chunk failed; the rest is discarded until CopyDone.
            return Ok(());
        }
        if let Err(e) = session.copy_data(&data.data) {
            session.copy_fail().await;
            session.pending_error = Some(e);
        }
        Ok(())
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.conn.session.lock().await;
        let session = guard.as_mut().ok_or_else(no_session)?;
        let result = match session.pending_error.take() {
            Some(e) => Err(e),
            None => session.copy_done().await,
        };
        let status = session.status();
        client.set_transaction_status(status);
        match result {
            Ok(n) => {
                client.feed(PgWireBackendMessage::CommandComplete(CommandComplete::new(format!("COPY {n}")))).await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn on_copy_fail<C>(&self, client: &mut C, fail: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut guard = self.conn.session.lock().await;
        if let Some(s) = guard.as_mut() {
            s.copy_fail().await;
            client.set_transaction_status(s.status());
        }
        PgError::Function { code: "57014", message: format!("COPY from stdin failed: {}", fail.message) }.into()
    }
}

#[async_trait]
impl CancelHandler for QueryHandler {
    async fn on_cancel_request(&self, req: CancelRequest) {
        let target = self.conn.node.cancel.lock().get(&req.pid).cloned();
        if let Some(t) = target {
            if *t.secret.lock() == crate::auth::secret_bytes(&req.secret_key) {
                tracing::info!(pid = req.pid, "cancel request");
                t.cancel();
            }
        }
    }
}
