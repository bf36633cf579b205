//! Giving freed memory back to the system. The C library's allocator keeps
//! what a large transaction freed (a bulk load's row effects, hundreds of
//! megabytes) in its arenas for the life of the process: a node that loaded
//! a million rows stayed at 650 MB resident while idle. A node trims the
//! arenas every few seconds.

use std::time::Duration;

const EVERY: Duration = Duration::from_secs(5);

/// Starts trimming, for as long as the runtime runs.
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // It walks the arenas: off the runtime's workers.
            if tokio::task::spawn_blocking(trim).await.is_err() {
                return;
            }
        }
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only returns free memory at the top of the heaps
    // (and free pages inside them) to the system; it takes the allocator's
    // own locks and touches no memory the program holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
