//! TLS for client connections (rustls, ring provider).

use anyhow::Context as _;
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(std::fs::File::open(cert).with_context(|| format!("opening {}", cert.display()))?))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading certificates from {}", cert.display()))?;
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(std::fs::File::open(key).with_context(|| format!("opening {}", key.display()))?))
        .with_context(|| format!("reading key from {}", key.display()))?
        .with_context(|| format!("no private key in {}", key.display()))?;
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
