//! The measurements of one bench run, and the comparisons drawn from them.

use crate::latency::Latencies;
use crate::meter::Usage;

/// One workload run on one target.
#[derive(Debug, Clone)]
pub struct Measure {
    pub workload: String,
    /// Protocol mode (pgbench's -M), or "-" where there is none.
    pub mode: String,
    pub clients: u32,
    pub target: String,
    /// Transactions (or operations) per second; None for bulk loads.
    pub tps: Option<f64>,
    /// Wall seconds, for bulk loads.
    pub seconds: Option<f64>,
    pub p50_us: Option<f64>,
    pub p99_us: Option<f64>,
    /// None for the in-process SQLite floor (its cost is this process's).
    pub usage: Option<Usage>,
    pub failed: u64,
}

impl Measure {
    /// A timed run: its throughput and latencies (printed as it is recorded).
    #[allow(clippy::too_many_arguments)]
    pub fn timed(workload: &str, mode: &str, clients: u32, target: &str, tps: f64, latencies: &Latencies, usage: Option<Usage>, failed: u64) -> Measure {
        let (p50, p99) = (latencies.percentile(50.0), latencies.percentile(99.0));
        eprintln!("  {target:<20} {tps:>9.0}/s  p50 {:>8.3} ms  p99 {:>8.3} ms", p50 / 1000.0, p99 / 1000.0);
        Measure { workload: workload.into(), mode: mode.into(), clients, target: target.into(), tps: Some(tps), seconds: None, p50_us: Some(p50), p99_us: Some(p99), usage, failed }
    }
}

pub const POSTGRES: &str = "PostgreSQL";
pub const LITEGRES: &str = "litegres";
pub const CLUSTER: &str = "litegres 3-node";
pub const SQLITE: &str = "SQLite (in-process)";

#[derive(Debug, Default)]
pub struct Results {
    pub measures: Vec<Measure>,
    /// (target, resident bytes per node) with 200 connections open.
    pub connections: Vec<(String, u32, Vec<u64>)>,
    /// (target, seconds) of `pgbench -i`.
    pub init_seconds: Vec<(String, f64)>,
}

impl Results {
    pub fn find(&self, workload: &str, mode: &str, clients: u32, target: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.workload == workload && m.mode == mode && m.clients == clients && m.target == target)
    }

    /// How a litegres row compares with `other` on the same workload:
    /// throughput ratio (or, for bulk loads, the other's time over ours, so
    /// above 1 is always faster).
    pub fn ratio(&self, m: &Measure, other: &str) -> Option<f64> {
        let o = self.find(&m.workload, &m.mode, m.clients, other)?;
        match (m.tps, o.tps, m.seconds, o.seconds) {
            (Some(a), Some(b), _, _) if b > 0.0 => Some(a / b),
            (_, _, Some(a), Some(b)) if a > 0.0 => Some(b / a),
            _ => None,
        }
    }
}

/// A speed target of litegres, and what was measured.
#[derive(Debug, Clone)]
pub struct Goal {
    pub what: String,
    pub goal: String,
    pub measured: String,
    /// None when the run lacks the measurements.
    pub met: Option<bool>,
}

pub fn goals(r: &Results) -> Vec<Goal> {
    let mut out = Vec::new();
    let tps_ratio = |workload: &str, clients: u32, target: &str| -> Option<f64> {
        let ours = r.find(workload, "prepared", clients, target)?.tps?;
        let pg = r.find(workload, "prepared", clients, POSTGRES)?.tps?;
        Some(ours / pg)
    };
    let mut ratio_goal = |what: &str, workload: &str, clients: u32, target: &str, min: f64| {
        let ratio = tps_ratio(workload, clients, target);
        out.push(Goal {
            what: what.to_string(),
            goal: format!("≥ {min:.1}× PostgreSQL TPS"),
            measured: ratio.map_or("not measured".into(), |x| format!("{x:.2}×")),
            met: ratio.map(|x| x >= min),
        });
    };
    ratio_goal("single node, pgbench select-only, prepared, 4 clients", "pgbench select-only", 4, LITEGRES, 1.0);
    ratio_goal("single node, pgbench TPC-B, prepared, 16 clients", "pgbench TPC-B", 16, LITEGRES, 1.0);
    ratio_goal("3-node cluster, pgbench TPC-B, prepared, 16 clients", "pgbench TPC-B", 16, CLUSTER, 0.5);
    let overhead = (|| {
        let ours = r.find("pgbench select-only", "prepared", 1, LITEGRES)?.p50_us?;
        let floor = r.find("pgbench select-only", "prepared", 1, SQLITE)?.p50_us?;
        Some(ours - floor)
    })();
    out.push(Goal {
        what: "time added to a point select over raw SQLite (p50, 1 client, prepared)".into(),
        goal: "≤ 25 µs".into(),
        measured: overhead.map_or("not measured".into(), |x| format!("{x:.0} µs")),
        met: overhead.map(|x| x <= 25.0),
    });
    let rss = r.connections.iter().filter(|(t, _, _)| t != POSTGRES).flat_map(|(_, _, v)| v.iter().copied()).max();
    let count = r.connections.first().map_or(0, |c| c.1);
    out.push(Goal {
        what: format!("peak RSS per node with {count} open connections"),
        goal: "< 150 MB".into(),
        measured: rss.map_or("not measured".into(), |b| format!("{:.0} MB", b as f64 / 1e6)),
        met: rss.map(|b| (b as f64) < 150e6),
    });
    let copy = r.measures.iter().find(|m| m.workload.starts_with("COPY") && m.target == LITEGRES).and_then(|m| {
        let pg = r.find(&m.workload, &m.mode, m.clients, POSTGRES)?.seconds?;
        Some((m.workload.clone(), m.seconds? / pg))
    });
    out.push(Goal {
        what: copy.as_ref().map_or("COPY".into(), |(w, _)| format!("{w}, single node")),
        goal: "< 2× PostgreSQL's time".into(),
        measured: copy.as_ref().map_or("not measured".into(), |(_, x)| format!("{x:.2}× PostgreSQL's time")),
        met: copy.map(|(_, x)| x < 2.0),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(workload: &str, clients: u32, target: &str, tps: Option<f64>, seconds: Option<f64>, p50: f64) -> Measure {
        Measure { workload: workload.into(), mode: "prepared".into(), clients, target: target.into(), tps, seconds, p50_us: Some(p50), p99_us: Some(p50 * 2.0), usage: None, failed: 0 }
    }

    #[test]
    fn ratios_read_above_one_as_faster_and_goals_follow_them() {
        let r = Results {
            measures: vec![
                m("pgbench select-only", 4, POSTGRES, Some(1000.0), None, 50.0),
                m("pgbench select-only", 4, LITEGRES, Some(1500.0), None, 40.0),
                m("pgbench select-only", 1, LITEGRES, Some(10.0), None, 60.0),
                m("pgbench select-only", 1, SQLITE, Some(10.0), None, 30.0),
                m("COPY 10 rows", 1, POSTGRES, None, Some(2.0), 0.0),
                m("COPY 10 rows", 1, LITEGRES, None, Some(5.0), 0.0),
            ],
            connections: vec![(LITEGRES.into(), 200, vec![100_000_000])],
            init_seconds: vec![],
        };
        let ours = r.find("pgbench select-only", "prepared", 4, LITEGRES).unwrap();
        assert_eq!(r.ratio(ours, POSTGRES), Some(1.5));
        let copy = r.find("COPY 10 rows", "prepared", 1, LITEGRES).unwrap();
        assert_eq!(r.ratio(copy, POSTGRES), Some(0.4));
        let g = goals(&r);
        assert_eq!(g[0].met, Some(true));
        assert_eq!(g[1].met, None, "TPC-B was not measured");
        assert_eq!((g[3].measured.as_str(), g[3].met), ("30 µs", Some(false)));
        assert_eq!(g[4].met, Some(true));
        assert_eq!((g[5].measured.as_str(), g[5].met), ("2.50× PostgreSQL's time", Some(false)));
    }
}
