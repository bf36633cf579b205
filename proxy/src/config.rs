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
}

/// `16.4` into ("16.4", "160004"), as PostgreSQL 10+ numbers its versions.
fn parse_server_version(text: &str) -> Option<(String, String)> {
    let (major, minor) = text.trim().split_once('.')?;
    let (major, minor): (u32, u32) = (major.parse().ok()?, minor.parse().ok()?);
    (10..=99).contains(&major).then(|| (format!("{major}.{minor}"), format!("{}", major * 10000 + minor)))
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
        Ok(Config { data_dir, listen, http_listen, tls, auth, users, readers, log: args.log.or(file.log).unwrap_or_else(|| "info".into()), server_version })
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
    }

    #[test]
    fn toml_fills_what_flags_leave_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("litegres.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:6543\"\ndata-dir = \"/tmp/x\"\n").unwrap();
        let c = Config::from_args(ServeArgs { config: Some(path.clone()), data_dir: Some("/tmp/y".into()), ..Default::default() }).unwrap();
        assert_eq!(c.listen.port(), 6543);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/y"));
        std::fs::write(&path, "nonsense = 1\n").unwrap();
        assert!(Config::from_args(ServeArgs { config: Some(path), ..Default::default() }).is_err());
    }
}
