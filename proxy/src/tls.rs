//! TLS for client connections and between nodes (rustls, ring provider).

use anyhow::Context as _;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

type Certs = Vec<rustls::pki_types::CertificateDer<'static>>;

fn read_certs(path: &Path) -> anyhow::Result<Certs> {
    rustls_pemfile::certs(&mut std::io::BufReader::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading certificates from {}", path.display()))
}

fn read_key(path: &Path) -> anyhow::Result<rustls::pki_types::PrivateKeyDer<'static>> {
    rustls_pemfile::private_key(&mut std::io::BufReader::new(std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?))
        .with_context(|| format!("reading key from {}", path.display()))?
        .with_context(|| format!("no private key in {}", path.display()))
}

/// Mutual TLS between nodes: this node's certificate and key, and the CA
/// that signed every node's certificate.
pub fn raft(cert: &Path, key: &Path, ca: &Path) -> anyhow::Result<consensus::raft::RaftTls> {
    let (certs, key) = (read_certs(cert)?, read_key(key)?);
    let mut roots = rustls::RootCertStore::empty();
    for c in read_certs(ca)? {
        roots.add(c).with_context(|| format!("a certificate of {} is not a CA certificate", ca.display()))?;
    }
    let roots = Arc::new(roots);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone()).build().context("building the peer certificate verifier")?;
    let server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs.clone(), key.clone_key())
        .context("certificate and key do not match")?;
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .context("certificate and key do not match")?;
    Ok(consensus::raft::RaftTls { acceptor: TlsAcceptor::from(Arc::new(server)), connector: tokio_rustls::TlsConnector::from(Arc::new(client)) })
}

pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let (certs, key) = (read_certs(cert)?, read_key(key)?);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("certificate and key do not match")?;
    // PostgreSQL 17 clients may negotiate TLS directly with this ALPN name.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
