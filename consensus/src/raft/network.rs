//! Raft traffic between nodes, on its own listener (`--raft-listen`).
//!
//! A connection starts with mutual authentication by the cluster secret:
//! each side sends a random challenge and proves it knows the secret with an
//! HMAC-SHA256 of the other's challenge, its role and its cluster id (so a
//! node of another cluster sharing the secret is refused too). Then frames
//! flow: a 4-byte big-endian length and a bincode message; one request, one
//! reply, in turn. With [`RaftTls`], all of it runs inside mutually
//! authenticated TLS.

use super::{NodeId, TypeConfig};
use openraft::error::{InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse, VoteRequest, VoteResponse};
use openraft::BasicNode;
use ring::hmac;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A connection between nodes: TCP, or TLS over it.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Stream for T {}
type BoxStream = Box<dyn Stream>;

/// TLS between nodes: each presents a certificate signed by the cluster's
/// CA and checks the other's.
#[derive(Clone)]
pub struct RaftTls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    pub connector: tokio_rustls::TlsConnector,
}

impl std::fmt::Debug for RaftTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RaftTls")
    }
}

/// The name a peer's certificate must carry: its host (an IP address or a DNS name).
fn server_name(addr: &str) -> std::io::Result<tokio_rustls::rustls::pki_types::ServerName<'static>> {
    let host = addr.rsplit_once(':').map_or(addr, |(h, _)| h).trim_start_matches('[').trim_end_matches(']');
    tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|e| std::io::Error::other(format!("{host} is not a valid TLS name: {e}")))
}

/// Frames larger than this are refused (snapshot chunks are far smaller).
const MAX_FRAME: usize = 256 * 1024 * 1024;

/// A message to a node.
#[derive(Debug, Serialize, Deserialize)]
pub enum Request {
    Append(AppendEntriesRequest<TypeConfig>),
    Vote(VoteRequest<NodeId>),
    Snapshot(InstallSnapshotRequest<TypeConfig>),
    /// A node asks to join: its id and the address peers reach it at.
    Join { node_id: NodeId, addr: String },
    /// The read index a follower waits for before a linearizable read.
    ReadIndex,
    /// A message of the node's own protocol (sessions forwarded to the leader).
    App(Vec<u8>),
}

/// A node's answer.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Append(Result<AppendEntriesResponse<NodeId>, RaftError<NodeId>>),
    Vote(Result<VoteResponse<NodeId>, RaftError<NodeId>>),
    Snapshot(Result<InstallSnapshotResponse<NodeId>, RaftError<NodeId, InstallSnapshotError>>),
    /// Joined (the cluster id), or try the leader at this address, or refused.
    Joined(String),
    Redirect(Option<String>),
    ReadIndex(u64),
    App(Vec<u8>),
    Refused(String),
}

pub type Handler = Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// The shared secret and the cluster id both sides must agree on.
#[derive(Clone)]
pub struct Credentials {
    key: hmac::Key,
    /// Empty until the node belongs to a cluster.
    pub cluster_id: Arc<parking_lot::RwLock<String>>,
    /// The local address connections to peers leave from: the Raft listener's
    /// own IP when it listens on one, so peers (and firewalls) see one address per node.
    pub source: Option<std::net::IpAddr>,
    pub tls: Option<RaftTls>,
}

impl Credentials {
    pub fn new(secret: &str, cluster_id: Arc<parking_lot::RwLock<String>>, source: Option<std::net::IpAddr>, tls: Option<RaftTls>) -> Credentials {
        Credentials { key: hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), cluster_id, source, tls }
    }

    fn proof(&self, role: &[u8], challenge: &[u8], cluster: &str) -> Vec<u8> {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(role);
        ctx.update(challenge);
        ctx.update(cluster.as_bytes());
        ctx.sign().as_ref().to_vec()
    }
}

async fn write_frame(s: &mut BoxStream, bytes: &[u8]) -> std::io::Result<()> {
    s.write_all(&(bytes.len() as u32).to_be_bytes()).await?;
    s.write_all(bytes).await?;
    s.flush().await
}

async fn read_frame(s: &mut BoxStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other(format!("frame of {len} bytes is too large")));
    }
    let mut buf = vec![0u8; len];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

fn challenge() -> std::io::Result<[u8; 32]> {
    let mut c = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut c).map_err(|_| std::io::Error::other("no randomness"))?;
    Ok(c)
}

/// Both sides' halves of the handshake. The cluster ids are compared only
/// when both sides have one (a joining node has none yet).
async fn handshake(s: &mut BoxStream, creds: &Credentials, server: bool) -> std::io::Result<()> {
    let mine = challenge()?;
    let cluster = creds.cluster_id.read().clone();
    write_frame(s, &bincode::serialize(&(mine.to_vec(), cluster.clone())).map_err(std::io::Error::other)?).await?;
    let (theirs, their_cluster): (Vec<u8>, String) = bincode::deserialize(&read_frame(s).await?).map_err(std::io::Error::other)?;
    if !cluster.is_empty() && !their_cluster.is_empty() && cluster != their_cluster {
        return Err(std::io::Error::other(format!("peer belongs to cluster {their_cluster}, this node to {cluster}")));
    }
    let (me, them): (&[u8], &[u8]) = if server { (b"server", b"client") } else { (b"client", b"server") };
    write_frame(s, &creds.proof(me, &theirs, &their_cluster)).await?;
    let proof = read_frame(s).await?;
    hmac::verify(&creds.key, &[them, &mine[..], cluster.as_bytes()].concat(), &proof).map_err(|_| std::io::Error::other("the peer does not know the cluster secret"))
}

/// Accepts Raft connections and hands their requests to `handler`.
pub struct RaftServer;

impl RaftServer {
    pub async fn run(listener: TcpListener, creds: Credentials, handler: Handler, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            let (tcp, peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "raft accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = shutdown.changed() => return,
            };
            let creds = creds.clone();
            let handler = handler.clone();
            tokio::spawn(async move {
                let _ = tcp.set_nodelay(true);
                let mut stream: BoxStream = match &creds.tls {
                    None => Box::new(tcp),
                    Some(tls) => match tokio::time::timeout(Duration::from_secs(5), tls.acceptor.accept(tcp)).await {
                        Ok(Ok(s)) => Box::new(s),
                        Ok(Err(e)) => {
                            tracing::warn!(%peer, error = %e, "raft TLS handshake failed");
                            return;
                        }
                        Err(_) => return,
                    },
                };
                if let Err(e) = tokio::time::timeout(Duration::from_secs(5), handshake(&mut stream, &creds, true)).await.unwrap_or_else(|_| Err(std::io::Error::other("handshake timed out"))) {
                    tracing::warn!(%peer, error = %e, "raft connection refused");
                    return;
                }
                loop {
                    let Ok(frame) = read_frame(&mut stream).await else { return };
                    let reply = match bincode::deserialize::<Request>(&frame) {
                        Ok(req) => handler(req).await,
                        Err(e) => Reply::Refused(format!("malformed request: {e}")),
                    };
                    let Ok(bytes) = bincode::serialize(&reply) else { return };
                    if write_frame(&mut stream, &bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    }
}

async fn connect(addr: &str, source: Option<std::net::IpAddr>) -> std::io::Result<TcpStream> {
    let Some(source) = source else { return TcpStream::connect(addr).await };
    let mut last = std::io::Error::other(format!("{addr} resolves to no address"));
    for target in tokio::net::lookup_host(addr).await? {
        let socket = if target.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        if source.is_ipv4() == target.is_ipv4() {
            socket.bind(std::net::SocketAddr::new(source, 0))?;
        }
        match socket.connect(target).await {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// A connection to one peer, opened on first use and again after a failure.
pub struct Peer {
    addr: String,
    creds: Credentials,
    stream: Option<BoxStream>,
}

impl Peer {
    pub fn new(addr: &str, creds: Credentials) -> Peer {
        Peer { addr: addr.to_string(), creds, stream: None }
    }

    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends one request and waits for its reply, within `timeout`.
    pub async fn call(&mut self, req: &Request, timeout: Duration) -> std::io::Result<Reply> {
        let bytes = bincode::serialize(req).map_err(std::io::Error::other)?;
        let attempt = async {
            if self.stream.is_none() {
                let tcp = connect(&self.addr, self.creds.source).await?;
                tcp.set_nodelay(true)?;
                let mut s: BoxStream = match &self.creds.tls {
                    None => Box::new(tcp),
                    Some(tls) => Box::new(tls.connector.connect(server_name(&self.addr)?, tcp).await?),
                };
                handshake(&mut s, &self.creds, false).await?;
                self.stream = Some(s);
            }
            let s = self.stream.as_mut().ok_or_else(|| std::io::Error::other("not connected"))?;
            write_frame(s, &bytes).await?;
            let reply = read_frame(s).await?;
            bincode::deserialize::<Reply>(&reply).map_err(std::io::Error::other)
        };
        let r = tokio::time::timeout(timeout, attempt).await.unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no reply from {} in time", self.addr))));
        if r.is_err() {
            self.stream = None;
        }
        r
    }
}

/// Makes openraft's connections to peers.
#[derive(Clone)]
pub struct Network {
    creds: Credentials,
}

impl Network {
    pub fn new(creds: Credentials) -> Network {
        Network { creds }
    }
}

pub struct PeerClient {
    target: NodeId,
    peer: Peer,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = PeerClient;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> PeerClient {
        PeerClient { target, peer: Peer::new(&node.addr, self.creds.clone()) }
    }
}

type RpcResult<T, E> = Result<T, RPCError<NodeId, BasicNode, E>>;

impl PeerClient {
    async fn send<E: std::error::Error>(&mut self, req: Request, option: &RPCOption) -> RpcResult<Reply, E> {
        self.peer.call(&req, option.hard_ttl()).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                RPCError::Network(NetworkError::new(&e))
            } else {
                RPCError::Unreachable(Unreachable::new(&e))
            }
        })
    }

    fn unexpected<E: std::error::Error>(reply: Reply) -> RPCError<NodeId, BasicNode, E> {
        RPCError::Network(NetworkError::new(&std::io::Error::other(format!("unexpected reply {reply:?}"))))
    }
}

impl RaftNetwork<TypeConfig> for PeerClient {
    async fn append_entries(&mut self, rpc: AppendEntriesRequest<TypeConfig>, option: RPCOption) -> RpcResult<AppendEntriesResponse<NodeId>, RaftError<NodeId>> {
        match self.send(Request::Append(rpc), &option).await? {
            Reply::Append(Ok(r)) => Ok(r),
            Reply::Append(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            other => Err(Self::unexpected(other)),
        }
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> RpcResult<InstallSnapshotResponse<NodeId>, RaftError<NodeId, InstallSnapshotError>> {
        match self.send(Request::Snapshot(rpc), &option).await? {
            Reply::Snapshot(Ok(r)) => Ok(r),
            Reply::Snapshot(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            other => Err(Self::unexpected(other)),
        }
    }

    async fn vote(&mut self, rpc: VoteRequest<NodeId>, option: RPCOption) -> RpcResult<VoteResponse<NodeId>, RaftError<NodeId>> {
        match self.send(Request::Vote(rpc), &option).await? {
            Reply::Vote(Ok(r)) => Ok(r),
            Reply::Vote(Err(e)) => Err(RPCError::RemoteError(RemoteError::new(self.target, e))),
            other => Err(Self::unexpected(other)),
        }
    }
}
