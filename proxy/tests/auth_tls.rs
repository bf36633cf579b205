//! SCRAM-SHA-256 over TLS from psql, and wrong passwords refused with 28P01.

mod common;

use common::Server;
use std::process::Command;

fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let c = dir.join("server.crt");
    let k = dir.join("server.key");
    std::fs::write(&c, cert.cert.pem()).unwrap();
    std::fs::write(&k, cert.key_pair.serialize_pem()).unwrap();
    (c, k)
}

fn psql(port: u16, password: &str, sslmode: &str, sql: &str) -> (bool, String) {
    let out = Command::new("psql")
        .args(["-X", "-A", "-t", "-c", sql])
        .arg(format!("host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode={sslmode}"))
        .env("PGPASSWORD", password)
        .output()
        .expect("psql is installed by the test command");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn scram_login_over_tls_and_wrong_password() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(certs.path());
    let s = Server::start_with(&[
        "--auth",
        "password",
        "--password",
        "s3cret pw",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let (ok, out) = psql(s.port, "s3cret pw", "require", "SELECT 'in'");
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "in");
    let (ok, out) = psql(s.port, "wrong", "require", "SELECT 1");
    assert!(!ok);
    assert!(out.contains("password authentication failed for user \"postgres\""), "{out}");
    // Without TLS as well (sslmode=disable), SCRAM still guards the door.
    let (ok, out) = psql(s.port, "s3cret pw", "disable", "SELECT 2");
    assert!(ok, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_is_28p01() {
    let s = Server::start_with(&["--auth", "password", "--password", "pw"]);
    let bad = tokio_postgres::connect(&format!("host=127.0.0.1 port={} user=postgres password=nope dbname=postgres", s.port), tokio_postgres::NoTls).await;
    let e = bad.err().expect("refused");
    assert_eq!(common::code(&e), "28P01");
    let unknown = tokio_postgres::connect(&format!("host=127.0.0.1 port={} user=mallory password=pw dbname=postgres", s.port), tokio_postgres::NoTls).await;
    assert_eq!(common::code(&unknown.err().expect("refused")), "28P01");
    let c = s.client_as("postgres", Some("pw")).await;
    assert_eq!(c.query_one("SELECT 1", &[]).await.unwrap().get::<_, i32>(0), 1);
    let nodb = tokio_postgres::connect(&format!("host=127.0.0.1 port={} user=postgres password=pw dbname=nope", s.port), tokio_postgres::NoTls).await;
    assert_eq!(common::code(&nodb.err().expect("refused")), "3D000");
}

#[test]
fn cleartext_and_md5_methods_check_the_same_verifier() {
    for method in ["cleartext", "md5"] {
        let s = Server::start_with(&["--auth", method, "--user", "app:app pw"]);
        let out = Command::new("psql")
            .args(["-X", "-A", "-t", "-c", "SELECT current_user"])
            .arg(format!("host=127.0.0.1 port={} user=app dbname=postgres sslmode=disable", s.port))
            .env("PGPASSWORD", "app pw")
            .output()
            .unwrap();
        assert!(out.status.success(), "{method}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "app");
        let out = Command::new("psql")
            .args(["-X", "-c", "SELECT 1"])
            .arg(format!("host=127.0.0.1 port={} user=app dbname=postgres sslmode=disable", s.port))
            .env("PGPASSWORD", "nope")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("password authentication failed for user \"app\""), "{method}");
    }
}
