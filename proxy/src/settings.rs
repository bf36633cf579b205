//! Session settings (PostgreSQL's GUCs): the ones clients touch, their
//! defaults and checks, SET LOCAL undone at transaction end, and custom
//! `prefix.name` settings stored as given.

use crate::error::PgError;
use catalog::translate::TranslateError;
use catalog::value::{FormatOptions, SessionZone};
use std::collections::HashMap;

/// The version litegres reports by default; clients key features off it.
/// `--server-version` changes it for the process (pg_dump refuses a server
/// newer than itself, so a node dumped with pg_dump 15 reports 15.x).
pub const SERVER_VERSION: &str = "16.4";

static REPORTED_VERSION: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();

/// Sets the reported version once, at start-up (`--server-version`).
pub fn set_server_version(version: (String, String)) {
    let _ = REPORTED_VERSION.set(version);
}

/// The reported (`server_version`, `server_version_num`).
pub fn server_version() -> (&'static str, &'static str) {
    let (v, n) = REPORTED_VERSION.get_or_init(|| (SERVER_VERSION.to_string(), "160004".to_string()));
    (v.as_str(), n.as_str())
}

struct Known {
    name: &'static str,
    default: &'static str,
    /// Sent as ParameterStatus at startup and when it changes.
    report: bool,
    read_only: bool,
}

const KNOWN: &[Known] = &[
    Known { name: "application_name", default: "", report: true, read_only: false },
    Known { name: "client_encoding", default: "UTF8", report: true, read_only: false },
    Known { name: "DateStyle", default: "ISO, MDY", report: true, read_only: false },
    Known { name: "IntervalStyle", default: "postgres", report: true, read_only: false },
    Known { name: "TimeZone", default: "UTC", report: true, read_only: false },
    Known { name: "integer_datetimes", default: "on", report: true, read_only: true },
    Known { name: "standard_conforming_strings", default: "on", report: true, read_only: false },
    Known { name: "is_superuser", default: "on", report: true, read_only: true },
    Known { name: "session_authorization", default: "postgres", report: true, read_only: true },
    // Defaults from server_version(), which --server-version sets.
    Known { name: "server_version", default: "", report: true, read_only: true },
    Known { name: "server_version_num", default: "", report: false, read_only: true },
    Known { name: "server_encoding", default: "UTF8", report: true, read_only: true },
    Known { name: "default_transaction_read_only", default: "off", report: true, read_only: false },
    Known { name: "in_hot_standby", default: "off", report: true, read_only: true },
    Known { name: "search_path", default: "\"$user\", public", report: false, read_only: false },
    Known { name: "extra_float_digits", default: "1", report: false, read_only: false },
    Known { name: "statement_timeout", default: "0", report: false, read_only: false },
    Known { name: "lock_timeout", default: "0", report: false, read_only: false },
    Known { name: "idle_in_transaction_session_timeout", default: "300000", report: false, read_only: false },
    Known { name: "idle_session_timeout", default: "0", report: false, read_only: false },
    Known { name: "default_transaction_isolation", default: "read committed", report: false, read_only: false },
    Known { name: "transaction_isolation", default: "read committed", report: false, read_only: false },
    Known { name: "transaction_read_only", default: "off", report: false, read_only: false },
    Known { name: "default_transaction_deferrable", default: "off", report: false, read_only: false },
    Known { name: "jit", default: "off", report: false, read_only: false },
    Known { name: "bytea_output", default: "hex", report: false, read_only: false },
    Known { name: "client_min_messages", default: "notice", report: false, read_only: false },
    Known { name: "max_identifier_length", default: "63", report: false, read_only: true },
    Known { name: "max_connections", default: "1000", report: false, read_only: true },
    Known { name: "lc_messages", default: "C", report: false, read_only: false },
    Known { name: "lc_monetary", default: "C", report: false, read_only: false },
    Known { name: "lc_numeric", default: "C", report: false, read_only: false },
    Known { name: "lc_time", default: "C", report: false, read_only: false },
    Known { name: "lc_collate", default: "C", report: false, read_only: true },
    Known { name: "lc_ctype", default: "C", report: false, read_only: true },
    Known { name: "synchronous_commit", default: "on", report: false, read_only: false },
    Known { name: "row_security", default: "on", report: false, read_only: false },
    Known { name: "check_function_bodies", default: "on", report: false, read_only: false },
    Known { name: "work_mem", default: "4MB", report: false, read_only: false },
    Known { name: "maintenance_work_mem", default: "64MB", report: false, read_only: false },
    Known { name: "xmloption", default: "content", report: false, read_only: false },
    Known { name: "escape_string_warning", default: "on", report: false, read_only: false },
    Known { name: "enable_seqscan", default: "on", report: false, read_only: false },
    Known { name: "timezone_abbreviations", default: "Default", report: false, read_only: false },
    Known { name: "default_text_search_config", default: "pg_catalog.english", report: false, read_only: false },
    Known { name: "block_size", default: "8192", report: false, read_only: true },
    Known { name: "max_index_keys", default: "32", report: false, read_only: true },
    // Planner and dump knobs that have no counterpart in SQLite: accepted and
    // shown so that tools setting them (pg_dump, ORMs) carry on.
    Known { name: "synchronize_seqscans", default: "on", report: false, read_only: false },
    Known { name: "quote_all_identifiers", default: "off", report: false, read_only: false },
    Known { name: "default_with_oids", default: "off", report: false, read_only: false },
    Known { name: "default_table_access_method", default: "heap", report: false, read_only: false },
    Known { name: "default_tablespace", default: "", report: false, read_only: false },
    Known { name: "enable_partitionwise_aggregate", default: "off", report: false, read_only: false },
    Known { name: "enable_partitionwise_join", default: "off", report: false, read_only: false },
    Known { name: "max_parallel_workers_per_gather", default: "2", report: false, read_only: false },
    Known { name: "session_replication_role", default: "origin", report: false, read_only: false },
    Known { name: "litegres.read_consistency", default: "session", report: false, read_only: false },
];

/// A setting PostgreSQL knows, by name in any case. Read on every
/// statement (the session's formats), so it allocates nothing.
fn known(name: &str) -> Option<&'static Known> {
    let name = if name.eq_ignore_ascii_case("time zone") { "timezone" } else { name };
    KNOWN.iter().find(|k| k.name.eq_ignore_ascii_case(name))
}

/// Parses a duration setting into milliseconds (bare numbers are milliseconds).
pub fn parse_millis(v: &str) -> Option<u64> {
    let t = v.trim().trim_matches('\'');
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" => 1.0,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        "us" => 0.001,
        _ => return None,
    };
    Some((n * mult) as u64)
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: HashMap<String, String>,
    /// Values to restore when the transaction ends (SET LOCAL, and SET inside a transaction that rolls back).
    txn_saved: Vec<(String, Option<String>)>,
}

impl Settings {
    pub fn new(user: &str) -> Settings {
        let mut s = Settings::default();
        s.values.insert("session_authorization".into(), user.to_string());
        s
    }

    fn key(name: &str) -> String {
        match known(name) {
            Some(k) => k.name.to_string(),
            None => name.to_ascii_lowercase(),
        }
    }

    pub fn get(&self, name: &str) -> Option<String> {
        let key = Self::key(name);
        if let Some(v) = self.values.get(&key) {
            return Some(v.clone());
        }
        known(name).map(|k| match k.name {
            "server_version" => server_version().0.to_string(),
            "server_version_num" => server_version().1.to_string(),
            _ => k.default.to_string(),
        })
    }

    /// Checks and normalises a value for `name`.
    fn validate(name: &str, value: &str) -> Result<String, PgError> {
        let key = Self::key(name);
        // PostgreSQL names the parameter as it spells it (TimeZone, not timezone).
        let bad = || PgError::InvalidSetting { name: key.clone(), value: value.to_string() };
        Ok(match key.as_str() {
            "TimeZone" => SessionZone::parse(value).ok_or_else(bad)?.name,
            "DateStyle" => {
                if !value.to_ascii_uppercase().contains("ISO") && !value.eq_ignore_ascii_case("default") {
                    return Err(PgError::Translate(TranslateError::Unsupported(format!("DateStyle \"{value}\" (only ISO)"))));
                }
                "ISO, MDY".into()
            }
            "IntervalStyle" => {
                if !value.eq_ignore_ascii_case("postgres") {
                    return Err(PgError::Translate(TranslateError::Unsupported(format!("IntervalStyle \"{value}\""))));
                }
                "postgres".into()
            }
            "client_encoding" => match value.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_uppercase().as_str() {
                "UTF8" | "UNICODE" => "UTF8".into(),
                _ => return Err(PgError::Translate(TranslateError::Unsupported(format!("client encoding \"{value}\" (only UTF8)")))),
            },
            "extra_float_digits" => {
                let n: i32 = value.trim().parse().map_err(|_| bad())?;
                if !(-15..=3).contains(&n) {
                    return Err(bad());
                }
                n.to_string()
            }
            "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" | "idle_session_timeout" => {
                parse_millis(value).ok_or_else(bad)?.to_string()
            }
            "standard_conforming_strings" => match value.to_ascii_lowercase().as_str() {
                "on" | "true" | "1" => "on".into(),
                _ => return Err(PgError::Translate(TranslateError::Unsupported("standard_conforming_strings = off".into()))),
            },
            "litegres.read_consistency" => match value.to_ascii_lowercase().as_str() {
                v @ ("local" | "session" | "linearizable") => v.to_string(),
                _ => return Err(bad()),
            },
            "transaction_isolation" | "default_transaction_isolation" => match value.to_ascii_lowercase().as_str() {
                v @ ("read uncommitted" | "read committed" | "repeatable read" | "serializable") => v.to_string(),
                _ => return Err(bad()),
            },
            _ => value.to_string(),
        })
    }

    /// SET / set_config. Returns the reportable (name, value) when clients must be told.
    pub fn set(&mut self, name: &str, value: Option<&str>, local: bool, in_txn: bool) -> Result<Option<(String, String)>, PgError> {
        let k = known(name);
        if k.is_none() && !name.contains('.') {
            return Err(PgError::Translate(TranslateError::UndefinedParameter(name.to_string())));
        }
        if k.is_some_and(|k| k.read_only) {
            return Err(PgError::CantChangeSetting(name.to_string()));
        }
        let key = Self::key(name);
        let new = match value {
            Some(v) => Some(Self::validate(name, v)?),
            None => None,
        };
        if local && !in_txn {
            // PostgreSQL warns and ignores SET LOCAL outside a transaction.
            return Ok(None);
        }
        if in_txn {
            self.txn_saved.push((key.clone(), self.values.get(&key).cloned()));
        }
        match new {
            Some(v) => {
                self.values.insert(key.clone(), v);
            }
            None => {
                self.values.remove(&key);
            }
        }
        // SET (not LOCAL) inside a transaction survives COMMIT: forget the saved value then.
        if in_txn && !local {
            if let Some(last) = self.txn_saved.last_mut() {
                last.0 = format!("\u{0}{}", last.0);
            }
        }
        Ok(if k.is_some_and(|k| k.report) { self.get(&key).map(|v| (key, v)) } else { None })
    }

    /// Ends a transaction: SET LOCAL values revert; plain SETs stay on commit, revert on rollback.
    pub fn end_transaction(&mut self, committed: bool) -> Vec<(String, String)> {
        let mut changed = Vec::new();
        for (key, old) in std::mem::take(&mut self.txn_saved).into_iter().rev() {
            let (session_level, key) = match key.strip_prefix('\u{0}') {
                Some(k) => (true, k.to_string()),
                None => (false, key),
            };
            if session_level && committed {
                continue;
            }
            match old {
                Some(v) => {
                    self.values.insert(key.clone(), v);
                }
                None => {
                    self.values.remove(&key);
                }
            }
            if known(&key).is_some_and(|k| k.report) {
                if let Some(v) = self.get(&key) {
                    changed.push((key, v));
                }
            }
        }
        changed
    }

    /// RESET ALL.
    pub fn reset_all(&mut self) {
        let user = self.values.get("session_authorization").cloned();
        self.values.clear();
        if let Some(u) = user {
            self.values.insert("session_authorization".into(), u);
        }
    }

    /// The parameters sent at startup.
    pub fn reported(&self) -> Vec<(String, String)> {
        KNOWN.iter().filter(|k| k.report).map(|k| (k.name.to_string(), self.get(k.name).unwrap_or_default())).collect()
    }

    /// Everything SHOW ALL lists.
    pub fn all(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = KNOWN.iter().map(|k| (k.name.to_string(), self.get(k.name).unwrap_or_default())).collect();
        for (k, v) in &self.values {
            if known(k).is_none() {
                out.push((k.clone(), v.clone()));
            }
        }
        out.sort();
        out
    }

    /// The schemas names resolve in, `$user` expanded.
    pub fn search_path(&self, user: &str) -> Vec<String> {
        self.get("search_path")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().trim_matches('"').to_string())
            .filter(|s| !s.is_empty())
            .map(|s| if s == "$user" { user.to_string() } else { s })
            .collect()
    }

    pub fn format_options(&self) -> FormatOptions {
        FormatOptions {
            zone: SessionZone::parse(&self.get("TimeZone").unwrap_or_default()).unwrap_or_default(),
            extra_float_digits: self.get("extra_float_digits").and_then(|v| v.parse().ok()).unwrap_or(1),
        }
    }

    pub fn millis(&self, name: &str) -> u64 {
        self.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    pub fn is_on(&self, name: &str) -> bool {
        matches!(self.get(name).as_deref(), Some("on" | "true" | "1" | "yes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_local_reverts_and_set_survives_commit() {
        let mut s = Settings::new("postgres");
        s.set("application_name", Some("a"), false, false).unwrap();
        s.set("application_name", Some("b"), true, true).unwrap();
        s.set("x.y", Some("1"), false, true).unwrap();
        assert_eq!(s.get("application_name").unwrap(), "b");
        s.end_transaction(true);
        assert_eq!(s.get("application_name").unwrap(), "a");
        assert_eq!(s.get("x.y").unwrap(), "1");
        s.set("x.y", Some("2"), false, true).unwrap();
        s.end_transaction(false);
        assert_eq!(s.get("x.y").unwrap(), "1");
    }

    #[test]
    fn unknown_and_invalid_settings_are_refused() {
        let mut s = Settings::new("postgres");
        assert_eq!(s.set("nonsense", Some("1"), false, false).unwrap_err().sqlstate().code(), "42704");
        assert_eq!(s.set("extra_float_digits", Some("9"), false, false).unwrap_err().sqlstate().code(), "22023");
        assert_eq!(s.set("server_version", Some("1"), false, false).unwrap_err().sqlstate().code(), "55P02");
        assert_eq!(s.set("TIMEZONE", Some("+02:00"), false, false).unwrap().unwrap(), ("TimeZone".to_string(), "+02:00".to_string()));
        s.set("statement_timeout", Some("2s"), false, false).unwrap();
        assert_eq!(s.millis("statement_timeout"), 2000);
        assert_eq!(s.search_path("bob"), vec!["bob".to_string(), "public".to_string()]);
    }
}
