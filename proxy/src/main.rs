//! The `litegres` command.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use litegres::config::{Config, ServeArgs};

#[derive(Parser)]
#[command(name = "litegres", version, about = "A PostgreSQL-compatible server that stores data in SQLite")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the serve flags does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run a node.
    Serve(ServeArgs),
    /// Inspect or change a cluster through a node's admin endpoint.
    Cluster {
        /// The node's admin HTTP address (its --http-listen).
        #[arg(long, env = "LITEGRES_ADMIN", default_value = "127.0.0.1:8432")]
        admin: String,
        #[command(subcommand)]
        action: ClusterAction,
    },
}

#[derive(Subcommand)]
enum ClusterAction {
    /// The node's view of the cluster: leader, members, applied index, lag.
    Status,
    /// Remove a node (to replace a dead one, start a new node with an empty
    /// data dir and --join). Send it to the leader.
    Remove { node_id: u64 },
}

/// One HTTP/1.1 request to the admin endpoint; the status code and body.
fn admin_request(addr: &str, method: &str, path: &str) -> anyhow::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).with_context(|| format!("connecting to the admin endpoint at {addr}"))?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    Ok((status, out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Cluster { admin, action } => {
            let (status, body) = match action {
                ClusterAction::Status => admin_request(&admin, "GET", "/cluster")?,
                ClusterAction::Remove { node_id } => admin_request(&admin, "DELETE", &format!("/cluster/nodes/{node_id}"))?,
            };
            println!("{body}");
            if status != 200 {
                anyhow::bail!("the node answered {status}");
            }
            Ok(())
        }
        Command::Serve(args) => {
            let config = Config::from_args(args)?;
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log).context("invalid --log filter")?)
                .with_target(false)
                .init();
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(8 * 1024 * 1024).build()?;
            runtime.block_on(async move {
                // Clients are accepted only once the node is open (storage, Raft
                // and its listener): a port that answers is a node that works.
                let (listen, http_listen, data_dir) = (config.listen, config.http_listen, config.data_dir.clone());
                let node = litegres::open_node(config).await?;
                let pg = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
                let http = tokio::net::TcpListener::bind(http_listen).await.with_context(|| format!("listening on {http_listen}"))?;
                tracing::info!(listen = %listen, http = %http_listen, data_dir = %data_dir.display(), "litegres ready");
                litegres::run(node, pg, http, shutdown_signal()).await
            })
        }
    }
}
