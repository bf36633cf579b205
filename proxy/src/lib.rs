//! litegres: a PostgreSQL server over SQLite. This crate is the node: wire
//! protocol, sessions, authentication, the admin endpoint and the CLI.
//!
//! A request's path: [`server`] accepts a socket and runs pgwire's loop with
//! [`handler`]'s handlers; [`auth`] authenticates and creates the
//! [`session::Session`]; each statement is translated by the catalog crate
//! (cached in [`node::Node`]) and run by the session on a read connection or
//! on the single writer of `consensus`, via [`exec`].

pub mod admin;
pub mod auth;
pub mod config;
pub mod copy;
pub mod deferred;
pub mod error;
pub mod exec;
pub mod forward;
pub mod functions;
pub mod handler;
pub mod inline;
pub mod locks;
pub mod memory;
pub mod node;
pub mod remote_locks;
pub mod replica;
pub mod server;
pub mod session;
pub mod settings;
pub mod tls;
pub mod txn;

use config::Config;
use node::Node;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// `version()`: what clients see as the server's version.
pub fn version_string() -> String {
    format!(
        "PostgreSQL {} (litegres {}) on {}-linux, SQLite {}",
        settings::server_version().0,
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        rusqlite::version()
    )
}

/// Opens the node's storage and starts its Raft group (a one-member group
/// when no cluster flag is given).
pub async fn open_node(config: Config) -> anyhow::Result<Arc<Node>> {
    settings::set_server_version(config.server_version.clone());
    std::fs::create_dir_all(&config.data_dir)?;
    let init: consensus::ConnInit = Arc::new(functions::register);
    let bootstrap: Arc<dyn Fn(&rusqlite::Connection) -> rusqlite::Result<()> + Send + Sync> =
        Arc::new(|c: &rusqlite::Connection| c.execute_batch(catalog::schema::BOOTSTRAP_SQL));
    let store = Arc::new(consensus::Store::open(&config.data_dir, init, bootstrap, config.readers)?);
    let cluster = consensus::raft::Cluster::start(&config.data_dir, store.clone(), config.cluster.clone()).await?;
    let node = Arc::new(Node::new(config, store, cluster));
    node.clone().follow_applied();
    forward::ForwardHost::install(&node);
    remote_locks::RemoteLocks::spawn(&node);
    memory::spawn_trimmer();
    Ok(node)
}

/// Runs a node on the given listeners until `shutdown` completes.
pub async fn run(node: Arc<Node>, pg: TcpListener, http: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut rx_http = rx.clone();
    let admin = tokio::spawn(admin::run(node.clone(), http, async move {
        let _ = rx_http.wait_for(|v| *v).await;
    }));
    let mut rx_pg = rx;
    let pg_task = server::run(node, pg, async move {
        let _ = rx_pg.wait_for(|v| *v).await;
    });
    let trigger = async move {
        shutdown.await;
        let _ = tx.send(true);
    };
    let (r, _) = tokio::join!(pg_task, trigger);
    let _ = admin.await;
    r
}
