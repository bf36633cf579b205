//! The databases of a node: one SQLite file each under `<data-dir>/databases`.

use crate::database::{ConnInit, Database};
use crate::StoreError;
use parking_lot::Mutex;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub type Bootstrap = Arc<dyn Fn(&Connection) -> rusqlite::Result<()> + Send + Sync>;

pub struct Store {
    dir: PathBuf,
    init: ConnInit,
    bootstrap: Bootstrap,
    readers: usize,
    open: Mutex<HashMap<String, Arc<Database>>>,
}

/// Database names become file names: keep them to a safe alphabet.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && !name.starts_with('-')
}

impl Store {
    /// Opens the store under `data_dir`, creating the `postgres` and
    /// `template1` databases on first start, as initdb does.
    pub fn open(data_dir: &Path, init: ConnInit, bootstrap: Bootstrap, readers: usize) -> Result<Store, StoreError> {
        let dir = data_dir.join("databases");
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io { path: dir.clone(), source })?;
        let store = Store { dir, init, bootstrap, readers, open: Mutex::new(HashMap::new()) };
        for name in ["postgres", "template1"] {
            if !store.file(name).exists() {
                store.create(name)?;
            }
        }
        Ok(store)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.db"))
    }

    pub fn exists(&self, name: &str) -> bool {
        valid_name(name) && self.file(name).exists()
    }

    /// The open database `name`, opening its file on first use.
    pub fn get(&self, name: &str) -> Result<Arc<Database>, StoreError> {
        if let Some(db) = self.open.lock().get(name) {
            return Ok(db.clone());
        }
        if !self.exists(name) {
            return Err(StoreError::NoSuchDatabase(name.to_string()));
        }
        let mut open = self.open.lock();
        if let Some(db) = open.get(name) {
            return Ok(db.clone());
        }
        let db = Database::open(name, &self.file(name), self.init.clone(), self.bootstrap.as_ref(), self.readers)?;
        open.insert(name.to_string(), db.clone());
        Ok(db)
    }

    pub fn create(&self, name: &str) -> Result<(), StoreError> {
        if !valid_name(name) {
            return Err(StoreError::InvalidName(name.to_string()));
        }
        if self.file(name).exists() {
            return Err(StoreError::DatabaseExists(name.to_string()));
        }
        let db = Database::open(name, &self.file(name), self.init.clone(), self.bootstrap.as_ref(), self.readers)?;
        self.open.lock().insert(name.to_string(), db);
        Ok(())
    }

    /// Removes a database. `in_use` says whether sessions are connected to it.
    pub fn drop_database(&self, name: &str, in_use: bool) -> Result<(), StoreError> {
        if !self.exists(name) {
            return Err(StoreError::NoSuchDatabase(name.to_string()));
        }
        if in_use {
            return Err(StoreError::InUse(name.to_string()));
        }
        if let Some(db) = self.open.lock().remove(name) {
            db.close_readers();
        }
        for suffix in ["", "-wal", "-shm"] {
            let p = self.dir.join(format!("{name}.db{suffix}"));
            if p.exists() {
                std::fs::remove_file(&p).map_err(|source| StoreError::Io { path: p.clone(), source })?;
            }
        }
        Ok(())
    }

    /// The bytes a database takes on disk (its file and write-ahead log).
    pub fn file_bytes(&self, name: &str) -> u64 {
        ["", "-wal"].iter().filter_map(|suffix| std::fs::metadata(self.dir.join(format!("{name}.db{suffix}"))).ok()).map(|m| m.len()).sum()
    }

    pub fn list(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|rd| rd.filter_map(|e| e.ok()).filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".db")).map(str::to_string)).collect())
            .unwrap_or_default();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path) -> Store {
        Store::open(dir, Arc::new(|_| Ok(())), Arc::new(|c| c.execute_batch("CREATE TABLE IF NOT EXISTS t (x INTEGER)")), 2).unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn writer_commits_are_visible_to_readers_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = store(dir.path());
            let db = s.get("postgres").unwrap();
            let w = db.write().await;
            w.execute("INSERT INTO t VALUES (1)", []).unwrap();
            drop(w);
            let r = db.read().unwrap();
            let n: i64 = r.query_row("SELECT count(*) FROM t", [], |row| row.get(0)).unwrap();
            assert_eq!(n, 1);
            // Readers cannot write.
            assert!(r.execute("INSERT INTO t VALUES (2)", []).is_err());
        }
        let s = store(dir.path());
        let n: i64 = s.get("postgres").unwrap().read().unwrap().query_row("SELECT count(*) FROM t", [], |row| row.get(0)).unwrap();
        assert_eq!(n, 1);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn one_writer_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let db = s.get("postgres").unwrap();
        let first = db.write().await;
        assert!(db.write_timeout(std::time::Duration::from_millis(50)).await.is_err());
        drop(first);
        assert!(db.write_timeout(std::time::Duration::from_millis(50)).await.is_ok());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_abandoned_write_transaction_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let db = s.get("postgres").unwrap();
        let w = db.write().await;
        w.execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (9)").unwrap();
        drop(w);
        let w = db.write().await;
        w.execute_batch("BEGIN IMMEDIATE; COMMIT").unwrap();
        let n: i64 = w.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn databases_are_created_listed_and_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        s.create("app_1").unwrap();
        assert!(matches!(s.create("app_1"), Err(StoreError::DatabaseExists(_))));
        assert!(matches!(s.create("../etc"), Err(StoreError::InvalidName(_))));
        assert_eq!(s.list(), vec!["app_1".to_string(), "postgres".to_string(), "template1".to_string()]);
        assert!(matches!(s.drop_database("app_1", true), Err(StoreError::InUse(_))));
        s.drop_database("app_1", false).unwrap();
        assert_eq!(s.list(), vec!["postgres".to_string(), "template1".to_string()]);
    }
}
