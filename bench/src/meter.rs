//! What one run cost a target: CPU seconds and peak memory per node,
//! sampled while the run goes.

use crate::procfs;
use crate::servers::{Kind, Target};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// CPU seconds and peak memory (bytes) of each node during one run.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pub cpu: Vec<f64>,
    pub peak: Vec<u64>,
}

pub struct Meter {
    cpu_before: Vec<f64>,
    stop: Arc<AtomicBool>,
    peaks: Arc<Mutex<Vec<u64>>>,
    sampler: Option<std::thread::JoinHandle<()>>,
}

impl Meter {
    pub fn start(target: &Target) -> Meter {
        target.reset_peaks();
        let stop = Arc::new(AtomicBool::new(false));
        let peaks = Arc::new(Mutex::new(target.memory_bytes()));
        let (pids, kind) = (target.pids.clone(), target.kind);
        let sampler = {
            let (stop, peaks) = (stop.clone(), peaks.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let now: Vec<u64> = pids
                        .iter()
                        .map(|p| match kind {
                            Kind::Postgres => procfs::tree_pss_bytes(*p),
                            Kind::Litegres | Kind::Cluster => procfs::rss_bytes(*p),
                        })
                        .collect();
                    if let Ok(mut peaks) = peaks.lock() {
                        peaks.iter_mut().zip(now).for_each(|(p, n)| *p = (*p).max(n));
                    }
                }
            })
        };
        Meter { cpu_before: target.cpu_seconds(), stop, peaks, sampler: Some(sampler) }
    }

    pub fn finish(mut self, target: &Target) -> Usage {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(s) = self.sampler.take() {
            let _ = s.join();
        }
        let cpu = target.cpu_seconds().iter().zip(&self.cpu_before).map(|(a, b)| (a - b).max(0.0)).collect();
        let mut peak = self.peaks.lock().map(|p| p.clone()).unwrap_or_default();
        // litegres: the kernel's own peak, which no sample can miss.
        for (p, k) in peak.iter_mut().zip(target.kernel_peaks()) {
            *p = (*p).max(k);
        }
        Usage { cpu, peak }
    }
}
