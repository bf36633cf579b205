//! A snapshot being replaced while another task asks for the current one:
//! the leader sends the current snapshot to a lagging follower while the
//! next one is built. Asking must always find a snapshot once one exists,
//! never a record naming a file already removed (openraft treats a missing
//! snapshot as a storage error and stops the node's Raft core).

use consensus::raft::{StateMachine, TypeConfig};
use consensus::Store;
use openraft::storage::{RaftSnapshotBuilder, RaftStateMachine};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_current_snapshot_is_always_there_while_new_ones_replace_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(dir.path(), Arc::new(|_| Ok(())), Arc::new(|_| Ok(())), 2).expect("store"));
    let raft_dir = dir.path().join("raft");
    std::fs::create_dir_all(&raft_dir).expect("raft dir");
    let (events, _) = tokio::sync::broadcast::channel(16);
    let mut sm = StateMachine::open(0, &raft_dir, store, events).expect("state machine");
    let mut builder = sm.get_snapshot_builder().await;
    RaftSnapshotBuilder::<TypeConfig>::build_snapshot(&mut builder).await.expect("first snapshot");
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let builds = tokio::spawn(async move {
        for _ in 0..150 {
            RaftSnapshotBuilder::<TypeConfig>::build_snapshot(&mut builder).await.expect("snapshot");
        }
        stop.store(true, Ordering::SeqCst);
    });
    let (mut asked, mut missing) = (0u32, 0u32);
    while !done.load(Ordering::SeqCst) {
        asked += 1;
        if sm.get_current_snapshot().await.expect("current snapshot").is_none() {
            missing += 1;
        }
        tokio::task::yield_now().await;
    }
    builds.await.expect("builder");
    println!("asked {asked} times while 150 snapshots replaced each other; missing {missing}");
    assert!(asked > 100, "the reader should have asked many times, asked {asked}");
    assert_eq!(missing, 0, "the current snapshot was missing {missing} of {asked} times");
}
