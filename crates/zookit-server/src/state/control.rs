//! What the server's owner does to the state beside serving requests:
//! adding identities a connection proved outside a request (a client
//! certificate), and expiring a session on demand.

use zookit_proto::Id;

use super::{ConnId, Outbound, State, java_hash};

impl State {
    /// Adds `ids` to a connection's identities (once each).
    pub(crate) fn identify(&mut self, conn: ConnId, ids: Vec<Id>) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        for id in ids {
            if !c.added.contains(&id) {
                c.added.push(id);
            }
        }
        c.auth = java_hash::set_order(&c.added).into();
    }

    /// Expires session `id` now, as its timeout would: its ephemerals go
    /// (and their watches fire), then its connection is closed. False if
    /// no such session is alive.
    pub(crate) fn expire_session(&mut self, id: i64, out: &mut impl Outbound) -> bool {
        let Some(session) = self.sessions.get(id) else { return false };
        if session.closing {
            return false;
        }
        let conn = session.conn;
        self.close_session(id, out);
        if let Some(conn) = conn {
            self.close_conn(conn, out);
        }
        true
    }
}
