//! openraft's storage conformance suite against litegres's log store and
//! state machine: vote, log append/truncate/purge, applied state,
//! membership and snapshots behave as Raft requires.

use consensus::raft::{LogStore, StateMachine, TypeConfig};
use consensus::Store;
use openraft::testing::{StoreBuilder, Suite};
use openraft::StorageError;
use std::sync::Arc;

struct Builder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, tempfile::TempDir> for Builder {
    async fn build(&self) -> Result<(tempfile::TempDir, LogStore, StateMachine), StorageError<u64>> {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(Store::open(dir.path(), Arc::new(|_| Ok(())), Arc::new(|_| Ok(())), 2).expect("store"));
        let raft_dir = dir.path().join("raft");
        std::fs::create_dir_all(&raft_dir).expect("raft dir");
        let log = LogStore::open(&raft_dir.join("log.db")).expect("log store");
        let (events, _) = tokio::sync::broadcast::channel(16);
        let sm = StateMachine::open(0, &raft_dir, store, events)?;
        Ok((dir, log, sm))
    }
}

#[test]
fn log_store_and_state_machine_pass_the_openraft_suite() {
    Suite::test_all(Builder).expect("storage suite");
}
