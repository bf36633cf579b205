//! pgbench, PostgreSQL's own benchmark client: initialising its tables and
//! running its select-only and TPC-B-like scripts against a target, with a
//! per-transaction log for latency percentiles.

use crate::latency::Latencies;
use crate::servers::Target;
use anyhow::{bail, Context, Result};
use std::process::Command;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    SelectOnly,
    TpcB,
}

impl Script {
    pub fn label(self) -> &'static str {
        match self {
            Script::SelectOnly => "pgbench select-only",
            Script::TpcB => "pgbench TPC-B",
        }
    }
}

/// How long a run goes: seconds, or a number of transactions per client (smoke runs).
#[derive(Debug, Clone, Copy)]
pub enum Length {
    Seconds(u64),
    Transactions(u64),
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub tps: f64,
    pub latencies: Latencies,
    pub failed: u64,
}

/// `pgbench -i` at `scale`; returns the seconds it took.
pub fn init(target: &Target, scale: u32) -> Result<f64> {
    let start = Instant::now();
    let out = Command::new("pgbench")
        .args(["-i", "-q", "-s", &scale.to_string(), "-h", "127.0.0.1", "-p", &target.port.to_string(), "-U", "postgres", "postgres"])
        .output()
        .context("pgbench is missing: install Debian's postgresql-client")?;
    if !out.status.success() {
        bail!("pgbench -i on {} failed: {}", target.name, String::from_utf8_lossy(&out.stderr));
    }
    Ok(start.elapsed().as_secs_f64())
}

pub fn run(target: &Target, script: Script, mode: &str, clients: u32, length: Length) -> Result<Outcome> {
    let logs = tempfile::tempdir()?;
    let prefix = logs.path().join("tx");
    let mut cmd = Command::new("pgbench");
    cmd.args(["-n", "-M", mode, "-c", &clients.to_string(), "-j", &clients.min(4).to_string(), "-h", "127.0.0.1", "-p", &target.port.to_string(), "-U", "postgres", "-l"])
        .arg(format!("--log-prefix={}", prefix.display()));
    match length {
        Length::Seconds(s) => cmd.args(["-T", &s.to_string()]),
        Length::Transactions(t) => cmd.args(["-t", &t.to_string()]),
    };
    if script == Script::SelectOnly {
        cmd.arg("-S");
    }
    let out = cmd.arg("postgres").output().context("run pgbench")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("pgbench {} -M {mode} -c {clients} on {} failed: {}{}", script.label(), target.name, stdout, String::from_utf8_lossy(&out.stderr));
    }
    let tps = parse_tps(&stdout).with_context(|| format!("no tps in pgbench's output: {stdout}"))?;
    let failed = stdout.lines().find_map(|l| l.strip_prefix("number of failed transactions: ")).and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or(0);
    let mut latencies = Latencies::default();
    for entry in std::fs::read_dir(logs.path())? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines() {
            // client_id transaction_no time script_no time_epoch time_us: `time` is the latency in µs.
            if let Some(us) = line.split_whitespace().nth(2).and_then(|t| t.parse::<f64>().ok()) {
                latencies.push_micros(us);
            }
        }
    }
    Ok(Outcome { tps, latencies, failed })
}

fn parse_tps(out: &str) -> Option<f64> {
    out.lines().find_map(|l| l.strip_prefix("tps = ")).and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tps_is_read_from_pgbench_output() {
        let out = "latency average = 0.101 ms\ninitial connection time = 2.345 ms\ntps = 9876.543210 (without initial connection time)\n";
        assert_eq!(parse_tps(out), Some(9876.54321));
        assert_eq!(parse_tps("nothing"), None);
    }
}
