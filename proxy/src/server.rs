//! Accepting connections: one task per client running pgwire's message loop
//! with this connection's handlers; TLS when configured; graceful shutdown.

use crate::handler::{Connection, Handlers};
use crate::node::Node;
use crate::session::Session;
use crate::tls;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::Instrument;

/// Serves PostgreSQL clients on `listener` until `shutdown` completes; then
/// stops accepting and waits (bounded) for open sessions to finish.
pub async fn run(node: Arc<Node>, listener: TcpListener, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let acceptor = match &node.config.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let mut conns = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (socket, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = socket.set_nodelay(true);
                let handlers = Handlers::new(node.clone());
                let acceptor = acceptor.clone();
                let span = tracing::info_span!("connection", %peer);
                conns.spawn(
                    async move {
                        if let Err(e) = pgwire::tokio::process_socket(socket, acceptor, handlers).await {
                            tracing::debug!(error = %e, "connection closed with an error");
                        }
                    }
                    .instrument(span),
                );
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    tracing::info!(open = conns.len(), "shutting down: no new connections");
    let drain = async { while conns.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(10), drain).await.is_err() {
        conns.abort_all();
    }
    Ok(())
}

/// Ends a transaction that holds the writer and then sits idle longer than
/// `idle_in_transaction_session_timeout`, so one forgotten client cannot
/// block every writer. The session is told with 25P03 and closed. Armed
/// after every statement: the timer of the statement before is cancelled,
/// so a connection has at most one (each used to sleep out the whole
/// timeout: a busy writer piled up hundreds of thousands of them).
pub fn arm_idle_timer(conn: &Arc<Connection>, session: &Session) {
    let mut armed = conn.idle_timer.lock();
    if let Some(previous) = armed.take() {
        previous.abort();
    }
    let timeout = session.settings.millis("idle_in_transaction_session_timeout");
    if timeout == 0 || !session.holds_writer() {
        return;
    }
    let epoch = session.epoch;
    let conn = Arc::downgrade(conn);
    *armed = Some(tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(timeout)).await;
        let Some(conn) = conn.upgrade() else { return };
        let mut guard = conn.session.lock().await;
        if let Some(s) = guard.as_mut() {
            if s.epoch == epoch && s.holds_writer() {
                tracing::warn!(pid = s.pid, "idle in transaction too long: rolling back and closing");
                let _ = s.end_txn(false).await;
                s.terminated = Some(crate::error::PgError::IdleInTransactionTimeout);
            }
        }
    }).abort_handle());
}
