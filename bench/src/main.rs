//! `litegres-bench`: litegres measured against a real PostgreSQL and raw
//! SQLite on the same machine, in one run, the workloads interleaved
//! (each configuration runs on every target in turn, so drift in the
//! machine's speed touches all alike). Writes bench/RESULTS.md and a chart.
//! `scripts/bench` builds the release binaries and runs it.

mod bulk;
mod chart;
mod floor;
mod latency;
mod meter;
mod mix;
mod pgbench;
mod procfs;
mod report;
mod results;
mod servers;

use anyhow::{Context, Result};
use clap::Parser;
use meter::Meter;
use pgbench::{Length, Script};
use results::{Measure, Results, SQLITE};
use servers::Target;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(name = "litegres-bench", about = "litegres against PostgreSQL and raw SQLite, interleaved, in one run")]
struct Opts {
    /// The litegres binary to measure (default: the one built beside this program).
    #[arg(long)]
    litegres: Option<PathBuf>,
    /// Where the Markdown results go; the chart is written beside it.
    #[arg(long, default_value = "bench/RESULTS.md")]
    out: PathBuf,
    /// Hand-written analysis appended to the results, if the file exists.
    #[arg(long, default_value = "bench/analysis.md")]
    analysis: PathBuf,
    /// Seconds each timed run lasts.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// pgbench's scale factor (100 000 accounts each).
    #[arg(long, default_value_t = 10)]
    scale: u32,
    /// Client counts, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,4,16")]
    clients: Vec<u32>,
    /// Rows COPYed in the bulk load.
    #[arg(long, default_value_t = 1_000_000)]
    copy_rows: u64,
    /// A few seconds of every workload at a tiny size: checks that the bench still works.
    #[arg(long)]
    smoke: bool,
}

/// What one run does, from the options.
struct Plan {
    scale: u32,
    length: Length,
    mix_length: Duration,
    mix_max_ops: Option<u64>,
    mix_users: i64,
    floor_max: Option<u64>,
    clients: Vec<u32>,
    modes: Vec<&'static str>,
    copy_rows: u64,
    insert_rows: u64,
    insert_batch: u64,
    connections: u32,
}

impl Plan {
    fn from(o: &Opts) -> Plan {
        if o.smoke {
            return Plan {
                scale: 1,
                length: Length::Transactions(20),
                mix_length: Duration::from_secs(1),
                mix_max_ops: Some(40),
                mix_users: 500,
                floor_max: Some(200),
                clients: vec![1, 4],
                modes: vec!["simple", "extended", "prepared"],
                copy_rows: 20_000,
                insert_rows: 2_000,
                insert_batch: 500,
                connections: 20,
            };
        }
        Plan {
            scale: o.scale,
            length: Length::Seconds(o.seconds),
            mix_length: Duration::from_secs(o.seconds),
            mix_max_ops: None,
            mix_users: 10_000,
            floor_max: None,
            clients: o.clients.clone(),
            modes: vec!["simple", "extended", "prepared"],
            copy_rows: o.copy_rows,
            insert_rows: 100_000,
            insert_batch: 1_000,
            connections: 200,
        }
    }

    fn describe(&self) -> String {
        let length = match self.length {
            Length::Seconds(s) => format!("{s} s per run"),
            Length::Transactions(t) => format!("{t} transactions per client per run"),
        };
        format!(
            "- pgbench -i -s {scale}; select-only (-S) and TPC-B-like, modes {modes}, clients {clients}, {length}, `-n` (no vacuum between runs), `-j` = min(clients, 4); \
             each configuration runs on PostgreSQL, the litegres node and the 3-node cluster (clients on its leader; heartbeat 300 ms, election timeout 3 s) in turn, then on SQLite in-process (prepared rows only).\n\
             - ORM-style mix through tokio-postgres with prepared statements over {users} users with 5 orders each: 60 % point read by primary key, \
             15 % join with aggregation over 10 users, 15 % INSERT … RETURNING, 10 % read-then-UPDATE in an interactive transaction; {mix:?} per client count.\n\
             - Bulk: COPY FROM STDIN of {copy} rows (64 KB messages) into a table with a primary key; INSERT of {ins} rows in multi-row statements of {batch}.\n\
             - {conns} connections held open on each target, each having run a query, then resident memory read.\n\
             - SQLite floor: the same point read and TPC-B transaction with rusqlite in this process (WAL, synchronous=FULL, cached statements, one connection per thread).",
            scale = self.scale,
            modes = self.modes.join("/"),
            clients = self.clients.iter().map(u32::to_string).collect::<Vec<_>>().join("/"),
            mix = self.mix_length,
            users = self.mix_users,
            copy = self.copy_rows,
            ins = self.insert_rows,
            batch = self.insert_batch,
            conns = self.connections,
        )
    }
}

fn default_litegres() -> Result<PathBuf> {
    let me = std::env::current_exe()?;
    // target/<profile>/litegres-bench, or target/<profile>/deps/… for tests.
    let dir = me.parent().context("no directory")?;
    let candidates = [dir.join("litegres"), dir.parent().map(|p| p.join("litegres")).unwrap_or_default()];
    candidates.into_iter().find(|p| p.is_file()).context("no litegres binary beside litegres-bench: build it (cargo build -p litegres) or pass --litegres")
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|s| s.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string())).unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok())).map_or("?".into(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).unwrap_or_default();
    let fs = std::process::Command::new("df").args(["--output=fstype"]).arg(std::env::temp_dir()).output().ok().map(|o| String::from_utf8_lossy(&o.stdout).lines().nth(1).unwrap_or("").trim().to_string()).unwrap_or_default();
    format!("{cpu}, {cores} cores usable, {mem} RAM, Linux {kernel}; data directories on {fs} ({})", std::env::temp_dir().display())
}

fn versions(litegres: &Path) -> String {
    let commit = std::process::Command::new("git").args(["rev-parse", "--short", "HEAD"]).output().ok().filter(|o| o.status.success()).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_else(|| "unknown".into());
    let pgbench = std::process::Command::new("pgbench").arg("--version").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    format!("litegres {} (commit {commit}, {}); {}; {pgbench}; SQLite {} (rusqlite, bundled)", env!("CARGO_PKG_VERSION"), litegres.display(), servers::postgres_version(), rusqlite::version())
}

fn measure_pgbench(results: &mut Results, target: &Target, script: Script, mode: &str, clients: u32, length: Length) -> Result<()> {
    let meter = Meter::start(target);
    let o = pgbench::run(target, script, mode, clients, length)?;
    let usage = meter.finish(target);
    results.measures.push(Measure::timed(script.label(), mode, clients, target.name, o.tps, &o.latencies, Some(usage), o.failed));
    Ok(())
}

fn main() -> Result<()> {
    let opts = Opts::parse();
    let plan = Plan::from(&opts);
    let litegres = match &opts.litegres {
        Some(p) => p.clone(),
        None => default_litegres()?,
    };
    let rt = tokio::runtime::Runtime::new()?;
    eprintln!("starting PostgreSQL, a litegres node and a 3-node litegres cluster");
    let targets = vec![servers::start_postgres()?, servers::start_litegres(&litegres)?, servers::start_cluster(&litegres)?];
    let mut results = Results::default();
    for t in &targets {
        eprintln!("pgbench -i -s {} on {}", plan.scale, t.name);
        let secs = pgbench::init(t, plan.scale)?;
        results.init_seconds.push((t.name.to_string(), secs));
    }
    eprintln!("building the SQLite floor at scale {}", plan.scale);
    let floor = floor::Floor::build(plan.scale)?;
    let floor_length = match plan.length {
        Length::Seconds(s) => Duration::from_secs(s),
        Length::Transactions(_) => Duration::from_secs(60),
    };
    for script in [Script::SelectOnly, Script::TpcB] {
        for mode in &plan.modes {
            for &clients in &plan.clients {
                eprintln!("{} -M {mode} -c {clients}", script.label());
                for t in &targets {
                    measure_pgbench(&mut results, t, script, mode, clients, plan.length)?;
                }
                if *mode == "prepared" {
                    let o = floor.run(script, clients, floor_length, plan.floor_max)?;
                    results.measures.push(Measure::timed(script.label(), mode, clients, SQLITE, o.tps, &o.latencies, None, 0));
                }
            }
        }
    }
    for t in &targets {
        rt.block_on(mix::prepare(t, plan.mix_users)).with_context(|| format!("the ORM mix's tables on {}", t.name))?;
    }
    for &clients in &plan.clients {
        eprintln!("ORM mix, {clients} clients");
        for t in &targets {
            let meter = Meter::start(t);
            let o = rt.block_on(mix::run(t, plan.mix_users, clients, plan.mix_length, plan.mix_max_ops)).with_context(|| format!("the ORM mix on {}", t.name))?;
            let usage = meter.finish(t);
            results.measures.push(Measure::timed("ORM mix", "prepared", clients, t.name, o.ops_per_second, &o.latencies, Some(usage), 0));
        }
    }
    for t in &targets {
        let mem = rt.block_on(async {
            let mut held = Vec::new();
            for _ in 0..plan.connections {
                let c = mix::connect(t).await?;
                c.query_one("SELECT abalance FROM pgbench_accounts WHERE aid = 1", &[]).await?;
                held.push(c);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mem = t.memory_bytes();
            drop(held);
            anyhow::Ok(mem)
        })?;
        eprintln!("{} connections on {}: {:?} MB", plan.connections, t.name, mem.iter().map(|b| b / 1_000_000).collect::<Vec<_>>());
        results.connections.push((t.name.to_string(), plan.connections, mem));
    }
    let copy_label = format!("COPY {} rows", plan.copy_rows);
    let insert_label = format!("INSERT {} rows, {} per statement", plan.insert_rows, plan.insert_batch);
    for t in &targets {
        eprintln!("bulk loads on {}", t.name);
        for (label, which) in [(&copy_label, 0), (&insert_label, 1)] {
            let meter = Meter::start(t);
            let secs = match which {
                0 => rt.block_on(bulk::copy(t, plan.copy_rows)),
                _ => rt.block_on(bulk::insert_batches(t, plan.insert_rows, plan.insert_batch)),
            }
            .with_context(|| format!("{label} on {}", t.name))?;
            let usage = meter.finish(t);
            eprintln!("  {label}: {secs:.2} s");
            results.measures.push(Measure { workload: label.clone(), mode: "-".into(), clients: 1, target: t.name.into(), tps: None, seconds: Some(secs), p50_us: None, p99_us: None, usage: Some(usage), failed: 0 });
        }
    }
    drop(targets);
    let dir = opts.out.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir)?;
    let chart_name = "latency.png";
    chart::draw(&results, &plan.clients, &dir.join(chart_name))?;
    let setting = report::Setting {
        machine: machine(),
        versions: versions(&litegres),
        plan: plan.describe(),
        chart: Some(chart_name.into()),
        analysis: if opts.smoke { None } else { std::fs::read_to_string(&opts.analysis).ok() },
    };
    std::fs::write(&opts.out, report::markdown(&results, &setting))?;
    eprintln!("wrote {} and {}", opts.out.display(), dir.join(chart_name).display());
    Ok(())
}
