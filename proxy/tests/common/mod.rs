//! Starts real `litegres` processes on loopback ports for integration tests.
#![allow(dead_code)]

pub mod slt;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub port: u16,
    pub http_port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
    _tmp: Option<tempfile::TempDir>,
    extra: Vec<String>,
    /// Started at least once: its Raft address is then known to its cluster.
    started: bool,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free loopback port")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_litegres")
}

impl Server {
    /// A trust-auth node on a fresh data directory.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().to_path_buf();
        let mut s = Server { port: 0, http_port: 0, dir, child: None, _tmp: Some(tmp), extra: extra.iter().map(|s| s.to_string()).collect(), started: false };
        s.spawn();
        s
    }

    /// Starts (again) on the same data directory and ports.
    pub fn spawn(&mut self) {
        for attempt in 0..5 {
            if self.port == 0 || attempt > 0 {
                self.port = free_port();
                self.http_port = free_port();
            }
            if attempt > 0 && !self.started {
                // Whichever port was taken meanwhile, the Raft one included
                // (unless it stands behind a proxy, which --advertise names,
                // or the cluster knows it already).
                self.rechoose_raft_port();
            }
            // LITEGRES_TEST_LOG=<filter> keeps each node's log in <data dir>.log for debugging.
            let (filter, stdout, stderr) = match std::env::var("LITEGRES_TEST_LOG") {
                Ok(f) => {
                    let file = std::fs::OpenOptions::new().create(true).append(true).open(self.dir.with_extension("log")).expect("log file");
                    (f, Stdio::from(file.try_clone().expect("log file")), Stdio::from(file))
                }
                Err(_) => ("warn".to_string(), Stdio::null(), Stdio::piped()),
            };
            let mut child = Command::new(bin())
                .args(["serve", "--data-dir"])
                .arg(&self.dir)
                .args(["--listen", &format!("127.0.0.1:{}", self.port), "--http-listen", &format!("127.0.0.1:{}", self.http_port)])
                .args(&self.extra)
                .env("LITEGRES_LOG", filter)
                .stdout(stdout)
                .stderr(stderr)
                .spawn()
                .expect("spawn litegres");
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                    self.child = Some(child);
                    self.started = true;
                    return;
                }
                if let Ok(Some(status)) = child.try_wait() {
                    let mut err = String::new();
                    if let Some(e) = child.stderr.take() {
                        for line in BufReader::new(e).lines().map_while(Result::ok) {
                            err.push_str(&line);
                            err.push('\n');
                        }
                    }
                    if err.contains("Address already in use") {
                        break;
                    }
                    panic!("litegres exited with {status}: {err}");
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("litegres did not start listening within 20s");
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        panic!("could not find free ports for litegres");
    }

    fn rechoose_raft_port(&mut self) {
        if self.extra.iter().any(|a| a == "--advertise") {
            return;
        }
        if let Some(i) = self.extra.iter().position(|a| a == "--raft-listen") {
            if let Some(addr) = self.extra.get_mut(i + 1) {
                if addr.starts_with("127.0.0.1:") {
                    *addr = format!("127.0.0.1:{}", free_port());
                }
            }
        }
    }

    /// The port of this node's Raft listener, as it was started.
    pub fn raft_port(&self) -> Option<u16> {
        let i = self.extra.iter().position(|a| a == "--raft-listen")?;
        self.extra.get(i + 1)?.rsplit(':').next()?.parse().ok()
    }

    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Graceful stop (SIGTERM) and wait.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self, user: &str, db: &str) -> String {
        format!("host=127.0.0.1 port={} user={user} dbname={db}", self.port)
    }

    pub async fn client(&self) -> tokio_postgres::Client {
        self.client_as("postgres", None).await
    }

    pub async fn client_as(&self, user: &str, password: Option<&str>) -> tokio_postgres::Client {
        let mut conf = format!("host=127.0.0.1 port={} user={user} dbname=postgres connect_timeout=10", self.port);
        if let Some(p) = password {
            conf.push_str(&format!(" password={p}"));
        }
        let (client, conn) = tokio_postgres::connect(&conf, tokio_postgres::NoTls).await.expect("connect to litegres");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        client
    }

    /// Runs psql with the given script; returns (success, stdout, stderr).
    pub fn psql(&self, args: &[&str], input: &str) -> (bool, String, String) {
        psql_at(self.port, args, input)
    }

    /// The SQLite file of database `db` (under the directory the node has current).
    pub fn sqlite_file(&self, db: &str) -> PathBuf {
        let current = std::fs::read_to_string(self.dir.join("databases.current")).map(|s| s.trim().to_string()).unwrap_or_else(|_| "databases".into());
        self.dir.join(current).join(format!("{db}.db"))
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }
}

pub fn psql_at(port: u16, args: &[&str], input: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=0"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql must be installed (postgresql-client); the test command installs it");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write psql input");
    let out = child.wait_with_output().expect("psql output");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs a psql script with stdout and stderr in one stream (as `2>&1` does).
pub fn psql_merged(port: u16, input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("psql -X -a -h 127.0.0.1 -p {port} -U postgres -f - postgres 2>&1"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("psql must be installed (postgresql-client); the test command installs it");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write psql input");
    let out = child.wait_with_output().expect("psql output");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// The SQLSTATE of a tokio-postgres error.
pub fn code(e: &tokio_postgres::Error) -> String {
    e.as_db_error().map(|d| d.code().code().to_string()).unwrap_or_else(|| format!("not a server error: {e}"))
}

/// A real PostgreSQL server (Debian's postgresql package) on a loopback port,
/// for differential tests. Fails loudly when the server binaries are missing.
pub struct Postgres {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
}

fn as_postgres_user(cmd: &mut Command) -> &mut Command {
    cmd
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries (/usr/lib/postgresql/*/bin): the test command installs the postgresql package")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("initdb").exists())
            .max()
            .expect("initdb from the postgresql package");
        let dir = tempfile::tempdir().expect("temp dir");
        let root = unsafe { libc_geteuid() } == 0;
        if root {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
            let _ = Command::new("chown").args(["-R", "postgres"]).arg(dir.path()).status();
        }
        let run = |args: &[&str]| {
            let mut c = if root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]);
                c
            } else {
                Command::new(args[0])
            };
            let args = if root { args } else { &args[1..] };
            as_postgres_user(&mut c).args(args).stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("run PostgreSQL tool")
        };
        let data = dir.path().join("data");
        let initdb = bin.join("initdb");
        let out = run(&[initdb.to_str().unwrap(), "-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--locale=C.UTF-8", "-E", "UTF8"]);
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        for _ in 0..5 {
            let port = free_port();
            let pg_ctl = bin.join("pg_ctl");
            let opts = format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c TimeZone=UTC -c fsync=off", dir.path().display());
            let log = dir.path().join("log");
            let out = run(&[pg_ctl.to_str().unwrap(), "-D", data.to_str().unwrap(), "-o", &opts, "-l", log.to_str().unwrap(), "-w", "start"]);
            if out.status.success() {
                return Postgres { port, dir, bin };
            }
        }
        panic!("PostgreSQL did not start");
    }
}

impl Postgres {
    /// A server that asks for a password (SCRAM-SHA-256) over TCP and offers
    /// TLS with `cert`/`key`, as a deployed PostgreSQL does. The local socket
    /// stays trust (for setup).
    pub fn start_secure(password: &str, cert: &str, key: &str) -> Postgres {
        let pg = Postgres::start();
        let (ok, _, err) = psql_at(pg.port, &["-c", &format!("ALTER USER postgres PASSWORD '{}'", password.replace('\'', "''"))], "");
        assert!(ok, "setting the password: {err}");
        let data = pg.dir.path().join("data");
        std::fs::write(data.join("server.crt"), cert).expect("write server.crt");
        std::fs::write(data.join("server.key"), key).expect("write server.key");
        std::fs::write(data.join("pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n").expect("write pg_hba.conf");
        let mut conf = std::fs::read_to_string(data.join("postgresql.conf")).expect("postgresql.conf");
        conf.push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(data.join("postgresql.conf"), conf).expect("write postgresql.conf");
        let root = unsafe { libc_geteuid() } == 0;
        if root {
            let _ = Command::new("chown").args(["-R", "postgres"]).arg(&data).status();
        }
        let _ = Command::new("chmod").arg("600").arg(data.join("server.key")).status();
        let pg_ctl = pg.bin.join("pg_ctl");
        let mut c = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let log = pg.dir.path().join("log");
        let out = c.arg("-D").arg(&data).arg("-l").arg(&log).args(["-w", "restart"]).output().expect("pg_ctl restart");
        assert!(out.status.success(), "PostgreSQL did not restart with TLS: {}", String::from_utf8_lossy(&out.stderr));
        pg
    }

    /// The server's MAJOR.MINOR version (`15.18`).
    pub fn version(&self) -> String {
        let (ok, out, err) = psql_at(self.port, &["-A", "-t", "-c", "SHOW server_version"], "");
        assert!(ok, "SHOW server_version: {err}");
        out.split_whitespace().next().unwrap_or_default().to_string()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.dir.path().join("data");
        let root = unsafe { libc_geteuid() } == 0;
        let mut c = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let _ = c.arg("-D").arg(&data).args(["-m", "immediate", "stop"]).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

/// The Python of the compat-tests virtual environment (set up by scripts/test).
pub fn python() -> String {
    std::env::var("LITEGRES_PYTHON").expect("LITEGRES_PYTHON: run the tests through scripts/test, which creates the Python environment")
}

/// Runs a compat-test program with DATABASE_URL pointing at `port`; returns its stdout.
pub fn run_program(cmd: &[&str], port: u16) -> String {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .env("DATABASE_URL", format!("postgresql://postgres@127.0.0.1:{port}/postgres"))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", cmd[0]));
    assert!(out.status.success(), "{cmd:?} against port {port} failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// GET `path` from a node's admin endpoint; the body.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    http_request(port, "GET", path)
}

pub fn http_request(port: u16, method: &str, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, body)| body.to_string())
}

/// A node's cluster status, as its admin endpoint reports it.
pub fn cluster_status(port: u16) -> Option<serde_json::Value> {
    http_get(port, "/cluster").and_then(|b| serde_json::from_str(&b).ok())
}

/// Nodes on loopback forming one cluster: node 1 bootstraps, the others join it.
pub struct TestCluster {
    pub nodes: Vec<Server>,
    pub raft_ports: Vec<u16>,
    /// With proxies between the Raft listeners: the faults they inject.
    pub faults: Option<std::sync::Arc<Faults>>,
}

/// Connections between nodes that the proxies refuse or cut. Node `i`
/// (0-based) sends its Raft traffic from 127.0.0.(11+i), which is how a
/// proxy knows who connects.
#[derive(Default)]
pub struct Faults {
    blocked: std::sync::Mutex<std::collections::HashSet<(u8, u8)>>,
    open: std::sync::Mutex<Vec<(u8, u8, std::net::TcpStream)>>,
}

impl Faults {
    fn octet(node: usize) -> u8 {
        11 + node as u8
    }

    /// Cuts `node` off from every other node, both ways, including connections already open.
    pub fn isolate(&self, node: usize, n: usize) {
        let me = Faults::octet(node);
        let mut blocked = self.blocked.lock().unwrap();
        for other in (0..n).filter(|o| *o != node).map(Faults::octet) {
            blocked.insert((me, other));
            blocked.insert((other, me));
        }
        let mut open = self.open.lock().unwrap();
        open.retain(|(src, dst, s)| {
            let cut = blocked.contains(&(*src, *dst));
            if cut {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
            !cut
        });
    }

    pub fn heal(&self) {
        self.blocked.lock().unwrap().clear();
    }

    /// Forwards connections to `target` (node `dst`'s Raft listener) unless they are blocked.
    fn proxy(self: &std::sync::Arc<Self>, target: std::net::SocketAddr, dst: u8) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let port = listener.local_addr().expect("proxy addr").port();
        let faults = self.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let src = match client.peer_addr().map(|a| a.ip()) {
                    Ok(std::net::IpAddr::V4(ip)) => ip.octets()[3],
                    _ => 0,
                };
                if faults.blocked.lock().unwrap().contains(&(src, dst)) {
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(target) else { continue };
                {
                    let mut open = faults.open.lock().unwrap();
                    if let (Ok(a), Ok(b)) = (client.try_clone(), server.try_clone()) {
                        open.push((src, dst, a));
                        open.push((src, dst, b));
                    }
                }
                for (mut from, mut to) in [(client.try_clone(), server.try_clone()), (server.try_clone(), client.try_clone())].into_iter().filter_map(|(a, b)| Some((a.ok()?, b.ok()?))) {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        port
    }
}

pub const CLUSTER_SECRET: &str = "test-cluster-secret";

impl TestCluster {
    pub fn start(n: usize) -> TestCluster {
        TestCluster::start_with(n, &[])
    }

    /// `extra` flags go to every node.
    pub fn start_with(n: usize, extra: &[&str]) -> TestCluster {
        TestCluster::start_timed(n, extra, "100", "600")
    }

    /// A cluster whose leader is not expected to change: slower heartbeats
    /// and elections, so a loaded machine does not depose the leader.
    pub fn start_steady(n: usize, extra: &[&str]) -> TestCluster {
        TestCluster::start_timed(n, extra, "300", "3000")
    }

    fn start_timed(n: usize, extra: &[&str], heartbeat_ms: &str, election_ms: &str) -> TestCluster {
        let mut raft_ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let mut nodes = Vec::new();
        for i in 0..n {
            let listen = format!("127.0.0.1:{}", raft_ports[i]);
            let id = (i + 1).to_string();
            let mut args = vec!["--node-id", &id, "--raft-listen", &listen, "--cluster-secret", CLUSTER_SECRET, "--heartbeat-ms", heartbeat_ms, "--election-timeout-ms", election_ms];
            let seed = format!("127.0.0.1:{}", raft_ports[0]);
            if i == 0 {
                args.push("--bootstrap");
            } else {
                args.extend(["--join", &seed]);
            }
            args.extend(extra);
            let node = Server::start_with(&args);
            // The node may have started on another Raft port than chosen (it was taken).
            raft_ports[i] = node.raft_port().unwrap_or(raft_ports[i]);
            nodes.push(node);
        }
        let c = TestCluster { nodes, raft_ports, faults: None };
        c.wait_for(|s| s["voters"].as_array().is_some_and(|v| v.len() == n) && s["leader"].is_u64(), "every node to become a voter");
        c
    }

    /// Waits (at most 30 s) until every running node's status satisfies `ok`.
    pub fn wait_for(&self, ok: impl Fn(&serde_json::Value) -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let statuses: Vec<Option<serde_json::Value>> = self.nodes.iter().filter(|n| n.is_running()).map(|n| cluster_status(n.http_port)).collect();
            if statuses.iter().all(|s| s.as_ref().is_some_and(&ok)) {
                return;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}: {statuses:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A cluster whose Raft traffic passes through proxies that can partition it.
    pub fn start_partitionable(n: usize) -> TestCluster {
        let faults = std::sync::Arc::new(Faults::default());
        let listens: Vec<std::net::SocketAddr> = (0..n)
            .map(|i| {
                let ip = std::net::Ipv4Addr::new(127, 0, 0, Faults::octet(i));
                let port = TcpListener::bind((ip, 0)).and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
                std::net::SocketAddr::from((ip, port))
            })
            .collect();
        let proxies: Vec<u16> = listens.iter().enumerate().map(|(i, l)| faults.proxy(*l, Faults::octet(i))).collect();
        let mut nodes = Vec::new();
        for i in 0..n {
            let listen = listens[i].to_string();
            let advertise = format!("127.0.0.1:{}", proxies[i]);
            let id = (i + 1).to_string();
            let seed = format!("127.0.0.1:{}", proxies[0]);
            let mut args = vec!["--node-id", &id, "--raft-listen", &listen, "--advertise", &advertise, "--cluster-secret", CLUSTER_SECRET, "--heartbeat-ms", "100", "--election-timeout-ms", "600"];
            if i == 0 {
                args.push("--bootstrap");
            } else {
                args.extend(["--join", &seed]);
            }
            nodes.push(Server::start_with(&args));
        }
        let c = TestCluster { nodes, raft_ports: proxies, faults: Some(faults) };
        c.wait_for(|s| s["voters"].as_array().is_some_and(|v| v.len() == n) && s["leader"].is_u64(), "every node to become a voter");
        c
    }

    /// Starts one more node (id = its position + 1) joining through node 1's Raft listener.
    pub fn add_node(&mut self, extra: &[&str]) -> usize {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let id = (self.nodes.len() + 1).to_string();
        let seeds = self.raft_ports.iter().map(|p| format!("127.0.0.1:{p}")).collect::<Vec<_>>().join(",");
        let mut args = vec!["--node-id", &id, "--raft-listen", &listen, "--cluster-secret", CLUSTER_SECRET, "--heartbeat-ms", "100", "--election-timeout-ms", "600", "--join", &seeds];
        args.extend(extra);
        let node = Server::start_with(&args);
        self.raft_ports.push(node.raft_port().unwrap_or(port));
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// The index (into `nodes`) of the current leader.
    pub fn leader(&self) -> usize {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            for (i, n) in self.nodes.iter().enumerate().filter(|(_, n)| n.is_running()) {
                if cluster_status(n.http_port).is_some_and(|s| s["state"] == "leader") {
                    return i;
                }
            }
            if Instant::now() > deadline {
                panic!("no leader within 30 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn followers(&self) -> Vec<usize> {
        let l = self.leader();
        (0..self.nodes.len()).filter(|i| *i != l && self.nodes[*i].is_running()).collect()
    }
}

impl Server {
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }
}

impl TestCluster {
    /// Checks every node's file of database `db` with SQLite itself (integrity,
    /// foreign keys) and that all hold the same rows, table by table; returns
    /// the per-table hashes. Call after `converge`.
    pub fn assert_identical(&self, db: &str) -> std::collections::BTreeMap<String, u64> {
        let reports: Vec<FileReport> = self.nodes.iter().map(|n| inspect_sqlite(&n.sqlite_file(db))).collect();
        for (i, r) in reports.iter().enumerate() {
            assert_eq!(r.integrity, "ok", "node {}: integrity_check", i + 1);
            assert!(r.foreign_key_violations.is_empty(), "node {}: foreign_key_check found {:?}", i + 1, r.foreign_key_violations);
            let first = &reports[0].tables;
            let differ: Vec<&String> = r.tables.keys().chain(first.keys()).filter(|k| first.get(*k) != r.tables.get(*k)).collect();
            assert!(differ.is_empty(), "node {} holds other rows than node 1 in {differ:?}", i + 1);
        }
        reports.into_iter().next().map(|r| r.tables).unwrap_or_default()
    }

    /// Waits (at most 30 s) until every running node has applied the same, latest entry.
    pub async fn converge(&self) {
        self.wait_for(|s| s["applied_index"].is_u64(), "status");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let applied: Vec<u64> = self.nodes.iter().filter(|n| n.is_running()).filter_map(|n| cluster_status(n.http_port)).map(|s| s["applied_index"].as_u64().unwrap_or(0)).collect();
            let leader_last = cluster_status(self.nodes[self.leader()].http_port).and_then(|s| s["last_log_index"].as_u64()).unwrap_or(0);
            if !applied.is_empty() && applied.iter().all(|a| *a == leader_last) {
                return;
            }
            if Instant::now() >= deadline {
                let statuses: Vec<_> = self.nodes.iter().filter(|n| n.is_running()).map(|n| cluster_status(n.http_port)).collect();
                panic!("nodes did not converge: {applied:?} vs {leader_last}: {statuses:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// What a database file holds, read with SQLite itself beside the running node.
pub struct FileReport {
    /// `PRAGMA foreign_key_check`: rows whose parent is missing (table, rowid, parent).
    pub foreign_key_violations: Vec<String>,
    /// `PRAGMA integrity_check`: `ok` or SQLite's complaints.
    pub integrity: String,
    /// A hash of every replicated table's rows (by rowid), per table. SQLite's
    /// own tables and `__lg_applied` (this node's log position) are left out.
    pub tables: std::collections::BTreeMap<String, u64>,
}

pub fn inspect_sqlite(path: &Path) -> FileReport {
    use std::hash::{Hash, Hasher};
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    // The node's own SQL functions are not here; nothing below calls them.
    let strings = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let cell = |i| match r.get_ref(i) {
                    Ok(rusqlite::types::ValueRef::Null) => "NULL".to_string(),
                    Ok(rusqlite::types::ValueRef::Integer(v)) => v.to_string(),
                    Ok(rusqlite::types::ValueRef::Real(v)) => format!("{v:?}"),
                    Ok(rusqlite::types::ValueRef::Text(t)) => format!("{:?}", String::from_utf8_lossy(t)),
                    Ok(rusqlite::types::ValueRef::Blob(b)) => format!("x{b:02x?}"),
                    Err(e) => format!("error {e}"),
                };
                Ok((0..n).map(cell).collect::<Vec<_>>().join("|"))
            })
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>());
        rows.unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    let foreign_key_violations = strings("PRAGMA foreign_key_check");
    let integrity = strings("PRAGMA integrity_check").iter().map(|l| l.trim_matches('"').to_string()).collect::<Vec<_>>().join("\n");
    let mut tables = std::collections::BTreeMap::new();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__lg_applied' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
        .expect("table names");
    for t in names {
        let rows = strings(&format!("SELECT rowid, * FROM \"{}\" ORDER BY rowid", t.replace('"', "\"\"")));
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rows.hash(&mut h);
        tables.insert(t, h.finish());
    }
    FileReport { foreign_key_violations, integrity, tables }
}
