//! pg_dump against litegres: `--schema-only` and `--data-only` dumps of a
//! litegres database load into a real PostgreSQL and give the same database
//! as running the original script on PostgreSQL directly (compared by
//! dumping both PostgreSQL databases).

mod common;

use common::{psql_at, Postgres, Server};
use std::process::Command;

const SCRIPT: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE author (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  m mood DEFAULT 'ok',
  balance numeric(10,2) CHECK (balance >= 0),
  joined timestamptz NOT NULL DEFAULT '2024-01-02 03:04:05+00',
  born date);
CREATE TABLE post (
  id bigserial PRIMARY KEY,
  author_id int NOT NULL REFERENCES author(id) ON DELETE CASCADE,
  title varchar(200) NOT NULL,
  body text,
  tags text[],
  meta jsonb,
  raw bytea,
  score double precision,
  flag boolean DEFAULT false);
CREATE INDEX post_author_idx ON post (author_id);
CREATE UNIQUE INDEX post_title_uq ON post (author_id, title);
COMMENT ON TABLE post IS 'what authors write';
INSERT INTO author (name, m, balance, born) VALUES
  ('Ann', 'happy', 12.50, '1990-02-28'), ('Bob "the" O''Neil', NULL, 0, NULL), (E'tab\there', 'sad', NULL, '2000-01-01');
INSERT INTO post (author_id, title, body, tags, meta, raw, score, flag) VALUES
  (1, 'first', E'line1\nline2 \\ backslash', '{a,"b c",NULL}', '{"k": [1, 2, {"x": null}]}', '\x00ff10', 1.5, true),
  (1, 'second', NULL, '{}', 'null', NULL, -0.25, NULL),
  (2, 'third', 'ünïcödé ✓', NULL, '{}', '\x', 1e-7, false);
SELECT setval('author_id_seq', 10);
"#;

fn pg_dump(port: u16, db: &str, args: &[&str]) -> String {
    let out = Command::new("pg_dump")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "--no-owner"])
        .args(args)
        .arg(db)
        .output()
        .expect("pg_dump must be installed (postgresql-client); the test command installs it");
    assert!(out.status.success(), "pg_dump {args:?} of {db} on port {port} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A dump without its comments and per-run `\restrict` keys.
fn comparable(dump: &str) -> Vec<String> {
    dump.lines().filter(|l| !l.starts_with("--") && !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict") && !l.is_empty()).map(str::to_string).collect()
}

fn run_on(port: u16, db: &str, sql: &str) {
    let (ok, _, err) = psql_at(port, &["-v", "ON_ERROR_STOP=1", "-d", db], sql);
    assert!(ok && !err.contains("ERROR"), "script failed on port {port}/{db}: {err}");
}

#[test]
fn dumps_of_litegres_load_into_postgresql_unchanged() {
    // pg_dump refuses a server newer than itself: the node reports the
    // version of the PostgreSQL whose pg_dump is installed.
    let pg = Postgres::start();
    let node = Server::start_with(&["--server-version", &pg.version()]);
    run_on(node.port, "postgres", SCRIPT);
    let schema = pg_dump(node.port, "postgres", &["--schema-only"]);
    let data = pg_dump(node.port, "postgres", &["--data-only"]);
    assert!(schema.contains("CREATE TABLE public.post") && data.contains("COPY public.post"), "{schema}\n{data}");

    run_on(pg.port, "postgres", "CREATE DATABASE original; CREATE DATABASE restored;");
    run_on(pg.port, "original", SCRIPT);
    run_on(pg.port, "restored", &schema);
    run_on(pg.port, "restored", &data);

    let expected = comparable(&pg_dump(pg.port, "original", &[]));
    let actual = comparable(&pg_dump(pg.port, "restored", &[]));
    for (e, a) in expected.iter().zip(&actual) {
        assert_eq!(a, e, "the restored database (left) differs from the original (right)");
    }
    assert_eq!(actual.len(), expected.len(), "restored:\n{}\noriginal:\n{}", actual.join("\n"), expected.join("\n"));
}
