//! What the Rust compat-test programs share: the check printer and the
//! connection URLs the harness passes (DATABASE_URL, DATABASE_URL_TLS).

/// Prints one check as a JSON line `[name, value]`.
pub fn out(name: &str, value: serde_json::Value) {
    println!("{}", serde_json::json!([name, value]));
}

pub fn url() -> String {
    std::env::var("DATABASE_URL").expect("DATABASE_URL")
}

pub fn tls_url() -> String {
    std::env::var("DATABASE_URL_TLS").expect("DATABASE_URL_TLS")
}

/// The schema both programs use.
pub const SCHEMA: &[&str] = &[
    "DROP TABLE IF EXISTS r_line, r_order, r_product",
    "CREATE TABLE r_product (id bigserial PRIMARY KEY, sku text NOT NULL UNIQUE, price numeric(10,2) NOT NULL, weight double precision, active boolean NOT NULL DEFAULT true, added timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00', ref uuid, attrs jsonb, blob bytea)",
    "CREATE TABLE r_order (id serial PRIMARY KEY, customer text NOT NULL, placed date NOT NULL)",
    "CREATE TABLE r_line (order_id int REFERENCES r_order(id) ON DELETE CASCADE, product_id bigint REFERENCES r_product(id), qty int NOT NULL CHECK (qty > 0), PRIMARY KEY (order_id, product_id))",
];
