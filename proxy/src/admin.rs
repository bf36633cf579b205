//! The admin HTTP endpoint: health, the cluster's status, and membership
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
        .route("/cluster/nodes/{id}", delete(remove_node))
        .with_state(node);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
