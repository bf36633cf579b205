//! Node configuration: one typed struct, read from flags, then `LITEGRES_*`
//! environment variables, then an optional TOML file, then defaults, and
//! validated once at start-up.

use crate::auth::{AuthMethod, Users};
use anyhow::{bail, Context as _};
use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Flags of `litegres serve` (each also an environment variable).
#[derive(Debug, Args, Default, Clone)]
pub struct ServeArgs {
    /// TOML file with any of the settings below (flags and environment win).
    #[arg(long, env = "LITEGRES_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where databases are stored.
    #[arg(long, env = "LITEGRES_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address for PostgreSQL clients.
    #[arg(long, env = "LITEGRES_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Address of the admin HTTP endpoint (/healthz).
    #[arg(long, env = "LITEGRES_HTTP_LISTEN")]
    pub http_listen: Option<SocketAddr>,
    /// PEM certificate chain; with --tls-key, clients may use TLS (sslmode=require).
    #[arg(long, env = "LITEGRES_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, env = "LITEGRES_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// trust, password (SCRAM-SHA-256), scram-sha-256, md5 (answered with SCRAM, as PostgreSQL does when passwords are SCRAM verifiers) or cleartext.
    #[arg(long, env = "LITEGRES_AUTH")]
    pub auth: Option<String>,
    /// Password of the `postgres` superuser (stored only as a SCRAM verifier).
    #[arg(long, env = "LITEGRES_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// More users, as NAME:PASSWORD or NAME:SCRAM-SHA-256$... (comma-separated in the environment).
    #[arg(long = "user", env = "LITEGRES_USERS", value_delimiter = ',', hide_env_values = true)]
    pub users: Vec<String>,
    /// Allow trust authentication on a non-loopback address.
    #[arg(long, env = "LITEGRES_INSECURE_TRUST")]
    pub insecure_trust: bool,
    /// Read connections per database.
    #[arg(long, env = "LITEGRES_READERS")]
    pub readers: Option<usize>,
    /// Log filter (tracing env-filter syntax), e.g. info or litegres=debug.
    #[arg(long, env = "LITEGRES_LOG")]
    pub log: Option<String>,
    /// The PostgreSQL version to report (MAJOR.MINOR, default 16.4). Tools such
    /// as pg_dump refuse a server newer than themselves: run pg_dump 15
    /// against a node started with --server-version 15.18.
    #[arg(long, env = "LITEGRES_SERVER_VERSION")]
    pub server_version: Option<String>,
    /// This node's id in its cluster (recorded in the data dir on first start).
    #[arg(long, env = "LITEGRES_NODE_ID")]
    pub node_id: Option<u64>,
    /// Address for Raft traffic from the other nodes; without it the node runs alone.
    #[arg(long, env = "LITEGRES_RAFT_LISTEN")]
    pub raft_listen: Option<String>,
    /// Address the other nodes use to reach this one's --raft-listen (default: --raft-listen).
    #[arg(long, env = "LITEGRES_ADVERTISE")]
    pub advertise: Option<String>,
    /// Start a new cluster (only on an empty data dir; ignored once it has one).
    #[arg(long, env = "LITEGRES_BOOTSTRAP")]
    pub bootstrap: bool,
    /// Join a cluster through these members' --raft-listen addresses (host:port, comma-separated).
    #[arg(long, env = "LITEGRES_JOIN", value_delimiter = ',')]
    pub join: Vec<String>,
    /// The secret every node of the cluster shares; Raft connections prove it.
    #[arg(long, env = "LITEGRES_CLUSTER_SECRET", hide_env_values = true)]
    pub cluster_secret: Option<String>,
    /// Raft heartbeat interval in milliseconds (default 100).
    #[arg(long, env = "LITEGRES_HEARTBEAT_MS")]
    pub heartbeat_ms: Option<u64>,
    /// Raft election timeout in milliseconds: a follower that hears no leader
    /// this long (plus up to as much again, at random) starts an election (default 500).
    #[arg(long, env = "LITEGRES_ELECTION_TIMEOUT_MS")]
    pub election_timeout_ms: Option<u64>,
    /// Log entries between snapshots (default 10000); older entries are then purged.
    #[arg(long, env = "LITEGRES_SNAPSHOT_EVERY")]
    pub snapshot_every: Option<u64>,
    /// PEM certificate of this node for TLS between nodes (with --raft-tls-key and --raft-tls-ca).
    #[arg(long, env = "LITEGRES_RAFT_TLS_CERT")]
    pub raft_tls_cert: Option<PathBuf>,
    #[arg(long, env = "LITEGRES_RAFT_TLS_KEY")]
    pub raft_tls_key: Option<PathBuf>,
    /// PEM CA certificate that signed every node's certificate.
    #[arg(long, env = "LITEGRES_RAFT_TLS_CA")]
    pub raft_tls_ca: Option<PathBuf>,
}

/// The same settings as they may appear in the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    http_listen: Option<SocketAddr>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    auth: Option<String>,
    password: Option<String>,
    users: Option<Vec<String>>,
    insecure_trust: Option<bool>,
    readers: Option<usize>,
    log: Option<String>,
    server_version: Option<String>,
    node_id: Option<u64>,
    raft_listen: Option<String>,
    advertise: Option<String>,
    bootstrap: Option<bool>,
    join: Option<Vec<String>>,
    cluster_secret: Option<String>,
    heartbeat_ms: Option<u64>,
    election_timeout_ms: Option<u64>,
    snapshot_every: Option<u64>,
    raft_tls_cert: Option<PathBuf>,
    raft_tls_key: Option<PathBuf>,
    raft_tls_ca: Option<PathBuf>,
}

/// `16.4` into ("16.4", "160004"), as PostgreSQL 10+ numbers its versions.
fn parse_server_version(text: &str) -> Option<(String, String)> {
    let (major, minor) = text.trim().split_once('.')?;
    let (major, minor): (u32, u32) = (major.parse().ok()?, minor.parse().ok()?);
    (10..=99).contains(&major).then(|| (format!("{major}.{minor}"), format!("{}", major * 10000 + minor)))
}

/// The cluster settings: a node with none of them is a one-member cluster
/// of its own (the single-node default).
fn cluster_options(args: &ServeArgs, file: &FileConfig) -> anyhow::Result<consensus::raft::ClusterOptions> {
    let raft_listen = args.raft_listen.clone().or_else(|| file.raft_listen.clone());
    let bootstrap = args.bootstrap || file.bootstrap.unwrap_or(false);
    let join: Vec<String> = if args.join.is_empty() { file.join.clone().unwrap_or_default() } else { args.join.clone() };
    let join: Vec<String> = join.into_iter().map(|j| j.trim().to_string()).filter(|j| !j.is_empty()).collect();
    let secret = args.cluster_secret.clone().or_else(|| file.cluster_secret.clone());
    if bootstrap && !join.is_empty() {
        bail!("--bootstrap starts a new cluster and --join enters an existing one: give one of them");
    }
    if (bootstrap || !join.is_empty()) && raft_listen.is_none() {
        bail!("--bootstrap and --join need --raft-listen, the address other nodes reach this one at");
    }
    if raft_listen.is_some() && secret.as_deref().is_none_or(|s| s.len() < 8) {
        bail!("a node with --raft-listen needs --cluster-secret (at least 8 characters), shared by every node of the cluster");
    }
    let heartbeat = args.heartbeat_ms.or(file.heartbeat_ms).unwrap_or(100);
    let election = args.election_timeout_ms.or(file.election_timeout_ms).unwrap_or(500);
    if heartbeat == 0 || election < 3 * heartbeat {
        bail!("--election-timeout-ms ({election}) must be at least three heartbeats (--heartbeat-ms {heartbeat})");
    }
    let tls = match (
        args.raft_tls_cert.clone().or_else(|| file.raft_tls_cert.clone()),
        args.raft_tls_key.clone().or_else(|| file.raft_tls_key.clone()),
        args.raft_tls_ca.clone().or_else(|| file.raft_tls_ca.clone()),
    ) {
        (None, None, None) => None,
        (Some(cert), Some(key), Some(ca)) => Some(crate::tls::raft(&cert, &key, &ca)?),
        _ => bail!("--raft-tls-cert, --raft-tls-key and --raft-tls-ca go together"),
    };
    Ok(consensus::raft::ClusterOptions {
        node_id: args.node_id.or(file.node_id),
        raft_listen,
        advertise: args.advertise.clone().or_else(|| file.advertise.clone()),
        bootstrap,
        join,
        secret: secret.unwrap_or_default(),
        heartbeat: std::time::Duration::from_millis(heartbeat),
        election_timeout: (std::time::Duration::from_millis(election), std::time::Duration::from_millis(election * 2)),
        snapshot_every: args.snapshot_every.or(file.snapshot_every).unwrap_or(10_000).max(1),
        tls,
    })
}

/// The validated configuration of a node.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub http_listen: SocketAddr,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub auth: AuthMethod,
    pub users: Users,
    pub readers: usize,
    pub log: String,
    /// (`server_version`, `server_version_num`), e.g. ("16.4", "160004").
    pub server_version: (String, String),
    pub cluster: consensus::raft::ClusterOptions,
}

impl Config {
    pub fn from_args(args: ServeArgs) -> anyhow::Result<Config> {
        let file: FileConfig = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let cluster = cluster_options(&args, &file)?;
        let data_dir = args.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("./data"));
        let listen = args.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 5432)));
        let http_listen = args.http_listen.or(file.http_listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8432)));
        let tls = match (args.tls_cert.or(file.tls_cert), args.tls_key.or(file.tls_key)) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => bail!("--tls-cert and --tls-key go together"),
        };
        let auth_text = args.auth.or(file.auth).unwrap_or_else(|| "trust".into());
        let auth = AuthMethod::parse(&auth_text).with_context(|| format!("unknown --auth method \"{auth_text}\" (trust, password, scram-sha-256, md5, cleartext)"))?;
        let mut users = Users::default();
        let password = args.password.or(file.password);
        let mut specs = args.users;
        if specs.is_empty() {
            specs = file.users.unwrap_or_default();
        }
        match &password {
            Some(p) => users.add_password("postgres", p),
            None => users.add_without_password("postgres"),
        }
        for spec in specs.iter().filter(|s| !s.is_empty()) {
            let (name, secret) = spec.split_once(':').with_context(|| format!("user \"{spec}\" must be NAME:PASSWORD"))?;
            users.add_secret(name, secret).with_context(|| format!("user \"{name}\""))?;
        }
        let insecure_trust = args.insecure_trust || file.insecure_trust.unwrap_or(false);
        if auth != AuthMethod::Trust && !users.any_password() {
            bail!("--auth {auth_text} needs at least one user with a password (--password or --user NAME:PASSWORD)");
        }
        if auth == AuthMethod::Trust && !listen.ip().is_loopback() && !insecure_trust {
            bail!("refusing trust authentication on non-loopback address {listen}: use --auth password, or --insecure-trust if this is really wanted");
        }
        let readers = args.readers.or(file.readers).unwrap_or(8);
        if readers == 0 {
            bail!("--readers must be at least 1");
        }
        let version_text = args.server_version.or(file.server_version).unwrap_or_else(|| crate::settings::SERVER_VERSION.into());
        let server_version = parse_server_version(&version_text).with_context(|| format!("--server-version \"{version_text}\" must be MAJOR.MINOR, e.g. 16.4"))?;
        Ok(Config { data_dir, listen, http_listen, tls, auth, users, readers, log: args.log.or(file.log).unwrap_or_else(|| "info".into()), server_version, cluster })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_a_loopback_trust_node() {
        let c = Config::from_args(ServeArgs::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:5432");
        assert_eq!(c.http_listen.to_string(), "127.0.0.1:8432");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.auth, AuthMethod::Trust);
    }

    #[test]
    fn unsafe_or_incomplete_configurations_are_refused() {
        let public = ServeArgs { listen: Some("0.0.0.0:5432".parse().unwrap()), ..Default::default() };
        assert!(Config::from_args(public.clone()).is_err());
        assert!(Config::from_args(ServeArgs { insecure_trust: true, ..public }).is_ok());
        assert!(Config::from_args(ServeArgs { auth: Some("password".into()), ..Default::default() }).is_err());
        assert!(Config::from_args(ServeArgs { tls_cert: Some("c.pem".into()), ..Default::default() }).is_err());
        let ok = ServeArgs { auth: Some("password".into()), password: Some("pw".into()), ..Default::default() };
        assert!(Config::from_args(ok).is_ok());
        // Cluster flags: a listener needs a secret, joining needs a listener, not both modes.
        let raft = ServeArgs { raft_listen: Some("127.0.0.1:7000".into()), ..Default::default() };
        assert!(Config::from_args(raft.clone()).is_err());
        let raft = ServeArgs { cluster_secret: Some("long-enough".into()), ..raft };
        assert!(Config::from_args(ServeArgs { bootstrap: true, ..raft.clone() }).is_ok());
        assert!(Config::from_args(ServeArgs { bootstrap: true, join: vec!["a:1".into()], ..raft.clone() }).is_err());
        assert!(Config::from_args(ServeArgs { join: vec!["a:1".into()], ..Default::default() }).is_err());
        assert!(Config::from_args(ServeArgs { election_timeout_ms: Some(100), ..raft }).is_err());
    }

    #[test]
    fn toml_fills_what_flags_leave_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("litegres.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:6543\"\ndata-dir = \"/tmp/x\"\n").unwrap();
        let c = Config::from_args(ServeArgs { config: Some(path.clone()), data_dir: Some("/tmp/y".into()), ..Default::default() }).unwrap();
        assert_eq!(c.listen.port(), 6543);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/y"));
        std::fs::write(&path, "raft-listen = \"127.0.0.1:7000\"\ncluster-secret = \"s3cret-s3cret\"\nbootstrap = true\n").unwrap();
        let c = Config::from_args(ServeArgs { config: Some(path.clone()), ..Default::default() }).unwrap();
        assert!(c.cluster.bootstrap);
        assert_eq!(c.cluster.raft_listen.as_deref(), Some("127.0.0.1:7000"));
        std::fs::write(&path, "nonsense = 1\n").unwrap();
        assert!(Config::from_args(ServeArgs { config: Some(path), ..Default::default() }).is_err());
    }
}
