//! Transactions of a session: BEGIN with its isolation and access mode, the
//! moment the single writer is taken, COMMIT/ROLLBACK and what they publish
//! (DDL schemas, SET values, released transaction locks).

use crate::error::PgError;
use crate::node::{load_schema, SchemaSnapshot};
use crate::session::{Outcome, Session, Txn};
use std::sync::Arc;
use catalog::translate::{Notice, TxnMode};
use consensus::ReadConn;
use std::time::Duration;

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn in_blocking<R>(f: impl FnOnce() -> R) -> R {
    tokio::task::block_in_place(f)
}

impl Session {
    pub(crate) async fn begin(&mut self, mode: &TxnMode, implicit: bool) -> Result<Outcome, PgError> {
        if let Some(t) = self.txn.as_mut() {
            if t.implicit && !implicit {
                // BEGIN inside a multi-statement string turns it into an explicit block.
                t.implicit = false;
            } else if !implicit {
                self.notices.push(Notice::warning("25001", "there is already a transaction in progress"));
            }
            return Ok(Outcome::Command(begin_tag(mode).into()));
        }
        let read_only = mode.read_only.unwrap_or_else(|| self.settings.is_on("default_transaction_read_only"));
        let isolation = mode.isolation.clone().unwrap_or_else(|| self.settings.get("default_transaction_isolation").unwrap_or_else(|| "read committed".into()));
        self.next_txid += 1;
        self.txn = Some(Txn {
            read_only,
            isolation: isolation.clone(),
            failed: false,
            savepoints: Vec::new(),
            schema: None,
            start_micros: now_micros(),
            implicit,
            snapshot_commit: None,
            sequences: Default::default(),
        });
        let snapshot_isolation = isolation == "repeatable read" || isolation == "serializable";
        if !implicit && (read_only || snapshot_isolation) {
            // One snapshot for the whole transaction. It does not hold the
            // writer: a REPEATABLE READ transaction that only reads never
            // blocks writers; one that writes after others committed fails
            // with 40001, as PostgreSQL's would.
            let db = self.db.clone();
            let before = db.commit_seq();
            let conn = in_blocking(|| -> Result<ReadConn, PgError> {
                let c = db.read().map_err(PgError::from_store)?;
                c.execute_batch("BEGIN; SELECT 1 FROM sqlite_schema LIMIT 1;").map_err(|e| PgError::from_sqlite(e, None))?;
                Ok(c)
            })?;
            self.snapshot = Some(conn);
            if let Some(t) = self.txn.as_mut() {
                t.snapshot_commit = Some(before);
            }
        }
        Ok(Outcome::Command(begin_tag(mode).into()))
    }

    pub(crate) async fn commit(&mut self) -> Result<Outcome, PgError> {
        match &self.txn {
            None => {
                self.notices.push(Notice::warning("25P01", "there is no transaction in progress"));
                Ok(Outcome::Command("COMMIT".into()))
            }
            Some(t) if t.failed => {
                self.end_txn(false).await?;
                Ok(Outcome::Command("ROLLBACK".into()))
            }
            Some(_) => {
                self.end_txn(true).await?;
                Ok(Outcome::Command("COMMIT".into()))
            }
        }
    }

    /// Ends the transaction: commits it through Raft (it is durable on a
    /// quorum and applied here when this returns) or rolls it back, and
    /// publishes its DDL.
    pub async fn end_txn(&mut self, commit: bool) -> Result<(), PgError> {
        let Some(mut t) = self.txn.take() else { return Ok(()) };
        let mut result = Ok(());
        if self.remote.is_some() {
            result = self.end_remote(commit).await;
        }
        if let Some(lease) = self.lease.take() {
            if commit {
                result = match self.node.cluster.commit(lease).await {
                    Ok(index) => {
                        self.last_write_index = self.last_write_index.max(index);
                        Ok(())
                    }
                    // Leadership moved before the entry was proposed: nothing committed.
                    Err(e @ consensus::raft::CommitError::NotLeader { .. }) => Err(PgError::CommitRetry(e.to_string())),
                    Err(e) => Err(PgError::from_commit(e)),
                };
            } else if !t.sequences.is_empty() && !lease.is_autocommit() {
                // The rollback keeps what the transaction drew from sequences:
                // undone, its work gives way to those advances alone, which commit.
                // (Only while SQLite's transaction is open: were it rolled back
                // already, the updates would commit locally, outside the log.)
                let mut lease = lease;
                let advanced = in_blocking(|| -> rusqlite::Result<usize> {
                    lease.undo_all()?;
                    advance_sequences(&lease, &t.sequences)
                });
                match advanced {
                    Ok(n) if n > 0 => {
                        if let Err(e) = self.node.cluster.commit(lease).await {
                            tracing::warn!(error = %e, "keeping the sequence values of a rolled-back transaction failed");
                        }
                    }
                    _ => result = in_blocking(|| lease.rollback()).map_err(|e| PgError::from_sqlite(e, None)),
                }
            } else {
                let mut lease = lease;
                result = in_blocking(|| lease.rollback()).map_err(|e| PgError::from_sqlite(e, None));
            }
            if commit && result.is_ok() {
                if let Some(s) = t.schema.take() {
                    self.node.publish_schema(&self.db, (*s.schema).clone());
                }
            }
        }
        if let Some(snap) = self.snapshot.take() {
            let _ = in_blocking(|| snap.execute_batch("COMMIT"));
        }
        for change in self.settings.end_transaction(commit && result.is_ok()) {
            self.pending_status.push(change);
        }
        self.settings_changed();
        self.node.locks.release_xact(self.lock_owner);
        result
    }

    pub(crate) async fn acquire_lease(&mut self) -> Result<(), PgError> {
        if self.lease.is_some() {
            return Ok(());
        }
        // Only the leader, caught up with every earlier entry, takes writers.
        self.node.cluster.ready_for_writes().await.map_err(PgError::from_commit)?;
        let lock_timeout = self.settings.millis("lock_timeout");
        let timeout = (lock_timeout > 0).then(|| Duration::from_millis(lock_timeout));
        let lease = self.db.write_txn(timeout).await.map_err(|e| match e {
            consensus::StoreError::WriteTimeout => PgError::Function { code: "55P03", message: "canceling statement due to lock timeout".into() },
            other => PgError::from_store(other),
        })?;
        let Some(t) = self.txn.as_mut() else { return Ok(()) };
        if t.snapshot_commit.is_some_and(|c| c != self.db.writer_seq()) {
            // Someone committed after this transaction's snapshot (or is committing).
            return Err(PgError::SerializationFailure);
        }
        // Savepoints set before the first write hold nothing yet; they are
        // set again on the writer so that ROLLBACK TO finds them. Recording
        // of the transaction's effects started with it.
        let mut sql = String::new();
        for (sp, _) in &t.savepoints {
            sql.push_str(&format!("SAVEPOINT \"{}\";", sp.replace('"', "\"\"")));
        }
        if !sql.is_empty() {
            in_blocking(|| lease.execute_batch(&sql)).map_err(|e| PgError::from_sqlite(e, None))?;
        }
        // The writer sees exactly the snapshot's data now; reads move to it.
        if let Some(snap) = self.snapshot.take() {
            let _ = in_blocking(|| snap.execute_batch("COMMIT"));
        }
        self.lease = Some(lease);
        Ok(())
    }

    /// Makes sure writes can run: in a transaction, takes the writer; outside, starts an implicit one.
    pub(crate) async fn start_write(&mut self) -> Result<(), PgError> {
        if self.txn.is_none() {
            self.begin(&TxnMode::default(), true).await?;
        }
        if self.txn.as_ref().is_some_and(|t| t.read_only) {
            return Err(PgError::ReadOnlyTransaction("a write".into()));
        }
        self.acquire_lease().await
    }

    pub(crate) fn set_transaction(&mut self, name: &str, v: Option<&str>) -> Result<Outcome, PgError> {
        let t = self.txn.as_mut().ok_or(PgError::NoTransaction("SET TRANSACTION"))?;
        let v = v.unwrap_or("").to_ascii_lowercase();
        if name == "transaction_read_only" {
            t.read_only = matches!(v.as_str(), "on" | "true" | "1");
        } else {
            t.isolation = v;
        }
        Ok(Outcome::Command("SET".into()))
    }

    pub(crate) fn savepoint(&mut self, name: &str) -> Result<Outcome, PgError> {
            let t = self.txn.as_mut().filter(|t| !t.implicit).ok_or(PgError::NoTransaction("SAVEPOINT"))?;
            let mut mark = consensus::effects::Mark::default();
            if let Some(lease) = &self.lease {
                in_blocking(|| lease.execute_batch(&format!("SAVEPOINT \"{}\"", name.replace('"', "\"\"")))).map_err(|e| PgError::from_sqlite(e, None))?;
                mark = lease.mark();
            }
            t.savepoints.push((name.to_string(), mark));
            Ok(Outcome::Command("SAVEPOINT".into()))
    }

    pub(crate) fn release(&mut self, name: &str) -> Result<Outcome, PgError> {
            let t = self.txn.as_mut().filter(|t| !t.implicit).ok_or(PgError::NoTransaction("RELEASE SAVEPOINT"))?;
            let pos = t.savepoints.iter().rposition(|(s, _)| s == name).ok_or_else(|| PgError::NoSuchSavepoint(name.to_string()))?;
            if let Some(lease) = &self.lease {
                in_blocking(|| lease.execute_batch(&format!("RELEASE \"{}\"", name.replace('"', "\"\"")))).map_err(|e| PgError::from_sqlite(e, None))?;
            }
            t.savepoints.truncate(pos);
            Ok(Outcome::Command("RELEASE".into()))
    }

    /// ROLLBACK TO: undoes the SQLite work and the recorded effects since the savepoint.
    pub(crate) fn rollback_to(&mut self, name: &str) -> Result<Outcome, PgError> {
            let t = self.txn.as_mut().filter(|t| !t.implicit).ok_or(PgError::NoTransaction("ROLLBACK TO SAVEPOINT"))?;
            let pos = t.savepoints.iter().rposition(|(s, _)| s == name).ok_or_else(|| PgError::NoSuchSavepoint(name.to_string()))?;
            if let Some(lease) = &self.lease {
                in_blocking(|| lease.execute_batch(&format!("ROLLBACK TO \"{}\"", name.replace('"', "\"\"")))).map_err(|e| PgError::from_sqlite(e, None))?;
                // What ran since the savepoint is not part of the transaction any more,
                // but for the values drawn from sequences.
                lease.rewind(t.savepoints[pos].1);
                in_blocking(|| advance_sequences(lease, &t.sequences)).map_err(|e| PgError::from_sqlite(e, None))?;
                // DDL undone by the rollback must leave the session's schema too.
                if t.schema.is_some() {
                    let schema = in_blocking(|| load_schema(lease)).map_err(|e| PgError::from_sqlite(e, None))?;
                    t.schema = Some(SchemaSnapshot { generation: self.node.next_generation(), schema: Arc::new(schema) });
                }
            }
            t.savepoints.truncate(pos + 1);
            t.failed = false;
            Ok(Outcome::Command("ROLLBACK".into()))
    }
}

/// Sets each sequence to the state a transaction left it in; returns how
/// many exist still (one created by the transaction may be gone with it).
fn advance_sequences(conn: &rusqlite::Connection, sequences: &std::collections::BTreeMap<String, (i64, bool)>) -> rusqlite::Result<usize> {
    let mut n = 0;
    for (key, (value, called)) in sequences {
        let (schema, name) = key.split_once('.').unwrap_or(("public", key.as_str()));
        n += conn.execute(
            "UPDATE __lg_sequence SET last_value = ?1, is_called = ?2 WHERE relid = (SELECT oid FROM __lg_relation WHERE schema = ?3 AND name = ?4)",
            rusqlite::params![value, called, schema, name],
        )?;
    }
    Ok(n)
}

fn begin_tag(mode: &TxnMode) -> &'static str {
    if mode.start_transaction {
        "START TRANSACTION"
    } else {
        "BEGIN"
    }
}
