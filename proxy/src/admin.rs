//! The admin HTTP endpoint: health now; metrics and cluster status later.

use crate::node::Node;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

async fn healthz(State(node): State<Arc<Node>>) -> (StatusCode, Json<serde_json::Value>) {
    // Healthy when the default database answers a read.
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

pub async fn run(node: Arc<Node>, listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let app = Router::new().route("/healthz", get(healthz)).with_state(node);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
