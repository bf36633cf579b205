//! Users, authentication and the start of a session.
//!
//! Passwords are kept only as SCRAM-SHA-256 verifiers (PostgreSQL's
//! `SCRAM-SHA-256$iter:salt$stored:server` form): SCRAM checks the client's
//! proof against them, and cleartext logins are checked by deriving the
//! stored key from the offered password.

use crate::handler::Connection;
use crate::node::{CancelTarget, Node};
use crate::session::Session;
use crate::settings::Settings;
use async_trait::async_trait;
use base64::Engine as _;
use futures::{Sink, SinkExt};
use pgwire::api::auth::cleartext::CleartextPasswordAuth;
use pgwire::api::auth::mechanism::{AuthMechanism, AuthMechanismFactory, AuthState};
use pgwire::api::auth::sasl::scram::{gen_salted_password, ScramAuth, ScramSecret, SCRAM_ITERATIONS};
use pgwire::api::auth::sasl::SaslMechanisms;
use pgwire::api::auth::{AuthDriver, AuthOutcome, AuthSource, LoginInfo, Password, ServerParameterProvider, StartupHandler};
use pgwire::api::{ClientInfo, PidSecretKeyGenerator, METADATA_DATABASE, METADATA_USER};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::{PasswordMessageFamily, SecretKey};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Trust,
    Scram,
    Cleartext,
}

impl AuthMethod {
    pub fn parse(s: &str) -> Option<AuthMethod> {
        Some(match s.to_ascii_lowercase().as_str() {
            "trust" => AuthMethod::Trust,
            "password" | "scram-sha-256" | "scram" | "md5" => AuthMethod::Scram,
            "cleartext" => AuthMethod::Cleartext,
            _ => return None,
        })
    }
}

/// A SCRAM-SHA-256 verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    iterations: usize,
    salt: Vec<u8>,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(<redacted>)")
    }
}

impl Verifier {
    fn from_salted(salt: Vec<u8>, salted: Vec<u8>, iterations: usize) -> Verifier {
        match ScramSecret::verifier_from_salted_password(salt, salted, iterations) {
            ScramSecret::Verifier { salt, iterations, stored_key, server_key } => Verifier { iterations, salt, stored_key, server_key },
            ScramSecret::SaltedPassword { .. } => unreachable!("verifier_from_salted_password returns a verifier"),
        }
    }

    pub fn from_password(password: &str) -> Verifier {
        let salt: [u8; 16] = rand::random();
        let salted = gen_salted_password(password, &salt, SCRAM_ITERATIONS);
        Verifier::from_salted(salt.to_vec(), salted, SCRAM_ITERATIONS)
    }

    /// Parses PostgreSQL's `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
    pub fn parse(s: &str) -> Option<Verifier> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let rest = s.strip_prefix("SCRAM-SHA-256$")?;
        let (head, keys) = rest.split_once('$')?;
        let (iters, salt) = head.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        Some(Verifier { iterations: iters.parse().ok()?, salt: b64.decode(salt).ok()?, stored_key: b64.decode(stored).ok()?, server_key: b64.decode(server).ok()? })
    }

    /// PostgreSQL's text form of the verifier.
    pub fn to_postgres(&self) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        format!("SCRAM-SHA-256${}:{}${}:{}", self.iterations, b64.encode(&self.salt), b64.encode(&self.stored_key), b64.encode(&self.server_key))
    }

    pub fn matches(&self, password: &str) -> bool {
        let salted = gen_salted_password(password, &self.salt, self.iterations);
        Verifier::from_salted(self.salt.clone(), salted, self.iterations).stored_key == self.stored_key
    }
}

/// The users a node accepts.
#[derive(Debug, Clone, Default)]
pub struct Users {
    map: HashMap<String, Option<Verifier>>,
}

impl Users {
    pub fn add_password(&mut self, name: &str, password: &str) {
        self.map.insert(name.to_string(), Some(Verifier::from_password(password)));
    }
    pub fn add_without_password(&mut self, name: &str) {
        self.map.entry(name.to_string()).or_insert(None);
    }
    /// A password or a SCRAM verifier string.
    pub fn add_secret(&mut self, name: &str, secret: &str) -> anyhow::Result<()> {
        if secret.starts_with("SCRAM-SHA-256$") {
            let v = Verifier::parse(secret).ok_or_else(|| anyhow::anyhow!("malformed SCRAM-SHA-256 verifier"))?;
            self.map.insert(name.to_string(), Some(v));
        } else {
            self.add_password(name, secret);
        }
        Ok(())
    }
    pub fn any_password(&self) -> bool {
        self.map.values().any(Option::is_some)
    }
    pub fn exists(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }
    fn verifier(&self, name: &str) -> Option<&Verifier> {
        self.map.get(name).and_then(Option::as_ref)
    }
}

#[derive(Debug)]
struct UserSource(Arc<Users>);

#[async_trait]
impl AuthSource for UserSource {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        Err(PgWireError::InvalidPassword(login.user().unwrap_or_default().to_string()))
    }

    async fn verify_password(&self, login: &LoginInfo, presented: &[u8]) -> PgWireResult<Option<()>> {
        let user = login.user().unwrap_or_default();
        let password = std::str::from_utf8(presented).unwrap_or("").trim_end_matches('\0');
        match self.0.verifier(user) {
            Some(v) if v.matches(password) => Ok(None),
            _ => Err(PgWireError::InvalidPassword(user.to_string())),
        }
    }

    async fn get_scram_secret(&self, login: &LoginInfo) -> PgWireResult<(ScramSecret, Option<()>)> {
        let user = login.user().unwrap_or_default();
        match self.0.verifier(user) {
            Some(v) => Ok((
                ScramSecret::Verifier { salt: v.salt.clone(), iterations: v.iterations, stored_key: v.stored_key.clone(), server_key: v.server_key.clone() },
                None,
            )),
            None => Err(PgWireError::InvalidPassword(user.to_string())),
        }
    }
}

struct Trust;

#[async_trait]
impl AuthMechanism for Trust {
    async fn begin(&mut self, _client: &(dyn ClientInfo + Send + Sync)) -> PgWireResult<AuthState> {
        Ok(AuthState::Ok { final_message: None, identity: None })
    }
    async fn next(&mut self, _client: &(dyn ClientInfo + Send + Sync), _m: PasswordMessageFamily) -> PgWireResult<AuthState> {
        Err(PgWireError::NoAuthenticationInProgress)
    }
}

/// Reports failed logins the way PostgreSQL words them, naming the startup user.
struct PostgresWording(Box<dyn AuthMechanism>);

fn reword(client: &(dyn ClientInfo + Send + Sync), r: PgWireResult<AuthState>) -> PgWireResult<AuthState> {
    let user = || client.metadata().get(METADATA_USER).cloned().unwrap_or_default();
    match r {
        Err(PgWireError::InvalidPassword(_)) | Ok(AuthState::Failed(PgWireError::InvalidPassword(_))) => {
            Err(fatal("28P01", format!("password authentication failed for user \"{}\"", user())))
        }
        other => other,
    }
}

#[async_trait]
impl AuthMechanism for PostgresWording {
    async fn begin(&mut self, client: &(dyn ClientInfo + Send + Sync)) -> PgWireResult<AuthState> {
        let r = self.0.begin(client).await;
        reword(client, r)
    }
    async fn next(&mut self, client: &(dyn ClientInfo + Send + Sync), m: PasswordMessageFamily) -> PgWireResult<AuthState> {
        let r = self.0.next(client, m).await;
        reword(client, r)
    }
}

/// The settings a client asked for at startup: parameters and `options=-c k=v`.
pub fn startup_settings(metadata: &HashMap<String, String>, user: &str) -> Result<Settings, crate::error::PgError> {
    let mut s = Settings::new(user);
    for (k, v) in metadata {
        match k.as_str() {
            "user" | "database" | "replication" | "options" => {}
            name => {
                if let Err(e) = s.set(name, Some(v), false, false) {
                    // Unknown startup parameters without a dot are errors in PostgreSQL too.
                    return Err(e);
                }
            }
        }
    }
    if let Some(opts) = metadata.get("options") {
        let mut words = opts.split_whitespace().peekable();
        while let Some(w) = words.next() {
            let kv = if w == "-c" { words.next().unwrap_or("") } else if let Some(rest) = w.strip_prefix("-c") { rest } else if let Some(rest) = w.strip_prefix("--") { rest } else { continue };
            if let Some((k, v)) = kv.split_once('=') {
                s.set(&k.replace('-', "_"), Some(v), false, false)?;
            }
        }
    }
    Ok(s)
}

/// Sends the ParameterStatus set computed from the client's startup parameters.
pub struct Parameters;

impl ServerParameterProvider for Parameters {
    fn server_parameters<C: ClientInfo>(&self, client: &C) -> Option<HashMap<String, String>> {
        let user = client.metadata().get(METADATA_USER).cloned().unwrap_or_default();
        let s = startup_settings(client.metadata(), &user).unwrap_or_else(|_| Settings::new(&user));
        Some(s.reported().into_iter().collect())
    }
}

/// Gives sessions node-unique pids and random secrets, as PostgreSQL's backend keys.
pub struct Pids(pub Arc<Node>);

impl PidSecretKeyGenerator for Pids {
    fn generate(&self, client: &dyn ClientInfo) -> (i32, SecretKey) {
        let pid = self.0.new_pid();
        let key = match client.protocol_version() {
            pgwire::messages::ProtocolVersion::PROTOCOL3_0 => SecretKey::I32(rand::random::<i32>()),
            _ => SecretKey::Bytes(rand::random::<[u8; 32]>().to_vec().into()),
        };
        (pid, key)
    }
}

pub fn secret_bytes(k: &SecretKey) -> Vec<u8> {
    match k {
        SecretKey::I32(i) => i.to_be_bytes().to_vec(),
        SecretKey::Bytes(b) => b.to_vec(),
    }
}

fn fatal(code: &str, message: String) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new("FATAL".into(), code.into(), message)))
}

/// Startup and authentication of one connection; ends by creating its session.
pub struct Startup {
    pub node: Arc<Node>,
    pub conn: Arc<Connection>,
    driver: AuthDriver<Arc<Parameters>>,
}

impl Startup {
    pub fn new(node: Arc<Node>, conn: Arc<Connection>) -> Startup {
        let driver = AuthDriver::new(Arc::new(Parameters));
        Startup { node, conn, driver }
    }

    fn mechanism(&self) -> Box<dyn AuthMechanism> {
        let source = Arc::new(UserSource(Arc::new(self.node.config.users.clone())));
        Box::new(PostgresWording(match self.node.config.auth {
            AuthMethod::Trust => Box::new(Trust),
            AuthMethod::Cleartext => CleartextPasswordAuth::new(source).create(),
            AuthMethod::Scram => {
                let mut scram = ScramAuth::new(source);
                scram.set_iterations(SCRAM_ITERATIONS);
                SaslMechanisms::new(vec![Arc::new(scram)]).create()
            }
        }))
    }

    async fn finish<C>(&self, client: &mut C, outcome: AuthOutcome) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let AuthOutcome::Authenticated { final_message, .. } = outcome else { return Ok(()) };
        let user = client.metadata().get(METADATA_USER).cloned().unwrap_or_default();
        let database = client.metadata().get(METADATA_DATABASE).cloned().unwrap_or_else(|| user.clone());
        let settings = startup_settings(client.metadata(), &user).map_err(|e| fatal(e.sqlstate().code(), e.to_string()))?;
        let db = self.node.database(&database).map_err(|e| fatal(e.sqlstate().code(), e.to_string()))?;
        // The session is registered before ReadyForQuery goes out, so that a
        // client that has connected is already visible (pg_stat_activity,
        // DROP DATABASE's in-use check, cancel). The wire layer's
        // complete_authentication would send ReadyForQuery first.
        if let Some(message) = final_message {
            client.send(PgWireBackendMessage::Authentication(message)).await?;
        }
        let (pid, key) = Pids(self.node.clone()).generate(client);
        client.set_pid_and_secret_key(pid, key.clone());
        let cancel = Arc::new(CancelTarget::default());
        *cancel.secret.lock() = secret_bytes(&key);
        self.node.cancel.lock().insert(pid, cancel.clone());
        let mut session = Session::new(self.node.clone(), pid, &user, &database, db, cancel);
        session.settings = settings;
        self.node.activity.lock().insert(
            pid,
            crate::node::Activity {
                pid,
                user: user.clone(),
                database: database.clone(),
                application_name: session.settings.get("application_name").unwrap_or_default(),
                client_addr: client.socket_addr().ip().to_string(),
                state: "idle".into(),
                query: String::new(),
                backend_start_micros: chrono::Utc::now().timestamp_micros(),
            },
        );
        tracing::info!(pid, %user, %database, client = %client.socket_addr(), "session started");
        *self.conn.session.lock().await = Some(session);
        *self.conn.pid.lock() = Some(pid);
        pgwire::api::auth::finish_authentication(client, &Parameters).await
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match self.step(client, message).await {
            Err(e) if e.is_fatal() => {
                // PostgreSQL ends a refused startup with the ErrorResponse alone.
                // The wire layer would follow it with ReadyForQuery, which
                // strict drivers (asyncpg) reject, so the error is sent here and
                // the write side closed before the wire layer gets its turn.
                let info: ErrorInfo = e.into();
                client.send(PgWireBackendMessage::ErrorResponse(info.into())).await?;
                client.close().await?;
                Err(PgWireError::IoError(std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "startup refused")))
            }
            other => other,
        }
    }
}

impl Startup {
    async fn step<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                pgwire::api::auth::protocol_negotiation(client, startup).await?;
                pgwire::api::auth::save_startup_parameters_to_metadata(client, startup);
                let user = client.metadata().get(METADATA_USER).cloned().ok_or(PgWireError::UserNameRequired)?;
                let database = client.metadata().get(METADATA_DATABASE).cloned().unwrap_or_else(|| user.clone());
                if database == catalog::pg_catalog::TEMPLATE0 {
                    return Err(fatal("55000", format!("database \"{database}\" is not currently accepting connections")));
                }
                if !self.node.store.exists(&database) {
                    return Err(fatal("3D000", format!("database \"{database}\" does not exist")));
                }
                let outcome = self.driver.begin_authentication(client, self.mechanism()).await?;
                self.finish(client, outcome).await
            }
            PgWireFrontendMessage::PasswordMessageFamily(m) => {
                let outcome = self.driver.advance_authentication(client, m).await?;
                self.finish(client, outcome).await
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_check_passwords_and_round_trip_postgres_form() {
        let v = Verifier::from_password("s3cret");
        assert!(v.matches("s3cret"));
        assert!(!v.matches("wrong"));
        let parsed = Verifier::parse(&v.to_postgres()).unwrap();
        assert_eq!(parsed, v);
        assert!(parsed.matches("s3cret"));
        assert!(Verifier::parse("md5abc").is_none());
    }

    #[test]
    fn startup_options_become_settings() {
        let mut md = HashMap::new();
        md.insert("user".to_string(), "app".to_string());
        md.insert("application_name".to_string(), "svc".to_string());
        md.insert("options".to_string(), "-c search_path=app,public -c statement_timeout=5s".to_string());
        let s = startup_settings(&md, "app").unwrap();
        assert_eq!(s.get("application_name").unwrap(), "svc");
        assert_eq!(s.search_path("app"), vec!["app".to_string(), "public".to_string()]);
        assert_eq!(s.millis("statement_timeout"), 5000);
    }
}
