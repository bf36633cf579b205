//! Writing entries into a database file: one transaction entry replayed
//! from its recorded effects (checked against the state it ran on), or a
//! group of them committed as it ran on the leader. The log id and the
//! transaction count go into `__lg_applied` in the same SQLite transaction.

use super::LogId;
use crate::command::{Applied, Base, Origin, Step};
use crate::database::{durable_in, APPLIED_TABLE};
use crate::group::{Durable, Member};
use crate::{effects, WriteLease};
use rusqlite::{params, Connection};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Records that the file holds entry `log_id` and the state `state`.
pub(super) fn mark_applied(conn: &Connection, log_id: LogId, state: Base) -> rusqlite::Result<()> {
    conn.execute_batch(APPLIED_TABLE)?;
    conn.execute(
        "INSERT INTO __lg_applied (id, term, node, idx, seq, last_node, last_proposal) VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET term = excluded.term, node = excluded.node, idx = excluded.idx, seq = excluded.seq, last_node = excluded.last_node, last_proposal = excluded.last_proposal",
        params![log_id.leader_id.term as i64, log_id.leader_id.node_id as i64, log_id.index as i64, state.seq as i64, state.last.node as i64, state.last.proposal as i64],
    )?;
    Ok(())
}

fn durable(log_id: LogId, state: Base) -> Durable {
    Durable { index: log_id.index, seq: state.seq, last: state.last }
}

/// Databases whose apply is waiting out a failure local to this node.
static STALLED: AtomicUsize = AtomicUsize::new(0);

/// Whether some database of this node cannot apply entries right now (a
/// full disk, an I/O error): the node is then not healthy.
pub fn apply_stalled() -> bool {
    STALLED.load(Ordering::Relaxed) > 0
}

/// Whether an error belongs to this node and this moment (its disk, its
/// memory, its locks) rather than to the entry: every node replaying the
/// same entry on the same data gets the same deterministic error, but not
/// the same full disk. Such an error is never recorded as the entry's
/// outcome; the entry is tried again.
fn is_local(e: &rusqlite::Error) -> bool {
    use rusqlite::ffi::ErrorCode as C;
    match e {
        rusqlite::Error::SqliteFailure(f, _) => matches!(
            f.code,
            C::DiskFull
                | C::SystemIoFailure
                | C::DatabaseBusy
                | C::DatabaseLocked
                | C::OutOfMemory
                | C::CannotOpen
                | C::ReadOnly
                | C::FileLockingProtocolFailed
                | C::DatabaseCorrupt
                | C::NotADatabase
                | C::OperationInterrupted
                | C::PermissionDenied
                | C::NoLargeFileSupport
        ),
        _ => false,
    }
}

/// Applies a transaction's steps with `lease` in one SQLite transaction that
/// also records the entry, if the database is in the state the transaction
/// `origin` ran on (`base`). Returns the outcome (the same on every node)
/// and what the file then holds. A failure local to this node is retried,
/// with a growing pause, until it passes: skipping the entry would leave
/// this node without a transaction every other node has.
pub(super) fn apply_to(lease: &WriteLease, log_id: LogId, origin: Origin, base: Base, steps: &[Step]) -> rusqlite::Result<(Applied, Durable)> {
    let mut pause = std::time::Duration::from_millis(10);
    let mut stalled = false;
    let outcome = loop {
        match apply_once(lease, log_id, origin, base, steps) {
            Err(e) if is_local(&e) => {
                if !lease.is_autocommit() {
                    let _ = lease.execute_batch("ROLLBACK");
                }
                if !stalled {
                    stalled = true;
                    STALLED.fetch_add(1, Ordering::Relaxed);
                }
                tracing::error!(index = log_id.index, error = %e, retry_in_ms = pause.as_millis() as u64, "an entry cannot be applied on this node; retrying");
                std::thread::sleep(pause);
                pause = (pause * 2).min(std::time::Duration::from_secs(2));
            }
            other => break other,
        }
    };
    if stalled {
        STALLED.fetch_sub(1, Ordering::Relaxed);
    }
    outcome
}

fn apply_once(lease: &WriteLease, log_id: LogId, origin: Origin, base: Base, steps: &[Step]) -> rusqlite::Result<(Applied, Durable)> {
    let now = durable_in(lease)?;
    if now.index >= log_id.index {
        return Ok((Applied::default(), now));
    }
    let record_only = |error: String, conflict: bool| -> rusqlite::Result<(Applied, Durable)> {
        if !lease.is_autocommit() {
            lease.execute_batch("ROLLBACK")?;
        }
        lease.execute_batch("BEGIN IMMEDIATE")?;
        mark_applied(lease, log_id, now.base())?;
        lease.execute_batch("COMMIT")?;
        Ok((Applied { error: Some(error), conflict }, durable(log_id, now.base())))
    };
    if now.base() != base {
        tracing::warn!(index = log_id.index, base = base.seq, holds = now.seq, "an entry ran on a state this database does not hold: rejected");
        return record_only("could not serialize access: the transaction ran on changes that were not committed".into(), true);
    }
    // Triggers and foreign-key actions already ran where the transaction
    // did; their effects are among the recorded rows. CHECK constraints were
    // judged there too, under that session's settings (a CHECK may read its
    // TimeZone): judged again here they could refuse rows the others hold.
    lease.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON")?;
    lease.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    let after = Base { seq: now.seq + 1, last: origin };
    let run = || -> rusqlite::Result<()> {
        lease.execute_batch("BEGIN IMMEDIATE")?;
        effects::replay(lease, steps)?;
        #[cfg(test)]
        tests::injected_fault()?;
        mark_applied(lease, log_id, after)?;
        lease.execute_batch("COMMIT")
    };
    let outcome = match run() {
        Ok(()) => Ok((Applied::default(), durable(log_id, after))),
        Err(e) if is_local(&e) => Err(e),
        Err(e) => {
            tracing::warn!(index = log_id.index, error = %e, "an entry's effects could not be applied");
            record_only(e.to_string(), false)
        }
    };
    lease.execute_batch("PRAGMA foreign_keys = ON; PRAGMA ignore_check_constraints = OFF")?;
    lease.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, true)?;
    outcome
}

/// Commits a group's SQLite transaction if every entry in it was reached;
/// otherwise (or if that fails) rolls it back and replays, in order, the
/// entries that were. Returns what the file then holds, and whether the
/// group committed as it ran.
pub(super) fn commit_group(lease: &WriteLease, members: Vec<Member>, before: Durable, broken: bool) -> rusqlite::Result<(Durable, bool)> {
    // Each member must have run on the state the group gives it (the file's,
    // then each member's in turn): else it is replayed, and checked, exactly
    // as every other node applies it.
    let mut state = before.base();
    let mut in_order = !members.is_empty();
    for m in &members {
        in_order &= m.applied.as_ref().is_some_and(|a| a.1 == state);
        state = Base { seq: state.seq + 1, last: m.origin };
    }
    if in_order && !broken && !lease.is_autocommit() {
        if let Some((last, _, _)) = members.last().and_then(|m| m.applied.as_ref()) {
            match mark_applied(lease, *last, state).and_then(|_| lease.execute_batch("COMMIT")) {
                Ok(()) => return Ok((durable(*last, state), true)),
                Err(e) => tracing::warn!(error = %e, "committing a group failed; replaying its entries"),
            }
        }
    }
    if !lease.is_autocommit() {
        lease.execute_batch("ROLLBACK")?;
    }
    let mut durable = before;
    for (origin, (log_id, base, steps)) in members.into_iter().filter_map(|m| m.applied.map(|a| (m.origin, a))) {
        let (applied, now) = apply_to(lease, log_id, origin, base, &steps)?;
        if let Some(e) = applied.error {
            tracing::error!(index = log_id.index, error = %e, "an entry of a settled group could not be replayed");
        }
        durable = now;
    }
    Ok((durable, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::tests::{id, o};
    use crate::Database;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn an_entry_applies_only_on_the_very_state_it_ran_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open("d", &dir.path().join("d.db"), Arc::new(|_| Ok(())), &|_| Ok(()), 1).unwrap();
        let lease = db.write().await;
        let sql = |s: &str| vec![Step::Sql(s.to_string())];
        let (a, _) = apply_to(&lease, id(1), o(10), Base::default(), &sql("CREATE TABLE t (x text)")).unwrap();
        assert!(a.error.is_none());
        let (a, _) = apply_to(&lease, id(2), o(11), Base { seq: 1, last: o(10) }, &sql("INSERT INTO t VALUES ('b')")).unwrap();
        assert!(a.error.is_none());
        // Ran beside 11 on the same state: rejected.
        let (a, now) = apply_to(&lease, id(3), o(12), Base { seq: 1, last: o(10) }, &sql("INSERT INTO t VALUES ('c')")).unwrap();
        assert!(a.conflict);
        assert_eq!(now.base(), Base { seq: 2, last: o(11) });
        // Ran on 12's data: the count matches the file's, the state does not.
        let (a, _) = apply_to(&lease, id(4), o(13), Base { seq: 2, last: o(12) }, &sql("INSERT INTO t VALUES ('d')")).unwrap();
        assert!(a.conflict, "an entry built on a rejected one must be rejected too");
        let rows: Vec<String> = lease.prepare("SELECT x FROM t").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows, ["b"]);
        assert_eq!(durable_in(&lease).unwrap(), Durable { index: 4, seq: 2, last: o(11) });
    }

    /// Disk-full failures the next replays meet after their effects (tests only).
    static DISK_FULL: AtomicUsize = AtomicUsize::new(0);

    pub(super) fn injected_fault() -> rusqlite::Result<()> {
        if DISK_FULL.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok() {
            let full = rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL);
            return Err(rusqlite::Error::SqliteFailure(full, Some("database or disk is full".into())));
        }
        Ok(())
    }

    /// A full disk met halfway through an entry's replay is this node's
    /// failure, not the entry's: the entry is applied once there is room,
    /// never recorded as failed (this node would then lack a transaction
    /// every other node has).
    #[tokio::test]
    async fn a_full_disk_midway_is_retried_never_recorded_as_the_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open("d", &dir.path().join("d.db"), Arc::new(|_| Ok(())), &|_| Ok(()), 1).unwrap();
        let lease = db.write().await;
        let sql = |s: &str| vec![Step::Sql(s.to_string())];
        apply_to(&lease, id(1), o(10), Base::default(), &sql("CREATE TABLE t (x text)")).unwrap();
        DISK_FULL.store(3, Ordering::Relaxed);
        let (applied, now) = apply_to(&lease, id(2), o(11), Base { seq: 1, last: o(10) }, &sql("INSERT INTO t VALUES ('a')")).unwrap();
        assert_eq!(DISK_FULL.load(Ordering::Relaxed), 0, "each failure was met and retried");
        assert!(applied.error.is_none(), "recorded as failed: {:?}", applied.error);
        assert_eq!(now, Durable { index: 2, seq: 2, last: o(11) });
        let rows: Vec<String> = lease.prepare("SELECT x FROM t").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows, ["a"]);
    }

    /// A failure of this node's own (here: the file locked by another
    /// process, as a full disk or an I/O error would fail it) must not be
    /// recorded as the entry's outcome: the entry is applied once it can be.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_failure_local_to_this_node_is_retried_never_recorded_as_the_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let db = Database::open("d", &path, Arc::new(|_| Ok(())), &|_| Ok(()), 1).unwrap();
        let lease = db.write().await;
        lease.busy_timeout(std::time::Duration::from_millis(20)).unwrap();
        let sql = |s: &str| vec![Step::Sql(s.to_string())];
        apply_to(&lease, id(1), o(10), Base::default(), &sql("CREATE TABLE t (x text)")).unwrap();
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            let waited = apply_stalled();
            other.execute_batch("COMMIT").unwrap();
            waited
        });
        let applied = apply_to(&lease, id(2), o(11), Base { seq: 1, last: o(10) }, &sql("INSERT INTO t VALUES ('a')")).unwrap();
        let waited = release.join().unwrap();
        assert!(waited, "the entry should wait, with the node reported stalled, while the file is locked");
        assert!(applied.0.error.is_none(), "recorded as failed: {:?}", applied.0.error);
        assert!(!apply_stalled());
        let rows: Vec<String> = lease.prepare("SELECT x FROM t").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
        assert_eq!(rows, ["a"]);
    }
}
