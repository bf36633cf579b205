//! An ORM-style mix through a real driver (tokio-postgres, prepared
//! statements as ORMs use them): point reads by primary key, a join with
//! aggregation, an insert with RETURNING, and an update in an interactive
//! transaction.

use crate::latency::Latencies;
use crate::servers::Target;
use anyhow::{Context, Result};
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};


const SCHEMA: &str = "
DROP TABLE IF EXISTS mix_orders;
DROP TABLE IF EXISTS mix_users;
CREATE TABLE mix_users (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, balance bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE mix_orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES mix_users (id), amount_cents bigint NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX mix_orders_user ON mix_orders (user_id);
";

#[derive(Debug, Clone)]
pub struct Outcome {
    pub ops_per_second: f64,
    pub latencies: Latencies,
}

pub async fn connect(target: &Target) -> Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(&target.conninfo("postgres"), tokio_postgres::NoTls).await.with_context(|| format!("connect to {}", target.name))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// Creates the mix's tables with `users` users and five orders each.
pub async fn prepare(target: &Target, users: i64) -> Result<()> {
    let c = connect(target).await?;
    c.batch_execute(SCHEMA).await?;
    c.batch_execute(&format!(
        "INSERT INTO mix_users (name, email, balance) SELECT 'user ' || g, 'user' || g || '@example.com', 1000 FROM generate_series(1, {users}) g;
         INSERT INTO mix_orders (user_id, amount_cents, status) SELECT (g % {users}) + 1, g % 9973, 'paid' FROM generate_series(1, {}) g",
        users * 5
    ))
    .await?;
    Ok(())
}

async fn client_loop(target_conn: tokio_postgres::Client, users: i64, seed: u64, until: Instant, max_ops: Option<u64>) -> Result<Latencies> {
    let c = target_conn;
    let point = c.prepare("SELECT id, name, email, balance, created_at FROM mix_users WHERE id = $1").await?;
    let join = c
        .prepare("SELECT u.id, u.name, count(o.id) AS orders, coalesce(sum(o.amount_cents), 0)::bigint AS total FROM mix_users u LEFT JOIN mix_orders o ON o.user_id = u.id WHERE u.id BETWEEN $1 AND $1 + 9 GROUP BY u.id, u.name ORDER BY u.id")
        .await?;
    let insert = c.prepare("INSERT INTO mix_orders (user_id, amount_cents, status) VALUES ($1, $2, 'new') RETURNING id, created_at").await?;
    let read_balance = c.prepare("SELECT balance FROM mix_users WHERE id = $1").await?;
    let update = c.prepare("UPDATE mix_users SET balance = $2 WHERE id = $1").await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut lat = Latencies::default();
    let mut c = c;
    let mut done = 0u64;
    while Instant::now() < until && max_ops.is_none_or(|m| done < m) {
        let id: i64 = rng.random_range(1..=users);
        let pick = rng.random_range(0..100);
        let start = Instant::now();
        match pick {
            0..=59 => {
                c.query_one(&point, &[&id]).await?;
            }
            60..=74 => {
                c.query(&join, &[&id.min(users - 9).max(1)]).await?;
            }
            75..=89 => {
                let cents: i64 = rng.random_range(1..100_000);
                c.query_one(&insert, &[&id, &cents]).await?;
            }
            _ => {
                // Read, decide in the application, write back: an interactive transaction.
                let tx = c.transaction().await?;
                let balance: i64 = tx.query_one(&read_balance, &[&id]).await?.get(0);
                tx.execute(&update, &[&id, &(balance + 1)]).await?;
                tx.commit().await?;
            }
        }
        lat.push(start.elapsed());
        done += 1;
    }
    Ok(lat)
}

/// Runs the mix with `clients` connections for `length` (or `max_ops` operations per client).
pub async fn run(target: &Target, users: i64, clients: u32, length: Duration, max_ops: Option<u64>) -> Result<Outcome> {
    let mut conns = Vec::new();
    for _ in 0..clients {
        conns.push(connect(target).await?);
    }
    let start = Instant::now();
    let until = start + length;
    let tasks: Vec<_> = conns.into_iter().enumerate().map(|(i, c)| tokio::spawn(client_loop(c, users, i as u64 + 1, until, max_ops))).collect();
    let mut latencies = Latencies::default();
    for t in tasks {
        latencies.extend(t.await??);
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(Outcome { ops_per_second: latencies.len() as f64 / secs, latencies })
}
