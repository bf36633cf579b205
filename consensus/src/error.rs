//! Storage errors.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database \"{0}\" does not exist")]
    NoSuchDatabase(String),
    #[error("database \"{0}\" already exists")]
    DatabaseExists(String),
    #[error("invalid database name \"{0}\"")]
    InvalidName(String),
    #[error("database \"{0}\" is being accessed by other users")]
    InUse(String),
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("I/O error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("timed out waiting for the write lock")]
    WriteTimeout,
}
