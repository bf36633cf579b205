//! Latency samples of one run and their percentiles.

use std::time::Duration;

/// Every operation's latency in one run, in microseconds.
#[derive(Debug, Default, Clone)]
pub struct Latencies {
    micros: Vec<f64>,
}

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.micros.push(d.as_secs_f64() * 1e6);
    }

    pub fn push_micros(&mut self, us: f64) {
        self.micros.push(us);
    }

    pub fn extend(&mut self, other: Latencies) {
        self.micros.extend(other.micros);
    }

    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// The `p`-th percentile (0-100) in microseconds, by nearest rank; 0 when empty.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return 0.0;
        }
        let mut v = self.micros.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
        v[rank.clamp(1, v.len()) - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut l = Latencies::default();
        assert_eq!(l.percentile(50.0), 0.0);
        for us in (1..=100).rev() {
            l.push_micros(us as f64);
        }
        assert_eq!(l.percentile(50.0), 50.0);
        assert_eq!(l.percentile(99.0), 99.0);
        assert_eq!(l.percentile(100.0), 100.0);
        assert_eq!(l.percentile(0.0), 1.0);
    }
}
