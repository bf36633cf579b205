//! Group commit: the transactions of one database that wait together for
//! their log entries, inside one open SQLite transaction on the leader.
//!
//! A transaction that finishes on the leader's writer does not wait for its
//! entry before the next one may start: it ends its savepoint inside the
//! writer's open SQLite transaction, proposes its entry (in the order the
//! transactions ran) and gives the writer up. The next transaction runs on
//! top of it. Readers never see any of this: the SQLite transaction commits
//! only once every entry in it is committed by a quorum, so while one log
//! append is fsynced the transactions behind it gather, and their entries
//! share the next fsync and one SQLite commit.
//!
//! Every entry names the state it ran on (`base`: how many transactions the
//! database had applied and which was the last), and every node applies an
//! entry only on exactly that state. If an entry of a group is lost (leadership moved before it
//! was appended), the ones after it, which ran on its data, are rejected the
//! same way everywhere; the leader then rolls the group back and replays
//! what did commit ("settling").

use crate::command::{Base, Origin, Step};
use crate::raft::LogId;
use tokio::sync::watch;

/// What a database's file holds: the last entry committed to it, how
/// many transactions it has applied and which was the last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Durable {
    pub index: u64,
    pub seq: u64,
    pub last: Origin,
}

impl Durable {
    /// The state the file holds, as entries name it.
    pub fn base(&self) -> Base {
        Base { seq: self.seq, last: self.last }
    }
}

/// One transaction of a group, in the order the transactions ran.
#[derive(Debug)]
pub(crate) struct Member {
    pub origin: Origin,
    pub schema: bool,
    /// Set when the state machine reached its entry (committed by a
    /// quorum): the entry's id, base and effects, to replay if the group is settled.
    pub applied: Option<(LogId, Base, Vec<Step>)>,
    /// The indexes of the parts entries that carried its first effects.
    pub parts: Vec<u64>,
}

#[derive(Debug, Default)]
struct State {
    members: Vec<Member>,
    /// A task waits to end the group (its first entry was reached).
    finisher: bool,
    /// The group takes no more transactions: those not yet started wait for
    /// the next group, so that this one can end.
    finishing: bool,
    /// The group cannot commit as it is (an entry was lost, or the SQLite
    /// transaction was rolled back under it): it is settled instead.
    broken: bool,
    /// Bumped when a group ends.
    generation: u64,
}

pub(crate) enum Hold {
    /// The entry is the group's next; `first` if the group needs a finisher.
    Held { first: bool },
    /// Not a transaction of the current group: applied the ordinary way.
    NotMember(Vec<Step>),
}

/// A database's group and what its file holds.
#[derive(Debug)]
pub struct Group {
    state: parking_lot::Mutex<State>,
    changed: watch::Sender<u64>,
    durable: watch::Sender<Durable>,
}

impl Group {
    pub(crate) fn new(durable: Durable) -> Group {
        Group { state: parking_lot::Mutex::default(), changed: watch::channel(0).0, durable: watch::channel(durable).0 }
    }

    fn notify(&self) {
        self.changed.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// What the database's file holds now.
    pub fn durable(&self) -> Durable {
        *self.durable.borrow()
    }

    /// How many transactions the writer's state holds: the file's and the group's.
    pub fn writer_seq(&self) -> u64 {
        self.durable().seq + self.state.lock().members.len() as u64
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.state.lock().members.is_empty()
    }

    /// Whether a transaction may start on the writer now (else it waits for [`Group::wait_ended`]).
    pub(crate) fn open_to_new(&self) -> bool {
        !self.state.lock().finishing
    }

    pub(crate) fn generation(&self) -> u64 {
        self.state.lock().generation
    }

    /// Adds a finished transaction; returns the state it ran on.
    pub(crate) fn join(&self, origin: Origin, schema: bool) -> Base {
        let mut st = self.state.lock();
        let durable = self.durable();
        let base = Base { seq: durable.seq + st.members.len() as u64, last: st.members.last().map_or(durable.last, |m| m.origin) };
        st.members.push(Member { origin, schema, applied: None, parts: Vec::new() });
        base
    }

    /// The state machine reached a transaction entry proposed on this node.
    pub(crate) fn hold(&self, origin: Origin, log_id: LogId, base: Base, steps: Vec<Step>, parts: Vec<u64>) -> Hold {
        let mut st = self.state.lock();
        if st.broken {
            return Hold::NotMember(steps);
        }
        let Some(next) = st.members.iter_mut().find(|m| m.applied.is_none()) else { return Hold::NotMember(steps) };
        if next.origin != origin {
            return Hold::NotMember(steps);
        }
        next.applied = Some((log_id, base, steps));
        next.parts = parts;
        let first = !st.finisher;
        st.finisher = true;
        drop(st);
        self.notify();
        Hold::Held { first }
    }

    /// The group cannot commit as it is: it is settled. Returns whether a finisher must be started.
    pub(crate) fn break_up(&self) -> bool {
        let mut st = self.state.lock();
        if st.members.is_empty() {
            return false;
        }
        st.broken = true;
        st.finishing = true;
        let first = !st.finisher;
        st.finisher = true;
        drop(st);
        self.notify();
        first
    }

    /// No more transactions join: the group ends once their entries are reached.
    pub(crate) fn close(&self) {
        self.state.lock().finishing = true;
    }

    /// Whether the finisher can act: every member's entry was reached, or the group is broken.
    pub(crate) fn ready(&self) -> bool {
        let st = self.state.lock();
        st.broken || st.members.iter().all(|m| m.applied.is_some())
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.state.lock().broken
    }

    /// Ends the group (the caller holds the writer): returns its members.
    pub(crate) fn take(&self) -> Vec<Member> {
        std::mem::take(&mut self.state.lock().members)
    }

    /// The group ended and the file now holds `durable`.
    pub(crate) fn ended(&self, durable: Durable) {
        // What the file holds is published before the group counts as ended.
        self.durable.send_replace(durable);
        {
            let mut st = self.state.lock();
            st.finisher = false;
            st.finishing = false;
            st.broken = false;
            st.generation += 1;
        }
        self.notify();
    }

    /// The file now holds `durable` (an entry applied the ordinary way).
    pub(crate) fn advanced(&self, durable: Durable) {
        self.durable.send_replace(durable);
    }

    /// Waits until the group of `generation` ended.
    pub(crate) async fn wait_changed(&self, generation: u64) {
        let mut rx = self.changed.subscribe();
        while self.generation() == generation {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    /// Waits until the finisher can act, at most until `deadline`; false if
    /// the group of `generation` ended meanwhile.
    pub(crate) async fn wait_ready(&self, generation: u64, deadline: Option<tokio::time::Instant>) -> bool {
        let mut rx = self.changed.subscribe();
        loop {
            if self.generation() != generation {
                return false;
            }
            if self.ready() {
                return true;
            }
            let changed = rx.changed();
            let r = match deadline {
                Some(d) => match tokio::time::timeout_at(d, changed).await {
                    Ok(r) => r,
                    Err(_) => return true,
                },
                None => changed.await,
            };
            if r.is_err() {
                return false;
            }
        }
    }

    /// Waits until the file holds entry `index`.
    pub async fn wait_durable(&self, index: u64) {
        let mut rx = self.durable.subscribe();
        let _ = rx.wait_for(|d| d.index >= index).await;
    }

    /// Waits until the file holds the `seq` first transactions; false if the
    /// group they were in was settled before that (they may be lost).
    pub(crate) async fn wait_seq(&self, seq: u64, generation: u64) -> bool {
        let mut rx = self.changed.subscribe();
        loop {
            if self.durable().seq >= seq {
                return true;
            }
            if self.generation() != generation {
                return self.durable().seq >= seq;
            }
            if rx.changed().await.is_err() {
                return false;
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use openraft::CommittedLeaderId;

    /// A log id of term 1 (also for the apply tests).
    pub(crate) fn id(index: u64) -> LogId {
        LogId::new(CommittedLeaderId::new(1, 1), index)
    }

    /// A proposal of node 1.
    pub(crate) fn o(proposal: u64) -> Origin {
        Origin { node: 1, proposal }
    }

    fn at(index: u64, seq: u64, last: u64) -> Durable {
        Durable { index, seq, last: o(last) }
    }

    fn base(seq: u64, last: u64) -> Base {
        Base { seq, last: o(last) }
    }

    #[test]
    fn entries_are_held_in_the_order_the_transactions_ran() {
        let g = Group::new(at(10, 4, 3));
        // Each ran on the file's state and the members before it.
        assert_eq!(g.join(o(7), false), base(4, 3));
        assert_eq!(g.join(o(8), true), base(5, 7));
        assert_eq!(g.writer_seq(), 6);
        // Proposal 8's entry cannot come before 7's.
        assert!(matches!(g.hold(o(8), id(11), base(5, 7), vec![], vec![]), Hold::NotMember(_)));
        assert!(matches!(g.hold(o(7), id(11), base(4, 3), vec![], vec![]), Hold::Held { first: true }));
        assert!(g.open_to_new() && !g.ready());
        assert!(matches!(g.hold(o(8), id(12), base(5, 7), vec![], vec![]), Hold::Held { first: false }));
        assert!(g.ready());
        let members = g.take();
        assert_eq!(members.len(), 2);
        g.ended(at(12, 6, 8));
        assert_eq!((g.durable(), g.writer_seq(), g.generation()), (at(12, 6, 8), 6, 1));
        assert!(g.is_empty() && g.open_to_new());
        assert_eq!(g.join(o(9), false), base(6, 8));
    }

    #[test]
    fn a_broken_group_takes_nothing_more_and_is_ready_to_settle() {
        let g = Group::new(Durable::default());
        assert!(!g.break_up(), "an empty group has nothing to settle");
        g.join(o(1), false);
        g.join(o(2), false);
        assert!(g.break_up());
        assert!(!g.open_to_new() && g.ready() && g.is_broken());
        // Its entries are applied the ordinary way from now on.
        assert!(matches!(g.hold(o(1), id(1), Base::default(), vec![], vec![]), Hold::NotMember(_)));
    }

    #[tokio::test]
    async fn a_reader_of_a_settled_group_learns_that_what_it_read_may_be_lost() {
        let g = Group::new(at(3, 3, 0));
        g.join(o(1), false);
        let (seq, generation) = (g.writer_seq(), g.generation());
        g.break_up();
        g.take();
        g.ended(at(3, 3, 0));
        assert!(!g.wait_seq(seq, generation).await);
        // Once the file holds what it read, it is fine.
        let g = Group::new(at(3, 3, 0));
        g.join(o(1), false);
        let (seq, generation) = (g.writer_seq(), g.generation());
        g.hold(o(1), id(4), base(3, 0), vec![], vec![]);
        g.take();
        g.ended(at(4, 4, 1));
        assert!(g.wait_seq(seq, generation).await);
    }
}
