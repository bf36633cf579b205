//! Writing entries into a database file: one transaction entry replayed
//! from its recorded effects (checked against the state it ran on), or a
//! group of them committed as it ran on the leader. The log id and the
//! transaction count go into `__lg_applied` in the same SQLite transaction.

use super::LogId;
use crate::command::{Applied, Step};
use crate::database::{durable_in, APPLIED_TABLE};
use crate::group::{Durable, Member};
use crate::{effects, WriteLease};
use rusqlite::{params, Connection};

pub(super) fn mark_applied(conn: &Connection, log_id: LogId, seq: u64) -> rusqlite::Result<()> {
    conn.execute_batch(APPLIED_TABLE)?;
    conn.execute(
        "INSERT INTO __lg_applied (id, term, node, idx, seq) VALUES (0, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET term = excluded.term, node = excluded.node, idx = excluded.idx, seq = excluded.seq",
        params![log_id.leader_id.term as i64, log_id.leader_id.node_id as i64, log_id.index as i64, seq as i64],
    )?;
    Ok(())
}

/// Applies a transaction's steps with `lease` in one SQLite transaction that
/// also records the entry, if the database is in the state the transaction
/// ran on (`base`). Returns the outcome (the same on every node) and what
/// the file then holds.
pub(super) fn apply_to(lease: &WriteLease, log_id: LogId, base: u64, steps: &[Step]) -> rusqlite::Result<(Applied, Durable)> {
    let now = durable_in(lease)?;
    if now.index >= log_id.index {
        return Ok((Applied::default(), now));
    }
    let record_only = |error: String, conflict: bool| -> rusqlite::Result<(Applied, Durable)> {
        if !lease.is_autocommit() {
            lease.execute_batch("ROLLBACK")?;
        }
        lease.execute_batch("BEGIN IMMEDIATE")?;
        mark_applied(lease, log_id, now.seq)?;
        lease.execute_batch("COMMIT")?;
        Ok((Applied { error: Some(error), conflict }, Durable { index: log_id.index, seq: now.seq }))
    };
    if now.seq != base {
        tracing::warn!(index = log_id.index, base, holds = now.seq, "an entry ran on a state this database does not hold: rejected");
        return record_only("could not serialize access: the transaction ran on changes that were not committed".into(), true);
    }
    // Triggers and foreign-key actions already ran where the transaction
    // did; their effects are among the recorded rows.
    lease.execute_batch("PRAGMA foreign_keys = OFF")?;
    lease.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    let run = || -> rusqlite::Result<()> {
        lease.execute_batch("BEGIN IMMEDIATE")?;
        effects::replay(lease, steps)?;
        mark_applied(lease, log_id, now.seq + 1)?;
        lease.execute_batch("COMMIT")
    };
    let outcome = match run() {
        Ok(()) => Ok((Applied::default(), Durable { index: log_id.index, seq: now.seq + 1 })),
        Err(e) => {
            tracing::warn!(index = log_id.index, error = %e, "an entry's effects could not be applied");
            record_only(e.to_string(), false)
        }
    };
    lease.execute_batch("PRAGMA foreign_keys = ON")?;
    lease.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
    outcome
}

/// Commits a group's SQLite transaction if every entry in it was reached;
/// otherwise (or if that fails) rolls it back and replays, in order, the
/// entries that were. Returns what the file then holds, and whether the
/// group committed as it ran.
pub(super) fn commit_group(lease: &WriteLease, members: Vec<Member>, before: Durable, broken: bool) -> rusqlite::Result<(Durable, bool)> {
    // Each member must have run on the state the group gives it (the bases
    // count up from the file's): else it is replayed, and checked, exactly
    // as every other node applies it.
    let in_order = members.iter().enumerate().all(|(i, m)| m.applied.as_ref().is_some_and(|a| a.1 == before.seq + i as u64));
    let complete = !members.is_empty() && in_order;
    if complete && !broken && !lease.is_autocommit() {
        if let Some((last, _, _)) = members.last().and_then(|m| m.applied.as_ref()) {
            let seq = before.seq + members.len() as u64;
            match mark_applied(lease, *last, seq).and_then(|_| lease.execute_batch("COMMIT")) {
                Ok(()) => return Ok((Durable { index: last.index, seq }, true)),
                Err(e) => tracing::warn!(error = %e, "committing a group failed; replaying its entries"),
            }
        }
    }
    if !lease.is_autocommit() {
        lease.execute_batch("ROLLBACK")?;
    }
    let mut durable = before;
    for (log_id, base, steps) in members.into_iter().filter_map(|m| m.applied) {
        let (applied, now) = apply_to(lease, log_id, base, &steps)?;
        if let Some(e) = applied.error {
            tracing::error!(index = log_id.index, error = %e, "an entry of a settled group could not be replayed");
        }
        durable = now;
    }
    Ok((durable, false))
}
