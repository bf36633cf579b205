//! Advisory locks across the cluster.
//!
//! Only the leader's lock table ([`crate::locks`]) counts. A follower
//! session's statement that takes or releases an advisory lock runs at the
//! leader (forwarded like a write, [`crate::forward`]) under a lock owner
//! that outlives the statement: one per follower session. The follower
//! keeps its sessions' owners alive while they last and releases them when
//! they end; the leader releases an owner it has not heard of for
//! [`OWNER_TIMEOUT`] (its node went silent).
//!
//! A leadership change ends every session that may hold an advisory lock:
//! on the old leader (its table no longer excludes anyone) and on followers
//! whose owner the new leader does not know. PostgreSQL never lets a live
//! session lose a lock silently; a session that ends says so.

use crate::forward::{ForwardReply, ForwardRequest};
use crate::node::Node;
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a follower renews its sessions' owners.
const RENEW_EVERY: Duration = Duration::from_secs(1);
/// An owner not renewed for this long is released by the leader.
const OWNER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct RemoteLocks {
    /// On the leader: (follower node, follower pid) → (owner pid here, last renewed).
    owners: Mutex<HashMap<(u64, i32), (i32, Instant)>>,
    /// On a follower: sessions that may hold locks at the leader, and
    /// whether the leader has answered one of their lock calls (their owner
    /// exists there; before that, the leader not knowing it proves nothing).
    flagged: Mutex<HashMap<i32, bool>>,
    /// On a follower: sessions that ended, whose owners the leader must release.
    released: Mutex<Vec<i32>>,
    wake: tokio::sync::Notify,
}

impl RemoteLocks {
    /// The leader's owner for a follower session, created on first use.
    pub fn owner_for(&self, node: &Node, from: u64, pid: i32) -> i32 {
        let mut owners = self.owners.lock();
        let e = owners.entry((from, pid)).or_insert_with(|| (node.new_pid(), Instant::now()));
        e.1 = Instant::now();
        e.0
    }

    /// A follower session is about to take (or release) locks at the leader.
    pub fn flag(&self, pid: i32) {
        self.flagged.lock().entry(pid).or_insert(false);
    }

    /// The leader answered a lock call of the session: its owner exists there.
    pub fn confirm(&self, pid: i32) {
        if let Some(c) = self.flagged.lock().get_mut(&pid) {
            *c = true;
        }
    }

    /// A follower session ended: its owner at the leader is released now.
    pub fn session_ended(&self, pid: i32) {
        if self.flagged.lock().remove(&pid).is_some() {
            self.released.lock().push(pid);
            self.wake.notify_one();
        }
    }

    /// On the leader: renews a follower's owners and releases those of its
    /// ended sessions; returns the sessions it has no owner for.
    pub fn renew(&self, node: &Node, from: u64, held: &[i32], released: &[i32]) -> Vec<i32> {
        let mut owners = self.owners.lock();
        for pid in released {
            if let Some((owner, _)) = owners.remove(&(from, *pid)) {
                node.locks.release_session(owner);
            }
        }
        let mut unknown = Vec::new();
        for pid in held {
            match owners.get_mut(&(from, *pid)) {
                Some(e) => e.1 = Instant::now(),
                None => unknown.push(*pid),
            }
        }
        unknown
    }

    /// On the leader: releases the owners of followers gone silent.
    fn sweep(&self, node: &Node) {
        self.owners.lock().retain(|key, (owner, at)| {
            let alive = at.elapsed() < OWNER_TIMEOUT;
            if !alive {
                node.locks.release_session(*owner);
                tracing::warn!(node = key.0, pid = key.1, "released the advisory locks of a follower session gone silent");
            }
            alive
        });
    }

    /// This node stopped leading: its lock table no longer excludes anyone.
    /// Releases every owner and ends the local sessions holding locks.
    fn lost_leadership(&self, node: &Node) {
        for (_, (owner, _)) in self.owners.lock().drain() {
            node.locks.release_session(owner);
        }
        let holders: HashSet<i32> = node.locks.list().into_iter().map(|l| l.pid).collect();
        for pid in holders {
            terminate(node, pid);
            node.locks.release_session(pid);
        }
    }

    /// This node now leads: its sessions' owners lived at the old leader,
    /// whose locks are gone; those sessions end.
    fn gained_leadership(&self, node: &Node) {
        let flagged: Vec<i32> = self.flagged.lock().drain().map(|(pid, _)| pid).collect();
        for pid in flagged {
            tracing::warn!(pid, "this node now leads; the advisory locks this session held at the old leader are gone: ending the session");
            terminate(node, pid);
        }
        self.released.lock().clear();
    }

    /// Runs for the node's life: renews owners at the leader (as a follower),
    /// sweeps silent ones (as leader), and acts on leadership changes.
    pub fn spawn(node: &Arc<Node>) {
        let weak = Arc::downgrade(node);
        tokio::spawn(async move {
            let mut was_leader = false;
            loop {
                let Some(node) = weak.upgrade() else { return };
                let rl = &node.remote_locks;
                let leads = node.cluster.is_leader();
                if was_leader && !leads {
                    rl.lost_leadership(&node);
                }
                if !was_leader && leads {
                    rl.gained_leadership(&node);
                }
                was_leader = leads;
                if leads {
                    rl.sweep(&node);
                } else {
                    rl.renew_at_leader(&node).await;
                }
                // The node is held for at most one round: the task ends with it.
                let _ = tokio::time::timeout(RENEW_EVERY, rl.wake.notified()).await;
            }
        });
    }

    /// As a follower: tells the leader which sessions still hold owners
    /// there and which ended; ends the sessions whose owner it lost.
    async fn renew_at_leader(&self, node: &Node) {
        let (held, confirmed): (Vec<i32>, HashSet<i32>) = {
            let f = self.flagged.lock();
            (f.keys().copied().collect(), f.iter().filter(|(_, c)| **c).map(|(p, _)| *p).collect())
        };
        let released: Vec<i32> = std::mem::take(&mut *self.released.lock());
        if held.is_empty() && released.is_empty() {
            return;
        }
        let req = ForwardRequest::Locks { node: node.cluster.node_id(), held, released: released.clone() };
        let Ok(bytes) = bincode::serialize(&req) else { return };
        match node.cluster.forward(bytes, Duration::from_secs(5)).await.ok().and_then(|r| bincode::deserialize::<ForwardReply>(&r).ok()) {
            Some(ForwardReply::Locks { unknown }) => {
                for pid in unknown.into_iter().filter(|p| confirmed.contains(p)) {
                    if self.flagged.lock().remove(&pid).is_some() {
                        tracing::warn!(pid, "the leader no longer holds this session's advisory locks (the leader changed): ending the session");
                        terminate(node, pid);
                    }
                }
            }
            // Unreachable leader: try again next round.
            _ => self.released.lock().extend(released),
        }
    }
}

fn terminate(node: &Node, pid: i32) {
    if let Some(t) = node.cancel.lock().get(&pid) {
        t.terminated.store(true, Ordering::SeqCst);
        t.cancel();
    }
}
