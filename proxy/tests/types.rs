//! Every supported column type written and read back through the binary
//! protocol (tokio-postgres) and the text protocol (psql), with the OIDs a
//! PostgreSQL server would report.

mod common;

use common::Server;
use postgres_types::Type;
use rust_decimal::Decimal;
use std::str::FromStr;

const DDL: &str = "CREATE TABLE everything (
    id serial PRIMARY KEY,
    i2 smallint, i4 integer, i8 bigint, r real, d double precision,
    n numeric(12,3), vc varchar(10), ch char(3), t text, b bytea, bo boolean,
    dt date, tm time, ts timestamp, tz timestamptz, iv interval,
    u uuid, j json, jb jsonb, ia integer[], ta text[], mood mood)";

async fn setup(s: &Server) -> tokio_postgres::Client {
    let c = s.client().await;
    c.batch_execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')").await.unwrap();
    c.batch_execute(DDL).await.unwrap();
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_round_trip_of_every_type() {
    let s = Server::start();
    let c = setup(&s).await;
    let ts = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap().and_hms_micro_opt(13, 14, 15, 123456).unwrap();
    let tz = chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(ts, chrono::Utc);
    let u = uuid::Uuid::parse_str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").unwrap();
    let j = serde_json::json!({"b": [1, 2], "a": "x"});
    let row = c
        .query_one(
            "INSERT INTO everything (i2, i4, i8, r, d, n, vc, ch, t, b, bo, dt, tm, ts, tz, u, j, jb, ia, ta)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING *",
            &[
                &-7i16,
                &2_000_000_000i32,
                &9_000_000_000_000i64,
                &1.5f32,
                &0.1f64,
                &Decimal::from_str("12345.678").unwrap(),
                &"hello",
                &"ab",
                &"text ✓",
                &vec![0u8, 1, 255],
                &true,
                &ts.date(),
                &ts.time(),
                &ts,
                &tz,
                &u,
                &j,
                &j,
                &vec![1i32, 2, 3],
                &vec!["a".to_string(), "b c".to_string()],
            ],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i16>("i2"), -7);
    assert_eq!(row.get::<_, i32>("i4"), 2_000_000_000);
    assert_eq!(row.get::<_, i64>("i8"), 9_000_000_000_000);
    assert_eq!(row.get::<_, f32>("r"), 1.5);
    assert_eq!(row.get::<_, f64>("d"), 0.1);
    assert_eq!(row.get::<_, Decimal>("n").to_string(), "12345.678");
    assert_eq!(row.get::<_, String>("vc"), "hello");
    assert_eq!(row.get::<_, String>("ch"), "ab ");
    assert_eq!(row.get::<_, String>("t"), "text ✓");
    assert_eq!(row.get::<_, Vec<u8>>("b"), vec![0, 1, 255]);
    assert!(row.get::<_, bool>("bo"));
    assert_eq!(row.get::<_, chrono::NaiveDate>("dt"), ts.date());
    assert_eq!(row.get::<_, chrono::NaiveTime>("tm"), ts.time());
    assert_eq!(row.get::<_, chrono::NaiveDateTime>("ts"), ts);
    assert_eq!(row.get::<_, chrono::DateTime<chrono::Utc>>("tz"), tz);
    assert_eq!(row.get::<_, uuid::Uuid>("u"), u);
    assert_eq!(row.get::<_, serde_json::Value>("j"), j);
    assert_eq!(row.get::<_, serde_json::Value>("jb"), j);
    assert_eq!(row.get::<_, Vec<i32>>("ia"), vec![1, 2, 3]);
    assert_eq!(row.get::<_, Vec<String>>("ta"), vec!["a".to_string(), "b c".to_string()]);
    // Column types as a PostgreSQL server reports them.
    let types: Vec<Type> = row.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(types[0], Type::INT4);
    assert_eq!(types[1], Type::INT2);
    assert_eq!(types[6], Type::NUMERIC);
    assert_eq!(types[7], Type::VARCHAR);
    assert_eq!(types[8], Type::BPCHAR);
    assert_eq!(types[15], Type::TIMESTAMPTZ);
    assert_eq!(types[16], Type::INTERVAL);
    assert_eq!(types[19], Type::JSONB);
    assert_eq!(types[20], Type::INT4_ARRAY);
    assert_eq!(types[22].name(), "mood");
}

#[tokio::test(flavor = "multi_thread")]
async fn parameter_and_result_types_are_inferred() {
    let s = Server::start();
    let c = setup(&s).await;
    let st = c.prepare("SELECT count(*), now(), $1::text, i8 FROM everything WHERE i8 = $2 AND n > $3 AND tz < $4 GROUP BY i8").await.unwrap();
    assert_eq!(st.params(), &[Type::TEXT, Type::INT8, Type::NUMERIC, Type::TIMESTAMPTZ]);
    let cols: Vec<&Type> = st.columns().iter().map(|c| c.type_()).collect();
    assert_eq!(cols, vec![&Type::INT8, &Type::TIMESTAMPTZ, &Type::TEXT, &Type::INT8]);
    let st = c.prepare("UPDATE everything SET vc = $1 WHERE id = ANY($2) RETURNING id").await.unwrap();
    assert_eq!(st.params(), &[Type::VARCHAR, Type::INT4_ARRAY]);
}

#[tokio::test(flavor = "multi_thread")]
async fn text_protocol_prints_values_as_postgres_does() {
    let s = Server::start();
    let c = setup(&s).await;
    c.batch_execute(
        "INSERT INTO everything (i2, r, d, n, ch, b, bo, ts, tz, iv, u, j, jb, ia, ta, mood) VALUES
         (1, 1.1, 1e20, 2.5, 'x', '\\xdead', false, '2024-01-02 03:04:05.5', '2024-01-02 03:04:05+02',
          '1 day 2 hours', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{\"z\":1,  \"a\":2}', '{\"z\":1,  \"a\":2}', '{1,NULL,3}', '{\"a,b\",\"\"}', 'happy')",
    )
    .await
    .unwrap();
    let (ok, out, err) = s.psql(
        &["-A", "-t", "-F", "|"],
        "SELECT i2, r, d, n, ch, b, bo, ts, tz, iv, u, j, jb, ia, ta, mood FROM everything;",
    );
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "1|1.1|1e+20|2.500|x  |\\xdead|f|2024-01-02 03:04:05.5|2024-01-02 01:04:05+00|1 day 02:00:00|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{\"z\":1,  \"a\":2}|{\"a\": 2, \"z\": 1}|{1,NULL,3}|{\"a,b\",\"\"}|happy"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_values_are_refused_with_postgres_codes() {
    let s = Server::start();
    let c = setup(&s).await;
    let e = c.batch_execute("INSERT INTO everything (vc) VALUES ('much too long')").await.unwrap_err();
    assert_eq!(common::code(&e), "22001");
    let e = c.batch_execute("INSERT INTO everything (mood) VALUES ('angry')").await.unwrap_err();
    assert_eq!(common::code(&e), "22P02");
    let e = c.batch_execute("INSERT INTO everything (n) VALUES (123456789012)").await.unwrap_err();
    assert_eq!(common::code(&e), "22003");
    let e = c.batch_execute("INSERT INTO everything (i2) VALUES (70000)").await.unwrap_err();
    assert_eq!(common::code(&e), "22003");
    // As PostgreSQL: text that is no date is 22007, an impossible date 22008.
    let e = c.batch_execute("INSERT INTO everything (dt) VALUES ('not a date')").await.unwrap_err();
    assert_eq!(common::code(&e), "22007");
    let e = c.batch_execute("INSERT INTO everything (dt) VALUES ('2024-02-30')").await.unwrap_err();
    assert_eq!(common::code(&e), "22008");
}
