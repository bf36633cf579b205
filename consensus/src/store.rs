//! The databases of a node: one SQLite file each under `<data-dir>/databases`.

use crate::database::{ConnInit, Database};
use crate::StoreError;
use parking_lot::{Mutex, RwLock};
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub type Bootstrap = Arc<dyn Fn(&Connection) -> rusqlite::Result<()> + Send + Sync>;

pub struct Store {
    data_dir: PathBuf,
    /// Where the database files are now. Installing a snapshot moves them to
    /// a new directory, so files of connections still open on the old ones
    /// (and their WAL files) never share a path with the new ones.
    dir: RwLock<PathBuf>,
    init: ConnInit,
    bootstrap: Bootstrap,
    readers: usize,
    open: Mutex<HashMap<String, Arc<Database>>>,
}

/// Names the directory of the current database files, under the data dir.
const CURRENT: &str = "databases.current";

/// Database names become file names: keep them to a safe alphabet.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && !name.starts_with('-')
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

/// Makes a rename or creation in `dir` durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir).and_then(|f| f.sync_all()).map_err(io_err(dir))
}

impl Store {
    /// Opens the store under `data_dir`, creating the `postgres` and
    /// `template1` databases on first start, as initdb does.
    pub fn open(data_dir: &Path, init: ConnInit, bootstrap: Bootstrap, readers: usize) -> Result<Store, StoreError> {
        let current = std::fs::read_to_string(data_dir.join(CURRENT)).map(|s| s.trim().to_string()).unwrap_or_else(|_| "databases".into());
        let dir = data_dir.join(&current);
        std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        // Directories left by earlier snapshot installs.
        if let Ok(rd) = std::fs::read_dir(data_dir) {
            for e in rd.filter_map(|e| e.ok()) {
                let n = e.file_name().to_string_lossy().to_string();
                if (n.starts_with("databases-") || n == "databases") && n != current && e.path().is_dir() {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let store = Store { data_dir: data_dir.to_path_buf(), dir: RwLock::new(dir), init, bootstrap, readers, open: Mutex::new(HashMap::new()) };
        for name in ["postgres", "template1"] {
            if !store.file(name).exists() {
                store.create(name)?;
            }
        }
        Ok(store)
    }

    /// The file of database `name`.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.read().join(format!("{name}.db"))
    }

    /// Replaces every database by the given files (a snapshot being
    /// installed), atomically: the files move into a new directory, which
    /// becomes current in one rename. Connections open on the old files keep
    /// reading them until they are dropped; new ones open the new files.
    pub fn replace_all(&self, files: Vec<(String, PathBuf)>) -> Result<(), StoreError> {
        let name = format!("databases-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
        let new_dir = self.data_dir.join(&name);
        std::fs::create_dir_all(&new_dir).map_err(io_err(&new_dir))?;
        for (db, path) in files {
            if !valid_name(&db) {
                return Err(StoreError::InvalidName(db));
            }
            let target = new_dir.join(format!("{db}.db"));
            std::fs::rename(&path, &target).map_err(io_err(&target))?;
        }
        sync_dir(&new_dir)?;
        let tmp = self.data_dir.join(format!("{CURRENT}.tmp"));
        std::fs::write(&tmp, format!("{name}\n")).and_then(|_| std::fs::File::open(&tmp)?.sync_all()).map_err(io_err(&tmp))?;
        let current = self.data_dir.join(CURRENT);
        std::fs::rename(&tmp, &current).map_err(io_err(&current))?;
        sync_dir(&self.data_dir)?;
        let mut open = self.open.lock();
        *self.dir.write() = new_dir;
        for (_, db) in open.drain() {
            db.close_readers();
        }
        Ok(())
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
        // The new files must survive a power loss once the entry that created
        // them counts as applied (databases themselves commit without fsync).
        for suffix in ["", "-wal"] {
            if let Ok(f) = std::fs::File::open(format!("{}{suffix}", self.file(name).display())) {
                f.sync_all().map_err(io_err(&self.file(name)))?;
            }
        }
        sync_dir(&self.dir.read().clone())?;
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
        let dir = self.dir.read().clone();
        for suffix in ["", "-wal", "-shm"] {
            let p = dir.join(format!("{name}.db{suffix}"));
            if p.exists() {
                std::fs::remove_file(&p).map_err(|source| StoreError::Io { path: p.clone(), source })?;
            }
        }
        // The removal is durable before the entry that made it counts as applied.
        sync_dir(&dir)?;
        Ok(())
    }

    /// The bytes a database takes on disk (its file and write-ahead log).
    pub fn file_bytes(&self, name: &str) -> u64 {
        let dir = self.dir.read().clone();
        ["", "-wal"].iter().filter_map(|suffix| std::fs::metadata(dir.join(format!("{name}.db{suffix}"))).ok()).map(|m| m.len()).sum()
    }

    pub fn list(&self) -> Vec<String> {
        let dir = self.dir.read().clone();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
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
        let wait = Some(std::time::Duration::from_millis(50));
        assert!(db.write_txn(wait).await.is_err());
        drop(first);
        assert!(db.write_txn(wait).await.is_ok());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_abandoned_write_transaction_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let db = s.get("postgres").unwrap();
        let w = db.write_txn(None).await.unwrap();
        w.execute_batch("INSERT INTO t VALUES (9)").unwrap();
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
