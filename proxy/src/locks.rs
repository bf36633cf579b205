//! Advisory locks (`pg_advisory_lock` and friends), shared by every session
//! of the node. Session locks are re-entrant and last until unlocked or the
//! session ends; transaction locks end with the transaction.

use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Default)]
struct Held {
    /// pid → (session-level count, transaction-level count)
    exclusive: HashMap<i32, (u32, u32)>,
    shared: HashMap<i32, (u32, u32)>,
}

impl Held {
    fn is_empty(&self) -> bool {
        self.exclusive.is_empty() && self.shared.is_empty()
    }
    fn can_take(&self, pid: i32, shared: bool) -> bool {
        let others_excl = self.exclusive.keys().any(|p| *p != pid);
        let others_shared = self.shared.keys().any(|p| *p != pid);
        if shared {
            !others_excl
        } else {
            !others_excl && !others_shared
        }
    }
}

#[derive(Default)]
pub struct AdvisoryLocks {
    held: Mutex<HashMap<i64, Held>>,
    released: Condvar,
}

/// One lock as pg_locks shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    pub key: i64,
    pub pid: i32,
    pub exclusive: bool,
}

impl AdvisoryLocks {
    fn take(held: &mut Held, pid: i32, xact: bool, shared: bool) {
        let map = if shared { &mut held.shared } else { &mut held.exclusive };
        let e = map.entry(pid).or_insert((0, 0));
        if xact {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
    }

    /// Blocks until the lock is taken; false if `interrupted` says to stop waiting.
    pub fn lock(&self, pid: i32, key: i64, xact: bool, shared: bool, interrupted: &dyn Fn() -> bool) -> bool {
        let mut map = self.held.lock();
        loop {
            let held = map.entry(key).or_default();
            if held.can_take(pid, shared) {
                Self::take(held, pid, xact, shared);
                return true;
            }
            if interrupted() {
                return false;
            }
            self.released.wait_for(&mut map, Duration::from_millis(20));
        }
    }

    pub fn try_lock(&self, pid: i32, key: i64, xact: bool, shared: bool) -> bool {
        let mut map = self.held.lock();
        let held = map.entry(key).or_default();
        if held.can_take(pid, shared) {
            Self::take(held, pid, xact, shared);
            true
        } else {
            if held.is_empty() {
                map.remove(&key);
            }
            false
        }
    }

    pub fn is_free(&self, key: i64) -> bool {
        self.held.lock().get(&key).is_none_or(Held::is_empty)
    }

    /// Releases one session-level hold; false if the session did not hold it.
    pub fn unlock(&self, pid: i32, key: i64, shared: bool) -> bool {
        let mut map = self.held.lock();
        let Some(held) = map.get_mut(&key) else { return false };
        let m = if shared { &mut held.shared } else { &mut held.exclusive };
        let ok = match m.get_mut(&pid) {
            Some(e) if e.0 > 0 => {
                e.0 -= 1;
                if *e == (0, 0) {
                    m.remove(&pid);
                }
                true
            }
            _ => false,
        };
        if held.is_empty() {
            map.remove(&key);
        }
        self.released.notify_all();
        ok
    }

    fn release(&self, pid: i32, session: bool) {
        let mut map = self.held.lock();
        map.retain(|_, held| {
            for m in [&mut held.exclusive, &mut held.shared] {
                if let Some(e) = m.get_mut(&pid) {
                    if session {
                        e.0 = 0;
                    }
                    e.1 = 0;
                    if *e == (0, 0) {
                        m.remove(&pid);
                    }
                }
            }
            !held.is_empty()
        });
        self.released.notify_all();
    }

    /// Transaction end: transaction-level locks go.
    pub fn release_xact(&self, pid: i32) {
        self.release(pid, false);
    }

    /// Session end (or pg_advisory_unlock_all): everything the session holds goes.
    pub fn release_session(&self, pid: i32) {
        self.release(pid, true);
    }

    pub fn list(&self) -> Vec<LockInfo> {
        let map = self.held.lock();
        let mut out = Vec::new();
        for (key, held) in map.iter() {
            out.extend(held.exclusive.keys().map(|pid| LockInfo { key: *key, pid: *pid, exclusive: true }));
            out.extend(held.shared.keys().map(|pid| LockInfo { key: *key, pid: *pid, exclusive: false }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_locks_exclude_other_sessions_and_reenter() {
        let l = AdvisoryLocks::default();
        assert!(l.try_lock(1, 42, false, false));
        assert!(l.try_lock(1, 42, false, false));
        assert!(!l.try_lock(2, 42, false, false));
        assert!(l.unlock(1, 42, false));
        assert!(!l.try_lock(2, 42, false, false));
        assert!(l.unlock(1, 42, false));
        assert!(l.try_lock(2, 42, false, false));
        assert!(!l.unlock(1, 42, false));
    }

    #[test]
    fn transaction_locks_end_with_the_transaction() {
        let l = AdvisoryLocks::default();
        assert!(l.try_lock(1, 7, true, false));
        assert!(!l.try_lock(2, 7, false, true));
        l.release_xact(1);
        assert!(l.try_lock(2, 7, false, true));
        assert!(l.try_lock(3, 7, false, true));
        assert!(!l.try_lock(1, 7, false, false));
    }

    #[test]
    fn a_blocked_lock_stops_waiting_when_interrupted() {
        let l = AdvisoryLocks::default();
        assert!(l.try_lock(1, 9, false, false));
        assert!(!l.lock(2, 9, false, false, &|| true));
    }
}
