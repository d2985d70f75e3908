//! What the four-letter words report about the state.

use std::net::SocketAddr;

use super::{ConnId, ConnStats, ServerStats, State};

/// One connection, as `cons` and `stat` list it.
#[derive(Clone, Debug)]
pub(crate) struct ConnReport {
    pub(crate) conn: ConnId,
    pub(crate) peer: SocketAddr,
    pub(crate) session: Option<i64>,
    pub(crate) timeout: i32,
    pub(crate) stats: ConnStats,
}

/// Counts of watches on the data table (`wchs` reports only that one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WatchSummary {
    pub(crate) connections: usize,
    pub(crate) paths: usize,
    pub(crate) watches: usize,
}

impl State {
    /// The server-wide counters.
    pub(crate) fn server_stats(&self) -> &ServerStats {
        &self.stats
    }

    /// Resets the server-wide counters (`srst`).
    pub(crate) fn reset_server_stats(&mut self) {
        self.stats = ServerStats::default();
    }

    /// Resets every connection's counters (`crst`).
    pub(crate) fn reset_connection_stats(&mut self) {
        for c in self.conns.values_mut() {
            c.stats = ConnStats::default();
        }
    }

    /// The open connections, by id.
    pub(crate) fn connections(&self) -> Vec<ConnReport> {
        let mut all: Vec<ConnReport> = self
            .conns
            .iter()
            .filter(|(_, c)| !c.closed)
            .map(|(conn, c)| ConnReport {
                conn: *conn,
                peer: c.peer,
                session: c.session,
                timeout: c.session.and_then(|s| self.sessions.get(s)).map_or(0, |s| s.timeout),
                stats: c.stats.clone(),
            })
            .collect();
        all.sort_by_key(|c| c.conn);
        all
    }

    /// The number of znodes, as ZooKeeper counts them.
    pub(crate) fn node_count(&self) -> usize {
        self.tree.node_count()
    }

    /// The sum of path and data lengths.
    pub(crate) fn approximate_data_size(&self) -> usize {
        self.tree.approximate_data_size()
    }

    /// The number of ephemeral znodes.
    pub(crate) fn ephemeral_count(&self) -> usize {
        self.tree.ephemeral_count()
    }

    /// Each session with ephemeral znodes, and their paths, by session.
    pub(crate) fn ephemerals(&self) -> Vec<(i64, Vec<String>)> {
        let mut all: Vec<_> = self
            .tree
            .all_ephemerals()
            .map(|(s, paths)| (s, paths.iter().map(str::to_owned).collect()))
            .collect();
        all.sort();
        all
    }

    /// The number of sessions.
    pub(crate) fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Sessions by the monotonic time they expire at.
    pub(crate) fn session_expiry(&self) -> Vec<(u64, Vec<i64>)> {
        let mut by_time: std::collections::BTreeMap<u64, Vec<i64>> = Default::default();
        for session in self.sessions.iter().filter(|s| !s.closing) {
            by_time.entry(session.expires_at).or_default().push(session.id);
        }
        by_time
            .into_iter()
            .map(|(t, mut ids)| {
                ids.sort_unstable();
                (t, ids)
            })
            .collect()
    }

    /// Watches in both tables (`zk_watch_count`).
    pub(crate) fn watch_count(&self) -> usize {
        self.data_watches.len() + self.child_watches.len()
    }

    /// The data table's summary (`wchs`).
    pub(crate) fn data_watch_summary(&self) -> WatchSummary {
        WatchSummary {
            connections: self.data_watches.conn_count(),
            paths: self.data_watches.path_count(),
            watches: self.data_watches.len(),
        }
    }

    /// Data watches by session (`wchc`): session id, then paths.
    pub(crate) fn data_watches_by_session(&self) -> Vec<(i64, Vec<String>)> {
        self.data_watches
            .by_conn()
            .into_iter()
            .map(|(conn, paths)| {
                (self.session_of(conn), paths.into_iter().map(str::to_owned).collect())
            })
            .collect()
    }

    /// Data watches by path (`wchp`): path, then session ids.
    pub(crate) fn data_watches_by_path(&self) -> Vec<(String, Vec<i64>)> {
        self.data_watches
            .by_path()
            .into_iter()
            .map(|(path, conns)| {
                (path.to_owned(), conns.into_iter().map(|c| self.session_of(c)).collect())
            })
            .collect()
    }

    fn session_of(&self, conn: ConnId) -> i64 {
        self.conns.get(&conn).and_then(|c| c.session).unwrap_or(0)
    }
}
