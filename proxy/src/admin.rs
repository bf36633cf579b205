//! The admin HTTP endpoint: health, metrics, the cluster's status, and membership
//! changes (`litegres cluster ...` talks to it).

use crate::node::Node;
use axum::extract::State;
use axum::http::StatusCode;
use axum::extract::Path;
use axum::routing::{delete, get};
use axum::{Json, Router};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

async fn healthz(State(node): State<Arc<Node>>) -> (StatusCode, Json<serde_json::Value>) {
    // Healthy when Raft runs and the default database answers a read.
    if !node.cluster.healthy() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "raft stopped"})));
    }
    let ok = tokio::task::spawn_blocking(move || {
        node.store.get("postgres").ok().and_then(|db| db.read().ok()).map(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)).is_ok()).unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    if ok {
        (StatusCode::OK, Json(serde_json::json!({"status": "ok"})))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable"})))
    }
}

/// This node's view of the cluster: its role, the leader, members, applied index, lag.
async fn cluster(State(node): State<Arc<Node>>) -> Json<consensus::raft::ClusterStatus> {
    Json(node.cluster.status())
}

/// Prometheus text format: the node's role and progress, and how commits
/// share fsyncs (log entries against log fsyncs, transactions against
/// group commits).
async fn metrics(State(node): State<Arc<Node>>) -> (StatusCode, [(axum::http::header::HeaderName, &'static str); 1], String) {
    let c = node.cluster.counters();
    let s = node.cluster.status();
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, value: u64| {
        out.push_str(&format!("# HELP litegres_{name} {help}\n# TYPE litegres_{name} {kind}\nlitegres_{name} {value}\n"));
    };
    metric("raft_is_leader", "gauge", "1 on the leader.", u64::from(s.leader == Some(s.node_id)));
    metric("raft_term", "gauge", "The current Raft term.", s.term);
    metric("raft_last_log_index", "gauge", "The last entry in this node's log.", s.last_log_index);
    metric("raft_applied_index", "gauge", "The last entry applied to this node's databases.", s.applied_index);
    metric("raft_log_entries_appended_total", "counter", "Log entries appended on this node.", c.log_appended);
    metric("raft_log_fsyncs_total", "counter", "Fsyncs of the log for appended entries (shared by entries appended together).", c.log_flushes);
    metric("group_commits_total", "counter", "Groups of transactions committed together as leader.", c.groups_committed);
    metric("group_transactions_total", "counter", "Transactions committed in those groups.", c.group_transactions);
    metric("groups_settled_total", "counter", "Groups rolled back and replayed after a lost entry or a leadership change.", c.groups_settled);
    metric("replica_lag_entries", "gauge", "Committed entries this node has yet to apply.", node.cluster.replica_lag());
    (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

/// Removes a node (a dead one being replaced, or one taken out). Only the leader can.
async fn remove_node(State(node): State<Arc<Node>>, Path(id): Path<u64>) -> (StatusCode, Json<serde_json::Value>) {
    match node.cluster.remove_node(id).await {
        Ok(()) => (StatusCode::OK, Json(serde_json::json!({"removed": id}))),
        Err(e @ consensus::raft::CommitError::NotLeader { .. }) => {
            let leader = node.cluster.leader().map(|(id, addr)| serde_json::json!({"id": id, "raft": addr}));
            (StatusCode::MISDIRECTED_REQUEST, Json(serde_json::json!({"error": e.to_string(), "leader": leader})))
        }
        Err(e) => (StatusCode::CONFLICT, Json(serde_json::json!({"error": e.to_string()}))),
    }
}

pub async fn run(node: Arc<Node>, listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/cluster", get(cluster))
        .route("/metrics", get(metrics))
        .route("/cluster/nodes/{id}", delete(remove_node))
        .with_state(node);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
