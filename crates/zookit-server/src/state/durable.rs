//! The state's side of durability: the changes it records for the
//! transaction log (a journal, kept only when a data directory is in use),
//! the same changes replayed into a state being recovered, and the image of
//! the tree and sessions a snapshot stores. No I/O: the bytes and files
//! are `persist`'s.

use zookit_proto::Acl;

use super::tree::Triggers;
use super::txn::{self, Txn};
use super::znode::{NodeStat, Znode};
use super::{Now, State};

/// A change to the durable state, as the log records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A session was created with this id and negotiated timeout.
    CreateSession { id: i64, timeout: i32 },
    /// A session was closed or expired; its ephemeral znodes went with it.
    CloseSession { id: i64 },
    /// A write, as checked and applied.
    Txn(Txn),
}

/// An entry with the zxid it took and the time it was applied at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Logged {
    pub(crate) zxid: i64,
    /// Milliseconds since the Unix epoch (the znode times it set).
    pub(crate) time: i64,
    pub(crate) entry: Entry,
}

/// What a snapshot holds of the state, piece by piece.
#[derive(Debug)]
pub(crate) enum Image<'a> {
    /// An ACL list; the znodes that follow refer to it by its index, the
    /// count of lists given before it.
    Acl(&'a [Acl]),
    /// A znode, after its parent: its path (`/` for the root), its ACL's
    /// index, its data (`None`: null) and the stat fields the tree keeps.
    Znode { path: &'a [u8], acl: u32, data: Option<&'a [u8]>, stat: NodeStat },
}

impl State {
    /// Records every change from now on, for [`take_journal`](Self::take_journal).
    pub(crate) fn keep_journal(&mut self) {
        self.journal.get_or_insert_with(Vec::new);
    }

    /// The changes recorded since the last call, in zxid order.
    pub(crate) fn take_journal(&mut self) -> Vec<Logged> {
        self.journal.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Records a change if a journal is kept.
    pub(super) fn journal(&mut self, zxid: i64, time: i64, entry: Entry) {
        if let Some(journal) = &mut self.journal {
            journal.push(Logged { zxid, time, entry });
        }
    }

    /// The key of session passwords: a recovered server must keep it, or
    /// no client could resume its session.
    pub(crate) fn secret(&self) -> i64 {
        self.config.secret
    }

    /// Takes `zxid` as the last one, when a log records zxids that changed
    /// nothing (failed writes).
    pub(crate) fn advance_zxid(&mut self, zxid: i64) {
        self.last_zxid = self.last_zxid.max(zxid);
    }

    /// Applies a logged change again, while recovering at `now`: sessions
    /// restored then expire after their timeout unless resumed. Fails on a
    /// change that does not fit the state (the log does not belong to it).
    pub(crate) fn replay(&mut self, logged: &Logged, now: Now) -> Result<(), String> {
        if logged.zxid <= self.last_zxid {
            return Err(format!(
                "zxid {:#x} does not follow zxid {:#x}",
                logged.zxid, self.last_zxid
            ));
        }
        self.last_zxid = logged.zxid;
        self.triggers.enabled = false;
        match &logged.entry {
            Entry::CreateSession { id, timeout } => {
                if !self.sessions.restore(*id, *timeout, now.mono_ms) {
                    return Err(format!("session {id:#x} is created twice"));
                }
            }
            Entry::CloseSession { id } => {
                if self.sessions.get(*id).is_none() {
                    return Err(format!("session {id:#x} is closed but was never created"));
                }
                self.end_session(*id, logged.zxid);
            }
            Entry::Txn(txn) => {
                let mut triggers = Triggers::default();
                let result =
                    txn::apply(&mut self.tree, txn, logged.zxid, logged.time, &mut triggers);
                // Only a multi that failed its checks is logged failing.
                let failed_multi = matches!(txn, Txn::Multi(txns) if txns.iter().any(|t| matches!(t, Txn::Error(_))));
                if !result.err.is_ok() && !failed_multi {
                    return Err(format!(
                        "the write of zxid {:#x} fails with {:?} on the tree before it",
                        logged.zxid, result.err
                    ));
                }
            }
        }
        Ok(())
    }

    /// The sessions, by id, with their timeouts.
    pub(crate) fn session_image(&self) -> Vec<(i64, i32)> {
        let mut sessions: Vec<_> = self.sessions.iter().map(|s| (s.id, s.timeout)).collect();
        sessions.sort_unstable();
        sessions
    }

    /// Visits the tree for a snapshot: every znode after its parent, each
    /// ACL list before the first znode that uses it.
    pub(crate) fn tree_image(&self, visit: &mut impl FnMut(Image<'_>)) {
        let mut indexes = std::collections::HashMap::new();
        let mut path = b"/".to_vec();
        let root = self.tree.get("/").expect("the tree has a root");
        self.visit_znode(root, &mut path, &mut indexes, visit);
    }

    fn visit_znode(
        &self,
        node: &Znode,
        path: &mut Vec<u8>,
        indexes: &mut std::collections::HashMap<super::acl::AclId, u32>,
        visit: &mut impl FnMut(Image<'_>),
    ) {
        let next = u32::try_from(indexes.len()).unwrap_or(u32::MAX);
        let acl = *indexes.entry(node.acl).or_insert_with(|| {
            visit(Image::Acl(self.tree.acls.get(node.acl)));
            next
        });
        visit(Image::Znode { path, acl, data: node.nullable_data(), stat: node.stat });
        let len = path.len();
        for child in node.children() {
            if len > 1 {
                path.push(b'/');
            }
            path.extend_from_slice(child.name());
            self.visit_znode(child, path, indexes, visit);
            path.truncate(len);
        }
    }

    /// Puts a znode of a snapshot into the tree (its parent first).
    pub(crate) fn restore_znode(
        &mut self,
        path: &str,
        data: Option<&[u8]>,
        acl: &[Acl],
        stat: NodeStat,
    ) -> Result<(), String> {
        self.tree.restore(path, data, acl, stat).map_err(|_| format!("{path}: no parent znode"))
    }

    /// Puts a session of a snapshot into the table; it expires after its
    /// timeout from `now` unless resumed.
    pub(crate) fn restore_session(
        &mut self,
        id: i64,
        timeout: i32,
        now: Now,
    ) -> Result<(), String> {
        if self.sessions.restore(id, timeout, now.mono_ms) {
            Ok(())
        } else {
            Err(format!("session {id:#x} appears twice"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateConfig;

    fn state() -> State {
        let config = StateConfig {
            tick_ms: 100,
            min_session_timeout: 200,
            max_session_timeout: 2000,
            super_digest: None,
            extended_types: true,
            reconfig_enabled: false,
            secret: 7,
            security: Default::default(),
        };
        State::new(config, Now { wall_ms: 1_700_000_000_000, mono_ms: 1_000_000 })
    }

    #[test]
    fn the_journal_is_kept_only_when_asked() {
        let mut plain = state();
        plain.journal(1, 0, Entry::CloseSession { id: 1 });
        assert!(plain.take_journal().is_empty());
        let mut kept = state();
        kept.keep_journal();
        kept.journal(1, 5, Entry::CloseSession { id: 1 });
        assert_eq!(
            kept.take_journal(),
            [Logged { zxid: 1, time: 5, entry: Entry::CloseSession { id: 1 } }]
        );
        assert!(kept.take_journal().is_empty());
    }

    #[test]
    fn replay_refuses_what_does_not_fit() {
        let now = Now { wall_ms: 1_700_000_000_000, mono_ms: 1_000_000 };
        let mut s = state();
        let create =
            Logged { zxid: 2, time: 0, entry: Entry::CreateSession { id: 9, timeout: 500 } };
        s.replay(&create, now).unwrap();
        assert!(s.replay(&create, now).unwrap_err().contains("does not follow"));
        let again = Logged { zxid: 3, ..create };
        assert!(s.replay(&again, now).unwrap_err().contains("twice"));
        let close = Logged { zxid: 4, time: 0, entry: Entry::CloseSession { id: 10 } };
        assert!(s.replay(&close, now).unwrap_err().contains("never created"));
        let delete = Txn::Delete { op: zookit_proto::OpCode::Delete, path: "/missing".into() };
        let delete = Logged { zxid: 5, time: 0, entry: Entry::Txn(delete) };
        assert!(s.replay(&delete, now).unwrap_err().contains("NoNode"));
        assert_eq!(s.last_zxid(), 5);
    }
}
