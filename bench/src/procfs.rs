//! What a server process costs, read from /proc: CPU time and memory of a
//! process and its children (PostgreSQL forks a backend per connection).

use std::path::Path;

fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<f64>().ok())
        .unwrap_or(100.0)
}

/// The fields of /proc/<pid>/stat after the command name.
fn stat_fields(pid: u32) -> Option<Vec<u64>> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    // Field 3 (state) is a letter; keep numbering by position.
    Some(rest.split_whitespace().map(|f| f.parse::<u64>().unwrap_or(0)).collect())
}

/// The pids whose parent is `pid`.
pub fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else { return out };
    for e in dir.flatten() {
        let Some(child) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        // stat: state is index 0 after the name, ppid index 1.
        if stat_fields(child).is_some_and(|f| f.get(1) == Some(&(pid as u64))) {
            out.push(child);
        }
    }
    out
}

/// CPU seconds (user + system) spent by `pid`, by its living children, and
/// by the children it has reaped.
pub fn cpu_seconds(pid: u32) -> f64 {
    let tps = ticks_per_second();
    let own = |p: u32, reaped: bool| -> u64 {
        // utime, stime, cutime, cstime are fields 14-17: indexes 11-14 here.
        stat_fields(p).map_or(0, |f| {
            let base = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
            if reaped {
                base + f.get(13).copied().unwrap_or(0) + f.get(14).copied().unwrap_or(0)
            } else {
                base
            }
        })
    };
    let total = own(pid, true) + children(pid).into_iter().map(|c| own(c, false)).sum::<u64>();
    total as f64 / tps
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Resident memory of one process, in bytes.
pub fn rss_bytes(pid: u32) -> u64 {
    status_kb(pid, "VmRSS:") * 1024
}

/// The peak resident memory of one process since it started (or since [`reset_peak`]).
pub fn peak_rss_bytes(pid: u32) -> u64 {
    status_kb(pid, "VmHWM:") * 1024
}

/// Starts measuring a process's peak resident memory afresh (Linux: clear_refs 5).
pub fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// Proportional memory of a process and its children, in bytes: shared
/// pages (PostgreSQL's shared buffers) are counted once across them.
pub fn tree_pss_bytes(pid: u32) -> u64 {
    std::iter::once(pid)
        .chain(children(pid))
        .map(|p| {
            let path = format!("/proc/{p}/smaps_rollup");
            if !Path::new(&path).exists() {
                return rss_bytes(p);
            }
            std::fs::read_to_string(path)
                .ok()
                .and_then(|s| s.lines().find(|l| l.starts_with("Pss:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse::<u64>().ok()))
                .map_or(0, |kb| kb * 1024)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let me = std::process::id();
        let spin = std::time::Instant::now();
        let mut x = 0u64;
        while spin.elapsed() < std::time::Duration::from_millis(50) {
            x = x.wrapping_add(1);
        }
        assert!(x > 0);
        assert!(cpu_seconds(me) > 0.0);
        assert!(rss_bytes(me) > 1024 * 1024);
        assert!(peak_rss_bytes(me) >= rss_bytes(me));
        assert!(tree_pss_bytes(me) > 0);
    }
}
