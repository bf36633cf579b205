//! The storage side of a litegres node: each database is a SQLite file in
//! WAL mode with exactly one writer connection and a pool of read-only
//! connections; Raft ([`raft`]) replicates every change: a transaction's
//! effects ([`effects`]) become a log entry ([`command`]) that the state
//! machine applies on every node, the one path by which data changes.

pub mod command;
mod database;
pub mod effects;
mod error;
pub mod group;
mod pool;
pub mod raft;
mod store;

pub use database::{ConnInit, Database, WriteLease};
pub use error::StoreError;
pub use pool::ReadConn;
pub use store::{valid_name, Store};
