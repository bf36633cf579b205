//! The storage side of a litegres node: each database is a SQLite file in
//! WAL mode with exactly one writer connection (the only path by which data
//! changes) and a pool of read-only connections. Replication (Raft) wraps the
//! writer: every change goes through [`Database::write`].

mod database;
mod error;
mod pool;
mod store;

pub use database::{ConnInit, Database, WriteLease};
pub use error::StoreError;
pub use pool::ReadConn;
pub use store::Store;
