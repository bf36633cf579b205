#![allow(clippy::result_large_err)] // openraft's StorageError is large; its API returns it by value.
//! Replication of a node's databases by Raft (openraft): the type
//! configuration, the durable log, the state machine that applies entries to
//! the databases, the network between nodes, and [`Cluster`], the handle the
//! rest of the node uses.

mod apply;
mod cluster;
mod log_store;
mod network;
mod state_machine;

pub use cluster::{AppHandler, Cluster, ClusterOptions, ClusterStatus, CommitError, Counters};
pub use log_store::LogStore;
pub use network::{Network, RaftServer, RaftTls};
pub use state_machine::{ApplyEvent, StateMachine};

use crate::command::{Applied, Command};

openraft::declare_raft_types!(
    /// litegres's Raft types: entries carry [`Command`]s, applying one yields
    /// [`Applied`], snapshots are files.
    pub TypeConfig:
        D = Command,
        R = Applied,
        NodeId = u64,
        Node = openraft::BasicNode,
        SnapshotData = tokio::fs::File,
);

pub type NodeId = u64;
pub type Raft = openraft::Raft<TypeConfig>;
pub type Entry = openraft::Entry<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type StorageError = openraft::StorageError<NodeId>;

/// A storage error from an I/O or SQLite failure.
fn storage_error(subject: openraft::ErrorSubject<NodeId>, verb: openraft::ErrorVerb, e: impl std::error::Error + 'static) -> StorageError {
    StorageError::IO { source: openraft::StorageIOError::new(subject, verb, openraft::AnyError::new(&e)) }
}
