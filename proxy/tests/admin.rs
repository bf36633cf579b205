//! The admin endpoint and what a client learns about the server at startup.

mod common;

use common::Server;
use std::io::{Read, Write};

#[tokio::test(flavor = "multi_thread")]
async fn healthz_and_server_identity() {
    let s = Server::start();
    let mut http = std::net::TcpStream::connect(("127.0.0.1", s.http_port)).unwrap();
    http.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    http.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"status\":\"ok\""), "{resp}");
    let c = s.client().await;
    let v: String = c.query_one("SELECT version()", &[]).await.unwrap().get(0);
    assert!(v.starts_with("PostgreSQL 16.4") && v.contains("litegres"), "{v}");
    let (ok, out, err) = s.psql(&["-A", "-t"], "SHOW server_version; SHOW integer_datetimes; SHOW client_encoding; SHOW DateStyle;");
    assert!(ok, "{err}");
    assert_eq!(out, "16.4\non\nUTF8\nISO, MDY\n");
}
