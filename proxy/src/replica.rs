//! Reading on this node's replica: how long a read waits (the session's
//! `litegres.read_consistency`) and catching up with the leader when a
//! statement names an object this node has not learnt of yet.

use crate::error::PgError;
use consensus::raft::Cluster;
use std::sync::Arc;
use std::time::Duration;

/// On a follower, a statement naming an object this node has not learnt of
/// yet (another node's session just created it) may be behind the leader:
/// catches up to the leader's read index. Returns whether the statement is
/// worth translating again.
pub async fn caught_up_after(cluster: &Arc<Cluster>, e: &PgError) -> bool {
    let missing = matches!(e.sqlstate().code(), "42P01" | "42883" | "42704" | "42703" | "3F000" | "42P02");
    if !missing || cluster.is_leader() {
        return false;
    }
    let Ok(index) = cluster.read_index().await else { return false };
    let applied = cluster.applied_index();
    tracing::debug!(code = e.sqlstate().code(), index, applied, "catching up with the leader before translating again");
    // Translating again is worth it even when the entries were applied
    // meanwhile: the first attempt may have raced with them.
    cluster.wait_applied(index, Duration::from_secs(10)).await
}

/// Before a read on this node's replica: `session` (the default) waits
/// until the session's last write is applied here, `linearizable` until
/// everything committed before the read began is, `local` never waits.
pub async fn wait_for_consistency(cluster: Arc<Cluster>, consistency: Option<String>, last_write: u64) -> Result<(), PgError> {
    let index = match consistency.as_deref() {
        Some("local") => return Ok(()),
        Some("linearizable") => cluster.read_index().await.map_err(PgError::from_commit)?,
        _ => last_write,
    };
    if index > cluster.applied_index() && !cluster.wait_applied(index, Duration::from_secs(30)).await {
        return Err(PgError::CommitUnknown(format!("this node has not applied entry {index} within 30 s")));
    }
    Ok(())
}

