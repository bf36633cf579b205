//! The sqllogictest corpus (`compat-tests/slt/*.slt`) run through the
//! `sqllogictest` runner over tokio-postgres. Expected results come from a
//! real PostgreSQL (record mode rewrites them); errors are compared by
//! SQLSTATE, which is what the connection reports as an error's text.

use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType, Record, Runner};
use std::path::{Path, PathBuf};

pub struct Pg {
    client: tokio_postgres::Client,
}

#[derive(Debug)]
pub struct SqlState(String);

impl std::fmt::Display for SqlState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SqlState {}

impl Pg {
    pub async fn connect(port: u16, password: &str, db: &str) -> Result<Pg, SqlState> {
        let conf = format!("host=127.0.0.1 port={port} user=postgres password={password} dbname={db}");
        let (client, conn) = tokio_postgres::connect(&conf, tokio_postgres::NoTls).await.map_err(|e| SqlState(e.to_string()))?;
        tokio::spawn(conn);
        Ok(Pg { client })
    }
}

#[async_trait::async_trait]
impl AsyncDB for Pg {
    type Error = SqlState;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlState> {
        use tokio_postgres::SimpleQueryMessage as M;
        let messages = self.client.simple_query(sql).await.map_err(|e| SqlState(e.as_db_error().map(|d| d.code().code().to_string()).unwrap_or_else(|| e.to_string())))?;
        let mut rows = Vec::new();
        let mut columns = None;
        let mut count = 0;
        for m in messages {
            match m {
                M::RowDescription(cols) => columns = Some(cols.len()),
                M::Row(r) => {
                    columns.get_or_insert(r.len());
                    rows.push((0..r.len()).map(|i| r.get(i).map(|v| if v.is_empty() { "(empty)".to_string() } else { v.to_string() }).unwrap_or_else(|| "NULL".into())).collect());
                }
                M::CommandComplete(n) => count = n,
                _ => {}
            }
        }
        Ok(match columns {
            Some(n) => DBOutput::Rows { types: vec![DefaultColumnType::Any; n], rows },
            None => DBOutput::StatementComplete(count),
        })
    }

    async fn shutdown(&mut self) {}
}

pub fn files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../compat-tests/slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).expect("compat-tests/slt").filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "slt")).collect();
    files.sort();
    files
}

/// What one file gave on one server: records run, and the failures (SQL, error).
pub struct FileOutcome {
    pub records: usize,
    pub failures: Vec<(String, String)>,
}

/// Runs every record of `file` in order on a fresh connection to `db`.
pub async fn run_file(port: u16, password: &str, db: &str, file: &Path) -> FileOutcome {
    let (port, password, db) = (port, password.to_string(), db.to_string());
    let mut runner = Runner::new(move || {
        let (password, db) = (password.clone(), db.clone());
        async move { Pg::connect(port, &password, &db).await }
    });
    let records = sqllogictest::parse_file::<DefaultColumnType>(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let mut out = FileOutcome { records: 0, failures: Vec::new() };
    for record in records {
        let sql = match &record {
            Record::Statement { sql, .. } | Record::Query { sql, .. } => sql.clone(),
            _ => {
                let _ = runner.run_async(record).await;
                continue;
            }
        };
        out.records += 1;
        if let Err(e) = runner.run_async(record).await {
            out.failures.push((sql, e.to_string()));
        }
    }
    out
}

/// Record mode: rewrites `file`'s expected results with what `port` (a real PostgreSQL) gives.
pub async fn record_file(port: u16, password: &str, db: &str, file: &Path) {
    let (password, db) = (password.to_string(), db.to_string());
    let mut runner = Runner::new(move || {
        let (password, db) = (password.clone(), db.clone());
        async move { Pg::connect(port, &password, &db).await }
    });
    runner
        .update_test_file(file, " ", sqllogictest::default_validator, sqllogictest::default_normalizer, sqllogictest::default_column_validator)
        .await
        .unwrap_or_else(|e| panic!("recording {}: {e}", file.display()));
}
