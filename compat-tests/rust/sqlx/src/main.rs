//! sqlx as an application uses it: a pool, runtime queries with binds,
//! typed rows, transactions with rollback, a unique violation by SQLSTATE, a
//! join with aggregates, pagination, an upsert and RETURNING.

use compat_rust::{out, tls_url, url, SCHEMA};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::Row;

#[tokio::main]
async fn main() {
    let tls = PgPoolOptions::new().max_connections(1).connect(&tls_url()).await.expect("connect with TLS");
    let (user,): (String,) = sqlx::query_as("SELECT current_user::text").fetch_one(&tls).await.expect("query over TLS");
    out("connect_tls", json!(user));
    tls.close().await;

    let pool = PgPoolOptions::new().max_connections(4).connect(&url()).await.expect("pool");
    for s in SCHEMA {
        sqlx::query(s).execute(&pool).await.expect("schema");
    }
    let mut ids = Vec::new();
    for (i, sku) in ["bolt", "nut", "washer"].iter().enumerate() {
        let price: Decimal = format!("{}.50", i + 1).parse().expect("decimal");
        let id: i64 = sqlx::query_scalar("INSERT INTO r_product (sku, price, weight, attrs) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(sku)
            .bind(price)
            .bind(if i == 1 { None } else { Some(i as f64 * 1.5) })
            .bind(json!({"n": i}))
            .fetch_one(&pool)
            .await
            .expect("insert");
        ids.push(id);
    }
    out("returning_ids", json!(ids));
    let rows = sqlx::query("SELECT id, sku, price, weight, active, added, attrs FROM r_product ORDER BY id").fetch_all(&pool).await.expect("select");
    out(
        "typed_rows",
        json!(rows
            .iter()
            .map(|r| json!([
                r.get::<i64, _>("id"),
                r.get::<String, _>("sku"),
                r.get::<Decimal, _>("price").to_string(),
                r.get::<Option<f64>, _>("weight"),
                r.get::<bool, _>("active"),
                r.get::<chrono::DateTime<chrono::Utc>, _>("added").to_rfc3339(),
                r.get::<serde_json::Value, _>("attrs")
            ]))
            .collect::<Vec<_>>()),
    );
    // Concurrent queries through the pool.
    let counts = futures::future::join_all((0..6).map(|i| {
        let pool = pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM r_product WHERE id > $1").bind(i as i64).fetch_one(&pool).await.expect("pool query") }
    }))
    .await;
    out("pool_concurrent", json!(counts));

    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("DELETE FROM r_product").execute(&mut *tx).await.expect("delete");
    tx.rollback().await.expect("rollback");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM r_product").fetch_one(&pool).await.expect("count");
    out("after_rollback", json!(n));

    let mut tx = pool.begin().await.expect("begin");
    let order: i32 = sqlx::query_scalar("INSERT INTO r_order (customer, placed) VALUES ($1, $2) RETURNING id")
        .bind("bo")
        .bind(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).expect("date"))
        .fetch_one(&mut *tx)
        .await
        .expect("order");
    for (p, q) in [(ids[0], 2), (ids[2], 5)] {
        sqlx::query("INSERT INTO r_line VALUES ($1, $2, $3)").bind(order).bind(p).bind(q).execute(&mut *tx).await.expect("line");
    }
    tx.commit().await.expect("commit");

    let e = sqlx::query("INSERT INTO r_product (sku, price) VALUES ($1, 1)").bind("bolt").execute(&pool).await.expect_err("unique violation");
    let db = e.as_database_error().expect("a database error");
    out("unique_violation", json!([db.code().map(|c| c.to_string()), db.constraint().map(str::to_string)]));
    let agg = sqlx::query("SELECT o.customer, count(*) AS lines, sum(l.qty)::int AS qty, sum(l.qty * p.price) AS total FROM r_order o JOIN r_line l ON l.order_id = o.id JOIN r_product p ON p.id = l.product_id GROUP BY o.customer ORDER BY 1")
        .fetch_all(&pool)
        .await
        .expect("join");
    out("join_aggregate", json!(agg.iter().map(|r| json!([r.get::<String, _>(0), r.get::<i64, _>(1), r.get::<i32, _>(2), r.get::<Decimal, _>(3).to_string()])).collect::<Vec<_>>()));
    let page: Vec<String> = sqlx::query_scalar("SELECT sku FROM r_product ORDER BY sku DESC LIMIT $1 OFFSET $2").bind(2i64).bind(1i64).fetch_all(&pool).await.expect("page");
    out("pagination", json!(page));
    let (sku, price): (String, Decimal) = sqlx::query_as("INSERT INTO r_product (sku, price) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET price = r_product.price + excluded.price RETURNING sku, price")
        .bind("washer")
        .bind(Decimal::from(10))
        .fetch_one(&pool)
        .await
        .expect("upsert");
    out("upsert", json!([sku, price.to_string()]));
    let done = sqlx::query("UPDATE r_product SET active = false WHERE weight IS NULL").execute(&pool).await.expect("update");
    out("update_count", json!(done.rows_affected()));
    pool.close().await;
}
