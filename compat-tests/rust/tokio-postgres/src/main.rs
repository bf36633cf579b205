//! tokio-postgres as an application uses it: password auth with and without
//! TLS, typed binds in the binary format, prepared statements, transactions
//! with rollback and savepoints, a unique violation by SQLSTATE, a join with
//! aggregates, pagination, an upsert, RETURNING, and several connections
//! working at once.

use compat_rust::{out, tls_url, url, SCHEMA};
use rust_decimal::Decimal;
use serde_json::json;
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::NoTls;

/// TLS that accepts the server's self-signed certificate (sslmode=require).
#[derive(Debug)]
struct AnyCert(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCert {
    fn verify_server_cert(&self, _: &rustls::pki_types::CertificateDer<'_>, _: &[rustls::pki_types::CertificateDer<'_>], _: &rustls::pki_types::ServerName<'_>, _: &[u8], _: rustls::pki_types::UnixTime) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(&self, m: &[u8], c: &rustls::pki_types::CertificateDer<'_>, d: &rustls::DigitallySignedStruct) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(&self, m: &[u8], c: &rustls::pki_types::CertificateDer<'_>, d: &rustls::DigitallySignedStruct) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn connect() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&url(), NoTls).await.expect("connect");
    tokio::spawn(conn);
    client
}

fn code(e: &tokio_postgres::Error) -> String {
    e.code().map(|c| c.code().to_string()).unwrap_or_else(|| e.to_string())
}

#[tokio::main]
async fn main() {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCert(provider)))
        .with_no_client_auth();
    let (tls_client, conn) = tokio_postgres::connect(&tls_url(), tokio_postgres_rustls::MakeRustlsConnect::new(config)).await.expect("connect with TLS");
    tokio::spawn(conn);
    let row = tls_client.query_one("SELECT current_user::text, 1 + 1", &[]).await.expect("query over TLS");
    out("connect_tls", json!([row.get::<_, String>(0), row.get::<_, i32>(1)]));

    let c = connect().await;
    for s in SCHEMA {
        c.batch_execute(s).await.expect("schema");
    }
    let insert = c.prepare("INSERT INTO r_product (sku, price, weight, ref, attrs, blob) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, added").await.expect("prepare insert");
    out("insert_params", json!(insert.params().iter().map(|t| t.name().to_string()).collect::<Vec<_>>()));
    let mut ids = Vec::new();
    for (i, sku) in ["bolt", "nut", "washer", "gear"].iter().enumerate() {
        let price = Decimal::from_str(&format!("{}.{}5", i + 1, i)).expect("decimal");
        let weight: Option<f64> = if i == 2 { None } else { Some(i as f64 / 4.0) };
        let r = uuid::Uuid::from_u128(0x1234 + i as u128);
        let attrs = json!({"i": i, "tags": [sku]});
        let row = c.query_one(&insert, &[sku, &price, &weight, &r, &attrs, &vec![i as u8, 255]]).await.expect("insert");
        let added: chrono::DateTime<chrono::Utc> = row.get(1);
        ids.push(row.get::<_, i64>(0));
        if i == 0 {
            out("default_timestamptz", json!(added.to_rfc3339()));
        }
    }
    out("returning_ids", json!(ids));
    let rows = c.query("SELECT id, sku, price, weight, active, ref, attrs, blob FROM r_product ORDER BY id", &[]).await.expect("select");
    out(
        "typed_rows",
        json!(rows
            .iter()
            .map(|r| json!([r.get::<_, i64>(0), r.get::<_, String>(1), r.get::<_, Decimal>(2).to_string(), r.get::<_, Option<f64>>(3), r.get::<_, bool>(4), r.get::<_, uuid::Uuid>(5).to_string(), r.get::<_, serde_json::Value>(6), r.get::<_, Vec<u8>>(7)]))
            .collect::<Vec<_>>()),
    );
    let cheap = c.query("SELECT sku FROM r_product WHERE price < $1 AND active = $2 ORDER BY sku", &[&Decimal::from(3), &true]).await.expect("where");
    out("where_binds", json!(cheap.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>()));

    // A transaction rolled back, and one with a savepoint.
    let mut c = c;
    {
        let tx = c.transaction().await.expect("begin");
        tx.execute("DELETE FROM r_product", &[]).await.expect("delete");
        out("inside_rollback", json!(tx.query_one("SELECT count(*) FROM r_product", &[]).await.expect("count").get::<_, i64>(0)));
        tx.rollback().await.expect("rollback");
    }
    out("after_rollback", json!(c.query_one("SELECT count(*) FROM r_product", &[]).await.expect("count").get::<_, i64>(0)));
    {
        let mut tx = c.transaction().await.expect("begin");
        let order: i32 = tx.query_one("INSERT INTO r_order (customer, placed) VALUES ($1, $2) RETURNING id", &[&"ann", &chrono::NaiveDate::from_ymd_opt(2024, 2, 29).expect("date")]).await.expect("order").get(0);
        tx.execute("INSERT INTO r_line VALUES ($1, $2, 3), ($1, $3, 1)", &[&order, &ids[0], &ids[1]]).await.expect("lines");
        {
            let sp = tx.savepoint("bad_line").await.expect("savepoint");
            let e = sp.execute("INSERT INTO r_line VALUES ($1, $2, 0)", &[&order, &ids[2]]).await.expect_err("check violation");
            out("check_violation", json!(code(&e)));
            sp.rollback().await.expect("rollback to savepoint");
        }
        tx.commit().await.expect("commit");
    }
    let e = c.execute("INSERT INTO r_product (sku, price) VALUES ('bolt', 1)", &[]).await.expect_err("unique violation");
    out("unique_violation", json!([code(&e), e.as_db_error().and_then(|d| d.constraint()).map(str::to_string)]));
    let agg = c.query("SELECT o.customer, count(*), sum(l.qty), sum(l.qty * p.price) FROM r_order o JOIN r_line l ON l.order_id = o.id JOIN r_product p ON p.id = l.product_id GROUP BY o.customer ORDER BY 1", &[]).await.expect("join");
    out("join_aggregate", json!(agg.iter().map(|r| json!([r.get::<_, String>(0), r.get::<_, i64>(1), r.get::<_, i64>(2), r.get::<_, Decimal>(3).to_string()])).collect::<Vec<_>>()));
    let page = c.query("SELECT sku FROM r_product ORDER BY sku LIMIT $1 OFFSET $2", &[&2i64, &1i64]).await.expect("page");
    out("pagination", json!(page.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>()));
    let up = c.query_one("INSERT INTO r_product (sku, price) VALUES ('nut', 9.99) ON CONFLICT (sku) DO UPDATE SET price = excluded.price RETURNING sku, price", &[]).await.expect("upsert");
    out("upsert", json!([up.get::<_, String>(0), up.get::<_, Decimal>(1).to_string()]));
    let n = c.execute("UPDATE r_product SET active = false WHERE weight IS NULL", &[]).await.expect("update");
    out("update_count", json!(n));

    // Several connections at once.
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            tokio::spawn(async move {
                let c = connect().await;
                c.query_one("SELECT count(*) FROM r_product WHERE id > $1", &[&(i as i64)]).await.expect("concurrent").get::<_, i64>(0)
            })
        })
        .collect();
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.expect("task"));
    }
    out("concurrent", json!(counts));
}
