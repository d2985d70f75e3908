//! The session machine on virtual time: no socket, no sleep. The "server"
//! side of each exchange is a frame written by the test with zookit-proto.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use tokio::sync::{mpsc, oneshot};
use zookit_proto::*;

use super::watches::{WatchKind, WatchRequest};
use super::*;
use crate::waiters::{Registration, Waiters, WatchSender};
use crate::watch::WatchedEvent;

const TIMEOUT: Duration = Duration::from_secs(9);

fn host(port: u16) -> HostPort {
    HostPort { host: "127.0.0.1".into(), port }
}

fn config(hosts: usize) -> SessionConfig {
    SessionConfig {
        hosts: (0..hosts).map(|i| host(2181 + i as u16)).collect(),
        randomize_hosts: false,
        seed: 7,
        chroot: Chroot::new(Some("/app".into())),
        session_timeout: TIMEOUT,
        read_only: false,
        auth: vec![("digest".into(), Bytes::from_static(b"user:secret"))],
        resume: None,
        connection_retry: RetryPolicy::new()
            .max_tries(None)
            .delay(Duration::from_millis(100))
            .max_jitter(0.0),
        max_frame_len: DEFAULT_MAX_FRAME_LEN,
        sasl: None,
    }
}

/// The test's side of the connection, and the driver's waiters, to which
/// the session's outputs are routed as the driver routes them.
struct Wire {
    session: Session,
    now: Instant,
    waiters: Waiters,
}

impl Wire {
    fn new(config: SessionConfig) -> Self {
        let now = Instant::now();
        Self { session: Session::new(config, now), now, waiters: Waiters::default() }
    }

    /// Routes what the session said to the waiting channels.
    fn route(&mut self) {
        while let Some(output) = self.session.poll_output() {
            if let Some(unwanted) = self.waiters.deliver(output) {
                self.session.remove_watch(self.now, unwanted);
            }
        }
    }

    /// The value a completed channel holds.
    #[track_caller]
    fn answer<T>(&mut self, mut rx: oneshot::Receiver<T>) -> T {
        self.route();
        rx.try_recv().expect("completed")
    }

    /// The event a one-shot watch got, if any.
    fn fired(&mut self, rx: &mut oneshot::Receiver<WatchedEvent>) -> Option<WatchedEvent> {
        self.route();
        rx.try_recv().ok()
    }

    fn advance(&mut self, by: Duration) {
        self.now += by;
        self.session.timeout(self.now);
    }

    fn actions(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.session.poll_action()).collect()
    }

    fn states(&mut self) -> Vec<(State, ClientState)> {
        std::iter::from_fn(|| self.session.poll_state_change()).collect()
    }

    /// Every frame the client wrote since the last call.
    fn sent(&mut self) -> Vec<Bytes> {
        let mut buf = self.session.write_buf().split();
        let decoder = FrameDecoder::default();
        std::iter::from_fn(|| decoder.decode(&mut buf).expect("valid frames")).collect()
    }

    /// Every request the client wrote since the last call, with its header.
    fn requests(&mut self) -> Vec<(RequestHeader, Request)> {
        self.sent()
            .into_iter()
            .map(|mut frame| {
                let header = RequestHeader::decode(&mut frame).expect("header");
                let request = Request::decode(header.op_code, &mut frame).expect("body");
                (header, request)
            })
            .collect()
    }

    fn deliver(&mut self, record: &impl Encode) {
        let mut buf = BytesMut::new();
        encode_frame(&mut buf, record);
        self.session.read_buf().extend_from_slice(&buf);
        self.session.received(self.now);
        self.route();
    }

    fn reply(&mut self, xid: i32, zxid: i64, err: ErrorCode, body: &impl Encode) {
        self.deliver(&(ReplyHeader { xid, zxid, err }, body));
    }

    /// Connects to the host asked for and answers the handshake.
    fn establish(&mut self, session_id: i64) -> ConnectRequest {
        assert!(
            matches!(self.actions().last(), Some(Action::Connect(_))),
            "the machine asks to connect"
        );
        self.session.connected(self.now);
        let mut frames = self.sent();
        assert_eq!(frames.len(), 1, "only the connect request before the answer");
        let request = ConnectRequest::decode(&mut frames[0]).expect("connect request");
        self.deliver(&ConnectResponse {
            protocol_version: 0,
            timeout: i32::try_from(TIMEOUT.as_millis()).unwrap(),
            session_id,
            passwd: Bytes::from_static(&[7; 16]),
            read_only: Some(false),
        });
        request
    }

    fn submit(
        &mut self,
        request: Request,
        watch: Option<Registration>,
    ) -> oneshot::Receiver<Result<Response>> {
        let (tx, rx) = oneshot::channel();
        let (watch, sender) = watch.map(|w| (w.request, w.sender)).unzip();
        let token = self.waiters.reply(tx, watch.map(|w| w.id).zip(sender));
        self.session.submit(self.now, request, token, watch);
        self.route();
        rx
    }
}

fn get_data(path: &str) -> Request {
    Request::GetData(GetDataRequest { path: path.into(), watch: true })
}

fn data_watch(id: u64) -> (Registration, oneshot::Receiver<WatchedEvent>) {
    let (tx, rx) = oneshot::channel();
    let request = WatchRequest { id, kind: WatchKind::Data };
    (Registration { request, sender: WatchSender::Once(tx) }, rx)
}

fn started() -> Wire {
    let mut wire = Wire::new(config(2));
    wire.session.start(wire.now);
    let request = wire.establish(0x42);
    assert_eq!(request.session_id, 0);
    assert_eq!(request.timeout, 9000);
    assert_eq!(request.read_only, Some(false));
    let requests = wire.requests();
    assert!(
        matches!(&requests[..], [(RequestHeader { xid: AUTH_XID, .. }, Request::Auth(_))]),
        "credentials first"
    );
    wire.reply(AUTH_XID, 0, ErrorCode::Ok, &NoBody);
    wire
}

/// A reply without a body.
struct NoBody;

impl Encode for NoBody {
    fn encode<B: bytes::BufMut + ?Sized>(&self, _: &mut B) {}
    fn encoded_len(&self) -> usize {
        0
    }
}

#[test]
fn the_handshake_establishes_the_session() {
    let mut wire = started();
    assert_eq!(
        wire.states(),
        [(State::Lost, ClientState::Connecting), (State::Connected, ClientState::Connected)]
    );
    assert_eq!(wire.session.client_id(), Some((0x42, Bytes::from_static(&[7; 16]))));
    assert_eq!(wire.session.negotiated_timeout(), Some(TIMEOUT));
    assert_eq!(
        wire.session.connect_timeout(),
        TIMEOUT / 2,
        "the timeout is shared among the hosts"
    );
}

#[test]
fn an_idle_session_pings_at_a_third_of_the_timeout() {
    let mut wire = started();
    let ping_due = wire.now + TIMEOUT / 3;
    assert_eq!(wire.session.next_deadline(), Some(ping_due));
    wire.advance(TIMEOUT / 3 - Duration::from_millis(1));
    assert!(wire.requests().is_empty());
    wire.advance(Duration::from_millis(1));
    assert!(matches!(
        &wire.requests()[..],
        [(RequestHeader { xid: PING_XID, op_code: OpCode::Ping }, Request::Ping)]
    ));
    wire.reply(PING_XID, 5, ErrorCode::Ok, &NoBody);
    assert_eq!(wire.session.next_deadline(), Some(wire.now + TIMEOUT / 3));
}

#[test]
fn a_silent_server_is_dropped_after_the_read_timeout_and_pending_requests_fail() {
    let mut wire = started();
    let reply = wire.submit(get_data("/app/x"), None);
    wire.requests();
    wire.advance(TIMEOUT * 2 / 3);
    assert_eq!(wire.actions(), [Action::CloseTransport, Action::Connect(host(2182))]);
    let err = wire.answer(reply).expect_err("the pending request fails");
    assert!(err.is_connection_loss());
    assert_eq!(wire.states().last(), Some(&(State::Suspended, ClientState::Connecting)));
}

#[test]
fn replies_complete_requests_in_order_and_watches_register_on_success() {
    let mut wire = started();
    let (watch, mut event) = data_watch(1);
    let first = wire.submit(get_data("/app/x"), Some(watch));
    let second =
        wire.submit(Request::Exists(ExistsRequest { path: "/app/y".into(), watch: false }), None);
    let sent = wire.requests();
    assert_eq!(sent.len(), 2, "both are pipelined at once");
    let (h1, h2) = (sent[0].0, sent[1].0);
    assert!(h2.xid > h1.xid);

    wire.reply(
        h1.xid,
        10,
        ErrorCode::Ok,
        &GetDataResponse { data: "v".into(), stat: Stat::default() },
    );
    wire.reply(h2.xid, 11, ErrorCode::NoNode, &NoBody);
    let Ok(Response::GetData(got)) = wire.answer(first) else { panic!("getData answered") };
    assert_eq!(&got.data[..], b"v");
    assert!(wire.answer(second).expect_err("NoNode").is_no_node());

    wire.deliver(&(
        ReplyHeader { xid: WATCH_XID, zxid: -1, err: ErrorCode::Ok },
        WatcherEvent {
            event_type: EventType::NodeDataChanged,
            state: KeeperState::SyncConnected,
            path: "/app/x".into(),
        },
    ));
    let fired = wire.fired(&mut event).expect("the watch fired");
    assert_eq!(fired.path.as_deref(), Some("/x"), "the chroot is stripped");
}

#[test]
fn an_out_of_order_reply_is_a_protocol_error_that_reconnects() {
    let mut wire = started();
    let reply = wire.submit(get_data("/app/x"), None);
    let xid = wire.requests()[0].0.xid;
    wire.actions();
    wire.reply(xid + 5, 1, ErrorCode::Ok, &GetDataResponse::default());
    assert!(wire.answer(reply).expect_err("lost").is_connection_loss());
    assert_eq!(wire.actions(), [Action::CloseTransport, Action::Connect(host(2182))]);
}

#[test]
fn after_a_reconnect_credentials_watches_and_queued_requests_follow_the_handshake() {
    let mut wire = started();
    let (watch, mut event) = data_watch(1);
    drop(wire.submit(get_data("/app/watched"), Some(watch)));
    let xid = wire.requests()[0].0.xid;
    wire.reply(xid, 100, ErrorCode::Ok, &GetDataResponse::default());

    wire.session.transport_closed(wire.now, None);
    assert_eq!(wire.states().last(), Some(&(State::Suspended, ClientState::Connecting)));
    let queued = wire.submit(Request::Sync(SyncRequest { path: "/app".into() }), None);

    let request = wire.establish(0x42);
    assert_eq!(request.session_id, 0x42, "the session is resumed");
    assert_eq!(request.passwd, Bytes::from_static(&[7; 16]));
    assert_eq!(request.last_zxid_seen, 100);
    let sent = wire.requests();
    let kinds: Vec<OpCode> = sent.iter().map(|(h, _)| h.op_code).collect();
    assert_eq!(kinds, [OpCode::Auth, OpCode::SetWatches, OpCode::Sync]);
    let Request::SetWatches(set) = &sent[1].1 else { unreachable!() };
    assert_eq!(set.relative_zxid, 100);
    assert_eq!(set.data_watches, ["/app/watched"]);
    assert_eq!(sent[1].0.xid, SET_WATCHES_XID);

    // A change made while disconnected fires at once.
    wire.deliver(&(
        ReplyHeader { xid: WATCH_XID, zxid: -1, err: ErrorCode::Ok },
        WatcherEvent {
            event_type: EventType::NodeDataChanged,
            state: KeeperState::SyncConnected,
            path: "/app/watched".into(),
        },
    ));
    assert!(event.try_recv().is_ok());
    wire.reply(sent[2].0.xid, 101, ErrorCode::Ok, &SyncResponse { path: "/app".into() });
    assert!(wire.answer(queued).is_ok(), "the queued request succeeds after the reconnect");
}

#[test]
fn an_expired_session_ends_watches_and_refuses_requests() {
    let mut wire = started();
    let (watch, mut event) = data_watch(1);
    drop(wire.submit(get_data("/app/w"), Some(watch)));
    let xid = wire.requests()[0].0.xid;
    wire.reply(xid, 1, ErrorCode::Ok, &GetDataResponse::default());
    wire.session.transport_closed(wire.now, None);
    let queued = wire.submit(get_data("/app/q"), None);

    wire.actions();
    wire.session.connected(wire.now);
    wire.sent();
    wire.deliver(&ConnectResponse { timeout: 0, ..ConnectResponse::default() });

    assert_eq!(wire.session.client_state(), ClientState::Expired);
    assert_eq!(wire.session.state(), State::Lost);
    assert!(wire.answer(queued).expect_err("expired").is_session_expired());
    assert_eq!(event.try_recv().unwrap(), WatchedEvent::terminal(KeeperState::Expired));
    assert_eq!(wire.actions(), [Action::CloseTransport]);
    assert!(
        {
            let rx = wire.submit(get_data("/app/z"), None);
            wire.answer(rx)
        }
        .expect_err("refused")
        .is_session_expired()
    );

    // A restart begins a new session.
    wire.session.start(wire.now);
    assert_eq!(wire.establish(0x43).session_id, 0);
}

#[test]
fn disconnected_for_the_session_timeout_is_lost_until_the_session_answers_again() {
    let mut wire = started();
    wire.session.transport_closed(wire.now, None);
    let queued = wire.submit(get_data("/app/q"), None);
    // Every host refuses, round after round.
    for _ in 0..200 {
        if let Some(Action::Connect(_)) = wire.actions().last() {
            wire.session.connect_failed(wire.now, None);
        }
        wire.advance(Duration::from_millis(100));
        if wire.session.state() == State::Lost {
            break;
        }
    }
    assert_eq!(wire.session.state(), State::Lost);
    assert!(wire.answer(queued).expect_err("lost").is_connection_loss());
    assert!(
        {
            let rx = wire.submit(get_data("/app/r"), None);
            wire.answer(rx)
        }
        .expect_err("fails fast")
        .is_connection_loss(),
        "a lost session refuses new requests instead of queueing them"
    );

    // The server comes back and the session is still valid.
    while !matches!(wire.actions().last(), Some(Action::Connect(_))) {
        wire.advance(Duration::from_millis(100));
    }
    wire.session.connected(wire.now);
    wire.sent();
    wire.deliver(&ConnectResponse {
        timeout: 9000,
        session_id: 0x42,
        passwd: Bytes::from_static(&[7; 16]),
        read_only: Some(false),
        ..ConnectResponse::default()
    });
    assert_eq!(wire.session.state(), State::Connected);
}

#[test]
fn a_failed_round_of_hosts_backs_off() {
    let mut wire = Wire::new(config(2));
    wire.session.start(wire.now);
    assert_eq!(wire.actions(), [Action::Connect(host(2181))]);
    wire.session.connect_failed(wire.now, None);
    assert_eq!(wire.actions(), [Action::Connect(host(2182))], "the next host at once");
    wire.session.connect_failed(wire.now, None);
    assert!(wire.actions().is_empty(), "a whole round failed: back off");
    assert_eq!(wire.session.next_deadline(), Some(wire.now + Duration::from_millis(100)));
    wire.advance(Duration::from_millis(100));
    assert_eq!(wire.actions(), [Action::Connect(host(2181))]);
}

#[test]
fn a_handshake_without_answer_moves_on() {
    let mut wire = Wire::new(config(2));
    wire.session.start(wire.now);
    wire.actions();
    wire.session.connected(wire.now);
    wire.advance(TIMEOUT / 2);
    assert_eq!(wire.actions(), [Action::CloseTransport, Action::Connect(host(2182))]);
}

#[test]
fn stop_closes_the_session_and_fails_what_waits() {
    let mut wire = started();
    wire.session.stop(wire.now);
    let sent = wire.requests();
    assert_eq!(sent[0].0.op_code, OpCode::CloseSession);
    assert!(
        {
            let rx = wire.submit(get_data("/app/a"), None);
            wire.answer(rx)
        }
        .expect_err("closing")
        .is_closed()
    );
    assert!(!wire.session.is_finished(), "waiting for the server's confirmation");
    wire.reply(sent[0].0.xid, 3, ErrorCode::Ok, &NoBody);
    assert!(wire.session.is_finished());
    assert_eq!(wire.session.client_state(), ClientState::Closed);
    assert_eq!(wire.actions(), [Action::CloseTransport]);
}

#[test]
fn stop_while_reconnecting_returns_at_once() {
    let mut wire = started();
    wire.session.transport_closed(wire.now, None);
    let queued = wire.submit(get_data("/app/q"), None);
    wire.session.stop(wire.now);
    assert!(wire.session.is_finished());
    assert!(wire.answer(queued).expect_err("closed").is_closed());
    assert_eq!(wire.session.state(), State::Lost);
}

#[test]
fn an_auth_failure_is_terminal() {
    let mut wire = started();
    let (tx, rx) = oneshot::channel();
    let token = wire.waiters.auth(tx);
    wire.session.add_auth(wire.now, "digest".into(), Bytes::from_static(b"x:y"), token);
    assert_eq!(wire.requests()[0].0.xid, AUTH_XID);
    wire.reply(AUTH_XID, 0, ErrorCode::AuthFailed, &NoBody);
    assert!(wire.answer(rx).expect_err("failed").is_auth_failed());
    assert_eq!(wire.session.client_state(), ClientState::AuthFailed);
}

#[test]
fn an_oversized_reply_fails_its_request_with_the_cause() {
    let mut config = config(1);
    config.max_frame_len = 1024;
    let mut wire = Wire::new(config);
    wire.session.start(wire.now);
    wire.establish(1);
    wire.requests();
    wire.reply(AUTH_XID, 0, ErrorCode::Ok, &NoBody);
    let reply = wire.submit(get_data("/app/big"), None);
    let xid = wire.requests()[0].0.xid;
    wire.reply(
        xid,
        1,
        ErrorCode::Ok,
        &GetDataResponse { data: Bytes::from(vec![0; 2000]), stat: Stat::default() },
    );
    let err = wire.answer(reply).expect_err("too large");
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    let cause = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<DecodeError>());
    assert!(matches!(cause, Some(DecodeError::FrameTooLarge { .. })), "{err}");
}

#[test]
fn persistent_watches_are_rearmed_with_set_watches2() {
    let mut wire = started();
    let (watch, mut rx) = persistent(9, WatchKind::PersistentRecursive);
    let add = add_watch("/app/p", AddWatchMode::PersistentRecursive);
    drop(wire.submit(add, Some(watch)));
    let xid = wire.requests()[0].0.xid;
    wire.reply(xid, 4, ErrorCode::Ok, &ErrorResponse { err: ErrorCode::Ok });
    wire.session.transport_closed(wire.now, None);
    wire.establish(0x42);
    let sent = wire.requests();
    let Request::SetWatches2(set) = &sent[1].1 else {
        panic!("setWatches2 expected, got {:?}", sent[1])
    };
    assert_eq!(set.persistent_recursive_watches, ["/app/p"]);
    wire.deliver(&(
        ReplyHeader { xid: WATCH_XID, zxid: -1, err: ErrorCode::Ok },
        WatcherEvent {
            event_type: EventType::NodeCreated,
            state: KeeperState::SyncConnected,
            path: "/app/p/q".into(),
        },
    ));
    assert_eq!(rx.try_recv().unwrap().path.as_deref(), Some("/p/q"));

    // Dropping the last watcher removes the watch from the server.
    wire.session.remove_watch(wire.now, 9);
    let sent = wire.requests();
    assert!(
        matches!(&sent[..], [(_, Request::RemoveWatches(RemoveWatchesRequest { path, watcher_type: WatcherType::Any }))] if path == "/app/p")
    );
}

#[test]
fn a_read_only_server_that_cannot_resume_the_session_is_not_an_expiry() {
    let mut config = config(2);
    config.read_only = true;
    let mut wire = Wire::new(config);
    wire.session.start(wire.now);
    wire.establish(0x42);
    wire.requests();
    wire.session.transport_closed(wire.now, None);

    // The read-only survivor cannot resume a session of the quorum.
    for _ in 0..2 {
        assert!(matches!(wire.actions().last(), Some(Action::Connect(_))));
        wire.session.connected(wire.now);
        let mut sent = wire.sent();
        assert_eq!(ConnectRequest::decode(&mut sent[0]).unwrap().session_id, 0x42);
        wire.deliver(&ConnectResponse {
            timeout: 0,
            read_only: Some(true),
            ..ConnectResponse::default()
        });
        assert_eq!(wire.session.client_state(), ClientState::Connecting, "not expired");
    }

    // Once the session is lost, a new one is asked for and granted read-only.
    wire.advance(TIMEOUT);
    assert_eq!(wire.session.state(), State::Lost);
    while !matches!(wire.actions().last(), Some(Action::Connect(_))) {
        wire.advance(Duration::from_millis(100));
    }
    wire.session.connected(wire.now);
    let mut sent = wire.sent();
    assert_eq!(ConnectRequest::decode(&mut sent[0]).unwrap().session_id, 0, "a new session");
    wire.deliver(&ConnectResponse {
        timeout: 9000,
        session_id: 0x77,
        passwd: Bytes::from_static(&[1; 16]),
        read_only: Some(true),
        ..ConnectResponse::default()
    });
    assert_eq!(wire.session.client_state(), ClientState::ConnectedReadOnly);

    // It looks for a read-write server, and moves to it with a new session.
    wire.actions();
    wire.advance(Duration::from_millis(100));
    let probe = wire.actions();
    assert!(matches!(&probe[..], [Action::ProbeReadWrite(_)]), "{probe:?}");
    let Action::ProbeReadWrite(rw) = probe[0].clone() else { unreachable!() };
    wire.session.read_write_found(wire.now, &rw);
    assert_eq!(wire.actions(), [Action::CloseTransport, Action::Connect(rw)]);
    wire.session.connected(wire.now);
    let mut sent = wire.sent();
    assert_eq!(
        ConnectRequest::decode(&mut sent[0]).unwrap().session_id,
        0,
        "read-only sessions do not move"
    );
}

#[test]
fn dropping_a_watch_keeps_the_server_watch_a_request_in_flight_sets() {
    let mut wire = started();
    let (watch, _old) = data_watch(1);
    drop(wire.submit(get_data("/app/n"), Some(watch)));
    let xid = wire.requests()[0].0.xid;
    wire.reply(xid, 1, ErrorCode::Ok, &GetDataResponse::default());

    // A new read with a watch is sent, then the old watch is dropped.
    let (watch, _new) = data_watch(2);
    drop(wire.submit(get_data("/app/n"), Some(watch)));
    wire.session.remove_watch(wire.now, 1);
    let sent = wire.requests();
    assert_eq!(sent.len(), 1, "no removeWatches that would undo the new watch: {sent:?}");

    // Once nothing needs it, the watch is removed from the server.
    wire.reply(sent[0].0.xid, 2, ErrorCode::Ok, &GetDataResponse::default());
    wire.session.remove_watch(wire.now, 2);
    assert!(matches!(&wire.requests()[..], [(_, Request::RemoveWatches(_))]));
}

#[test]
fn sasl_authenticates_each_connection_before_anything_else_is_sent() {
    let mut config = config(1);
    config.auth.clear();
    config.sasl = Some(crate::sasl::SaslCredentials::digest_md5("alice", "secret"));
    let mut wire = Wire::new(config);
    wire.session.start(wire.now);
    wire.establish(0x51);
    assert_eq!(
        wire.session.client_state(),
        ClientState::Connecting,
        "not connected before SASL succeeds"
    );
    let queued = wire.submit(get_data("/app/x"), None);

    let sent = wire.requests();
    let [(first, Request::Sasl(initial))] = &sent[..] else {
        panic!("only the SASL step: {sent:?}")
    };
    assert!(initial.token.is_empty(), "DIGEST-MD5 has no initial response");
    let challenge = SetSaslResponse {
        token: Bytes::from_static(
            br#"realm="zk-sasl-md5",nonce="n0nce",qop="auth",charset=utf-8,algorithm=md5-sess"#,
        ),
    };
    wire.reply(first.xid, 0, ErrorCode::Ok, &challenge);

    let sent = wire.requests();
    let [(second, Request::Sasl(response))] = &sent[..] else {
        panic!("the digest response: {sent:?}")
    };
    let response = std::str::from_utf8(&response.token).unwrap().to_owned();
    let proof = crate::sasl::server_proof("alice", "secret", &response);
    wire.reply(
        second.xid,
        0,
        ErrorCode::Ok,
        &SetSaslResponse { token: Bytes::from(format!("rspauth={proof}")) },
    );

    assert_eq!(wire.session.client_state(), ClientState::Connected);
    let sent = wire.requests();
    assert!(
        matches!(&sent[..], [(_, Request::GetData(_))]),
        "what waited goes out after: {sent:?}"
    );
    wire.reply(sent[0].0.xid, 1, ErrorCode::Ok, &GetDataResponse::default());
    assert!(wire.answer(queued).is_ok());
}

#[test]
fn a_sasl_refusal_is_terminal_and_not_retried() {
    let mut config = config(1);
    config.auth.clear();
    config.sasl = Some(crate::sasl::SaslCredentials::digest_md5("alice", "wrong"));
    let mut wire = Wire::new(config);
    wire.session.start(wire.now);
    wire.establish(0x52);
    let first = wire.requests()[0].0;
    wire.reply(first.xid, 0, ErrorCode::AuthFailed, &NoBody);
    assert_eq!(wire.session.client_state(), ClientState::AuthFailed);
    // A new start does not send the refused credentials again.
    wire.session.start(wire.now);
    wire.establish(0x53);
    assert_eq!(wire.session.client_state(), ClientState::Connected);
}

#[test]
fn tls_certificate_failures_on_every_host_end_the_session_with_the_cause() {
    let mut wire = Wire::new(config(2));
    wire.session.start(wire.now);
    wire.actions();
    let refused = |host: &str| {
        Some(Error::tls(format!("TLS handshake with {host} failed")).caused_by("UnknownIssuer"))
    };
    wire.session.connect_failed(wire.now, refused("127.0.0.1:2181"));
    assert_eq!(wire.actions(), [Action::Connect(host(2182))]);
    wire.session.connect_failed(wire.now, refused("127.0.0.1:2182"));
    assert_eq!(wire.session.client_state(), ClientState::AuthFailed, "no retry storm");
    assert!(wire.session.failure().unwrap().to_string().contains("127.0.0.1:2182"));
    let err = {
        let rx = wire.submit(get_data("/app/x"), None);
        wire.answer(rx)
    }
    .unwrap_err();
    assert!(err.is_tls() && err.to_string().contains("UnknownIssuer"), "{err}");
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");

    // A mix of refusals and certificate failures keeps trying.
    let mut wire = Wire::new(config(2));
    wire.session.start(wire.now);
    wire.actions();
    wire.session.connect_failed(wire.now, Some(Error::tls("bad certificate")));
    wire.session.connect_failed(wire.now, None);
    assert_eq!(wire.session.client_state(), ClientState::Connecting);
}

fn persistent(id: u64, kind: WatchKind) -> (Registration, mpsc::UnboundedReceiver<WatchedEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Registration { request: WatchRequest { id, kind }, sender: WatchSender::Stream(tx) }, rx)
}

fn add_watch(path: &str, mode: AddWatchMode) -> Request {
    Request::AddWatch(AddWatchRequest { path: path.into(), mode })
}

fn notify(wire: &mut Wire, event_type: EventType, path: &str) {
    wire.deliver(&(
        ReplyHeader { xid: WATCH_XID, zxid: -1, err: ErrorCode::Ok },
        WatcherEvent { event_type, state: KeeperState::SyncConnected, path: path.into() },
    ));
}

fn received(
    wire: &mut Wire,
    rx: &mut mpsc::UnboundedReceiver<WatchedEvent>,
) -> Vec<(EventType, String)> {
    wire.route();
    std::iter::from_fn(|| rx.try_recv().ok())
        .map(|e| (e.event_type, e.path.unwrap_or_default()))
        .collect()
}

#[test]
fn a_persistent_watch_is_told_what_changed_while_disconnected_before_newer_events() {
    let mut wire = started();
    let (watch, mut rx) = persistent(5, WatchKind::Persistent);
    drop(wire.submit(add_watch("/app/p", AddWatchMode::Persistent), Some(watch)));
    let xid = wire.requests()[0].0.xid;
    wire.reply(xid, 10, ErrorCode::Ok, &ErrorResponse { err: ErrorCode::Ok });
    // The first watcher of the znode: the session learns that it exists.
    let sent = wire.requests();
    let [(header, Request::Exists(read))] = &sent[..] else { panic!("an exists read: {sent:?}") };
    assert_eq!((read.path.as_str(), read.watch), ("/app/p", false));
    let stat = Stat { czxid: 3, mzxid: 3, pzxid: 3, ..Stat::default() };
    wire.reply(header.xid, 10, ErrorCode::Ok, &ExistsResponse { stat });

    // Away; meanwhile its data and children change (zxids 11, 12).
    wire.session.transport_closed(wire.now, None);
    wire.establish(0x42);
    let sent = wire.requests();
    assert!(
        matches!(&sent[1].1, Request::SetWatches2(set) if set.persistent_watches == ["/app/p"])
    );
    let (header, Request::Exists(read)) = &sent[2] else { panic!("a catch-up read: {sent:?}") };
    assert_eq!(read.path, "/app/p");
    wire.reply(SET_WATCHES_XID, 13, ErrorCode::Ok, &NoBody);
    // A change after the registration: held until the catch-up is told.
    notify(&mut wire, EventType::NodeChildrenChanged, "/app/p");
    assert!(received(&mut wire, &mut rx).is_empty(), "held behind the catch-up");
    let stat = Stat { czxid: 3, mzxid: 11, pzxid: 14, ..Stat::default() };
    wire.reply(header.xid, 14, ErrorCode::Ok, &ExistsResponse { stat });
    assert_eq!(
        received(&mut wire, &mut rx),
        [(EventType::NodeDataChanged, "/p".into()), (EventType::NodeChildrenChanged, "/p".into())],
        "the missed change first, the newer one once"
    );

    // Connected: events flow at once.
    notify(&mut wire, EventType::NodeDataChanged, "/app/p");
    assert_eq!(received(&mut wire, &mut rx), [(EventType::NodeDataChanged, "/p".into())]);

    // Away again (a change at zxid 25), and cut again after the re-arming
    // (which showed zxid 30) but before the catch-up read's answer: the
    // catch-up goes on after the next reconnect, still from zxid 14.
    wire.session.transport_closed(wire.now, None);
    wire.establish(0x42);
    wire.requests();
    wire.reply(SET_WATCHES_XID, 30, ErrorCode::Ok, &NoBody);
    wire.session.transport_closed(wire.now, None);
    wire.establish(0x42);
    let sent = wire.requests();
    assert!(matches!(&sent[1].1, Request::SetWatches2(set) if set.relative_zxid == 30));
    let (header, Request::Exists(_)) = &sent[2] else { panic!("a catch-up read: {sent:?}") };
    let stat = Stat { czxid: 3, mzxid: 25, pzxid: 14, ..Stat::default() };
    wire.reply(header.xid, 31, ErrorCode::Ok, &ExistsResponse { stat });
    assert_eq!(received(&mut wire, &mut rx), [(EventType::NodeDataChanged, "/p".into())]);

    // A deletion while away.
    wire.session.transport_closed(wire.now, None);
    wire.establish(0x42);
    let sent = wire.requests();
    let (header, Request::Exists(_)) = &sent[2] else { panic!("a catch-up read: {sent:?}") };
    wire.reply(header.xid, 40, ErrorCode::NoNode, &NoBody);
    assert_eq!(received(&mut wire, &mut rx), [(EventType::NodeDeleted, "/p".into())]);
}

#[test]
fn a_persistent_recursive_watch_is_reset_once_registered_again() {
    let mut wire = started();
    let (watch, mut rx) = persistent(6, WatchKind::PersistentRecursive);
    drop(wire.submit(add_watch("/app/r", AddWatchMode::PersistentRecursive), Some(watch)));
    let xid = wire.requests()[0].0.xid;
    wire.reply(xid, 10, ErrorCode::Ok, &ErrorResponse { err: ErrorCode::Ok });
    assert!(wire.requests().is_empty(), "no read for a recursive watch");

    wire.session.transport_closed(wire.now, None);
    wire.establish(0x42);
    wire.requests();
    assert!(received(&mut wire, &mut rx).is_empty(), "not before the watch is registered again");
    wire.reply(SET_WATCHES_XID, 12, ErrorCode::Ok, &NoBody);
    let reset = rx.try_recv().expect("the reset");
    assert!(reset.is_reset() && !reset.is_terminal(), "{reset:?}");
    assert_eq!(reset.path.as_deref(), Some("/r"));
    notify(&mut wire, EventType::NodeCreated, "/app/r/new");
    assert_eq!(received(&mut wire, &mut rx), [(EventType::NodeCreated, "/r/new".into())]);
}

#[test]
fn the_same_seed_replays_the_same_server_order_and_back_off() {
    let run = |seed| {
        let mut config = config(5);
        config.randomize_hosts = true;
        config.seed = seed;
        config.connection_retry =
            RetryPolicy::new().max_tries(None).delay(Duration::from_millis(100)).max_jitter(0.5);
        let mut wire = Wire::new(config);
        wire.session.start(wire.now);
        let mut choices = Vec::new();
        for _ in 0..20 {
            if let Some(Action::Connect(host)) = wire.actions().last() {
                choices.push(host.to_string());
                wire.session.connect_failed(wire.now, None);
            } else {
                let deadline = wire.session.next_deadline().expect("a back-off");
                choices.push(format!("wait {:?}", deadline - wire.now));
                wire.now = deadline;
                wire.session.timeout(wire.now);
            }
        }
        choices
    };
    let first = run(1);
    assert_eq!(first, run(1), "a seed replays exactly");
    assert_ne!(first, run(2), "another seed chooses otherwise");
    assert!(first.iter().any(|c| c.starts_with("wait")), "{first:?}");
}
