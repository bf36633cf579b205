//! bench/RESULTS.md: the machine, every measurement with its ratios to
//! PostgreSQL and to raw SQLite, the speed targets, and the analysis kept
//! by hand in bench/analysis.md.

use crate::results::{goals, Results, CLUSTER, LITEGRES, POSTGRES, SQLITE};
use std::fmt::Write;

/// What the run ran on and with.
pub struct Setting {
    pub machine: String,
    pub versions: String,
    pub plan: String,
    pub chart: Option<String>,
    pub analysis: Option<String>,
}

fn ms(us: Option<f64>) -> String {
    us.map_or("-".into(), |u| format!("{:.3}", u / 1000.0))
}

fn ratio(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{x:.2}×"))
}

pub fn markdown(r: &Results, s: &Setting) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# litegres benchmark results\n");
    let _ = writeln!(out, "Written by `scripts/bench` (`bench/`); do not edit by hand: the analysis at the end comes from `bench/analysis.md`.\n");
    let _ = writeln!(out, "## Machine\n\n{}\n\n{}\n\n## Plan\n\n{}\n", s.machine, s.versions, s.plan);
    let _ = writeln!(out, "## Speed targets\n\n| target | goal | measured | met |\n|---|---|---|---|");
    for g in goals(r) {
        let met = match g.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "-",
        };
        let _ = writeln!(out, "| {} | {} | {} | {met} |", g.what, g.goal, g.measured);
    }
    let _ = writeln!(
        out,
        "\n## Every run\n\nTPS is transactions (pgbench) or operations (ORM mix) per second; bulk loads give seconds. \
         Ratios above 1 mean litegres is faster (for bulk loads: the other's time over litegres's). \
         CPU is seconds used by each node during the run (PostgreSQL: postmaster and backends); \
         memory is the peak per node (litegres: resident set; PostgreSQL: proportional set of all its processes).\n"
    );
    let _ = writeln!(out, "| workload | mode | clients | target | TPS | seconds | p50 ms | p99 ms | failed | CPU s | peak MB | vs PostgreSQL | vs SQLite |");
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for m in &r.measures {
        let ours = m.target == LITEGRES || m.target == CLUSTER;
        let vs_pg = if ours { ratio(r.ratio(m, POSTGRES)) } else { "-".into() };
        let vs_sqlite = if ours { ratio(r.ratio(m, SQLITE)) } else { "-".into() };
        let (cpu, peak) = m.usage.as_ref().map_or(("-".into(), "-".into()), |u| {
            (
                u.cpu.iter().map(|c| format!("{c:.1}")).collect::<Vec<_>>().join(" / "),
                u.peak.iter().map(|b| format!("{:.0}", *b as f64 / 1e6)).collect::<Vec<_>>().join(" / "),
            )
        });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {cpu} | {peak} | {vs_pg} | {vs_sqlite} |",
            m.workload,
            m.mode,
            m.clients,
            m.target,
            m.tps.map_or("-".into(), |t| format!("{t:.0}")),
            m.seconds.map_or("-".into(), |t| format!("{t:.2}")),
            ms(m.p50_us),
            ms(m.p99_us),
            m.failed,
        );
    }
    if !r.connections.is_empty() {
        let _ = writeln!(out, "\n## Open connections\n\n| target | connections | resident MB per node |\n|---|---|---|");
        for (t, n, v) in &r.connections {
            let _ = writeln!(out, "| {t} | {n} | {} |", v.iter().map(|b| format!("{:.0}", *b as f64 / 1e6)).collect::<Vec<_>>().join(" / "));
        }
    }
    if !r.init_seconds.is_empty() {
        let _ = writeln!(out, "\n## pgbench -i\n\n| target | seconds |\n|---|---|");
        for (t, secs) in &r.init_seconds {
            let _ = writeln!(out, "| {t} | {secs:.1} |");
        }
    }
    if let Some(c) = &s.chart {
        let _ = writeln!(out, "\n## Latency against clients\n\n![p50 and p99 latency against clients]({c})");
    }
    if let Some(a) = &s.analysis {
        let _ = writeln!(out, "\n{}", a.trim_end());
    }
    out
}
