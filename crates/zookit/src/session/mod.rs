//! The session state machine, without I/O.
//!
//! [`Session`] holds everything a ZooKeeper session is: the handshake, xids,
//! requests in flight (answered in order) and queued while disconnected,
//! the ping schedule and read timeout, re-authentication and re-arming of
//! watches after a reconnect, expiry, and the states an application sees.
//! It is fed bytes, transport events and the current [`Instant`], and
//! answers with bytes to write ([`Session::write_buf`]), [`Action`]s for the
//! transport, [`Output`]s (replies and watch events, for whoever waits),
//! state changes, and the next deadline.
//!
//! It knows nothing of tasks or channels: whoever waits is a token, and a
//! watcher an id. Its randomness (the order of the servers, jitter) comes
//! from a seed in its configuration, so a run replays exactly. The driver
//! (`crate::driver`) owns the socket and runs this machine; the tests run it
//! on virtual time, with no socket and no sleep.

mod auth;
mod catch_up;
mod dispatch;
mod expiry;
mod handshake;
mod reconnect;
pub(crate) mod watches;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
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
use crate::watch::WatchedEvent;
use crate::{Error, ErrorKind, Result};

/// Identifies whoever waits for the answer to a request or to credentials.
pub(crate) type Token = u64;

/// What the session tells whoever waits, in the order it happened.
#[derive(Debug)]
pub(crate) enum Output {
    /// The answer to the request submitted with `token`; `registered` if
    /// the watch it asked for is now set (the driver then routes the
    /// watcher's events, or removes it with [`Session::remove_watch`] if
    /// its handle is gone).
    Reply { token: Token, result: Result<Response>, registered: bool },
    /// The server's answer to the credentials added with `token`.
    Auth { token: Token, result: Result<()> },
    /// An event for watcher `id`; one-shot watchers get only one, and every
    /// watcher's last is the terminal event when the session ends.
    Watch { id: u64, event: WatchedEvent },
}

/// What the session needs to know, fixed for its lifetime.
#[derive(Clone, Debug)]
pub(crate) struct SessionConfig {
    /// The servers, in the order given.
    pub(crate) hosts: Vec<HostPort>,
    /// Whether to try the servers in random order (shuffled at the start
    /// and on [`Session::set_hosts`]).
    pub(crate) randomize_hosts: bool,
    /// The seed of every random choice (server order, SASL nonces, jitter).
    pub(crate) seed: u64,
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
    reply: Option<Token>,
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
    reply: Token,
    watch: Option<WatchRequest>,
}

/// An auth scheme and credential.
type Credentials = (String, Bytes);
/// Whoever waits for the server's answer to credentials.
type AuthWaiter = Token;

/// Credentials to send on every connection.
struct Auth {
    scheme: String,
    credential: Bytes,
    /// Whoever waits for the server's first answer to them.
    waiter: Option<AuthWaiter>,
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
    failure: Option<Arc<Error>>,
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
    /// What whoever waits is to be told, in order.
    outputs: VecDeque<Output>,
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
        let mut rng = StdRng::seed_from_u64(config.seed);
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
            outputs: VecDeque::new(),
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

    /// The next thing to tell whoever waits.
    pub(crate) fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
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

    /// Closes the session: its ephemeral nodes vanish at once. The session
    /// is finished ([`Session::is_finished`]) once the server confirmed, or
    /// after a bounded wait.
    pub(crate) fn stop(&mut self, now: Instant) {
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

    /// Why the session ended, when a failure ended it (a TLS failure).
    pub(crate) fn failure(&self) -> Option<&Arc<Error>> {
        self.failure.as_ref()
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
}

#[cfg(test)]
mod tests;
