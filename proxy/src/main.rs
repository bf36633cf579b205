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

#[derive(Subcommand)]
enum Command {
    /// Run a node.
    Serve(ServeArgs),
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
        Command::Serve(args) => {
            let config = Config::from_args(args)?;
            tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log).context("invalid --log filter")?)
                .with_target(false)
                .init();
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(8 * 1024 * 1024).build()?;
            runtime.block_on(async move {
                let pg = tokio::net::TcpListener::bind(config.listen).await.with_context(|| format!("listening on {}", config.listen))?;
                let http = tokio::net::TcpListener::bind(config.http_listen).await.with_context(|| format!("listening on {}", config.http_listen))?;
                tracing::info!(listen = %config.listen, http = %config.http_listen, data_dir = %config.data_dir.display(), "litegres ready");
                let node = litegres::open_node(config).await?;
                litegres::run(node, pg, http, shutdown_signal()).await
            })
        }
    }
}
