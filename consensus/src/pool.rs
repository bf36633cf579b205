//! Read-only connections, checked out per statement. WAL mode lets them read
//! while the writer writes; a long read holds only its own snapshot.

use parking_lot::{Condvar, Mutex};
use rusqlite::Connection;
use std::ops::Deref;
use std::sync::Arc;

pub(crate) struct ReadPool {
    idle: Mutex<Vec<Connection>>,
    available: Condvar,
    open: Box<dyn Fn() -> rusqlite::Result<Connection> + Send + Sync>,
    max: usize,
    created: Mutex<usize>,
}

/// A checked-out read connection; returned to the pool on drop.
pub struct ReadConn {
    conn: Option<Connection>,
    pool: Arc<ReadPool>,
}

impl Deref for ReadConn {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("a checked-out connection is present until drop")
    }
}

impl Drop for ReadConn {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            // A connection left inside a transaction (a failed read) is not reused.
            if c.is_autocommit() {
                self.pool.idle.lock().push(c);
            } else {
                *self.pool.created.lock() -= 1;
            }
            self.pool.available.notify_one();
        }
    }
}

impl ReadPool {
    pub(crate) fn new(max: usize, open: Box<dyn Fn() -> rusqlite::Result<Connection> + Send + Sync>) -> Arc<ReadPool> {
        Arc::new(ReadPool { idle: Mutex::new(Vec::new()), available: Condvar::new(), open, max: max.max(1), created: Mutex::new(0) })
    }

    /// An idle connection, if one is ready now; never blocks.
    pub(crate) fn try_get(self: &Arc<Self>) -> Option<ReadConn> {
        let c = self.idle.lock().pop()?;
        Some(ReadConn { conn: Some(c), pool: self.clone() })
    }

    /// Checks out a connection, opening one if the pool is below its size, else waiting. Blocking.
    pub(crate) fn get(self: &Arc<Self>) -> rusqlite::Result<ReadConn> {
        loop {
            if let Some(c) = self.idle.lock().pop() {
                return Ok(ReadConn { conn: Some(c), pool: self.clone() });
            }
            {
                let mut created = self.created.lock();
                if *created < self.max {
                    *created += 1;
                    drop(created);
                    return match (self.open)() {
                        Ok(c) => Ok(ReadConn { conn: Some(c), pool: self.clone() }),
                        Err(e) => {
                            *self.created.lock() -= 1;
                            Err(e)
                        }
                    };
                }
            }
            let mut idle = self.idle.lock();
            if idle.is_empty() {
                self.available.wait_for(&mut idle, std::time::Duration::from_millis(50));
            }
        }
    }

    pub(crate) fn close_all(&self) {
        let mut idle = self.idle.lock();
        let n = idle.len();
        idle.clear();
        *self.created.lock() -= n;
    }
}
