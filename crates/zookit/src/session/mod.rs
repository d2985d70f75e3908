//! The session state machine, without I/O.
//!
//! [`Session`] holds everything a ZooKeeper session is: the handshake, xids,
//! requests in flight (answered in order) and queued while disconnected,
//! the ping schedule and read timeout, re-authentication and re-arming of
//! watches after a reconnect, expiry, and the states an application sees.
//! It is fed bytes, transport events and the current [`Instant`], and
//! answers with bytes to write ([`Session::write_buf`]), [`Action`]s for the
//! transport, state changes, and the next deadline. Replies and watch events
//! go straight to the waiting channels.
//!
//! The driver (`crate::driver`) owns the socket and runs this machine; the
//! tests below run it on virtual time, with no socket and no sleep.

mod catch_up;
pub(crate) mod watches;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use tokio::sync::oneshot;
use tracing::{debug, info, warn};
use zookit_proto::{
    AUTH_XID, AuthPacket, ConnectRequest, ConnectResponse, Decode, DecodeError, ErrorCode,
    ExistsRequest, FrameDecoder, GetSaslRequest, KeeperState, OpCode, PING_XID,
    RemoveWatchesRequest, ReplyHeader, Request, RequestHeader, Response, SET_WATCHES_XID,
    WATCH_XID, WatcherEvent, WatcherType, encode_frame,
};

use self::watches::{
    SET_WATCHES_MAX_BYTES, WatchKind, WatchRegistry, WatchRequest, set_watches_requests,
};
use crate::chroot::Chroot;
use crate::hosts::HostPort;
use crate::retry::RetryPolicy;
use crate::sasl::{DigestMd5, SaslCredentials};
use crate::state::{ClientState, State};
use crate::{Error, ErrorKind, Result};

/// Where the answer to a request goes.
pub(crate) type ReplySender = oneshot::Sender<Result<Response>>;

/// What the session needs to know, fixed for its lifetime.
#[derive(Clone, Debug)]
pub(crate) struct SessionConfig {
    /// The servers, in the order given.
    pub(crate) hosts: Vec<HostPort>,
    /// Whether to try the servers in random order (shuffled at the start
    /// and on [`Session::set_hosts`]).
    pub(crate) randomize_hosts: bool,
    /// The chroot, stripped from watch event paths.
    pub(crate) chroot: Chroot,
    /// The session timeout to ask for.
    pub(crate) session_timeout: Duration,
    /// Whether a read-only server is acceptable.
    pub(crate) read_only: bool,
    /// Credentials sent on every connection: (scheme, credential).
    pub(crate) auth: Vec<(String, Bytes)>,
    /// A session to resume: (id, password).
    pub(crate) resume: Option<(i64, Bytes)>,
    /// The back-off between rounds over all hosts.
    pub(crate) connection_retry: RetryPolicy,
    /// The largest frame accepted from the server.
    pub(crate) max_frame_len: usize,
    /// SASL credentials to authenticate every connection with.
    pub(crate) sasl: Option<SaslCredentials>,
}

/// What the machine asks of the transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Open a connection to this host (dropping any current one), within
    /// [`Session::connect_timeout`]; report with [`Session::connected`] or
    /// [`Session::connect_failed`].
    Connect(HostPort),
    /// Drop the current connection (the machine already knows; do not
    /// report it closed).
    CloseTransport,
    /// Ask this host whether it serves read-write (`isro`); report a
    /// read-write answer with [`Session::read_write_found`].
    ProbeReadWrite(HostPort),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not started, or stopped.
    Closed,
    /// Backing off before the next round of hosts.
    Waiting { until: Instant },
    /// The driver is opening a connection.
    Connecting,
    /// The connect request is sent; waiting for the server's answer.
    Handshaking { deadline: Instant },
    /// The session is established; its SASL authentication runs before
    /// anything else is sent.
    Authenticating { deadline: Instant },
    /// The session is established on this connection.
    Connected,
    /// `closeSession` is sent; waiting for its answer.
    Closing { deadline: Instant },
    /// The server expired the session.
    Expired,
    /// The server refused the session's credentials.
    AuthFailed,
}

/// A request sent and not yet answered.
struct Pending {
    xid: i32,
    op: OpCode,
    reply: Option<ReplySender>,
    /// A watch to register when the answer is a success, on this server path.
    watch: Option<(String, WatchRequest)>,
    /// The session's own read of whether a persistently watched znode exists.
    existence: Option<ExistenceRead>,
}

/// A read the session makes for its persistent one-node watchers: on the
/// first watcher of a znode, and after each reconnect to catch up.
struct ExistenceRead {
    path: String,
    catch_up: bool,
}

/// A request submitted while not connected.
struct Queued {
    request: Request,
    reply: ReplySender,
    watch: Option<WatchRequest>,
}

/// An auth scheme and credential.
type Credentials = (String, Bytes);
/// Whoever waits for the server's answer to credentials.
type AuthWaiter = oneshot::Sender<Result<()>>;

/// Credentials to send on every connection.
struct Auth {
    scheme: String,
    credential: Bytes,
    /// Whoever waits for the server's first answer to them.
    waiter: Option<oneshot::Sender<Result<()>>>,
}

/// The session state machine. See the module documentation.
pub(crate) struct Session {
    config: SessionConfig,
    rng: StdRng,
    phase: Phase,
    /// Whether the session was ever started (a restart begins a new session).
    started: bool,
    /// How many times the session was started: tells a new start's states
    /// from the previous session's.
    starts: u64,
    state: State,
    client_state: ClientState,
    changes: VecDeque<(State, ClientState)>,
    actions: VecDeque<Action>,

    /// Index of the current (or last tried) host.
    host: usize,
    /// Hosts that failed in the current round.
    failed_in_round: usize,
    /// Hosts that failed in the current round for a reason no retry fixes
    /// (a TLS certificate failure).
    fatal_in_round: usize,
    /// The last such failure, which ends the session if every host fails so.
    failure: Option<String>,
    /// Rounds over all hosts that failed since the last connection.
    failed_rounds: u32,
    /// When the current run of failures began.
    failing_since: Option<Instant>,

    decoder: FrameDecoder,
    read_buf: BytesMut,
    write_buf: BytesMut,

    session_id: i64,
    passwd: Bytes,
    negotiated_timeout: Option<Duration>,
    last_zxid: i64,
    /// Whether a read-write server has ever accepted this session; until
    /// then every connection asks for a new session (as ZooKeeper's clients
    /// do: read-only sessions cannot move).
    seen_read_write: bool,
    read_only_connection: bool,
    next_xid: i32,

    pending: VecDeque<Pending>,
    queued: VecDeque<Queued>,
    auth: Vec<Auth>,
    /// One entry per auth packet sent on this connection, answered in
    /// order: its credentials (scheme, credential) and whoever waits.
    auth_waiters: VecDeque<(Credentials, Option<AuthWaiter>)>,
    close_waiters: Vec<oneshot::Sender<()>>,
    watches: WatchRegistry,
    /// `setWatches` requests sent on this connection and not yet answered.
    set_watches_unanswered: usize,
    /// Persistent recursive watchers to tell to resynchronise once their
    /// watches are registered again.
    resets_due: Vec<u64>,
    /// SASL credentials, used on every connection.
    sasl: Option<SaslCredentials>,
    /// The SASL exchange running on this connection.
    sasl_exchange: Option<DigestMd5>,
    /// Whoever waits for the next SASL exchange to end (`add_auth("sasl")`).
    sasl_waiter: Option<AuthWaiter>,

    last_send: Instant,
    last_recv: Instant,
    disconnected_since: Option<Instant>,
    lost: bool,
    /// When to probe for a read-write server next, and the interval after that.
    probe: Option<(Instant, Duration)>,
}

/// The first interval between probes for a read-write server, doubled after
/// each probe up to [`MAX_PROBE_INTERVAL`] (as ZooKeeper's Java client does).
const FIRST_PROBE_INTERVAL: Duration = Duration::from_millis(100);
const MAX_PROBE_INTERVAL: Duration = Duration::from_secs(60);
/// The longest `stop` waits for the server to confirm `closeSession`.
const MAX_CLOSE_WAIT: Duration = Duration::from_secs(5);

impl Session {
    /// A session that has not started.
    pub(crate) fn new(config: SessionConfig, now: Instant) -> Self {
        let (session_id, passwd) =
            config.resume.clone().unwrap_or((0, Bytes::from_static(&[0; 16])));
        let auth = config
            .auth
            .iter()
            .map(|(scheme, credential)| Auth {
                scheme: scheme.clone(),
                credential: credential.clone(),
                waiter: None,
            })
            .collect();
        let sasl = config.sasl.clone();
        let mut rng = StdRng::from_os_rng();
        let mut config = config;
        if config.randomize_hosts {
            config.hosts.shuffle(&mut rng);
        }
        Self {
            decoder: FrameDecoder::new(config.max_frame_len),
            config,
            rng,
            phase: Phase::Closed,
            started: false,
            starts: 0,
            state: State::Lost,
            client_state: ClientState::Closed,
            changes: VecDeque::new(),
            actions: VecDeque::new(),
            host: 0,
            failed_in_round: 0,
            fatal_in_round: 0,
            failure: None,
            failed_rounds: 0,
            failing_since: None,
            read_buf: BytesMut::with_capacity(64 * 1024),
            write_buf: BytesMut::with_capacity(64 * 1024),
            seen_read_write: session_id != 0,
            session_id,
            passwd,
            negotiated_timeout: None,
            last_zxid: 0,
            read_only_connection: false,
            next_xid: 1,
            pending: VecDeque::new(),
            queued: VecDeque::new(),
            auth,
            auth_waiters: VecDeque::new(),
            close_waiters: Vec::new(),
            watches: WatchRegistry::default(),
            set_watches_unanswered: 0,
            resets_due: Vec::new(),
            sasl,
            sasl_exchange: None,
            sasl_waiter: None,
            last_send: now,
            last_recv: now,
            disconnected_since: None,
            lost: false,
            probe: None,
        }
    }

    // ---- what the driver reads ----

    /// The simple state.
    pub(crate) fn state(&self) -> State {
        self.state
    }

    /// The raw client state.
    pub(crate) fn client_state(&self) -> ClientState {
        self.client_state
    }

    /// Whether the session has ended (closed, expired or refused) and no
    /// connection is open or wanted.
    pub(crate) fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Closed | Phase::Expired | Phase::AuthFailed)
    }

    /// How many requests await their replies.
    pub(crate) fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// The session id and password, once a server has granted them.
    pub(crate) fn client_id(&self) -> Option<(i64, Bytes)> {
        (self.session_id != 0).then(|| (self.session_id, self.passwd.clone()))
    }

    /// How many times the session was started.
    pub(crate) fn starts(&self) -> u64 {
        self.starts
    }

    /// The session timeout the server granted, once connected.
    pub(crate) fn negotiated_timeout(&self) -> Option<Duration> {
        self.negotiated_timeout
    }

    /// How long the transport may take to open a connection to one host:
    /// the session timeout shared among the hosts, as ZooKeeper's clients do.
    pub(crate) fn connect_timeout(&self) -> Duration {
        let hosts = u32::try_from(self.config.hosts.len().max(1)).unwrap_or(u32::MAX);
        self.config.session_timeout / hosts
    }

    /// The next action for the transport.
    pub(crate) fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next state change: (simple state, raw state).
    pub(crate) fn poll_state_change(&mut self) -> Option<(State, ClientState)> {
        self.changes.pop_front()
    }

    /// Bytes to write to the connection. The driver writes them and
    /// consumes what was written.
    pub(crate) fn write_buf(&mut self) -> &mut BytesMut {
        &mut self.write_buf
    }

    /// The buffer the driver reads into before calling [`Session::received`].
    pub(crate) fn read_buf(&mut self) -> &mut BytesMut {
        &mut self.read_buf
    }

    /// The earliest time at which [`Session::timeout`] has something to do.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let phase = match self.phase {
            Phase::Waiting { until } => Some(until),
            Phase::Handshaking { deadline }
            | Phase::Authenticating { deadline }
            | Phase::Closing { deadline } => Some(deadline),
            Phase::Connected => {
                let ping = self.last_send + self.ping_interval();
                let read = self.last_recv + self.read_timeout();
                Some(ping.min(read))
            }
            _ => None,
        };
        let lost = match (self.disconnected_since, self.lost) {
            (Some(since), false) => Some(since + self.session_timeout()),
            _ => None,
        };
        let probe = self.probe.map(|(at, _)| at);
        [phase, lost, probe].into_iter().flatten().min()
    }

    fn session_timeout(&self) -> Duration {
        self.negotiated_timeout.unwrap_or(self.config.session_timeout)
    }

    /// Two thirds of the session timeout: a connection silent for longer is
    /// dead.
    fn read_timeout(&self) -> Duration {
        self.session_timeout() * 2 / 3
    }

    /// Half the read timeout: an idle connection sends a ping this often.
    fn ping_interval(&self) -> Duration {
        self.read_timeout() / 2
    }

    // ---- what the application asks ----

    /// Starts (or restarts) connecting. A stopped or ended session starts
    /// over with a new session.
    pub(crate) fn start(&mut self, now: Instant) {
        match self.phase {
            Phase::Closed | Phase::Expired | Phase::AuthFailed => {}
            _ => return,
        }
        if self.started {
            // A session ran before: a new one begins.
            self.session_id = 0;
            self.passwd = Bytes::from_static(&[0; 16]);
            self.seen_read_write = false;
            self.negotiated_timeout = None;
            // The last zxid seen stays: a server behind what this client
            // already saw must not serve its new session either.
        }
        self.started = true;
        self.starts += 1;
        self.failure = None;
        self.fatal_in_round = 0;
        self.failed_in_round = 0;
        self.failed_rounds = 0;
        self.failing_since = Some(now);
        self.disconnected_since = Some(now);
        self.lost = false;
        // As kazoo: Lost until the first connection, Suspended only after one.
        self.set_state(State::Lost, ClientState::Connecting);
        self.connect_to(self.host);
    }

    /// Closes the session: its ephemeral nodes vanish at once. `done` is
    /// told when the client is closed.
    pub(crate) fn stop(&mut self, now: Instant, done: Option<oneshot::Sender<()>>) {
        self.close_waiters.extend(done);
        match self.phase {
            Phase::Connected => {
                self.send(now, Request::CloseSession, None, None);
                let wait = self.read_timeout().min(MAX_CLOSE_WAIT);
                self.phase = Phase::Closing { deadline: now + wait };
            }
            Phase::Closing { .. } => {}
            _ => self.finish_close(),
        }
    }

    /// Submits a request. It is sent at once when connected, else queued
    /// until the session is connected again. A watch is registered when the
    /// answer is a success (or `NoNode` for `exists`).
    pub(crate) fn submit(
        &mut self,
        now: Instant,
        request: Request,
        reply: ReplySender,
        watch: Option<WatchRequest>,
    ) {
        if let Err(err) = self.refuse_reason() {
            let _ = reply.send(Err(err));
            return;
        }
        if self.phase == Phase::Connected {
            self.send(now, request, Some(reply), watch);
        } else {
            self.queued.push_back(Queued { request, reply, watch });
        }
    }

    /// Why a request cannot be accepted now, if it cannot.
    fn refuse_reason(&self) -> Result<()> {
        match self.phase {
            Phase::Closed | Phase::Closing { .. } => Err(Error::new(ErrorKind::Closed)),
            Phase::Expired => Err(Error::from_code(ErrorCode::SessionExpired)),
            Phase::AuthFailed => Err(match &self.failure {
                Some(failure) => Error::new(ErrorKind::Tls(failure.clone())),
                None => Error::from_code(ErrorCode::AuthFailed),
            }),
            // Disconnected for longer than the session timeout: fail fast
            // rather than queue for a session that is probably gone.
            _ if self.lost => Err(Error::from_code(ErrorCode::ConnectionLoss)),
            _ => Ok(()),
        }
    }

    /// Replaces the servers (kazoo's `set_hosts`): the current connection
    /// stays; the next connection goes to a server of the new list (the
    /// current one's successor there if it is in it).
    pub(crate) fn set_hosts(&mut self, mut hosts: Vec<HostPort>) {
        if hosts.is_empty() {
            return;
        }
        if self.config.randomize_hosts {
            hosts.shuffle(&mut self.rng);
        }
        let current = self.config.hosts.get(self.host);
        let at = current.and_then(|current| hosts.iter().position(|h| h == current));
        info!(hosts = ?hosts, "new server list");
        // Not in the new list: the next connection goes to the new first.
        self.host = at.unwrap_or(hosts.len() - 1);
        self.failed_in_round = 0;
        self.fatal_in_round = 0;
        self.config.hosts = hosts;
    }

    /// Adds credentials to the session (and to every future connection).
    pub(crate) fn add_auth(
        &mut self,
        now: Instant,
        scheme: String,
        credential: Bytes,
        reply: oneshot::Sender<Result<()>>,
    ) {
        if let Err(err) = self.refuse_reason() {
            let _ = reply.send(Err(err));
            return;
        }
        if scheme == "sasl" {
            match SaslCredentials::from_credential(&credential) {
                Ok(credentials) => {
                    self.sasl = Some(credentials.clone());
                    self.sasl_waiter = Some(reply);
                    if self.phase == Phase::Connected {
                        self.start_sasl(now, credentials);
                    }
                }
                Err(err) => {
                    let _ = reply.send(Err(err));
                }
            }
            return;
        }
        if self.phase == Phase::Connected {
            self.send_auth(now, &scheme, &credential);
            self.auth_waiters.push_back(((scheme.clone(), credential.clone()), Some(reply)));
            self.auth.push(Auth { scheme, credential, waiter: None });
        } else {
            self.auth.push(Auth { scheme, credential, waiter: Some(reply) });
        }
    }

    /// Forgets the watcher `id` (its handle was dropped), and removes the
    /// watch from the server when no local watcher of its kind is left.
    pub(crate) fn remove_watch(&mut self, now: Instant, id: u64) {
        if let Some((path, kind)) = self.watches.remove(id) {
            self.forget_server_watch(now, path, kind);
        }
    }

    /// Removes the server's watch of `kind` on `path` unless a local
    /// watcher, or a request in flight (which would be undone), needs it.
    fn forget_server_watch(&mut self, now: Instant, path: String, kind: WatchKind) {
        let Some(watcher_type) = self.watches.unneeded(&path, kind) else { return };
        if self.phase == Phase::Connected && !self.watch_in_flight(&path, watcher_type) {
            let request = Request::RemoveWatches(RemoveWatchesRequest { path, watcher_type });
            self.send(now, request, None, None);
        }
    }

    /// Whether a request sent or queued will set a watch on `path` that a
    /// removal of `watcher_type` would remove.
    fn watch_in_flight(&self, path: &str, watcher_type: WatcherType) -> bool {
        let affected = |kind: WatchKind| match watcher_type {
            WatcherType::Data => matches!(kind, WatchKind::Data | WatchKind::Exist),
            WatcherType::Children => kind == WatchKind::Child,
            _ => true,
        };
        let pending = self
            .pending
            .iter()
            .filter_map(|p| p.watch.as_ref())
            .any(|(p, w)| p == path && affected(w.kind));
        let queued = self
            .queued
            .iter()
            .filter_map(|q| Some((q.request.path()?, q.watch.as_ref()?)))
            .any(|(p, w)| p == path && affected(w.kind));
        pending || queued
    }

    // ---- what the transport reports ----

    /// The connection asked for by [`Action::Connect`] is open.
    pub(crate) fn connected(&mut self, now: Instant) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.read_buf.clear();
        self.write_buf.clear();
        if self.lost && self.config.read_only && self.seen_read_write {
            // Read-only servers refuse sessions made by the quorum. Once the
            // session is lost, take a new one a read-only server accepts.
            info!("session lost; asking for a new session, which a read-only server may grant");
            self.seen_read_write = false;
        }
        let request = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: self.last_zxid,
            timeout: i32::try_from(self.config.session_timeout.as_millis()).unwrap_or(i32::MAX),
            session_id: if self.seen_read_write { self.session_id } else { 0 },
            passwd: if self.seen_read_write {
                self.passwd.clone()
            } else {
                Bytes::from_static(&[0; 16])
            },
            read_only: Some(self.config.read_only),
        };
        encode_frame(&mut self.write_buf, &request);
        self.last_send = now;
        self.last_recv = now;
        self.phase = Phase::Handshaking { deadline: now + self.connect_timeout() };
        debug!(host = %self.config.hosts[self.host], "handshake started");
    }

    /// The connection asked for by [`Action::Connect`] could not be opened;
    /// `fatal` says why when no retry can help (a TLS certificate failure).
    pub(crate) fn connect_failed(&mut self, now: Instant, fatal: Option<String>) {
        if self.phase == Phase::Connecting {
            self.note_fatal(fatal);
            self.attempt_failed(now);
        }
    }

    /// Why the session ended, when a failure ended it (a TLS failure).
    pub(crate) fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn note_fatal(&mut self, fatal: Option<String>) {
        if let Some(message) = fatal {
            warn!(%message, "connection refused for good");
            self.fatal_in_round += 1;
            self.failure = Some(message);
        }
    }

    /// The driver read bytes into [`Session::read_buf`].
    pub(crate) fn received(&mut self, now: Instant) {
        self.last_recv = now;
        loop {
            let frame = match self.decoder.decode(&mut self.read_buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(err) => {
                    self.frame_error(now, err);
                    return;
                }
            };
            let len = frame.len();
            let handled = match self.phase {
                Phase::Handshaking { .. } => self.handshake_answered(now, frame),
                Phase::Authenticating { .. } | Phase::Connected | Phase::Closing { .. } => {
                    self.reply_received(now, frame)
                }
                _ => Ok(()),
            };
            if let Err(err) = handled {
                warn!(error = %err, frame_len = len, phase = ?self.phase, "protocol error; reconnecting");
                self.drop_connection(now);
                return;
            }
            if !self.has_connection() {
                return;
            }
        }
    }

    /// The connection closed or failed (read or write error, end of
    /// stream); `fatal` says why when no retry can help.
    pub(crate) fn transport_closed(&mut self, now: Instant, fatal: Option<String>) {
        if self.has_connection() {
            if matches!(self.phase, Phase::Handshaking { .. } | Phase::Authenticating { .. }) {
                self.note_fatal(fatal);
            }
            self.connection_ended(now, self.host + 1);
        }
    }

    /// A probe found a read-write server while connected read-only: move to it.
    pub(crate) fn read_write_found(&mut self, now: Instant, host: &HostPort) {
        if !(self.phase == Phase::Connected && self.read_only_connection) {
            return;
        }
        if let Some(index) = self.config.hosts.iter().position(|h| h == host) {
            info!(%host, "found a read-write server; moving to it");
            self.actions.push_back(Action::CloseTransport);
            self.connection_ended(now, index);
        }
    }

    /// Time has come for something [`Session::next_deadline`] announced.
    pub(crate) fn timeout(&mut self, now: Instant) {
        if let (Some(since), false) = (self.disconnected_since, self.lost) {
            if now >= since + self.session_timeout() {
                self.report_lost();
            }
        }
        if let Some((at, interval)) = self.probe {
            if now >= at && self.phase == Phase::Connected && self.read_only_connection {
                self.probe = Some((now + interval, (interval * 2).min(MAX_PROBE_INTERVAL)));
                let n = self.config.hosts.len();
                if n > 1 {
                    let next = (self.host + 1 + self.rng_index(n - 1)) % n;
                    self.actions.push_back(Action::ProbeReadWrite(self.config.hosts[next].clone()));
                }
            }
        }
        match self.phase {
            Phase::Waiting { until } if now >= until => self.connect_to(self.host),
            Phase::Authenticating { deadline } if now >= deadline => {
                warn!(host = %self.config.hosts[self.host], "SASL authentication did not finish in time");
                self.actions.push_back(Action::CloseTransport);
                self.sasl_exchange = None;
                self.fail_pending(|| Error::from_code(ErrorCode::ConnectionLoss));
                self.attempt_failed(now);
            }
            Phase::Handshaking { deadline } if now >= deadline => {
                warn!(host = %self.config.hosts[self.host], "no answer to the handshake in time");
                self.actions.push_back(Action::CloseTransport);
                self.attempt_failed(now);
            }
            Phase::Connected => {
                if now >= self.last_recv + self.read_timeout() {
                    warn!(host = %self.config.hosts[self.host], "server silent for the read timeout; reconnecting");
                    self.drop_connection(now);
                } else if now >= self.last_send + self.ping_interval() {
                    encode_frame(
                        &mut self.write_buf,
                        &(RequestHeader { xid: PING_XID, op_code: OpCode::Ping }, Request::Ping),
                    );
                    self.last_send = now;
                }
            }
            Phase::Closing { deadline } if now >= deadline => {
                warn!("closeSession not confirmed in time; closing anyway");
                self.finish_close();
            }
            _ => {}
        }
    }

    // ---- internals ----

    fn rng_index(&mut self, n: usize) -> usize {
        use rand::Rng;
        self.rng.random_range(0..n)
    }

    fn has_connection(&self) -> bool {
        matches!(
            self.phase,
            Phase::Connecting
                | Phase::Handshaking { .. }
                | Phase::Authenticating { .. }
                | Phase::Connected
                | Phase::Closing { .. }
        )
    }

    fn set_state(&mut self, state: State, client_state: ClientState) {
        if (state, client_state) != (self.state, self.client_state) {
            debug!(%state, %client_state, "state change");
            self.state = state;
            self.client_state = client_state;
            self.changes.push_back((state, client_state));
        }
    }

    fn xid(&mut self) -> i32 {
        let xid = self.next_xid;
        self.next_xid = if xid == i32::MAX { 1 } else { xid + 1 };
        xid
    }

    fn connect_to(&mut self, host: usize) {
        self.host = host % self.config.hosts.len().max(1);
        self.phase = Phase::Connecting;
        self.actions.push_back(Action::Connect(self.config.hosts[self.host].clone()));
    }

    /// A connection attempt failed: try the next host, or back off after a
    /// whole round of failures.
    fn attempt_failed(&mut self, now: Instant) {
        self.failed_in_round += 1;
        let next = (self.host + 1) % self.config.hosts.len().max(1);
        if self.failed_in_round < self.config.hosts.len() {
            self.connect_to(next);
            return;
        }
        self.failed_in_round = 0;
        self.failed_rounds += 1;
        let every_host_refused = self.fatal_in_round >= self.config.hosts.len();
        self.fatal_in_round = 0;
        if every_host_refused {
            let failure = self.failure.clone().unwrap_or_default();
            self.end(Phase::AuthFailed, ClientState::AuthFailed, KeeperState::AuthFailed, || {
                Error::new(ErrorKind::Tls(failure.clone()))
            });
            return;
        }
        let failing_for = now.duration_since(self.failing_since.unwrap_or(now));
        if !self.config.connection_retry.allows(self.failed_rounds, failing_for) {
            warn!(rounds = self.failed_rounds, "connection retries exhausted; closing");
            self.finish_close();
            return;
        }
        let delay = self.config.connection_retry.delay_for(self.failed_rounds, &mut self.rng);
        debug!(?delay, "every host failed; backing off");
        self.host = next;
        self.phase = Phase::Waiting { until: now + delay };
    }

    fn frame_error(&mut self, now: Instant, err: DecodeError) {
        // The frame's header is at the front of the buffer: fail the request
        // it answers with the cause, not just a lost connection.
        if let (DecodeError::FrameTooLarge { .. }, Some(xid)) = (&err, self.read_buf.get(4..8)) {
            let xid = i32::from_be_bytes([xid[0], xid[1], xid[2], xid[3]]);
            if let Some(i) = self.pending.iter().position(|p| p.xid == xid) {
                if let Some(reply) = self.pending.remove(i).and_then(|p| p.reply) {
                    let _ = reply.send(Err(Error::new(ErrorKind::Protocol(err.clone()))));
                }
            }
        }
        warn!(error = %err, "invalid frame from the server; reconnecting");
        self.drop_connection(now);
    }

    /// The machine gives up the connection itself.
    fn drop_connection(&mut self, now: Instant) {
        self.actions.push_back(Action::CloseTransport);
        self.connection_ended(now, self.host + 1);
    }

    /// The connection is gone, whoever noticed; a live session reconnects
    /// to host `next` (modulo the number of hosts).
    fn connection_ended(&mut self, now: Instant, next: usize) {
        self.read_buf.clear();
        self.write_buf.clear();
        self.probe = None;
        self.set_watches_unanswered = 0;
        match self.phase {
            Phase::Closing { .. } => self.finish_close(),
            Phase::Connecting | Phase::Handshaking { .. } => self.attempt_failed(now),
            Phase::Authenticating { .. } => {
                self.sasl_exchange = None;
                self.fail_pending(|| Error::from_code(ErrorCode::ConnectionLoss));
                self.attempt_failed(now);
            }
            Phase::Connected => {
                self.sasl_exchange = None;
                info!(host = %self.config.hosts[self.host], "connection lost; reconnecting");
                self.fail_pending(|| Error::from_code(ErrorCode::ConnectionLoss));
                self.disconnected_since = Some(now);
                self.failing_since = Some(now);
                self.failed_in_round = 0;
                self.failed_rounds = 0;
                let state = if self.lost { State::Lost } else { State::Suspended };
                self.set_state(state, ClientState::Connecting);
                self.connect_to(next);
            }
            _ => {}
        }
    }

    fn report_lost(&mut self) {
        info!("disconnected for longer than the session timeout: session lost");
        self.lost = true;
        for queued in self.queued.drain(..) {
            let _ = queued.reply.send(Err(Error::from_code(ErrorCode::ConnectionLoss)));
        }
        for auth in &mut self.auth {
            if let Some(waiter) = auth.waiter.take() {
                let _ = waiter.send(Err(Error::from_code(ErrorCode::ConnectionLoss)));
            }
        }
        if let Some(waiter) = self.sasl_waiter.take() {
            let _ = waiter.send(Err(Error::from_code(ErrorCode::ConnectionLoss)));
        }
        self.set_state(State::Lost, self.client_state);
    }

    fn fail_pending(&mut self, error: impl Fn() -> Error) {
        for pending in self.pending.drain(..) {
            if let Some(reply) = pending.reply {
                let _ = reply.send(Err(error()));
            }
        }
        for (_, waiter) in self.auth_waiters.drain(..) {
            if let Some(waiter) = waiter {
                let _ = waiter.send(Err(error()));
            }
        }
    }

    fn fail_everything(&mut self, error: impl Fn() -> Error) {
        self.fail_pending(&error);
        for queued in self.queued.drain(..) {
            let _ = queued.reply.send(Err(error()));
        }
        for auth in &mut self.auth {
            if let Some(waiter) = auth.waiter.take() {
                let _ = waiter.send(Err(error()));
            }
        }
        if let Some(waiter) = self.sasl_waiter.take() {
            let _ = waiter.send(Err(error()));
        }
    }

    /// The session ends for good in `phase`.
    fn end(
        &mut self,
        phase: Phase,
        client_state: ClientState,
        keeper_state: KeeperState,
        error: impl Fn() -> Error,
    ) {
        if self.has_connection() {
            self.actions.push_back(Action::CloseTransport);
        }
        self.phase = phase;
        self.read_buf.clear();
        self.write_buf.clear();
        self.probe = None;
        self.disconnected_since = None;
        self.fail_everything(error);
        self.watches.terminate(keeper_state);
        self.resets_due.clear();
        self.set_watches_unanswered = 0;
        self.set_state(State::Lost, client_state);
        for done in self.close_waiters.drain(..) {
            let _ = done.send(());
        }
    }

    fn finish_close(&mut self) {
        self.end(Phase::Closed, ClientState::Closed, KeeperState::Closed, || {
            Error::new(ErrorKind::Closed)
        });
    }

    fn expired(&mut self) {
        warn!(session = format_args!("{:#x}", self.session_id), "session expired");
        self.end(Phase::Expired, ClientState::Expired, KeeperState::Expired, || {
            Error::from_code(ErrorCode::SessionExpired)
        });
    }

    fn auth_failed(&mut self) {
        warn!("authentication failed");
        self.end(Phase::AuthFailed, ClientState::AuthFailed, KeeperState::AuthFailed, || {
            Error::from_code(ErrorCode::AuthFailed)
        });
    }

    /// Encodes and sends a request on the live connection.
    fn send(
        &mut self,
        now: Instant,
        request: Request,
        reply: Option<ReplySender>,
        watch: Option<WatchRequest>,
    ) {
        let xid = self.xid();
        let op = request.op_code();
        let watch = watch.map(|w| (request.path().unwrap_or_default().to_owned(), w));
        encode_frame(&mut self.write_buf, &(RequestHeader { xid, op_code: op }, &request));
        self.last_send = now;
        self.pending.push_back(Pending { xid, op, reply, watch, existence: None });
    }

    /// Reads whether `path` exists, for its persistent one-node watchers.
    fn read_existence(&mut self, now: Instant, path: String, catch_up: bool) {
        let request = Request::Exists(ExistsRequest { path: path.clone(), watch: false });
        self.send(now, request, None, None);
        if let Some(pending) = self.pending.back_mut() {
            pending.existence = Some(ExistenceRead { path, catch_up });
        }
    }

    fn send_auth(&mut self, now: Instant, scheme: &str, credential: &Bytes) {
        let packet =
            AuthPacket { auth_type: 0, scheme: scheme.to_owned(), auth: credential.clone() };
        encode_frame(
            &mut self.write_buf,
            &(RequestHeader { xid: AUTH_XID, op_code: OpCode::Auth }, Request::Auth(packet)),
        );
        self.last_send = now;
    }

    fn handshake_answered(&mut self, now: Instant, mut frame: Bytes) -> Result<(), DecodeError> {
        let response = ConnectResponse::decode(&mut frame)?;
        if response.timeout <= 0 {
            if response.read_only == Some(true) {
                // A read-only server cannot resume a session of the quorum;
                // that says nothing of the session. Try elsewhere (and, once
                // the session is lost, ask this one for a new session).
                info!(host = %self.config.hosts[self.host], "a read-only server cannot resume the session");
                self.actions.push_back(Action::CloseTransport);
                self.attempt_failed(now);
            } else {
                self.expired();
            }
            return Ok(());
        }
        let timeout = Duration::from_millis(u64::try_from(response.timeout).unwrap_or(0));
        let new_session = response.session_id != self.session_id;
        self.negotiated_timeout = Some(timeout);
        self.session_id = response.session_id;
        self.passwd = response.passwd;
        self.read_only_connection = response.read_only == Some(true);
        self.seen_read_write |= !self.read_only_connection;
        self.disconnected_since = None;
        self.failing_since = None;
        self.lost = false;
        self.failed_in_round = 0;
        self.fatal_in_round = 0;
        self.failed_rounds = 0;
        info!(
            host = %self.config.hosts[self.host],
            session = format_args!("{:#x}", self.session_id),
            timeout_ms = response.timeout,
            read_only = self.read_only_connection,
            new_session,
            "session established"
        );
        match self.sasl.clone() {
            Some(credentials) => {
                self.phase = Phase::Authenticating { deadline: now + self.connect_timeout() };
                self.start_sasl(now, credentials);
            }
            None => self.begin_session(now),
        }
        Ok(())
    }

    /// Starts a SASL exchange on this connection.
    fn start_sasl(&mut self, now: Instant, credentials: SaslCredentials) {
        use rand::Rng;
        let cnonce: String = (&mut self.rng)
            .sample_iter(rand::distr::Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let exchange = DigestMd5::new(credentials, cnonce);
        let token = Bytes::from(exchange.initial_response());
        self.sasl_exchange = Some(exchange);
        self.send(now, Request::Sasl(GetSaslRequest { token }), None, None);
    }

    /// The server answered a SASL step.
    fn sasl_answered(&mut self, now: Instant, err: ErrorCode, mut body: Bytes) {
        let step = if err.is_ok() {
            match (zookit_proto::SetSaslResponse::decode(&mut body), self.sasl_exchange.as_mut()) {
                (Ok(answer), Some(exchange)) => exchange.step(&answer.token),
                (Err(e), _) => Err(Error::new(ErrorKind::Protocol(e))),
                (Ok(_), None) => return,
            }
        } else {
            Err(Error::from_code(err))
        };
        match step {
            Ok(Some(token)) => self.send(
                now,
                Request::Sasl(GetSaslRequest { token: Bytes::from(token) }),
                None,
                None,
            ),
            Ok(None) => {
                self.sasl_exchange = None;
                info!("SASL authentication succeeded");
                if let Some(waiter) = self.sasl_waiter.take() {
                    let _ = waiter.send(Ok(()));
                }
                if matches!(self.phase, Phase::Authenticating { .. }) {
                    self.begin_session(now);
                }
            }
            Err(error) => {
                warn!(%error, "SASL authentication failed");
                if let Some(waiter) = self.sasl_waiter.take() {
                    let _ = waiter.send(Err(error));
                }
                // Refused credentials are not used again.
                self.sasl = None;
                self.sasl_exchange = None;
                self.auth_failed();
            }
        }
    }

    /// The session is usable on this connection: credentials first, then
    /// the watches, then what waited.
    fn begin_session(&mut self, now: Instant) {
        self.phase = Phase::Connected;
        let mut auth = std::mem::take(&mut self.auth);
        for entry in &mut auth {
            self.send_auth(now, &entry.scheme, &entry.credential);
            self.auth_waiters
                .push_back(((entry.scheme.clone(), entry.credential.clone()), entry.waiter.take()));
        }
        self.auth = auth;
        if !self.watches.is_empty() {
            let all = self.watches.rearm_list(self.last_zxid);
            for request in set_watches_requests(all, SET_WATCHES_MAX_BYTES) {
                let op_code = request.op_code();
                encode_frame(
                    &mut self.write_buf,
                    &(RequestHeader { xid: SET_WATCHES_XID, op_code }, request),
                );
                self.set_watches_unanswered += 1;
            }
            // ZooKeeper re-adds persistent watches without telling what
            // changed meanwhile: read, after the re-arming, what one-node
            // watchers missed, and tell recursive ones to resynchronise.
            for path in self.watches.begin_catch_up(self.last_zxid) {
                self.read_existence(now, path, true);
            }
            for id in self.watches.recursive_ids() {
                if !self.resets_due.contains(&id) {
                    self.resets_due.push(id);
                }
            }
        }
        for queued in std::mem::take(&mut self.queued) {
            self.send(now, queued.request, Some(queued.reply), queued.watch);
        }
        if self.read_only_connection {
            self.probe = Some((now + FIRST_PROBE_INTERVAL, FIRST_PROBE_INTERVAL * 2));
        }
        let client_state = if self.read_only_connection {
            ClientState::ConnectedReadOnly
        } else {
            ClientState::Connected
        };
        self.set_state(State::Connected, client_state);
    }

    fn reply_received(&mut self, now: Instant, mut frame: Bytes) -> Result<(), DecodeError> {
        let header = ReplyHeader::decode(&mut frame)?;
        if header.zxid > 0 {
            self.last_zxid = self.last_zxid.max(header.zxid);
        }
        match header.xid {
            WATCH_XID => {
                let event = WatcherEvent::decode(&mut frame)?;
                self.watches.dispatch(&event, &self.config.chroot);
            }
            PING_XID => {}
            AUTH_XID => {
                let (credentials, waiter) = self.auth_waiters.pop_front().unzip();
                let waiter = waiter.flatten();
                if header.err == ErrorCode::AuthFailed {
                    if let Some(waiter) = waiter {
                        let _ = waiter.send(Err(Error::from_code(ErrorCode::AuthFailed)));
                    }
                    // Refused credentials are not sent again: a new session
                    // (restart) can then succeed.
                    if let Some((scheme, credential)) = credentials {
                        self.auth.retain(|a| a.scheme != scheme || a.credential != credential);
                    }
                    self.auth_failed();
                } else if let Some(waiter) = waiter {
                    let _ = waiter.send(if header.err.is_ok() {
                        Ok(())
                    } else {
                        Err(Error::from_code(header.err))
                    });
                }
            }
            SET_WATCHES_XID => {
                if !header.err.is_ok() {
                    warn!(err = %header.err, "re-arming watches failed");
                }
                self.set_watches_unanswered = self.set_watches_unanswered.saturating_sub(1);
                if self.set_watches_unanswered == 0 {
                    let due = std::mem::take(&mut self.resets_due);
                    self.watches.reset(&due, &self.config.chroot);
                }
            }
            xid => {
                // Replies come in the order of the requests, but for SASL
                // steps, which the server answers at once.
                let position = match self.pending.front() {
                    Some(pending) if pending.xid == xid => Some(0),
                    _ => self.pending.iter().position(|p| p.xid == xid && p.op == OpCode::Sasl),
                };
                let Some(pending) = position.and_then(|i| self.pending.remove(i)) else {
                    return Err(DecodeError::UnknownValue {
                        kind: "out-of-order reply xid",
                        value: xid,
                    });
                };
                self.complete(now, pending, header.err, frame);
            }
        }
        Ok(())
    }

    fn complete(&mut self, now: Instant, pending: Pending, err: ErrorCode, mut body: Bytes) {
        match pending.op {
            OpCode::CloseSession => return self.finish_close(),
            OpCode::Sasl => return self.sasl_answered(now, err, body),
            _ => {}
        }
        if let Some(read) = pending.existence {
            let found = match (err, Response::decode(OpCode::Exists, &mut body)) {
                (ErrorCode::Ok, Ok(Response::Exists(r))) => Ok(Some(r.stat)),
                (ErrorCode::NoNode, _) => Ok(None),
                _ => Err(()),
            };
            self.watches.existence_read(&read.path, read.catch_up, found, &self.config.chroot);
            return;
        }
        let result = if err.is_ok() {
            Response::decode(pending.op, &mut body).map_err(|e| Error::new(ErrorKind::Protocol(e)))
        } else {
            Err(Error::from_code(err))
        };
        if let Some((path, mut watch)) = pending.watch {
            let register = match (&result, pending.op) {
                (Ok(_), _) => true,
                (Err(_), OpCode::Exists) if err == ErrorCode::NoNode => {
                    watch.kind = WatchKind::Exist;
                    true
                }
                _ => false,
            };
            if register && watch.sender.is_closed() {
                // The caller gave up on the request: nobody needs the watch
                // the server just set.
                self.forget_server_watch(now, path, watch.kind);
            } else if register && self.watches.add(&path, watch) {
                self.read_existence(now, path, false);
            }
        }
        if let Some(reply) = pending.reply {
            let _ = reply.send(result);
        }
    }
}

#[cfg(test)]
mod tests;
