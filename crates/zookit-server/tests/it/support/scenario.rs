//! Running one scenario against Apache ZooKeeper and the embedded server,
//! writing down every answer, and comparing the two transcripts.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use zookit_proto::{
    ConnectRequest, DeleteRequest, Encode, GetChildrenRequest, OpCode, PING_XID, ReplyHeader,
    Request, RequestHeader, Response, encode_frame,
};
use zookit_server::{BlockingServer, Server};

use super::names::Names;
use super::raw::{Frame, RawConn};

/// A session of a scenario.
struct Session {
    conn: RawConn,
    id: i64,
    passwd: Bytes,
    timeout: i32,
    next_xid: i32,
    last_zxid: i64,
}

/// A reply, as the scenario code sees it.
pub(crate) struct Reply {
    pub(crate) header: ReplyHeader,
    pub(crate) body: Bytes,
}

impl Reply {
    /// The decoded body of a successful reply to `op`.
    pub(crate) fn response(&self, op: OpCode) -> Response {
        Response::decode(op, &mut self.body.clone()).expect("a response body")
    }
}

/// One run of a scenario against one server.
pub(crate) struct Scenario {
    addr: SocketAddr,
    prefix: String,
    sessions: BTreeMap<String, Session>,
    names: Names,
    log: Vec<String>,
}

/// A handshake as zookit sends it, for a new session.
pub(crate) fn new_session(timeout: i32) -> ConnectRequest {
    ConnectRequest {
        timeout,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: Some(false),
        ..ConnectRequest::default()
    }
}

impl Scenario {
    fn new(addr: SocketAddr, prefix: String) -> Self {
        Self { addr, prefix, sessions: BTreeMap::new(), names: Names::default(), log: Vec::new() }
    }

    /// `path` below the scenario's own prefix (`""` is the prefix).
    pub(crate) fn p(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// Writes a line into the transcript.
    pub(crate) fn note(&mut self, line: impl Into<String>) {
        self.log.push(line.into());
    }

    fn session(&mut self, name: &str) -> &mut Session {
        self.sessions.get_mut(name).unwrap_or_else(|| panic!("no session {name}"))
    }

    /// Opens session `name` (a 10 s timeout).
    pub(crate) fn connect(&mut self, name: &str) {
        let accepted = self.handshake(name, &new_session(10_000));
        assert!(accepted, "{name}: the server refused a new session");
    }

    /// Sends `request` as `name`'s handshake on a new connection; whether a
    /// session was granted.
    pub(crate) fn handshake(&mut self, name: &str, request: &ConnectRequest) -> bool {
        let mut conn = RawConn::open(self.addr);
        let response = conn.handshake(request);
        let line = match &response {
            Some(r) => format!("{name}: connect {}", self.names.connect(r)),
            None => format!("{name}: connect -> closed"),
        };
        self.log.push(line);
        let Some(response) = response else {
            self.sessions.insert(
                name.to_owned(),
                Session {
                    conn,
                    id: 0,
                    passwd: Bytes::new(),
                    timeout: 0,
                    next_xid: 1,
                    last_zxid: 0,
                },
            );
            return false;
        };
        let granted = response.timeout > 0;
        let last_zxid = request.last_zxid_seen;
        self.sessions.insert(
            name.to_owned(),
            Session {
                conn,
                id: response.session_id,
                passwd: response.passwd,
                timeout: response.timeout,
                next_xid: 1,
                last_zxid,
            },
        );
        granted
    }

    /// Resumes `from`'s session as `name`, on a new connection.
    pub(crate) fn resume(&mut self, name: &str, from: &str) -> bool {
        let old = self.session(from);
        let request = ConnectRequest {
            last_zxid_seen: old.last_zxid,
            timeout: old.timeout,
            session_id: old.id,
            passwd: old.passwd.clone(),
            read_only: Some(false),
            ..ConnectRequest::default()
        };
        self.handshake(name, &request)
    }

    /// The session id, password and last zxid of `name`.
    pub(crate) fn credentials(&mut self, name: &str) -> (i64, Bytes, i64) {
        let s = self.session(name);
        (s.id, s.passwd.clone(), s.last_zxid)
    }

    /// Sends `request` as `name` and writes down its answer and the events
    /// that came before it.
    pub(crate) fn call(&mut self, name: &str, request: Request) -> Reply {
        let label = format!("{request:?}");
        self.call_as(name, request, &label)
    }

    /// As [`call`](Self::call), writing the request down as `label`.
    pub(crate) fn call_as(&mut self, name: &str, request: Request, label: &str) -> Reply {
        let session = self.session(name);
        let xid = session.next_xid;
        session.next_xid += 1;
        let op = request.op_code();
        let mut frame = BytesMut::new();
        encode_frame(&mut frame, &(RequestHeader { xid, op_code: op }, &request));
        session.conn.send_bytes(&frame);
        self.log.push(format!("{name}> {label}"));
        self.answer(name, Some(op))
    }

    /// Sends `requests` as `name` in one write, as a pipelining client
    /// does, then writes down every answer.
    pub(crate) fn pipeline(&mut self, name: &str, requests: Vec<Request>) {
        let session = self.session(name);
        let mut bytes = BytesMut::new();
        let mut ops = Vec::new();
        for request in &requests {
            let xid = session.next_xid;
            session.next_xid += 1;
            encode_frame(&mut bytes, &(RequestHeader { xid, op_code: request.op_code() }, request));
            ops.push(request.op_code());
        }
        session.conn.send_bytes(&bytes);
        for request in &requests {
            self.log.push(format!("{name}> {request:?}"));
        }
        for op in ops {
            if self.answer(name, Some(op)).header.xid == i32::MIN {
                break;
            }
        }
    }

    /// Sends raw bytes as `name` and writes down what comes back up to a
    /// reply (or the end of the connection).
    pub(crate) fn call_raw(
        &mut self,
        name: &str,
        bytes: &[u8],
        label: &str,
        op: Option<OpCode>,
    ) -> Option<Reply> {
        self.session(name).conn.send_bytes(bytes);
        self.log.push(format!("{name}> {label}"));
        let reply = self.answer(name, op);
        (reply.header.xid != i32::MIN).then_some(reply)
    }

    /// Reads frames up to the next reply, writing each down.
    fn answer(&mut self, name: &str, op: Option<OpCode>) -> Reply {
        loop {
            let frame = self.session(name).conn.read();
            match frame {
                Frame::Event(event) => {
                    let line = format!("{name}< {}", self.names.event(&event));
                    self.log.push(line);
                }
                Frame::Reply(header, body) => {
                    if header.zxid > 0 {
                        let s = self.session(name);
                        s.last_zxid = s.last_zxid.max(header.zxid);
                    }
                    let line = format!(
                        "{name}< {}{}",
                        self.names.header(&header),
                        self.names.body(op, header.err, &body)
                    );
                    self.log.push(line);
                    return Reply { header, body };
                }
                Frame::Closed => {
                    self.log.push(format!("{name}< closed"));
                    return Reply {
                        header: ReplyHeader { xid: i32::MIN, zxid: 0, err: Default::default() },
                        body: Bytes::new(),
                    };
                }
            }
        }
    }

    /// Pings `name`, writing down the events that arrive before the
    /// answer (every event a change made before the ping fired).
    pub(crate) fn drain(&mut self, name: &str) {
        let session = self.session(name);
        session.conn.send(&RequestHeader { xid: PING_XID, op_code: OpCode::Ping });
        self.log.push(format!("{name}> ping"));
        self.answer(name, Some(OpCode::Ping));
    }

    /// Waits up to `within` for `name`'s next event, pinging to keep the
    /// session alive; writes down the event only (pings' answers depend on
    /// timing).
    pub(crate) fn wait_event(&mut self, name: &str, within: Duration) {
        let deadline = Instant::now() + within;
        let mut pinged = false;
        loop {
            assert!(Instant::now() < deadline, "{name}: no event within {within:?}");
            let session = self.session(name);
            match session.conn.poll(Duration::from_millis(100)) {
                Some(Frame::Event(event)) => {
                    let line = format!("{name}< {}", self.names.event(&event));
                    self.log.push(line);
                    // Write down the events the same change fired: they come
                    // before the answer to a ping sent now.
                    if !pinged {
                        self.session(name)
                            .conn
                            .send(&RequestHeader { xid: PING_XID, op_code: OpCode::Ping });
                    }
                    self.skip_to_reply(name);
                    return;
                }
                Some(Frame::Reply(header, _)) if header.xid == PING_XID => pinged = false,
                Some(other) => panic!("{name}: {other:?} while waiting for an event"),
                None if !pinged => {
                    session.conn.send(&RequestHeader { xid: PING_XID, op_code: OpCode::Ping });
                    pinged = true;
                }
                None => {}
            }
        }
    }

    fn skip_to_reply(&mut self, name: &str) {
        loop {
            match self.session(name).conn.read() {
                Frame::Event(event) => {
                    let line = format!("{name}< {}", self.names.event(&event));
                    self.log.push(line);
                }
                Frame::Reply(..) => return,
                Frame::Closed => panic!("{name}: closed while waiting for a ping's answer"),
            }
        }
    }

    /// Waits until the server closes `name`'s connection, writing down
    /// what arrives before.
    pub(crate) fn expect_closed(&mut self, name: &str) {
        loop {
            match self.session(name).conn.read() {
                Frame::Closed => {
                    self.log.push(format!("{name}< closed"));
                    return;
                }
                Frame::Event(event) => {
                    let line = format!("{name}< {}", self.names.event(&event));
                    self.log.push(line);
                }
                Frame::Reply(header, body) => {
                    let line = format!(
                        "{name}< {}{}",
                        self.names.header(&header),
                        self.names.body(None, header.err, &body)
                    );
                    self.log.push(line);
                }
            }
        }
    }

    /// Closes `name`'s session and waits for the connection to end.
    pub(crate) fn close(&mut self, name: &str) {
        self.call(name, Request::CloseSession);
        self.expect_closed(name);
        self.sessions.remove(name);
    }

    /// Names a zxid as the transcript does.
    pub(crate) fn zxid_name(&mut self, zxid: i64) -> String {
        self.names.zxid(zxid)
    }

    /// Names the session ids in a text as the transcript does.
    pub(crate) fn sessions_in_text(&mut self, text: &str) -> String {
        self.names.sessions_in_text(text)
    }

    /// The server's address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Ends the run: closes every session still open (on a new connection
    /// if its own is gone) and deletes the prefix, none of it written down,
    /// so that nothing of this run happens later on the server.
    fn finish(mut self) -> Vec<String> {
        for (_, mut session) in std::mem::take(&mut self.sessions) {
            if session.id == 0 || close_on(&mut session.conn) {
                continue;
            }
            let mut conn = RawConn::open(self.addr);
            let resume = ConnectRequest {
                session_id: session.id,
                passwd: session.passwd.clone(),
                timeout: session.timeout,
                read_only: Some(false),
                ..ConnectRequest::default()
            };
            if conn.handshake(&resume).is_some_and(|r| r.timeout > 0) {
                close_on(&mut conn);
            }
        }
        let mut cleaner = RawConn::open(self.addr);
        cleaner.handshake(&new_session(10_000)).expect("a cleanup session");
        delete_tree(&mut cleaner, &self.prefix);
        close_on(&mut cleaner);
        self.log
    }
}

/// Closes the session of `conn`; false if the connection ended first.
fn close_on(conn: &mut RawConn) -> bool {
    conn.send(&RequestHeader { xid: 1_000_000, op_code: OpCode::CloseSession });
    loop {
        match conn.read() {
            Frame::Reply(header, _) if header.xid == 1_000_000 => break,
            Frame::Reply(..) | Frame::Event(_) => {}
            Frame::Closed => return false,
        }
    }
    while !matches!(conn.read(), Frame::Closed) {}
    true
}

/// Deletes `path` and everything below it (unrecorded).
fn delete_tree(conn: &mut RawConn, path: &str) {
    let request = Request::GetChildren(GetChildrenRequest { path: path.to_owned(), watch: false });
    let Some(reply) = exchange(conn, &request) else { return };
    if reply.header.err.is_ok()
        && let Response::GetChildren(children) = reply.response(OpCode::GetChildren)
    {
        for child in children.children {
            delete_tree(conn, &format!("{path}/{child}"));
        }
    }
    let _ = exchange(conn, &Request::Delete(DeleteRequest { path: path.to_owned(), version: -1 }));
}

fn exchange(conn: &mut RawConn, request: &Request) -> Option<Reply> {
    conn.send(&(RequestHeader { xid: 7, op_code: request.op_code() }, request));
    loop {
        match conn.read() {
            Frame::Reply(header, body) => return Some(Reply { header, body }),
            Frame::Event(_) => {}
            Frame::Closed => return None,
        }
    }
}

/// One scenario at a time talks to the shared Apache server, so its zxids
/// are only the scenario's.
static APACHE: Mutex<()> = Mutex::new(());

/// An embedded server set up as zookit-testing sets up Apache ZooKeeper.
pub(crate) fn embedded() -> BlockingServer {
    Server::builder()
        .port(0)
        .tick_time(Duration::from_millis(500))
        .min_session_timeout(Duration::from_millis(1000))
        .max_session_timeout(Duration::from_secs(60))
        .super_digest(zookit_testing::SUPER_DIGEST)
        .reconfig_enabled(true)
        .container_check_interval(Duration::from_millis(200))
        .start_blocking()
        .expect("the embedded server starts")
}

/// Runs `scenario` against the embedded server and against Apache
/// ZooKeeper at `apache` (the shared server if `None`), and fails on the
/// first difference between the transcripts.
pub(crate) fn differential_at(
    name: &str,
    apache: Option<SocketAddr>,
    scenario: impl Fn(&mut Scenario) + Sync,
) {
    let prefix = format!("/zd-{name}");
    let (ours, theirs) = std::thread::scope(|scope| {
        let ours = scope.spawn(|| {
            let server = embedded();
            let mut ours = Scenario::new(server.addr(), prefix.clone());
            scenario(&mut ours);
            ours.finish()
        });
        let _one_at_a_time =
            apache.is_none().then(|| APACHE.lock().unwrap_or_else(|e| e.into_inner()));
        let addr = apache.unwrap_or_else(|| zookit_testing::shared_apache().member_address(0));
        let mut theirs = Scenario::new(addr, prefix.clone());
        scenario(&mut theirs);
        let theirs = theirs.finish();
        (ours.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), theirs)
    });
    compare(name, &theirs, &ours);
}

/// As [`differential_at`], against the shared Apache server.
pub(crate) fn differential(name: &str, scenario: impl Fn(&mut Scenario) + Sync) {
    differential_at(name, None, scenario);
}

/// Panics at the first difference, showing the lines around it. With
/// `ZOOKIT_DIFF_PRINT` set, prints Apache's transcript too.
fn compare(name: &str, apache: &[String], ours: &[String]) {
    if std::env::var_os("ZOOKIT_DIFF_PRINT").is_some() {
        println!("--- scenario {name}, Apache ZooKeeper:\n{}", apache.join("\n"));
    }
    let first = apache
        .iter()
        .zip(ours)
        .position(|(a, b)| a != b)
        .or_else(|| (apache.len() != ours.len()).then(|| apache.len().min(ours.len())));
    let Some(at) = first else { return };
    let from = at.saturating_sub(8);
    let show = |lines: &[String]| {
        lines[from.min(lines.len())..(at + 4).min(lines.len())]
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{} {:4} {l}", if from + i == at { ">" } else { " " }, from + i))
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "scenario {name}: the embedded server answers differently at line {at}\n--- Apache ZooKeeper:\n{}\n--- zookit-server:\n{}\n",
        show(apache),
        show(ours)
    );
}

/// A request frame with `xid`, `op` and a raw body.
pub(crate) fn raw_frame(xid: i32, op: i32, body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    let len = 8 + body.len();
    (i32::try_from(len).expect("small"), xid).encode(&mut out);
    op.encode(&mut out);
    out.extend_from_slice(body);
    out.to_vec()
}
