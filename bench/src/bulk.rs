//! Bulk loading: COPY FROM STDIN of many rows, and multi-row INSERTs in
//! batches, each in its own autocommit statement.

use crate::mix::connect;
use crate::servers::Target;
use anyhow::Result;
use bytes::Bytes;
use futures::SinkExt;
use std::time::Instant;

const TABLE: &str = "(id bigint PRIMARY KEY, name text NOT NULL, amount_cents bigint NOT NULL, created_at timestamptz NOT NULL)";

fn row(i: u64) -> (String, i64, &'static str) {
    (format!("item {i}"), (i % 100_003) as i64, "2026-01-02 03:04:05+00")
}

/// COPYs `rows` rows into a fresh table; returns the seconds it took.
pub async fn copy(target: &Target, rows: u64) -> Result<f64> {
    let c = connect(target).await?;
    c.batch_execute(&format!("DROP TABLE IF EXISTS bulk_copy; CREATE TABLE bulk_copy {TABLE}")).await?;
    let start = Instant::now();
    let sink = c.copy_in("COPY bulk_copy (id, name, amount_cents, created_at) FROM STDIN").await?;
    futures::pin_mut!(sink);
    let mut buf = String::with_capacity(128 * 1024);
    for i in 1..=rows {
        let (name, cents, at) = row(i);
        buf.push_str(&format!("{i}\t{name}\t{cents}\t{at}\n"));
        if buf.len() >= 64 * 1024 {
            sink.send(Bytes::from(std::mem::take(&mut buf))).await?;
        }
    }
    if !buf.is_empty() {
        sink.send(Bytes::from(buf)).await?;
    }
    let copied = sink.finish().await?;
    anyhow::ensure!(copied == rows, "COPY on {} reported {copied} rows, not {rows}", target.name);
    Ok(start.elapsed().as_secs_f64())
}

/// INSERTs `rows` rows in statements of `batch` rows each; returns the seconds it took.
pub async fn insert_batches(target: &Target, rows: u64, batch: u64) -> Result<f64> {
    let c = connect(target).await?;
    c.batch_execute(&format!("DROP TABLE IF EXISTS bulk_insert; CREATE TABLE bulk_insert {TABLE}")).await?;
    let start = Instant::now();
    let mut next = 1;
    while next <= rows {
        let last = (next + batch - 1).min(rows);
        let values: Vec<String> = (next..=last)
            .map(|i| {
                let (name, cents, at) = row(i);
                format!("({i}, '{name}', {cents}, '{at}')")
            })
            .collect();
        c.batch_execute(&format!("INSERT INTO bulk_insert (id, name, amount_cents, created_at) VALUES {}", values.join(", "))).await?;
        next = last + 1;
    }
    let count: i64 = c.query_one("SELECT count(*) FROM bulk_insert", &[]).await?.get(0);
    anyhow::ensure!(count as u64 == rows, "{} holds {count} rows after the batched INSERTs, not {rows}", target.name);
    Ok(start.elapsed().as_secs_f64())
}
