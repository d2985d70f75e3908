//! Hostile input: the server never panics, never holds unbounded memory,
//! and keeps serving well-behaved clients. Each server runs on threads of
//! its own, whose panics a hook counts.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use zookit_proto::{
    AddWatchMode, AddWatchRequest, ConnectRequest, CreateMode, OpCode, PING_XID, Request,
    RequestHeader,
};
use zookit_server::{BlockingServer, Server, ServerBuilder};

use crate::differential::{create, create2, exists, get};
use crate::support::raw::{Frame, RawConn};
use crate::support::scenario::{new_session, raw_frame};

/// How long the server may take to close a connection it should close.
const CLOSE_WITHIN: Duration = Duration::from_secs(20);

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics on the server's threads (a blocking server's threads are
/// named `zookit-server...`), then reports them as usual.
fn count_server_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name().is_some_and(|n| n.starts_with("zookit-server")) {
                PANICS.fetch_add(1, Ordering::SeqCst);
            }
            default(info);
        }));
    });
}

fn start(builder: ServerBuilder) -> BlockingServer {
    count_server_panics();
    builder.port(0).start_blocking().expect("the server starts")
}

/// Checks that no server thread has panicked and that the server still
/// serves: a new session can create, read and delete a znode.
fn assert_healthy(addr: SocketAddr) {
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a server thread panicked");
    let mut conn = RawConn::open(addr);
    let session = conn.handshake(&new_session(10_000)).expect("a session");
    assert!(session.timeout > 0);
    let path = format!("/healthy-{}", session.session_id);
    for request in [create2(&path, b"ok", CreateMode::Ephemeral), get(&path, false)] {
        conn.send(&(RequestHeader { xid: 1, op_code: request.op_code() }, &request));
        match conn.read() {
            Frame::Reply(header, _) => assert!(header.err.is_ok(), "{request:?}: {header:?}"),
            other => panic!("{request:?}: {other:?}"),
        }
    }
}

/// This process's resident memory, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Whether the server closes `stream` within [`CLOSE_WITHIN`] (reading and
/// dropping whatever it sends first).
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let deadline = Instant::now() + CLOSE_WITHIN;
    let mut buf = [0_u8; 64 * 1024];
    while Instant::now() < deadline {
        stream.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

/// A handshake frame for a new session.
fn handshake_bytes() -> Vec<u8> {
    let mut out = bytes::BytesMut::new();
    zookit_proto::encode_frame(&mut out, &new_session(30_000));
    out.to_vec()
}

/// A small deterministic generator (xorshift64*).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn random_bytes_and_truncated_frames_never_take_the_server_down() {
    let server = start(Server::builder().handshake_timeout(Duration::from_millis(500)));
    let mut random = Random(0x5eed_1234_abcd_0001);
    let mut streams = Vec::new();
    for i in 0..400 {
        let mut stream = connect(server.addr());
        let len = (random.next() % 3000) as usize;
        let mut bytes = Vec::new();
        match i % 4 {
            // Plain noise.
            0 => bytes = random.bytes(len),
            // A handshake, then noise.
            1 => {
                bytes.extend(handshake_bytes());
                bytes.extend(random.bytes(len));
            }
            // A handshake, then frames of a plausible length with noise in them.
            2 => {
                bytes.extend(handshake_bytes());
                for _ in 0..20 {
                    let body_len = (random.next() % 64) as usize;
                    bytes.extend(u32::try_from(body_len + 8).unwrap().to_be_bytes());
                    bytes.extend(&(random.next() as u32).to_be_bytes());
                    let op = [
                        1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                        100, 101, 102, 103, 104, 105, 106, 107, -10, -11,
                    ];
                    let op: i32 = op[(random.next() % op.len() as u64) as usize];
                    bytes.extend(op.to_be_bytes());
                    bytes.extend(random.bytes(body_len));
                }
            }
            // A frame cut short, then the end.
            _ => {
                bytes.extend(handshake_bytes());
                bytes.extend(1000_u32.to_be_bytes());
                bytes.extend(random.bytes(len.min(900)));
            }
        }
        let _ = stream.write_all(&bytes);
        if i % 2 == 0 {
            drop(stream);
        } else {
            streams.push(stream);
        }
    }
    assert_healthy(server.addr());
    // Connections left open with garbage are closed by the server (bad
    // frames at once, silent handshakes after their timeout) or wait for
    // their session to expire.
    drop(streams);
    assert_healthy(server.addr());
}

#[test]
fn huge_length_fields_are_refused_before_allocating() {
    let server = start(Server::builder());
    let before = rss_kib();
    let lengths: [u32; 6] =
        [0x7fff_ffff, 0x4000_0000, 0x0010_0000, 0x0fff_ffff, 0x8000_0000, 0xffff_ffff];
    for round in 0..40 {
        for (i, len) in lengths.iter().enumerate() {
            let mut stream = connect(server.addr());
            let mut bytes = Vec::new();
            if (round + i) % 2 == 0 {
                bytes.extend(handshake_bytes());
            }
            bytes.extend(len.to_be_bytes());
            bytes.extend([0_u8; 64]);
            let _ = stream.write_all(&bytes);
            assert!(
                closed_by_server(&mut stream),
                "a frame of {len:#x} bytes did not close the connection"
            );
        }
    }
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "resident memory grew by {grown} KiB");
    // The largest frame allowed is still taken.
    let mut conn = RawConn::open(server.addr());
    conn.handshake(&new_session(10_000)).expect("a session");
    let big = create2("/big", &vec![1_u8; 0xfffff - 100], CreateMode::Persistent);
    conn.send(&(RequestHeader { xid: 1, op_code: OpCode::Create2 }, &big));
    assert!(matches!(conn.read(), Frame::Reply(h, _) if h.err.is_ok()));
    assert_healthy(server.addr());
}

#[test]
fn requests_before_the_handshake_and_silent_connections_are_closed() {
    let server = start(Server::builder().handshake_timeout(Duration::from_millis(300)));
    let mut early = connect(server.addr());
    early.write_all(&raw_frame(1, OpCode::GetData.code(), b"\0\0\0\x01/\0")).expect("send");
    assert!(closed_by_server(&mut early), "a request instead of a handshake");
    let mut silent = connect(server.addr());
    assert!(closed_by_server(&mut silent), "a connection that never sends its handshake");
    let mut half = connect(server.addr());
    half.write_all(&handshake_bytes()[..10]).expect("send");
    assert!(closed_by_server(&mut half), "half a handshake");
    assert_healthy(server.addr());
}

#[test]
fn unknown_opcodes_are_answered_and_end_the_connection() {
    let server = start(Server::builder());
    for op in [9999, -9999, 0, i32::MIN, i32::MAX] {
        let mut conn = RawConn::open(server.addr());
        conn.handshake(&new_session(10_000)).expect("a session");
        conn.send_bytes(&raw_frame(5, op, &[1, 2, 3]));
        match conn.read() {
            Frame::Reply(header, _) => {
                assert_eq!(header.err, zookit_proto::ErrorCode::Unimplemented, "opcode {op}")
            }
            other => panic!("opcode {op}: {other:?}"),
        }
        assert!(matches!(conn.read(), Frame::Closed), "opcode {op}: the connection stays");
    }
    assert_healthy(server.addr());
}

fn four_letter(addr: SocketAddr, word: &str) -> String {
    let mut stream = connect(addr);
    stream.write_all(word.as_bytes()).expect("send");
    stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("an answer");
    text
}

fn alive_connections(addr: SocketAddr) -> usize {
    let mntr = four_letter(addr, "mntr");
    mntr.lines()
        .find_map(|l| l.strip_prefix("zk_num_alive_connections\t"))
        .and_then(|v| v.parse().ok())
        .expect("zk_num_alive_connections")
}

/// The environment variable that makes the idle-connections test serve, in
/// a process of its own, for the test proper in this process: each side of
/// 10,000 connections then has its own open-file limit.
const SERVE_FOR_IDLE_TEST: &str = "ZOOKIT_SERVE_FOR_IDLE_TEST";

/// The resident memory of process `pid`, in KiB.
fn rss_of(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[test]
fn ten_thousand_idle_connections_cost_bounded_memory() {
    const CONNECTIONS: usize = 10_000;
    if std::env::var_os(SERVE_FOR_IDLE_TEST).is_some() {
        // The server's side: serve until the test closes standard input.
        let server = start(
            Server::builder()
                .handshake_timeout(Duration::from_secs(600))
                .max_session_timeout(Duration::from_secs(600)),
        );
        println!("listening on {}", server.addr());
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a server thread panicked");
        return;
    }
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "hostile::ten_thousand_idle_connections_cost_bounded_memory",
            "--nocapture",
        ])
        .env(SERVE_FOR_IDLE_TEST, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server process");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr: SocketAddr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("listening on ").map(|a| a.parse().expect("an address")))
        .expect("the server's address");
    let before = rss_of(child.id());
    let handshake = {
        let mut out = bytes::BytesMut::new();
        zookit_proto::encode_frame(&mut out, &new_session(600_000));
        out
    };
    let mut idle = Vec::with_capacity(CONNECTIONS);
    for i in 0..CONNECTIONS {
        let mut stream = connect(addr);
        // Half of them with a session, half without a handshake.
        if i % 2 == 0 {
            stream.write_all(&handshake).expect("handshake");
            stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
            let mut response = [0_u8; 41];
            stream.read_exact(&mut response).expect("a connect response");
        }
        idle.push(stream);
    }
    let alive = alive_connections(addr);
    assert!(alive > CONNECTIONS, "{alive} connections alive, {CONNECTIONS} expected");
    let grown = rss_of(child.id()).saturating_sub(before);
    eprintln!("{CONNECTIONS} idle connections cost the server {grown} KiB");
    assert!(
        grown < 8 * CONNECTIONS as u64,
        "{CONNECTIONS} idle connections cost the server {grown} KiB"
    );
    assert_healthy(addr);
    drop(idle);
    let deadline = Instant::now() + CLOSE_WITHIN;
    while alive_connections(addr) > 2 {
        assert!(Instant::now() < deadline, "closed connections are not forgotten");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(child.stdin.take());
    let status = child.wait().expect("the server process ends");
    assert!(status.success(), "the server process failed: {status:?}");
}

#[test]
fn a_flood_of_watches_is_bounded_and_freed() {
    let server = start(Server::builder());
    // One connection sets 100,000 watches, pipelined.
    let mut watcher = RawConn::open(server.addr());
    watcher.handshake(&new_session(30_000)).expect("a session");
    let mut batch = bytes::BytesMut::new();
    for i in 0..100_000 {
        let request = exists(&format!("/watched/{i}"), true);
        zookit_proto::encode_frame(
            &mut batch,
            &(RequestHeader { xid: i + 1, op_code: OpCode::Exists }, &request),
        );
    }
    watcher.send_bytes(&batch);
    for _ in 0..100_000 {
        assert!(matches!(watcher.read(), Frame::Reply(..)));
    }
    let count = |addr| -> u64 {
        four_letter(addr, "mntr")
            .lines()
            .find_map(|l| l.strip_prefix("zk_watch_count\t"))
            .and_then(|v| v.parse().ok())
            .unwrap()
    };
    assert_eq!(count(server.addr()), 100_000);
    drop(watcher);
    let deadline = Instant::now() + CLOSE_WITHIN;
    while count(server.addr()) != 0 {
        assert!(Instant::now() < deadline, "the watches of a closed connection stay");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Many connections watching everything and reading nothing: each is
    // dropped once 100 events wait for it (past what the sockets hold);
    // the writer is not held up.
    let server = start(Server::builder().max_unsent_replies(100));
    let mut silent = Vec::new();
    for _ in 0..50 {
        let mut conn = RawConn::open(server.addr());
        conn.handshake(&new_session(30_000)).expect("a session");
        let request = Request::AddWatch(AddWatchRequest {
            path: "/".to_owned(),
            mode: AddWatchMode::PersistentRecursive,
        });
        conn.send(&(RequestHeader { xid: 1, op_code: OpCode::AddWatch }, &request));
        assert!(matches!(conn.read(), Frame::Reply(h, _) if h.err.is_ok()));
        silent.push(conn);
    }
    let mut writer = RawConn::open(server.addr());
    writer.handshake(&new_session(30_000)).expect("a session");
    // Events of 4 KB: more than the sockets of a silent watcher hold.
    let long = "x".repeat(4000);
    for i in 0..2000 {
        let request = create(&format!("/n{i}-{long}"), CreateMode::Persistent);
        writer.send(&(RequestHeader { xid: i + 1, op_code: OpCode::Create }, &request));
        loop {
            match writer.read() {
                Frame::Reply(header, _) => {
                    assert!(header.err.is_ok());
                    break;
                }
                Frame::Event(_) => {}
                Frame::Closed => panic!("the writer was disconnected"),
            }
        }
    }
    let deadline = Instant::now() + CLOSE_WITHIN;
    while alive_connections(server.addr()) > 3 {
        assert!(Instant::now() < deadline, "silent watchers are not disconnected");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(silent);
    assert_healthy(server.addr());
}

#[test]
fn a_client_that_never_reads_is_disconnected_and_others_are_not() {
    let server = start(Server::builder().max_unsent_bytes(1 << 20));
    let mut setup = RawConn::open(server.addr());
    setup.handshake(&new_session(30_000)).expect("a session");
    let big = create2("/big", &vec![7_u8; 100_000], CreateMode::Persistent);
    setup.send(&(RequestHeader { xid: 1, op_code: OpCode::Create2 }, &big));
    assert!(matches!(setup.read(), Frame::Reply(h, _) if h.err.is_ok()));

    // The flooder asks for 100 KB, 5000 times, and reads nothing.
    let mut flooder = connect(server.addr());
    flooder.write_all(&handshake_bytes()).expect("handshake");
    let mut requests = bytes::BytesMut::new();
    for xid in 1..=5000 {
        zookit_proto::encode_frame(
            &mut requests,
            &(RequestHeader { xid, op_code: OpCode::GetData }, &get("/big", false)),
        );
    }
    let writer = {
        let mut flooder = flooder.try_clone().expect("clone");
        std::thread::spawn(move || {
            let _ = flooder.write_all(&requests);
        })
    };
    // Meanwhile a well-behaved client is served.
    let mut polite = RawConn::open(server.addr());
    polite.handshake(&new_session(30_000)).expect("a session");
    for xid in 1..=200 {
        polite.send(&(RequestHeader { xid, op_code: OpCode::GetData }, &get("/big", false)));
        assert!(matches!(polite.read(), Frame::Reply(h, _) if h.err.is_ok() && h.xid == xid));
    }
    // Once the flooder's unsent replies pass the limit, it is disconnected.
    let deadline = Instant::now() + CLOSE_WITHIN;
    while alive_connections(server.addr()) > 3 {
        assert!(Instant::now() < deadline, "the flooding connection stays open");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(closed_by_server(&mut flooder));
    writer.join().expect("the writer thread");
    polite.send(&RequestHeader { xid: PING_XID, op_code: OpCode::Ping });
    assert!(matches!(polite.read(), Frame::Reply(..)));
    assert_healthy(server.addr());
}

#[test]
fn old_handshakes_without_a_read_only_flag_are_served() {
    let server = start(Server::builder());
    let mut conn = RawConn::open(server.addr());
    let old = ConnectRequest {
        timeout: 5000,
        passwd: Bytes::from_static(&[0; 16]),
        read_only: None,
        ..Default::default()
    };
    let response = conn.handshake(&old).expect("a session");
    assert_eq!(response.read_only, None);
    assert_healthy(server.addr());
}
