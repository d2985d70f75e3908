//! The server's state as a plain value: the data tree, the sessions, the
//! connections' identities and the watches. It is fed handshakes, requests
//! and the time, and answers through an [`Outbound`]: each reply after the
//! watch events the request fired, as ZooKeeper orders them. No I/O, no
//! clock of its own, so every rule is tested deterministically.

mod acl;
mod control;
mod durable;
mod java_hash;
mod multi;
mod prep;
mod read;
pub(crate) mod reply;
mod report;
pub(crate) mod request;
mod sasl;
mod sessions;
mod tree;
mod txn;
mod watches;
mod znode;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use zookit_proto::{
    AuthPacket, ConnectRequest, ConnectResponse, ErrorCode, EventType, Id, KeeperState, OpCode,
    ReplyHeader, Request, WatcherEvent,
};

pub(crate) use self::acl::generate_digest as digest;
pub(crate) use self::durable::{Entry, Image, Logged};
pub(crate) use self::reply::Outbound;
use self::request::{Call, Incoming};
pub(crate) use self::sasl::{SaslUsers, Schemes, Security};
use self::sessions::Sessions;
use self::tree::{DataTree, NodeKind, Triggers, WatchTable};
pub(crate) use self::txn::Txn;
use self::watches::WatchManager;
pub(crate) use self::znode::NodeStat;

/// A connection, as the state knows it.
pub(crate) type ConnId = u64;

/// The time, as the state is fed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Now {
    /// Milliseconds since the Unix epoch (znode times).
    pub(crate) wall_ms: i64,
    /// Milliseconds on a monotonic clock (session expiry).
    pub(crate) mono_ms: u64,
}

/// The settings the state follows.
#[derive(Clone, Debug)]
pub(crate) struct StateConfig {
    pub(crate) tick_ms: u64,
    pub(crate) min_session_timeout: i32,
    pub(crate) max_session_timeout: i32,
    /// `user:base64(sha1(user:password))` of the digest super user.
    pub(crate) super_digest: Option<String>,
    /// TTL znodes (`zookeeper.extendedTypesEnabled`).
    pub(crate) extended_types: bool,
    /// Whether `reconfig` is enabled (`reconfigEnabled`); standalone
    /// servers answer `Unimplemented` then, else `ReconfigDisabled`.
    pub(crate) reconfig_enabled: bool,
    /// Keys session passwords.
    pub(crate) secret: i64,
    /// SASL, and the schemes ACLs may name.
    pub(crate) security: Security,
}

/// What the state keeps of a connection.
#[derive(Debug)]
struct Connection {
    peer: SocketAddr,
    session: Option<i64>,
    /// Identities, deduplicated, in the order they were added.
    added: Vec<Id>,
    /// The same, in the order ZooKeeper keeps them (which decides the order
    /// `whoAmI` and `auth` ACLs list them in).
    auth: Arc<[Id]>,
    /// Whether the handshake lacked the read-only flag (3.3 clients).
    old_client: bool,
    /// Closed by the server: nothing more is read from it.
    closed: bool,
    /// Closed after its own closeSession: requests it had already sent are
    /// answered `SessionExpired`, as ZooKeeper answers requests that follow
    /// a closeSession in its pipeline.
    closed_session: bool,
    stats: ConnStats,
}

/// Per-connection counters, for the four-letter words.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnStats {
    pub(crate) received: u64,
    pub(crate) sent: u64,
    pub(crate) last_op: &'static str,
    pub(crate) last_xid: i32,
    pub(crate) last_zxid: i64,
}

/// Server-wide counters, for the four-letter words.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServerStats {
    pub(crate) received: u64,
    pub(crate) sent: u64,
}

/// The state.
#[derive(Debug)]
pub(crate) struct State {
    config: StateConfig,
    tree: DataTree,
    data_watches: WatchManager,
    child_watches: WatchManager,
    sessions: Sessions,
    conns: HashMap<ConnId, Connection>,
    last_zxid: i64,
    stats: ServerStats,
    triggers: Triggers,
    notified: Vec<ConnId>,
    previous: Vec<ConnId>,
    /// The changes since the transaction log last took them; `None`
    /// unless the server is durable.
    journal: Option<Vec<Logged>>,
    sasl: sasl::SaslServer,
}

/// An outbound that counts what it sends, per connection and in total.
struct Counting<'a, O> {
    out: &'a mut O,
    conns: &'a mut HashMap<ConnId, Connection>,
    stats: &'a mut ServerStats,
}

impl<O: Outbound> Outbound for Counting<'_, O> {
    fn send(&mut self, conn: ConnId, record: &impl zookit_proto::Encode) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.stats.sent += 1;
        }
        self.stats.sent += 1;
        self.out.send(conn, record);
    }

    fn close(&mut self, conn: ConnId) {
        self.out.close(conn);
    }
}

/// The Java form of an address (`InetAddress.getHostAddress`).
fn host_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            v6.segments().iter().map(|s| format!("{s:x}")).collect::<Vec<_>>().join(":")
        }
    }
}

impl State {
    /// A fresh server's state, at `now`.
    pub(crate) fn new(config: StateConfig, now: Now) -> Self {
        let sessions = Sessions::new(config.tick_ms, now.wall_ms, config.secret);
        Self {
            tree: DataTree::new(config.extended_types),
            config,
            data_watches: WatchManager::default(),
            child_watches: WatchManager::default(),
            sessions,
            conns: HashMap::new(),
            last_zxid: 0,
            stats: ServerStats::default(),
            triggers: Triggers::default(),
            notified: Vec::new(),
            previous: Vec::new(),
            journal: None,
            sasl: sasl::SaslServer::default(),
        }
    }

    fn next_zxid(&mut self) -> i64 {
        self.last_zxid += 1;
        self.last_zxid
    }

    /// The last zxid applied.
    pub(crate) fn last_zxid(&self) -> i64 {
        self.last_zxid
    }

    /// A new connection's handshake.
    pub(crate) fn connect(
        &mut self,
        conn: ConnId,
        peer: SocketAddr,
        request: &ConnectRequest,
        now: Now,
        out: &mut impl Outbound,
    ) {
        self.stats.received += 1;
        let mut connection = Connection {
            peer,
            session: None,
            added: vec![Id::new("ip", host_address(peer.ip()))],
            auth: Arc::from([Id::new("ip", host_address(peer.ip()))]),
            old_client: request.read_only.is_none(),
            closed: false,
            closed_session: false,
            stats: ConnStats::default(),
        };
        connection.stats.received = 1;
        self.conns.insert(conn, connection);
        if request.last_zxid_seen > self.last_zxid {
            // The client has seen a newer state: it must try another server.
            self.close_conn(conn, out);
            return;
        }
        let timeout =
            request.timeout.clamp(self.config.min_session_timeout, self.config.max_session_timeout);
        let session = if request.session_id == 0 {
            let zxid = self.next_zxid();
            let id = self.sessions.create(timeout, now.mono_ms);
            self.journal(zxid, now.wall_ms, Entry::CreateSession { id, timeout });
            Some(id)
        } else {
            let id = request.session_id;
            // ZooKeeper drops the session's previous connection first,
            // whether or not the password is right.
            if let Some(old) = self.sessions.get(id).and_then(|s| s.conn)
                && old != conn
            {
                self.close_conn(old, out);
            }
            // The session's timeout becomes the one negotiated now.
            let valid = request.passwd[..] == self.sessions.password(id)[..]
                && self.sessions.get_mut(id).is_some_and(|s| {
                    s.timeout = timeout;
                    !s.closing
                })
                && self.sessions.touch(id, now.mono_ms);
            valid.then_some(id)
        };
        let read_only = (!self.is_old_client(conn)).then_some(false);
        match session {
            Some(id) => {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.conn = Some(conn);
                }
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.session = Some(id);
                }
                let passwd = self.sessions.password(id).to_vec().into();
                let response = ConnectResponse {
                    protocol_version: 0,
                    timeout,
                    session_id: id,
                    passwd,
                    read_only,
                };
                self.counting(out).send(conn, &response);
            }
            None => {
                let passwd = vec![0; 16].into();
                let response = ConnectResponse {
                    protocol_version: 0,
                    timeout: 0,
                    session_id: 0,
                    passwd,
                    read_only,
                };
                self.counting(out).send(conn, &response);
                self.close_conn(conn, out);
            }
        }
    }

    fn is_old_client(&self, conn: ConnId) -> bool {
        self.conns.get(&conn).is_some_and(|c| c.old_client)
    }

    fn counting<'a, O: Outbound>(&'a mut self, out: &'a mut O) -> Counting<'a, O> {
        Counting { out, conns: &mut self.conns, stats: &mut self.stats }
    }

    /// Closes a connection from the server's side: its watches go, its
    /// session stays until it expires.
    fn close_conn(&mut self, conn: ConnId, out: &mut impl Outbound) {
        if let Some(c) = self.conns.get_mut(&conn)
            && !c.closed
        {
            c.closed = true;
            out.close(conn);
        }
        self.disconnected(conn);
    }

    /// A connection went away (closed by either side).
    pub(crate) fn disconnected(&mut self, conn: ConnId) {
        self.data_watches.remove_conn(conn);
        self.child_watches.remove_conn(conn);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.closed = true;
            if let Some(id) = c.session.take()
                && let Some(session) = self.sessions.get_mut(id)
                && session.conn == Some(conn)
            {
                session.conn = None;
            }
        }
    }

    /// Forgets a connection the network layer has closed.
    pub(crate) fn forget(&mut self, conn: ConnId) {
        self.disconnected(conn);
        self.sasl.forget(conn);
        self.conns.remove(&conn);
    }

    /// A request on an established connection.
    pub(crate) fn request(
        &mut self,
        conn: ConnId,
        incoming: Incoming,
        now: Now,
        out: &mut impl Outbound,
    ) {
        self.dispatch(conn, incoming, now, out);
        let last_zxid = self.last_zxid;
        if let Some(c) = self.conns.get_mut(&conn) {
            c.stats.last_zxid = last_zxid;
        }
    }

    fn dispatch(&mut self, conn: ConnId, incoming: Incoming, now: Now, out: &mut impl Outbound) {
        self.stats.received += 1;
        let Some(c) = self.conns.get_mut(&conn) else { return };
        c.stats.received += 1;
        if c.closed {
            if c.closed_session {
                let header = ReplyHeader {
                    xid: incoming.xid,
                    zxid: self.last_zxid,
                    err: ErrorCode::SessionExpired,
                };
                self.counting(out).send(conn, &header);
            }
            return;
        }
        let Some(session) = c.session else { return };
        let xid = incoming.xid;
        c.stats.last_xid = xid;
        c.stats.last_op = last_op(&incoming.call);
        match incoming.call {
            Call::Other(Request::Auth(packet)) => return self.auth(conn, xid, &packet, out),
            Call::Other(Request::Sasl(packet)) => {
                return self.sasl_step(conn, xid, &packet.token, out);
            }
            _ => {}
        }
        // Every other request keeps the session alive (`touch`); a request
        // of a session that is gone or closing is dropped unanswered.
        if !self.sessions.touch(session, now.mono_ms) {
            return;
        }
        match incoming.call {
            Call::Unknown(_) => {
                let header = ReplyHeader { xid, zxid: -1, err: ErrorCode::Unimplemented };
                self.counting(out).send(conn, &header);
                self.close_conn(conn, out);
            }
            Call::Malformed(op) => {
                if writes(op) {
                    self.next_zxid();
                }
                self.reply_error(conn, xid, ErrorCode::MarshallingError, out);
            }
            Call::Create(op, body) => {
                let zxid = self.next_zxid();
                let auth = self.auth_of(conn);
                let writer =
                    prep::Writer { session, auth: &auth, schemes: self.config.security.schemes };
                let txn = prep::create(
                    &mut prep::View::single(&self.tree),
                    &writer,
                    op,
                    body,
                    zxid,
                    now.wall_ms,
                );
                self.write(conn, xid, txn, zxid, now, out);
            }
            Call::SetData(body) => {
                let zxid = self.next_zxid();
                let auth = self.auth_of(conn);
                let writer =
                    prep::Writer { session, auth: &auth, schemes: self.config.security.schemes };
                let view = &mut prep::View::single(&self.tree);
                let txn = prep::set_data(view, &writer, body, zxid, now.wall_ms);
                self.write(conn, xid, txn, zxid, now, out);
            }
            Call::Multi(ops) => self.multi(conn, session, xid, ops, now, out),
            Call::MultiRead(ops) => self.multi_read(conn, xid, ops, out),
            Call::Other(request) => self.other(conn, session, xid, request, now, out),
        }
    }

    fn other(
        &mut self,
        conn: ConnId,
        session: i64,
        xid: i32,
        request: Request,
        now: Now,
        out: &mut impl Outbound,
    ) {
        let auth = self.auth_of(conn);
        let writer = prep::Writer { session, auth: &auth, schemes: self.config.security.schemes };
        match request {
            Request::Ping => {
                let header = ReplyHeader {
                    xid: zookit_proto::PING_XID,
                    zxid: self.last_zxid,
                    err: ErrorCode::Ok,
                };
                self.counting(out).send(conn, &header);
            }
            Request::CloseSession => {
                self.close_session(session, out);
                let header = ReplyHeader { xid, zxid: self.last_zxid, err: ErrorCode::Ok };
                self.counting(out).send(conn, &header);
                self.close_conn(conn, out);
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.closed_session = true;
                }
            }
            Request::Delete(r) => {
                let zxid = self.next_zxid();
                let txn = prep::delete(&mut prep::View::single(&self.tree), &writer, r, zxid);
                self.write(conn, xid, txn, zxid, now, out);
            }
            Request::DeleteContainer(_) => {
                // ZooKeeper reads the path of a client's deleteContainer
                // from the whole frame, header included, so it always holds
                // a null character.
                self.next_zxid();
                self.reply_error(conn, xid, ErrorCode::BadArguments, out);
            }
            Request::SetAcl(r) => {
                let zxid = self.next_zxid();
                let txn = prep::set_acl(&mut prep::View::single(&self.tree), &writer, r);
                self.write(conn, xid, txn, zxid, now, out);
            }
            Request::Check(r) => {
                let zxid = self.next_zxid();
                let txn = prep::check(&prep::View::single(&self.tree), &writer, r);
                self.write(conn, xid, txn, zxid, now, out);
            }
            Request::Reconfig(_) => {
                self.next_zxid();
                let err = if self.config.reconfig_enabled {
                    // Standalone: reconfiguration is not supported.
                    ErrorCode::Unimplemented
                } else {
                    ErrorCode::ReconfigDisabled
                };
                self.reply_error(conn, xid, err, out);
            }
            read => self.read(conn, session, xid, read, &auth, out),
        }
    }

    /// The identities of a connection, in the order ZooKeeper keeps them.
    fn auth_of(&self, conn: ConnId) -> Arc<[Id]> {
        self.conns.get(&conn).map_or_else(|| Arc::from([]), |c| c.auth.clone())
    }

    fn reply_error(&mut self, conn: ConnId, xid: i32, err: ErrorCode, out: &mut impl Outbound) {
        let header = ReplyHeader { xid, zxid: self.last_zxid, err };
        self.counting(out).send(conn, &header);
    }

    /// Applies a checked single write and answers it.
    fn write(
        &mut self,
        conn: ConnId,
        xid: i32,
        txn: Result<Txn, ErrorCode>,
        zxid: i64,
        now: Now,
        out: &mut impl Outbound,
    ) {
        let txn = match txn {
            Ok(txn) => txn,
            Err(err) => return self.reply_error(conn, xid, err, out),
        };
        self.arm_triggers();
        let result = txn::apply(&mut self.tree, &txn, zxid, now.wall_ms, &mut self.triggers);
        self.fire(out);
        self.journal(zxid, now.wall_ms, Entry::Txn(txn));
        let header = ReplyHeader { xid, zxid: self.last_zxid, err: result.err };
        let stat = match (result.op, result.stat) {
            // ZooKeeper fails on a stand-alone check; answer with the
            // znode's stat instead.
            (OpCode::Check, None) => self.tree.get(&result.path).map(|n| n.full_stat()),
            (_, stat) => stat,
        };
        let mut out = self.counting(out);
        match (result.op, stat) {
            (OpCode::Create, _) => {
                out.send(conn, &(header, zookit_proto::CreateResponse { path: result.path }))
            }
            (OpCode::Create2 | OpCode::CreateContainer | OpCode::CreateTtl, Some(stat)) => {
                out.send(conn, &(header, zookit_proto::Create2Response { path: result.path, stat }))
            }
            (OpCode::SetData | OpCode::Check, Some(stat)) => {
                out.send(conn, &(header, zookit_proto::SetDataResponse { stat }))
            }
            (OpCode::SetAcl, Some(stat)) => {
                out.send(conn, &(header, zookit_proto::SetAclResponse { stat }))
            }
            _ => out.send(conn, &header),
        }
    }

    /// Collects the triggers of the next change only if someone watches.
    fn arm_triggers(&mut self) {
        self.triggers.enabled = !(self.data_watches.is_empty() && self.child_watches.is_empty());
    }

    /// Sends the events of the triggers the last change produced.
    fn fire(&mut self, out: &mut impl Outbound) {
        if self.triggers.list.is_empty() {
            return;
        }
        let triggers = std::mem::take(&mut self.triggers.list);
        for trigger in &triggers {
            let manager = match trigger.table {
                WatchTable::Data => &mut self.data_watches,
                WatchTable::Child => &mut self.child_watches,
            };
            let suppress = if trigger.suppress_previous { &self.previous[..] } else { &[] };
            let child_event = trigger.event == EventType::NodeChildrenChanged;
            manager.trigger(&trigger.path, child_event, suppress, &mut self.notified);
            if !self.notified.is_empty() {
                let frame = reply::event_frame(WatcherEvent {
                    event_type: trigger.event,
                    state: KeeperState::SyncConnected,
                    path: trigger.path.clone(),
                });
                for i in 0..self.notified.len() {
                    let conn = self.notified[i];
                    self.counting(out).send(conn, &frame);
                }
            }
            std::mem::swap(&mut self.previous, &mut self.notified);
        }
        self.triggers.list = triggers;
        self.triggers.list.clear();
    }

    /// Adds credentials to a connection (`auth`): answered at once with
    /// zxid 0; an unknown scheme fails and closes the connection.
    fn auth(&mut self, conn: ConnId, xid: i32, packet: &AuthPacket, out: &mut impl Outbound) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        let mut ids = Vec::new();
        match packet.scheme.as_str() {
            "digest" => {
                let digest = acl::generate_digest(&String::from_utf8_lossy(&packet.auth));
                if self.config.super_digest.as_deref() == Some(digest.as_str()) {
                    ids.push(Id::new("super", ""));
                }
                ids.push(Id::new("digest", digest));
            }
            "ip" => ids.push(Id::new("ip", host_address(c.peer.ip()))),
            _ => {}
        }
        let err = if ids.is_empty() { ErrorCode::AuthFailed } else { ErrorCode::Ok };
        self.identify(conn, ids);
        let header = ReplyHeader { xid, zxid: 0, err };
        self.counting(out).send(conn, &header);
        if !err.is_ok() {
            self.close_conn(conn, out);
        }
    }

    /// Closes a session (`closeSession`, or expiry): its ephemeral znodes
    /// go, in one transaction. The caller closes its connection.
    fn close_session(&mut self, session: i64, out: &mut impl Outbound) {
        self.sessions.set_closing(session);
        let zxid = self.next_zxid();
        self.arm_triggers();
        self.end_session(session, zxid);
        self.fire(out);
        self.journal(zxid, 0, Entry::CloseSession { id: session });
    }

    /// Deletes a session's ephemeral znodes with `zxid`, and the session.
    fn end_session(&mut self, session: i64, zxid: i64) {
        let paths: Vec<String> =
            self.tree.ephemerals(session).into_iter().map(str::to_owned).collect();
        for path in &paths {
            let _ = self.tree.delete(path, zxid, &mut self.triggers);
        }
        self.tree.forget_session(session);
        self.sessions.remove(session);
    }

    /// Expires the sessions whose time is up by `now`, closing their
    /// connections.
    pub(crate) fn expire_sessions(&mut self, now: Now, out: &mut impl Outbound) {
        for id in self.sessions.take_expired(now.mono_ms) {
            let conn = self.sessions.get(id).and_then(|s| s.conn);
            self.close_session(id, out);
            if let Some(conn) = conn {
                self.close_conn(conn, out);
            }
        }
    }

    /// When the next session expires, on the monotonic clock.
    pub(crate) fn next_expiry(&self) -> Option<u64> {
        self.sessions.next_expiry()
    }

    /// Deletes the empty containers that once had children and the expired
    /// childless TTL znodes (`ContainerManager`), each in its own
    /// transaction.
    pub(crate) fn reap_containers(&mut self, now: Now, out: &mut impl Outbound) {
        let (containers, ttls) = self.tree.containers_and_ttls();
        let mut candidates: Vec<String> = containers
            .iter()
            .filter(|path| {
                self.tree.get(path).is_some_and(|n| n.num_children() == 0 && n.stat.cversion > 0)
            })
            .cloned()
            .collect();
        candidates.extend(
            ttls.iter()
                .filter(|path| {
                    self.tree.get(path).is_some_and(|n| {
                        match NodeKind::of(n.stat.ephemeral_owner, true) {
                            NodeKind::Ttl(ttl) => {
                                n.num_children() == 0
                                    && ttl != 0
                                    && now.wall_ms.saturating_sub(n.stat.mtime) > ttl
                            }
                            _ => false,
                        }
                    })
                })
                .cloned(),
        );
        candidates.sort();
        for path in candidates {
            let zxid = self.next_zxid();
            if let Ok(txn) = prep::delete_container(&mut prep::View::single(&self.tree), path, zxid)
            {
                self.arm_triggers();
                txn::apply(&mut self.tree, &txn, zxid, now.wall_ms, &mut self.triggers);
                self.fire(out);
                self.journal(zxid, now.wall_ms, Entry::Txn(txn));
            }
        }
    }
}

/// The abbreviation `cons` shows for a connection's last request.
fn last_op(call: &Call) -> &'static str {
    match call {
        Call::Create(..) => "CREA",
        Call::SetData(_) => "SETD",
        Call::Multi(_) => "MULT",
        Call::MultiRead(_) => "MLTR",
        Call::Malformed(_) | Call::Unknown(_) => "NA",
        Call::Other(request) => match request {
            Request::Delete(_) | Request::DeleteContainer(_) => "DELE",
            Request::SetAcl(_) => "SETA",
            Request::Check(_) => "CHEC",
            Request::Reconfig(_) => "RECO",
            Request::Exists(_) => "EXIS",
            Request::GetData(_) => "GETD",
            Request::GetAcl(_) => "GETA",
            Request::GetChildren(_) | Request::GetChildren2(_) => "GETC",
            Request::GetAllChildrenNumber(_) => "GETACN",
            Request::GetEphemerals(_) => "GETE",
            Request::Sync(_) => "SYNC",
            Request::AddWatch(_) => "ADDW",
            Request::RemoveWatches(_) => "REMW",
            Request::CheckWatches(_) => "CHKW",
            Request::SetWatches(_) => "SETW",
            Request::SetWatches2(_) => "STW2",
            Request::WhoAmI => "HOMI",
            Request::Ping => "PING",
            Request::CloseSession => "CLOS",
            _ => "NA",
        },
    }
}

/// Whether a request is a write, which takes a zxid even when it fails.
fn writes(op: OpCode) -> bool {
    matches!(
        op,
        OpCode::Create
            | OpCode::Create2
            | OpCode::CreateContainer
            | OpCode::CreateTtl
            | OpCode::Delete
            | OpCode::DeleteContainer
            | OpCode::SetData
            | OpCode::SetAcl
            | OpCode::Check
            | OpCode::Multi
            | OpCode::CreateSession
    )
}
