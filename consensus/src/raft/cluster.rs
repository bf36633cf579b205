//! The node's Raft group: starting it (bootstrap, join, or the single-node
//! default), committing transactions through it, waiting for entries to be
//! applied, and membership changes.
//!
//! Safety rules, all enforced here:
//! - A cluster is initialised only by `--bootstrap` (or the single-node
//!   default) on a node with no Raft state; the cluster id it records is
//!   checked on every connection between nodes.
//! - A node without a cluster id (new, or its data dir wiped) answers no
//!   Raft traffic until the leader has let it join, as a learner. A wiped
//!   node that was a voter is demoted first, so an empty log never votes.
//! - Learners become voters only once they have caught up with the leader.
//! - A node takes writers only as a leader that has applied every entry
//!   before its term, so a session's transaction always runs on the latest data.

use super::network::{Credentials, Handler, Peer, Reply, Request};
use super::log_store::LogCounters;
use super::{LogStore, Network, NodeId, Raft, RaftServer, StateMachine};
use crate::command::{Command, Origin, Step};
use crate::group::Group;
use crate::raft::state_machine::ApplyEvent;
use crate::{Store, WriteLease};
use openraft::error::{ClientWriteError, RaftError};
use openraft::{BasicNode, ChangeMembers, Config, ServerState, SnapshotPolicy};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// How a node takes part in a cluster.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// This node's id; with none, the one recorded in the data dir (or 1).
    pub node_id: Option<NodeId>,
    /// Where to listen for other nodes; none for the single-node default.
    pub raft_listen: Option<String>,
    /// The address peers use to reach this node's Raft listener.
    pub advertise: Option<String>,
    pub bootstrap: bool,
    /// Raft addresses of existing members to join through.
    pub join: Vec<String>,
    pub secret: String,
    pub heartbeat: Duration,
    pub election_timeout: (Duration, Duration),
    /// Entries since the last snapshot that trigger a new one.
    pub snapshot_every: u64,
    /// TLS between nodes (optional; the secret authenticates them either way).
    pub tls: Option<super::network::RaftTls>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            node_id: None,
            raft_listen: None,
            advertise: None,
            bootstrap: false,
            join: Vec::new(),
            secret: String::new(),
            heartbeat: Duration::from_millis(100),
            election_timeout: (Duration::from_millis(500), Duration::from_millis(1000)),
            snapshot_every: 10_000,
            tls: None,
        }
    }
}

/// Why a change could not be committed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    #[error("this node is not the leader (the leader is {})", .leader.as_ref().map(|(id, addr)| format!("node {id} at {addr}")).unwrap_or_else(|| "unknown".into()))]
    NotLeader { leader: Option<(NodeId, String)> },
    /// The entry was committed but could not be applied (the same on every node).
    #[error("{0}")]
    Rejected(String),
    /// The cluster cannot commit now (no quorum, shutting down); whether an
    /// entry in flight was committed is unknown.
    #[error("the cluster is unavailable: {0}")]
    Unavailable(String),
    /// The transaction ran on changes that did not commit; retrying may succeed.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Local(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot start Raft: {0}")]
    Start(String),
    #[error("{0}")]
    Refused(String),
}

/// What the admin endpoint and `SHOW` report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClusterStatus {
    pub node_id: NodeId,
    pub cluster_id: String,
    pub state: String,
    pub leader: Option<NodeId>,
    pub term: u64,
    pub last_log_index: u64,
    pub applied_index: u64,
    pub voters: Vec<NodeId>,
    pub learners: Vec<NodeId>,
    pub nodes: BTreeMap<NodeId, String>,
    /// On the leader: how many entries each follower lacks.
    pub lag: BTreeMap<NodeId, u64>,
}

/// Counters of the write path (see the metrics endpoint).
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Counters {
    /// Log entries appended on this node.
    pub log_appended: u64,
    /// Fsyncs of the log for those entries.
    pub log_flushes: u64,
    /// Groups of transactions committed on this node as leader (one SQLite commit each).
    pub groups_committed: u64,
    /// Transactions in those groups.
    pub group_transactions: u64,
    /// Groups rolled back and replayed (a lost entry, a leadership change).
    pub groups_settled: u64,
}

/// Answers the node's own messages ([`Cluster::forward`]) on the leader.
pub type AppHandler = Arc<dyn Fn(Vec<u8>) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<u8>> + Send>> + Send + Sync>;

pub struct Cluster {
    raft: Raft,
    app: std::sync::OnceLock<AppHandler>,
    /// Idle connections to other nodes, by address, for forwarded messages.
    peers: parking_lot::Mutex<Vec<Peer>>,
    node_id: NodeId,
    store: Arc<Store>,
    sm: StateMachine,
    log_counters: Arc<LogCounters>,
    events: broadcast::Sender<ApplyEvent>,
    applied: watch::Receiver<u64>,
    next_proposal: AtomicU64,
    /// The term in which this node, as leader, caught up with every earlier entry.
    ready_term: AtomicU64,
    cluster_id: Arc<parking_lot::RwLock<String>>,
    creds: Credentials,
    shutdown: watch::Sender<bool>,
    raft_addr: Option<String>,
    election_timeout_ms: u64,
}

fn start_err(e: impl std::fmt::Display) -> ClusterError {
    ClusterError::Start(e.to_string())
}

fn random_id() -> String {
    let mut b = [0u8; 16];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Cluster {
    /// Starts the node's Raft group over `store`, with its state under `<data_dir>/raft`.
    pub async fn start(data_dir: &Path, store: Arc<Store>, options: ClusterOptions) -> Result<Arc<Cluster>, ClusterError> {
        let raft_dir: PathBuf = data_dir.join("raft");
        std::fs::create_dir_all(&raft_dir).map_err(start_err)?;
        let (events, _) = broadcast::channel(256);
        let recorded_id = StateMachine::recorded_node_id(&raft_dir).map_err(start_err)?;
        let node_id = match (options.node_id, recorded_id) {
            (Some(given), Some(recorded)) if given != recorded => {
                return Err(ClusterError::Refused(format!("this data dir belongs to node {recorded}, not node {given}")));
            }
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => 1,
        };
        let sm = StateMachine::open(node_id, &raft_dir, store.clone(), events.clone()).map_err(start_err)?;
        sm.set_setting("node_id", &node_id.to_string()).map_err(start_err)?;
        let cluster_id = Arc::new(parking_lot::RwLock::new(sm.setting("cluster_id").map_err(start_err)?.unwrap_or_default()));
        let log = LogStore::open(&raft_dir.join("log.db")).map_err(start_err)?;
        let config = Config {
            cluster_name: "litegres".into(),
            heartbeat_interval: options.heartbeat.as_millis() as u64,
            election_timeout_min: options.election_timeout.0.as_millis() as u64,
            election_timeout_max: options.election_timeout.1.as_millis() as u64,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(options.snapshot_every),
            max_in_snapshot_log_to_keep: options.snapshot_every.min(1000),
            snapshot_max_chunk_size: 4 * 1024 * 1024,
            // openraft waits one heartbeat interval for an AppendEntries
            // reply: entries of at most command::PART_BYTES, this many per
            // request, keep each request small enough (about 1 MB).
            max_payload_entries: 16,
            install_snapshot_timeout: 10_000,
            ..Default::default()
        };
        let config = Arc::new(config.validate().map_err(start_err)?);
        let source = options.raft_listen.as_deref().and_then(|l| l.parse::<std::net::SocketAddr>().ok()).map(|a| a.ip()).filter(|ip| !ip.is_unspecified());
        let creds = Credentials::new(&options.secret, cluster_id.clone(), source, options.tls.clone());
        let applied = sm.applied_index();
        let log_counters = log.counters().clone();
        let raft = Raft::new(node_id, config, Network::new(creds.clone()), log, sm.clone()).await.map_err(start_err)?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let raft_addr = options.advertise.clone().or_else(|| options.raft_listen.clone());
        let cluster = Arc::new(Cluster {
            raft,
            app: std::sync::OnceLock::new(),
            peers: parking_lot::Mutex::new(Vec::new()),
            node_id,
            store,
            sm,
            log_counters,
            events,
            applied,
            next_proposal: AtomicU64::new(first_proposal()),
            ready_term: AtomicU64::new(0),
            cluster_id,
            creds,
            shutdown,
            raft_addr: raft_addr.clone(),
            election_timeout_ms: options.election_timeout.0.as_millis() as u64,
        });
        if let Some(listen) = &options.raft_listen {
            let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| ClusterError::Start(format!("cannot listen on {listen}: {e}")))?;
            tokio::spawn(RaftServer::run(listener, cluster.creds.clone(), cluster.clone().handler(), shutdown_rx.clone()));
        }
        let initialized = cluster.raft.is_initialized().await.map_err(start_err)?;
        if initialized && !options.join.is_empty() {
            cluster.check_same_cluster(&options.join).await?;
        }
        let single = options.raft_listen.is_none() && !options.bootstrap && options.join.is_empty();
        if !initialized && (options.bootstrap || single) {
            if !cluster.cluster_id.read().is_empty() {
                return Err(ClusterError::Refused("this data dir belongs to a cluster whose Raft state is gone; start it with --join to be filled from the others".into()));
            }
            let id = random_id();
            cluster.sm.set_setting("cluster_id", &id).map_err(start_err)?;
            *cluster.cluster_id.write() = id;
            let mut members = BTreeMap::new();
            members.insert(node_id, BasicNode { addr: raft_addr.clone().unwrap_or_default() });
            cluster.raft.initialize(members).await.map_err(start_err)?;
        } else if !initialized && !options.join.is_empty() && cluster.cluster_id.read().is_empty() {
            let addr = raft_addr.clone().ok_or_else(|| ClusterError::Refused("--join needs --raft-listen (and --advertise if peers reach this node at another address)".into()))?;
            tokio::spawn(cluster.clone().join_loop(options.join.clone(), addr));
        }
        tokio::spawn(cluster.clone().promote_learners(shutdown_rx));
        if single {
            // A node alone elects itself; it serves once it has.
            let _ = cluster.raft.wait(Some(Duration::from_secs(10))).state(ServerState::Leader, "single node leads").await;
        }
        Ok(cluster)
    }

    /// Refuses to start when the members named by --join belong to another
    /// cluster than this data dir (checked by the connection handshake).
    async fn check_same_cluster(&self, seeds: &[String]) -> Result<(), ClusterError> {
        for seed in seeds {
            let mut peer = Peer::new(seed, self.creds.clone());
            if let Err(e) = peer.call(&Request::ReadIndex, Duration::from_secs(3)).await {
                if e.to_string().contains("belongs to cluster") {
                    return Err(ClusterError::Refused(format!(
                        "this data dir belongs to cluster {}, but {seed} is a member of another cluster ({e}); use an empty data dir to join it",
                        self.cluster_id.read()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Asks the members in `seeds` (re-resolving names each time) to let this node join, until one does.
    async fn join_loop(self: Arc<Self>, seeds: Vec<String>, addr: String) {
        let mut targets = seeds.clone();
        let mut delay = Duration::from_millis(100);
        loop {
            for target in std::mem::take(&mut targets) {
                let mut peer = Peer::new(&target, self.creds.clone());
                match peer.call(&Request::Join { node_id: self.node_id, addr: addr.clone() }, Duration::from_secs(10)).await {
                    Ok(Reply::Joined(id)) => {
                        if let Err(e) = self.sm.set_setting("cluster_id", &id) {
                            tracing::error!(error = %e, "cannot record the cluster id");
                            continue;
                        }
                        *self.cluster_id.write() = id.clone();
                        tracing::info!(cluster = %id, via = %target, "joined the cluster as a learner");
                        return;
                    }
                    Ok(Reply::Redirect(Some(leader))) => targets.push(leader),
                    Ok(Reply::Refused(why)) => tracing::error!(via = %target, reason = %why, "join refused"),
                    Ok(other) => tracing::warn!(via = %target, reply = ?other, "unexpected reply to join"),
                    Err(e) => tracing::info!(via = %target, error = %e, "cannot reach a member yet"),
                }
            }
            if targets.is_empty() {
                targets = seeds.clone();
            }
            if *self.shutdown.borrow() {
                return;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }

    /// On the leader, promotes each learner that has caught up.
    async fn promote_learners(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
                _ = shutdown.changed() => return,
            }
            let m = self.raft.metrics().borrow().clone();
            if m.current_leader != Some(self.node_id) {
                continue;
            }
            let last = m.last_log_index.unwrap_or(0);
            let learners: Vec<NodeId> = m.membership_config.membership().learner_ids().collect();
            for id in learners {
                let matched = m.replication.as_ref().and_then(|r| r.get(&id).cloned()).flatten().map_or(0, |l| l.index);
                if matched + 1 >= last {
                    match self.raft.change_membership(ChangeMembers::AddVoterIds(BTreeSet::from([id])), false).await {
                        Ok(_) => tracing::info!(node = id, "learner caught up and became a voter"),
                        Err(e) => tracing::warn!(node = id, error = %e, "could not promote a learner"),
                    }
                }
            }
        }
    }

    fn handler(self: Arc<Self>) -> Handler {
        Arc::new(move |req: Request| {
            let me = self.clone();
            Box::pin(async move { me.handle(req).await })
        })
    }

    async fn handle(&self, req: Request) -> Reply {
        // A node that belongs to no cluster yet takes no part in one.
        let member = !self.cluster_id.read().is_empty();
        match req {
            Request::Append(r) if member => Reply::Append(self.raft.append_entries(r).await),
            Request::Vote(r) if member => Reply::Vote(self.raft.vote(r).await),
            Request::Snapshot(r) if member => Reply::Snapshot(self.raft.install_snapshot(r).await),
            Request::Append(_) | Request::Vote(_) | Request::Snapshot(_) => Reply::Refused("this node has not joined a cluster yet".into()),
            Request::Join { node_id, addr } => self.admit(node_id, addr).await,
            Request::App(bytes) if member => match self.app.get() {
                Some(app) => Reply::App(app(bytes).await),
                None => Reply::Refused("this node does not take forwarded sessions yet".into()),
            },
            Request::App(_) => Reply::Refused("this node has not joined a cluster yet".into()),
            Request::ReadIndex => match self.raft.ensure_linearizable().await {
                Ok(id) => Reply::ReadIndex(id.map_or(0, |l| l.index)),
                Err(e) => Reply::Refused(e.to_string()),
            },
        }
    }

    /// The leader's side of a join: the node becomes a learner (a voter that
    /// lost its state is demoted first); it is promoted once caught up.
    async fn admit(&self, node_id: NodeId, addr: String) -> Reply {
        let m = self.raft.metrics().borrow().clone();
        if m.current_leader != Some(self.node_id) {
            let leader = m.current_leader.and_then(|l| m.membership_config.membership().get_node(&l).map(|n| n.addr.clone()));
            return Reply::Redirect(leader);
        }
        let membership = m.membership_config.membership().clone();
        if membership.voter_ids().any(|v| v == node_id) {
            if let Err(e) = self.raft.change_membership(ChangeMembers::RemoveVoters(BTreeSet::from([node_id])), true).await {
                return Reply::Refused(format!("cannot demote node {node_id} to rejoin: {e}"));
            }
        }
        if let Err(e) = self.raft.add_learner(node_id, BasicNode { addr }, false).await {
            return Reply::Refused(format!("cannot add node {node_id}: {e}"));
        }
        Reply::Joined(self.cluster_id.read().clone())
    }

    /// Sets what answers forwarded messages on this node (once).
    pub fn set_app_handler(&self, handler: AppHandler) {
        let _ = self.app.set(handler);
    }

    /// Sends one of the node's own messages to the leader and returns its answer.
    pub async fn forward(&self, message: Vec<u8>, timeout: Duration) -> Result<Vec<u8>, CommitError> {
        match self.call_leader(Request::App(message), timeout).await? {
            Reply::App(bytes) => Ok(bytes),
            Reply::Refused(why) => Err(CommitError::Unavailable(why)),
            other => Err(CommitError::Unavailable(format!("unexpected reply {other:?}"))),
        }
    }

    /// One request to the leader over a pooled connection (kept for the next
    /// call when it went well).
    async fn call_leader(&self, request: Request, timeout: Duration) -> Result<Reply, CommitError> {
        let (_, addr) = self.leader().ok_or(CommitError::NotLeader { leader: None })?;
        if addr.is_empty() {
            return Err(CommitError::NotLeader { leader: None });
        }
        let pooled = {
            let mut peers = self.peers.lock();
            peers.iter().position(|p| p.addr() == addr).map(|i| peers.swap_remove(i))
        };
        let mut peer = pooled.unwrap_or_else(|| Peer::new(&addr, self.creds.clone()));
        match peer.call(&request, timeout).await {
            Ok(reply) => {
                let mut peers = self.peers.lock();
                if peers.len() < 64 {
                    peers.push(peer);
                }
                Ok(reply)
            }
            Err(e) => Err(CommitError::Unavailable(format!("cannot reach the leader at {addr}: {e}"))),
        }
    }

    pub fn node_id(&self) -> NodeId {
        self.node_id
    }

    pub fn raft_addr(&self) -> Option<&str> {
        self.raft_addr.as_deref()
    }

    /// Notifications of applied schema changes, created and dropped databases.
    pub fn subscribe(&self) -> broadcast::Receiver<ApplyEvent> {
        self.events.subscribe()
    }

    /// The index of the last entry applied on this node.
    pub fn applied_index(&self) -> u64 {
        *self.applied.borrow()
    }

    /// Waits until this node has applied entry `index`, at most `timeout`.
    pub async fn wait_applied(&self, index: u64, timeout: Duration) -> bool {
        let mut rx = self.applied.clone();
        tokio::time::timeout(timeout, rx.wait_for(|applied| *applied >= index)).await.is_ok_and(|r| r.is_ok())
    }

    /// The leader as (id, Raft address), if known.
    pub fn leader(&self) -> Option<(NodeId, String)> {
        let metrics = self.raft.metrics();
        let m = metrics.borrow();
        let id = m.current_leader?;
        let addr = m.membership_config.membership().get_node(&id).map(|n| n.addr.clone()).unwrap_or_default();
        Some((id, addr))
    }

    /// False once Raft stopped on a fatal error (the node must be restarted),
    /// and while a database cannot apply entries (a full disk, an I/O error).
    pub fn healthy(&self) -> bool {
        self.raft.metrics().borrow().running_state.is_ok() && !super::apply::apply_stalled()
    }

    pub fn is_leader(&self) -> bool {
        self.raft.metrics().borrow().current_leader == Some(self.node_id)
    }

    /// Makes sure this node may take a writer: it leads, and has applied
    /// every entry committed before its term.
    pub async fn ready_for_writes(&self) -> Result<(), CommitError> {
        if self.raft.metrics().borrow().current_leader.is_none() {
            // Between leaders (start-up, an election): wait for one to emerge.
            let _ = self.raft.wait(Some(Duration::from_secs(10))).metrics(|m| m.current_leader.is_some(), "a leader").await;
        }
        // Copied out of the metrics (this runs for every writing transaction).
        let (leads, term) = {
            let metrics = self.raft.metrics();
            let m = metrics.borrow();
            (m.current_leader == Some(self.node_id) && m.state == ServerState::Leader, m.current_term)
        };
        if !leads {
            return Err(CommitError::NotLeader { leader: self.leader() });
        }
        if let Some(ms) = self.lost_quorum_for() {
            return Err(CommitError::Unavailable(format!("the leader has not reached a majority for {ms} ms")));
        }
        if self.ready_term.load(Ordering::SeqCst) == term {
            return Ok(());
        }
        let read = self.raft.ensure_linearizable().await.map_err(|e| self.write_error(e))?;
        if let Some(id) = read {
            if !self.wait_applied(id.index, Duration::from_secs(30)).await {
                return Err(CommitError::Unavailable("this node is still applying earlier entries".into()));
            }
        }
        self.ready_term.store(term, Ordering::SeqCst);
        Ok(())
    }

    /// How long this leader has gone without hearing from a quorum, when
    /// longer than an election timeout: it is then cut off from the
    /// majority, which may already have elected another leader.
    fn lost_quorum_for(&self) -> Option<u64> {
        self.raft.metrics().borrow().millis_since_quorum_ack.filter(|ms| *ms > self.election_timeout_ms)
    }

    /// The index a linearizable read must wait for on this node.
    pub async fn read_index(&self) -> Result<u64, CommitError> {
        if self.is_leader() {
            let id = self.raft.ensure_linearizable().await.map_err(|e| self.write_error(e))?;
            return Ok(id.map_or(0, |l| l.index));
        }
        match self.call_leader(Request::ReadIndex, Duration::from_secs(5)).await? {
            Reply::ReadIndex(i) => Ok(i),
            other => Err(CommitError::Unavailable(format!("{other:?}"))),
        }
    }

    fn write_error<E: std::fmt::Display>(&self, e: RaftError<NodeId, E>) -> CommitError {
        match e {
            RaftError::APIError(e) => {
                let text = e.to_string();
                if text.contains("forward") || text.contains("leader") {
                    CommitError::NotLeader { leader: self.leader() }
                } else {
                    CommitError::Unavailable(text)
                }
            }
            RaftError::Fatal(f) => CommitError::Unavailable(f.to_string()),
        }
    }

    /// How long a proposal may wait: without a quorum it would wait forever
    /// (its outcome is then unknown).
    fn commit_wait(&self) -> Duration {
        Duration::from_millis((self.election_timeout_ms * 20).max(5_000))
    }

    async fn propose(&self, command: Command) -> Result<u64, CommitError> {
        let wait = self.commit_wait();
        let Ok(result) = tokio::time::timeout(wait, self.raft.client_write(command)).await else {
            return Err(CommitError::Unavailable(format!("no quorum committed the change within {} ms", wait.as_millis())));
        };
        match result {
            Ok(resp) => match resp.data.error {
                None => Ok(resp.log_id.index),
                Some(e) => Err(CommitError::Rejected(e)),
            },
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(_))) => Err(CommitError::NotLeader { leader: self.leader() }),
            Err(RaftError::APIError(e)) => Err(CommitError::Unavailable(e.to_string())),
            Err(RaftError::Fatal(f)) => Err(CommitError::Unavailable(f.to_string())),
        }
    }

    /// Commits the transaction open on `lease`. Its effects stay on the
    /// writer, in the database's group ([`crate::group`]), and become a log
    /// entry proposed in the order the transactions ran; the writer is free
    /// for the next transaction at once. Returns the entry's index once a
    /// quorum committed it and the database's file holds it. A transaction
    /// that changed nothing proposes nothing, but ends only after the
    /// transactions it ran on (what it read must not vanish).
    pub async fn commit(&self, mut lease: WriteLease) -> Result<u64, CommitError> {
        let steps = lease.take_effects();
        let group = lease.group().clone();
        let database = lease.database().to_string();
        let wait = self.commit_wait();
        let local = |e: rusqlite::Error| CommitError::Local(e.to_string());
        if steps.is_empty() {
            let after = tokio::task::block_in_place(|| lease.end_unchanged()).map_err(local)?;
            drop(lease);
            if let Some((seq, generation)) = after {
                match tokio::time::timeout(wait, group.wait_seq(seq, generation)).await {
                    Ok(true) => {}
                    Ok(false) => return Err(CommitError::Conflict("could not serialize access: the transaction read changes that were not committed".into())),
                    Err(_) => return Err(CommitError::Unavailable(format!("the changes this transaction read were not committed within {} ms", wait.as_millis()))),
                }
            }
            return Ok(self.applied_index());
        }
        if self.lost_quorum_for().is_some() {
            // Cut off from the majority: not proposed, so certainly not committed.
            return Err(CommitError::NotLeader { leader: None });
        }
        let proposal = self.next_proposal.fetch_add(1, Ordering::SeqCst);
        let schema = steps.iter().any(Step::changes_schema);
        let origin = Origin { node: self.node_id, proposal };
        let base = match tokio::task::block_in_place(|| lease.join(origin, schema)) {
            Ok(base) => base,
            Err(e) => {
                drop(lease);
                self.break_group(&database, &group);
                return Err(CommitError::Conflict(format!("could not serialize access: {e}")));
            }
        };
        // Proposed while the writer is held, so entries are in the order the
        // transactions ran; a large transaction's parts come just before it.
        let mut parts = crate::command::split_steps(steps);
        let last = parts.pop().unwrap_or_default();
        let count = parts.len() as u32;
        let mut sent = Ok(());
        for part in parts {
            if let Err(e) = self.raft.client_write_ff(Command::TransactionPart { database: database.clone(), steps: part, origin }).await {
                sent = Err(e);
                break;
            }
        }
        let sent = match sent {
            Ok(()) => self.raft.client_write_ff(Command::Transaction { database: database.clone(), steps: last, origin, base, parts: count }).await,
            Err(e) => Err(e),
        };
        drop(lease);
        let rx = match sent {
            Ok(rx) => rx,
            Err(e) => {
                self.break_group(&database, &group);
                return Err(CommitError::Unavailable(e.to_string()));
            }
        };
        let outcome = match tokio::time::timeout(wait, rx).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => {
                self.break_group(&database, &group);
                return Err(CommitError::Unavailable("Raft stopped before the change was committed".into()));
            }
            Err(_) => {
                self.break_group(&database, &group);
                return Err(CommitError::Unavailable(format!("no quorum committed the change within {} ms", wait.as_millis())));
            }
        };
        match outcome {
            Ok(resp) => {
                if let Some(e) = resp.data.error {
                    return Err(if resp.data.conflict { CommitError::Conflict(e) } else { CommitError::Rejected(e) });
                }
                if tokio::time::timeout(wait, group.wait_durable(resp.log_id.index)).await.is_err() {
                    return Err(CommitError::Unavailable(format!("the committed change was not applied within {} ms", wait.as_millis())));
                }
                Ok(resp.log_id.index)
            }
            Err(e) => {
                // Not appended: the transactions grouped after it ran on changes that will not commit.
                self.break_group(&database, &group);
                Err(match e {
                    ClientWriteError::ForwardToLeader(_) => CommitError::NotLeader { leader: self.leader() },
                    other => CommitError::Unavailable(other.to_string()),
                })
            }
        }
    }

    /// A transaction of the group will not be committed as it ran: the group is settled.
    pub fn break_group(&self, database: &str, group: &Group) {
        if group.break_up() {
            if let Ok(db) = self.store.get(database) {
                self.sm.spawn_finisher(db);
            }
        }
    }

    pub async fn create_database(&self, name: &str) -> Result<u64, CommitError> {
        self.ready_for_writes().await?;
        self.propose(Command::CreateDatabase { name: name.to_string() }).await
    }

    pub async fn drop_database(&self, name: &str) -> Result<u64, CommitError> {
        self.ready_for_writes().await?;
        self.propose(Command::DropDatabase { name: name.to_string() }).await
    }

    /// Removes a node from the cluster (voter or learner).
    pub async fn remove_node(&self, id: NodeId) -> Result<(), CommitError> {
        let m = self.raft.metrics().borrow().clone();
        let membership = m.membership_config.membership().clone();
        if membership.voter_ids().any(|v| v == id) {
            self.raft.change_membership(ChangeMembers::RemoveVoters(BTreeSet::from([id])), false).await.map_err(|e| self.write_error(e))?;
        } else if membership.learner_ids().any(|v| v == id) {
            self.raft.change_membership(ChangeMembers::RemoveNodes(BTreeSet::from([id])), false).await.map_err(|e| self.write_error(e))?;
        } else {
            return Err(CommitError::Rejected(format!("node {id} is not a member")));
        }
        Ok(())
    }

    /// How many committed entries this node has yet to apply (0 on the leader).
    pub fn replica_lag(&self) -> u64 {
        let m = self.raft.metrics().borrow().clone();
        let known = m.last_log_index.unwrap_or(0).max(m.last_applied.map_or(0, |l| l.index));
        known.saturating_sub(self.applied_index())
    }

    pub fn status(&self) -> ClusterStatus {
        let m = self.raft.metrics().borrow().clone();
        let membership = m.membership_config.membership();
        let last = m.last_log_index.unwrap_or(0);
        ClusterStatus {
            node_id: self.node_id,
            cluster_id: self.cluster_id.read().clone(),
            state: format!("{:?}", m.state).to_lowercase(),
            leader: m.current_leader,
            term: m.current_term,
            last_log_index: last,
            applied_index: self.applied_index(),
            voters: membership.voter_ids().collect(),
            learners: membership.learner_ids().collect(),
            nodes: membership.nodes().map(|(id, n)| (*id, n.addr.clone())).collect(),
            lag: m.replication.as_ref().map(|r| r.iter().map(|(id, l)| (*id, last.saturating_sub(l.map_or(0, |l| l.index)))).collect()).unwrap_or_default(),
        }
    }

    /// Counters of the write path since the node started.
    pub fn counters(&self) -> Counters {
        let g = self.sm.counters();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Counters {
            log_appended: load(&self.log_counters.appended),
            log_flushes: load(&self.log_counters.flushes),
            groups_committed: load(&g.committed),
            group_transactions: load(&g.transactions),
            groups_settled: load(&g.settled),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub async fn shutdown(&self) {
        let _ = self.shutdown.send(true);
        let _ = self.raft.shutdown().await;
    }
}

/// Where this run of the node starts numbering its proposals: a random
/// point, so that an origin names one transaction even across restarts
/// (a count from 1 would name a transaction of an earlier run again).
fn first_proposal() -> u64 {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    match ring::rand::SystemRandom::new().fill(&mut bytes) {
        // The top bit clear leaves room to count up without wrapping.
        Ok(()) => u64::from_le_bytes(bytes) >> 1,
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64),
    }
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cluster(node {})", self.node_id)
    }
}

