//! The servers under test, started fresh for one bench run: a real
//! PostgreSQL (Debian's package, fsync on, default settings otherwise), a
//! single litegres node and a 3-node litegres cluster, all on loopback.

use crate::procfs;
use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which kind of server a target is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    Litegres,
    Cluster,
}

/// One server (or cluster) clients connect to, and the processes it costs.
pub struct Target {
    pub kind: Kind,
    pub name: &'static str,
    /// Where clients connect (a cluster's leader).
    pub port: u16,
    /// The processes measured, one per node (PostgreSQL: its postmaster,
    /// whose children are the backends).
    pub pids: Vec<u32>,
    children: Vec<Child>,
    _dir: tempfile::TempDir,
}

impl Target {
    pub fn conninfo(&self, dbname: &str) -> String {
        format!("host=127.0.0.1 port={} user=postgres dbname={dbname}", self.port)
    }

    /// CPU seconds used so far, per node.
    pub fn cpu_seconds(&self) -> Vec<f64> {
        self.pids.iter().map(|p| procfs::cpu_seconds(*p)).collect()
    }

    /// Memory in use now, per node (PostgreSQL: its processes' proportional share).
    pub fn memory_bytes(&self) -> Vec<u64> {
        self.pids
            .iter()
            .map(|p| match self.kind {
                Kind::Postgres => procfs::tree_pss_bytes(*p),
                Kind::Litegres | Kind::Cluster => procfs::rss_bytes(*p),
            })
            .collect()
    }

    /// Starts measuring peak memory afresh.
    pub fn reset_peaks(&self) {
        if self.kind != Kind::Postgres {
            self.pids.iter().for_each(|p| procfs::reset_peak(*p));
        }
    }

    /// The kernel's record of each litegres node's peak memory since the last reset (empty for PostgreSQL).
    pub fn kernel_peaks(&self) -> Vec<u64> {
        match self.kind {
            Kind::Postgres => Vec::new(),
            Kind::Litegres | Kind::Cluster => self.pids.iter().map(|p| procfs::peak_rss_bytes(*p)).collect(),
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if self.kind == Kind::Postgres {
            for pid in &self.pids {
                // SIGQUIT: PostgreSQL's immediate shutdown, children included.
                let _ = Command::new("kill").args(["-QUIT", &pid.to_string()]).status();
            }
        }
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_listening(port: u16, child: &mut Child, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("{what} exited with {status} before listening on port {port}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    bail!("{what} did not listen on port {port} within 60 s")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Runs a PostgreSQL program; as the postgres user when we are root (PostgreSQL refuses root).
fn pg_command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn postgres_bin() -> Result<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing: install Debian's postgresql package")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("postgres").exists())
        .max()
        .context("no postgres binary under /usr/lib/postgresql")
}

/// The PostgreSQL server's version line.
pub fn postgres_version() -> String {
    postgres_bin()
        .ok()
        .and_then(|b| Command::new(b.join("postgres")).arg("--version").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A fresh PostgreSQL: initdb, then the postmaster in the foreground (so its pid is ours).
pub fn start_postgres() -> Result<Target> {
    let bin = postgres_bin()?;
    let dir = tempfile::Builder::new().prefix("litegres-bench-pg").tempdir()?;
    if is_root() {
        let ok = Command::new("chown").args(["-R", "postgres"]).arg(dir.path()).status()?.success();
        if !ok {
            bail!("could not give {} to the postgres user", dir.path().display());
        }
    }
    let data = dir.path().join("data");
    let out = pg_command(&bin.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "--locale=C.UTF-8", "-E", "UTF8"])
        .stdout(Stdio::null())
        .output()?;
    if !out.status.success() {
        bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let port = free_port()?;
    let log = std::fs::File::create(dir.path().join("postgres.log"))?;
    let mut child = pg_command(&bin.join("postgres"))
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c"])
        .arg(format!("unix_socket_directories={}", dir.path().display()))
        .args(["-c", "max_connections=250"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .context("start postgres")?;
    wait_listening(port, &mut child, "postgres")?;
    // runuser forks the postmaster: measure the postmaster itself.
    let pid = if is_root() { procfs::children(child.id()).first().copied().unwrap_or(child.id()) } else { child.id() };
    Ok(Target { kind: Kind::Postgres, name: "PostgreSQL", port, pids: vec![pid], children: vec![child], _dir: dir })
}

fn spawn_node(litegres: &Path, dir: &Path, args: &[String]) -> Result<(Child, u16, u16)> {
    let port = free_port()?;
    let http = free_port()?;
    let log = std::fs::File::create(dir.with_extension("log"))?;
    let mut child = Command::new(litegres)
        .args(["serve", "--data-dir"])
        .arg(dir)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--http-listen", &format!("127.0.0.1:{http}")])
        .args(args)
        .env("LITEGRES_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("start {}", litegres.display()))?;
    wait_listening(port, &mut child, "litegres")?;
    Ok((child, port, http))
}

/// A single litegres node with its embedded defaults.
pub fn start_litegres(litegres: &Path) -> Result<Target> {
    let dir = tempfile::Builder::new().prefix("litegres-bench-node").tempdir()?;
    let (child, port, _) = spawn_node(litegres, &dir.path().join("data"), &[])?;
    Ok(Target { kind: Kind::Litegres, name: "litegres", pids: vec![child.id()], port, children: vec![child], _dir: dir })
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    body.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

/// Three litegres nodes on loopback: node 1 bootstraps, the others join;
/// clients connect to the leader. Heartbeats every 300 ms and elections
/// after 3 s of silence: on a machine loaded by the bench itself (or by
/// tests beside the smoke run) shorter timeouts can depose the leader
/// mid-run, and the numbers would measure elections.
pub fn start_cluster(litegres: &Path) -> Result<Target> {
    let dir = tempfile::Builder::new().prefix("litegres-bench-cluster").tempdir()?;
    let raft: Vec<u16> = (0..3).map(|_| free_port()).collect::<Result<_>>()?;
    let mut children = Vec::new();
    let mut ports = Vec::new();
    for (i, r) in raft.iter().enumerate() {
        let mut args: Vec<String> = ["--node-id", &(i + 1).to_string(), "--raft-listen", &format!("127.0.0.1:{r}"), "--cluster-secret", "bench-cluster-secret", "--heartbeat-ms", "300", "--election-timeout-ms", "3000"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if i == 0 {
            args.push("--bootstrap".into());
        } else {
            args.extend(["--join".to_string(), format!("127.0.0.1:{}", raft[0])]);
        }
        let (child, port, http) = spawn_node(litegres, &dir.path().join(format!("node{}", i + 1)), &args)?;
        children.push(child);
        ports.push((port, http));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let leader = loop {
        let statuses: Vec<Option<serde_json::Value>> = ports.iter().map(|(_, h)| http_get(*h, "/cluster").and_then(|b| serde_json::from_str(&b).ok())).collect();
        let formed = statuses.iter().all(|s| s.as_ref().is_some_and(|s| s["voters"].as_array().is_some_and(|v| v.len() == 3) && s["leader"].is_u64()));
        if formed {
            break statuses[0].as_ref().and_then(|s| s["leader"].as_u64()).unwrap_or(1);
        }
        if Instant::now() > deadline {
            bail!("the 3-node cluster did not form within 60 s: {statuses:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let port = ports[(leader as usize).saturating_sub(1).min(2)].0;
    let pids = children.iter().map(Child::id).collect();
    Ok(Target { kind: Kind::Cluster, name: "litegres 3-node", port, pids, children, _dir: dir })
}
