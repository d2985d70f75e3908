//! A minimal synchronous ZooKeeper session over one TCP socket, built on
//! zookit-proto alone: tests and the `raw_session` example use it to prove
//! the codec against a real server. Failures panic with what went wrong.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use zookit_proto::*;

pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(15);

/// A minimal synchronous session over one socket, for tests only.
pub(crate) struct RawSession {
    stream: TcpStream,
    buf: BytesMut,
    decoder: FrameDecoder,
    next_xid: i32,
    pub(crate) last_zxid: i64,
    events: VecDeque<WatcherEvent>,
    pub(crate) session: ConnectResponse,
}

impl RawSession {
    pub(crate) fn connect(addr: SocketAddr) -> Self {
        Self::handshake(
            addr,
            ConnectRequest {
                timeout: 10_000,
                passwd: Bytes::from_static(&[0; 16]),
                read_only: Some(false),
                ..ConnectRequest::default()
            },
        )
    }

    /// Resumes `other`'s session on a new connection to `addr`.
    pub(crate) fn resume(addr: SocketAddr, other: &RawSession) -> Self {
        Self::handshake(
            addr,
            ConnectRequest {
                last_zxid_seen: other.last_zxid,
                timeout: other.session.timeout,
                session_id: other.session.session_id,
                passwd: other.session.passwd.clone(),
                read_only: Some(false),
                ..ConnectRequest::default()
            },
        )
    }

    fn handshake(addr: SocketAddr, request: ConnectRequest) -> Self {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
        stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
        let mut session = Self {
            stream,
            buf: BytesMut::new(),
            decoder: FrameDecoder::default(),
            next_xid: 1,
            last_zxid: request.last_zxid_seen,
            events: VecDeque::new(),
            session: ConnectResponse::default(),
        };
        session.write(&request);
        let mut frame = session.read_frame();
        session.session = ConnectResponse::decode(&mut frame).expect("connect response");
        assert!(frame.is_empty(), "connect response has {} extra bytes", frame.len());
        assert!(session.session.timeout > 0, "server refused the session: {:?}", session.session);
        session
    }

    fn write(&mut self, record: &impl Encode) {
        let mut out = BytesMut::new();
        encode_frame(&mut out, record);
        self.stream.write_all(&out).expect("write");
    }

    fn read_frame(&mut self) -> Bytes {
        loop {
            if let Some(frame) = self.decoder.decode(&mut self.buf).expect("valid frame") {
                return frame;
            }
            let mut chunk = [0; 64 * 1024];
            let n = self.stream.read(&mut chunk).expect("read");
            assert!(n > 0, "server closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Reads the next reply that is not a watch event (events are queued).
    fn read_reply(&mut self) -> (ReplyHeader, Bytes) {
        loop {
            let mut frame = self.read_frame();
            let header = ReplyHeader::decode(&mut frame).expect("reply header");
            if header.zxid > 0 {
                self.last_zxid = self.last_zxid.max(header.zxid);
            }
            if header.xid == WATCH_XID {
                let event = WatcherEvent::decode(&mut frame).expect("watcher event");
                assert!(frame.is_empty());
                self.events.push_back(event);
                continue;
            }
            return (header, frame);
        }
    }

    /// Sends `request` with `xid` and returns the reply's header and body.
    pub(crate) fn call_with_xid(&mut self, xid: i32, request: &Request) -> (ReplyHeader, Bytes) {
        self.write(&(RequestHeader { xid, op_code: request.op_code() }, request));
        let (header, body) = self.read_reply();
        assert_eq!(header.xid, xid, "replies come in order");
        (header, body)
    }

    pub(crate) fn call(&mut self, request: Request) -> (ReplyHeader, Bytes) {
        let xid = self.next_xid;
        self.next_xid += 1;
        self.call_with_xid(xid, &request)
    }

    /// Sends `request`, expects success, and decodes the whole body.
    pub(crate) fn ok(&mut self, request: Request) -> Response {
        let op_code = request.op_code();
        let (header, mut body) = self.call(request);
        assert_eq!(header.err, ErrorCode::Ok, "{op_code:?} failed");
        let response = Response::decode(op_code, &mut body).expect("response body");
        assert!(body.is_empty(), "{op_code:?} reply has {} undecoded bytes", body.len());
        response
    }

    /// Sends `request` and expects the error `code`, with no body.
    pub(crate) fn fails(&mut self, request: Request, code: ErrorCode) {
        let (header, body) = self.call(request);
        assert_eq!(header.err, code);
        assert!(body.is_empty(), "an error reply has no body");
    }

    fn next_event(&mut self) -> WatcherEvent {
        if let Some(event) = self.events.pop_front() {
            return event;
        }
        let (header, _) = self.read_reply_or_event();
        panic!("expected a watch event, got reply {header:?}");
    }

    fn read_reply_or_event(&mut self) -> (ReplyHeader, Bytes) {
        let (header, body) = self.read_reply();
        if let Some(event) = self.events.pop_front() {
            panic!("unexpected ordering: {event:?} queued before reply {header:?}");
        }
        (header, body)
    }

    /// Waits for the next watch event, sending pings to make the server
    /// flush (events may also arrive while waiting for a ping's reply).
    pub(crate) fn wait_event(&mut self) -> WatcherEvent {
        let deadline = Instant::now() + IO_TIMEOUT;
        while self.events.is_empty() {
            assert!(Instant::now() < deadline, "no watch event within {IO_TIMEOUT:?}");
            let (header, _) = self.call_with_xid(PING_XID, &Request::Ping);
            assert_eq!(header.err, ErrorCode::Ok);
        }
        self.next_event()
    }
}
