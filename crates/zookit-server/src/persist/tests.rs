//! Durability without sockets: the state driven directly and committed by
//! a store, then recovered and compared, whole, with the state it was;
//! damaged files; and the state task's group commit, its syncs counted.

use std::collections::HashMap;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use zookit_proto::{
    Acl, ConnectRequest, ConnectResponse, CreateMode, CreateRequest, CreateTtlRequest, Decode,
    DeleteRequest, Encode, ErrorCode, GetDataRequest, Id, MultiRequest, Op, Perms, ReplyHeader,
    Request, RequestHeader, SetAclRequest, SetDataRequest, encode_frame,
};

use super::frame::{Frames, Next};
use super::{Fsync, Settings, Store, list, recovery};
use crate::error::Error;
use crate::state::request::{self, Incoming};
use crate::state::{ConnId, Image, Now, Outbound, State, StateConfig};

const START: Now = Now { wall_ms: 1_700_000_000_000, mono_ms: 1_000_000 };
const PEER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 40000);

fn state_config() -> StateConfig {
    StateConfig {
        tick_ms: 100,
        min_session_timeout: 200,
        max_session_timeout: 5000,
        super_digest: None,
        extended_types: true,
        reconfig_enabled: false,
        secret: 42,
        security: Default::default(),
    }
}

fn settings(dir: &Path, snap_count: u64) -> Settings {
    Settings {
        data_dir: Some(dir.to_owned()),
        data_log_dir: None,
        fsync: Fsync::Never,
        snap_count,
        snap_size_limit: 1 << 40,
    }
}

fn recover(dir: &Path, snap_count: u64, now: Now) -> Result<(State, Store), Error> {
    recovery::recover(&settings(dir, snap_count), dir, state_config(), now)
}

/// Every frame sent, per connection.
#[derive(Default)]
struct Sent(HashMap<ConnId, Vec<Bytes>>);

impl Outbound for Sent {
    fn send(&mut self, conn: ConnId, record: &impl Encode) {
        let mut buf = BytesMut::new();
        encode_frame(&mut buf, record);
        self.0.entry(conn).or_default().push(buf.split_off(4).freeze());
    }

    fn close(&mut self, _conn: ConnId) {}
}

/// A request as a connection decodes it.
fn incoming(xid: i32, request: &Request) -> Incoming {
    let mut buf = BytesMut::new();
    encode_frame(&mut buf, &(RequestHeader { xid, op_code: request.op_code() }, request));
    request::decode(buf.split_off(4).freeze()).expect("a valid request")
}

/// A state, the store that keeps it, and a clock.
struct Driver {
    state: State,
    store: Store,
    out: Sent,
    now: Now,
    next_conn: ConnId,
}

impl Driver {
    fn open(dir: &Path, snap_count: u64) -> Self {
        let (state, store) = recover(dir, snap_count, START).expect("recovers");
        Self { state, store, out: Sent::default(), now: START, next_conn: 1 }
    }

    /// Connects, with a new session (`session` 0) or resuming one.
    fn connect(&mut self, session: i64, passwd: Bytes, timeout: i32) -> (ConnId, ConnectResponse) {
        let conn = self.next_conn;
        self.next_conn += 1;
        let request = ConnectRequest {
            timeout,
            session_id: session,
            passwd,
            read_only: Some(false),
            ..ConnectRequest::default()
        };
        self.state.connect(conn, PEER, &request, self.now, &mut self.out);
        let mut frame = self.out.0.get(&conn).and_then(|f| f.first()).expect("answered").clone();
        (conn, ConnectResponse::decode(&mut frame).expect("a connect response"))
    }

    /// Sends a request; its reply header, if it was answered.
    fn request(&mut self, conn: ConnId, request: Request) -> Option<ReplyHeader> {
        let before = self.out.0.get(&conn).map_or(0, Vec::len);
        self.state.request(conn, incoming(1, &request), self.now, &mut self.out);
        let frames = self.out.0.get(&conn)?;
        // The reply is the last frame (after any watch events).
        (frames.len() > before).then(|| {
            ReplyHeader::decode(&mut frames.last().expect("a frame").clone()).expect("a header")
        })
    }

    async fn commit(&mut self) {
        self.store.commit(&mut self.state).await.expect("commits");
    }

    fn tick(&mut self, ms: u64) {
        self.now.mono_ms += ms;
        self.now.wall_ms += ms as i64;
        self.state.expire_sessions(self.now, &mut self.out);
    }
}

fn create(path: &str, data: &[u8], mode: CreateMode) -> Request {
    Request::Create(CreateRequest {
        path: path.into(),
        data: Bytes::copy_from_slice(data),
        acl: vec![Acl::new(Perms::ALL, Id::anyone())],
        mode,
    })
}

fn set(path: &str, data: &[u8]) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: Bytes::copy_from_slice(data),
        version: -1,
    })
}

/// The whole durable state, comparable: the last zxid, the sessions, and
/// every znode with its data, ACL and stat.
fn image(state: &State) -> (i64, Vec<(i64, i32)>, Vec<String>) {
    let (mut acls, mut znodes) = (Vec::new(), Vec::new());
    state.tree_image(&mut |image| match image {
        Image::Acl(acl) => acls.push(acl.to_vec()),
        Image::Znode { path, acl, data, stat } => znodes.push(format!(
            "{} {:?} {:?} {stat:?}",
            String::from_utf8_lossy(path),
            data.map(String::from_utf8_lossy),
            acls[acl as usize]
        )),
    });
    (state.last_zxid(), state.session_image(), znodes)
}

/// A deterministic mix of every kind of change: sessions opened, closed
/// and expired; znodes of every mode created, changed and deleted; ACLs;
/// multis that pass and fail; containers reaped; failed writes. Commits
/// every few requests.
async fn workload(d: &mut Driver, seed: u64, steps: usize) {
    let mut rng = seed | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut conns: Vec<ConnId> = Vec::new();
    for step in 0..steps {
        if conns.len() < 3 || next() % 40 == 0 {
            let timeout = 300 + (next() % 3000) as i32;
            let (conn, _) = d.connect(0, Bytes::from_static(&[0; 16]), timeout);
            conns.push(conn);
        }
        let conn = conns[(next() % conns.len() as u64) as usize];
        let k = next() % 20;
        let request = match next() % 11 {
            0 | 1 => {
                create(&format!("/n{k}"), format!("v{step}").as_bytes(), CreateMode::Persistent)
            }
            2 => create(&format!("/n{k}/e-"), b"", CreateMode::EphemeralSequential),
            3 => create(&format!("/n{k}/s-"), b"seq", CreateMode::PersistentSequential),
            4 => set(&format!("/n{k}"), format!("set{step}").as_bytes()),
            5 => Request::Delete(DeleteRequest { path: format!("/n{k}"), version: -1 }),
            6 => Request::Multi(MultiRequest {
                ops: vec![
                    Op::Create(CreateRequest {
                        path: format!("/m{step}"),
                        data: Bytes::new(),
                        acl: vec![Acl::new(Perms::ALL, Id::anyone())],
                        mode: CreateMode::Persistent,
                    }),
                    // Fails (and fails the multi) when /n{k} is missing.
                    Op::SetData(SetDataRequest {
                        path: format!("/n{k}"),
                        data: Bytes::from_static(b"multi"),
                        version: -1,
                    }),
                ],
            }),
            7 => Request::SetAcl(SetAclRequest {
                path: format!("/n{k}"),
                acl: vec![
                    Acl::new(Perms::ALL, Id::anyone()),
                    Acl::new(Perms::READ, Id::new("ip", "10.0.0.1")),
                ],
                version: -1,
            }),
            8 => {
                d.request(conn, create(&format!("/c{k}"), b"", CreateMode::Container));
                d.request(conn, create(&format!("/c{k}/x"), b"", CreateMode::Persistent));
                Request::Delete(DeleteRequest { path: format!("/c{k}/x"), version: -1 })
            }
            9 => Request::CreateTtl(CreateTtlRequest {
                path: format!("/t{k}"),
                data: Bytes::from_static(b"ttl"),
                acl: vec![Acl::new(Perms::ALL, Id::anyone())],
                mode: CreateMode::PersistentWithTtl,
                ttl: 50,
            }),
            _ => {
                if next() % 3 == 0 {
                    conns.retain(|&c| c != conn);
                    Request::CloseSession
                } else {
                    Request::GetData(GetDataRequest { path: format!("/n{k}"), watch: false })
                }
            }
        };
        d.request(conn, request);
        if next() % 5 == 0 {
            d.state.reap_containers(d.now, &mut d.out);
        }
        d.tick(next() % 30);
        if next() % 4 == 0 {
            d.commit().await;
        }
    }
    d.commit().await;
}

fn logs(dir: &Path) -> Vec<PathBuf> {
    list(dir, "log.").unwrap().into_iter().map(|(_, p)| p).collect()
}

fn snapshots(dir: &Path) -> Vec<PathBuf> {
    list(dir, "snapshot.").unwrap().into_iter().map(|(_, p)| p).collect()
}

/// Where each frame of a file starts (after `skip` bytes).
fn frame_offsets(path: &Path, skip: u64) -> Vec<u64> {
    let file = fs::File::open(path).unwrap();
    let len = file.metadata().unwrap().len();
    let mut frames = Frames::new(file, 0, len);
    frames.read_exact(&mut vec![0; skip as usize]).unwrap();
    let mut offsets = Vec::new();
    while let Next::Frame { offset, .. } = frames.next_frame().unwrap() {
        offsets.push(offset);
    }
    offsets
}

#[tokio::test]
async fn snapshots_and_log_replay_give_back_the_same_state() {
    let logged = tempfile::tempdir().unwrap();
    let snapshotted = tempfile::tempdir().unwrap();
    let mut only_logs = Driver::open(logged.path(), u64::MAX);
    let mut with_snapshots = Driver::open(snapshotted.path(), 40);
    workload(&mut only_logs, 7, 1500).await;
    workload(&mut with_snapshots, 7, 1500).await;
    let live = image(&only_logs.state);
    assert_eq!(image(&with_snapshots.state), live, "the same workload, the same state");
    assert!(live.2.len() > 30 && !live.1.is_empty(), "a tree worth comparing: {live:?}");
    only_logs.store.close().await;
    with_snapshots.store.close().await;
    assert!(snapshots(logged.path()).is_empty());
    assert_eq!(snapshots(snapshotted.path()).len(), 1, "older snapshots are pruned");
    assert!(logs(snapshotted.path()).len() <= 2, "covered logs are pruned");

    let later = Now { wall_ms: START.wall_ms + 60_000, mono_ms: START.mono_ms + 60_000 };
    for dir in [logged.path(), snapshotted.path()] {
        let (state, store) = recover(dir, 40, later).unwrap();
        assert_eq!(image(&state), live, "{}", dir.display());
        store.close().await;
    }

    // Writing goes on from there, and recovers again.
    let mut again = Driver::open(snapshotted.path(), 40);
    let (conn, _) = again.connect(0, Bytes::from_static(&[0; 16]), 1000);
    let reply = again.request(conn, create("/after", b"", CreateMode::Persistent)).unwrap();
    assert_eq!((reply.err, reply.zxid), (ErrorCode::Ok, live.0 + 2), "zxids continue");
    again.commit().await;
    let live = image(&again.state);
    again.store.close().await;
    let (state, _) = recover(snapshotted.path(), 40, later).unwrap();
    assert_eq!(image(&state), live);
}

#[tokio::test]
async fn sessions_come_back_and_the_absent_ones_expire() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Driver::open(dir.path(), u64::MAX);
    let (a, session_a) = d.connect(0, Bytes::from_static(&[0; 16]), 2000);
    let (b, session_b) = d.connect(0, Bytes::from_static(&[0; 16]), 1000);
    d.request(a, create("/a", b"", CreateMode::Ephemeral)).unwrap();
    d.request(b, create("/b", b"", CreateMode::Ephemeral)).unwrap();
    d.commit().await;
    drop(d);

    let restart = Now { wall_ms: START.wall_ms + 5_000, mono_ms: START.mono_ms + 5_000 };
    let (state, store) = recover(dir.path(), u64::MAX, restart).unwrap();
    let mut d = Driver { state, store, out: Sent::default(), now: restart, next_conn: 100 };
    assert_eq!(d.state.session_image().len(), 2, "both sessions are back");
    // A resumes its session with its password; B does not come back.
    let (_, resumed) = d.connect(session_a.session_id, session_a.passwd.clone(), 2000);
    assert_eq!((resumed.session_id, resumed.timeout), (session_a.session_id, 2000));
    let (_, wrong) = d.connect(session_b.session_id, Bytes::from_static(&[1; 16]), 1000);
    assert_eq!(wrong.session_id, 0, "a wrong password is still refused");
    let (c, _) = d.connect(0, Bytes::from_static(&[0; 16]), 5000);
    let exists = |d: &mut Driver, path: &str| {
        let reply =
            d.request(c, Request::GetData(GetDataRequest { path: path.into(), watch: false }));
        reply.unwrap().err == ErrorCode::Ok
    };
    assert!(exists(&mut d, "/a") && exists(&mut d, "/b"));
    d.tick(900);
    assert!(exists(&mut d, "/b"), "B's ephemeral stays for its timeout");
    d.tick(300);
    assert!(!exists(&mut d, "/b"), "then goes with B's session");
    assert!(exists(&mut d, "/a"), "A's session, resumed, keeps its ephemeral");
    d.commit().await;
    let live = image(&d.state);
    d.store.close().await;
    let (state, _) = recover(dir.path(), u64::MAX, restart).unwrap();
    assert_eq!(image(&state), live, "B's expiry is logged too");
}

#[tokio::test]
async fn a_torn_last_record_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Driver::open(dir.path(), u64::MAX);
    workload(&mut d, 3, 200).await;
    let before = image(&d.state);
    let (conn, _) = d.connect(0, Bytes::from_static(&[0; 16]), 1000);
    d.request(conn, create("/torn", b"never acknowledged", CreateMode::Persistent)).unwrap();
    d.commit().await;
    d.store.close().await;
    let log = logs(dir.path()).pop().unwrap();
    let full = fs::read(&log).unwrap();
    let last = *frame_offsets(&log, 8).last().unwrap();
    let cuts = [(full.len() as u64 - 1, 0), (last + 20, 0), (last + 5, 0), (last + 30, 4096)];
    for (cut, zeros) in cuts {
        let mut torn = full[..cut as usize].to_vec();
        torn.resize(torn.len() + zeros, 0);
        fs::write(&log, &torn).unwrap();
        let (state, store) = recover(dir.path(), u64::MAX, START).unwrap();
        assert_eq!(image(&state), before, "cut at {cut}, {zeros} zeros after");
        store.close().await;
        assert_eq!(fs::metadata(&log).unwrap().len(), last, "the torn frame is cut off the file");
        let (state, _) = recover(dir.path(), u64::MAX, START).unwrap();
        assert_eq!(image(&state), before, "and stays recoverable");
    }
    // The next log starts where the torn one left off.
    let mut d = Driver::open(dir.path(), u64::MAX);
    let (conn, _) = d.connect(0, Bytes::from_static(&[0; 16]), 1000);
    d.request(conn, create("/next", b"", CreateMode::Persistent)).unwrap();
    d.commit().await;
    let live = image(&d.state);
    d.store.close().await;
    assert_eq!(logs(dir.path()).len(), 2);
    let (state, _) = recover(dir.path(), u64::MAX, START).unwrap();
    assert_eq!(image(&state), live);
}

/// The error recovering `dir`, which must name `file` and `offset`.
fn assert_corrupt(dir: &Path, file: &Path, offset: u64, reason: &str) {
    match recover(dir, u64::MAX, START) {
        Err(Error::Corrupt { file: f, offset: o, reason: r }) => {
            assert_eq!((f.as_path(), o), (file, offset), "{r}");
            assert!(r.contains(reason), "{r:?} should say {reason:?}");
            let message = Error::Corrupt { file: f, offset: o, reason: r }.to_string();
            assert!(
                message.contains(&file.display().to_string())
                    && message.contains(&format!("offset {offset}")),
                "{message}"
            );
        }
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("{} recovered despite the damage", dir.display()),
    }
}

#[tokio::test]
async fn damage_anywhere_else_stops_the_start_naming_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut d = Driver::open(dir.path(), u64::MAX);
    workload(&mut d, 5, 300).await;
    d.store.close().await;
    let log = logs(dir.path()).pop().unwrap();
    let good = fs::read(&log).unwrap();
    let offsets = frame_offsets(&log, 8);
    assert!(offsets.len() > 10, "{} frames", offsets.len());

    // A byte of a frame in the middle of the log.
    let middle = offsets[offsets.len() / 2];
    for at in [middle + 2, middle + 6, middle + 10, middle + 15] {
        let mut bad = good.clone();
        bad[at as usize] ^= 0x20;
        fs::write(&log, &bad).unwrap();
        assert_corrupt(dir.path(), &log, middle, "a frame");
    }
    // The header of the log.
    let mut bad = good.clone();
    bad[12] ^= 1;
    fs::write(&log, &bad).unwrap();
    assert_corrupt(dir.path(), &log, 8, "a frame");
    fs::write(&log, &good).unwrap();
    recover(dir.path(), u64::MAX, START).expect("undamaged, it recovers");

    // A log missing between two others.
    let mut d = Driver::open(dir.path(), u64::MAX);
    workload(&mut d, 6, 50).await;
    d.store.close().await;
    let mut d = Driver::open(dir.path(), u64::MAX);
    workload(&mut d, 8, 50).await;
    d.store.close().await;
    let all = logs(dir.path());
    assert_eq!(all.len(), 3);
    let second = fs::read(&all[1]).unwrap();
    fs::remove_file(&all[1]).unwrap();
    assert_corrupt(dir.path(), &all[2], 0, "a log is missing");
    fs::write(&all[1], &second).unwrap();

    // A snapshot, anywhere in it.
    let mut d = Driver::open(dir.path(), 1);
    let (conn, _) = d.connect(0, Bytes::from_static(&[0; 16]), 1000);
    d.request(conn, create("/snap", b"", CreateMode::Persistent));
    d.commit().await;
    d.store.close().await;
    let snapshot = snapshots(dir.path()).pop().expect("a snapshot");
    let good = fs::read(&snapshot).unwrap();
    let offsets = frame_offsets(&snapshot, 8);
    for (i, &start) in offsets.iter().enumerate() {
        let mut bad = good.clone();
        bad[start as usize + 13] ^= 0x01;
        fs::write(&snapshot, &bad).unwrap();
        assert_corrupt(dir.path(), &snapshot, start, "checksum");
        // A snapshot cut short is damage too: it is renamed only whole.
        fs::write(&snapshot, &good[..start as usize + 20.min(good.len() - start as usize - 1)])
            .unwrap();
        assert!(recover(dir.path(), u64::MAX, START).is_err(), "snapshot cut in frame {i}");
    }
    fs::write(&snapshot, &good).unwrap();
    recover(dir.path(), u64::MAX, START).expect("undamaged, it recovers");
}

#[tokio::test]
async fn a_batch_of_writes_is_one_sync() {
    use tokio::sync::{mpsc, watch};

    use crate::core::{self, Command, Failure, Origin};
    use crate::net::outbox::Outbox;

    let dir = tempfile::tempdir().unwrap();
    let mut config = crate::config::Config::default();
    config.persist.data_dir = Some(dir.path().to_owned());
    let config = Arc::new(config);
    let origin = Origin::new(&config).unwrap();
    let syncs = origin.log_syncs().expect("a store");
    let (commands, commands_rx) = mpsc::channel(1024);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let (reason, _failure) = watch::channel(None);
    // Five connections, twenty writes each (creates, sets, multis), all
    // queued before the state task runs: one batch.
    let mut outboxes = Vec::new();
    for conn in 1..=5 {
        let outbox = Arc::new(Outbox::default());
        outboxes.push(outbox.clone());
        let request = ConnectRequest {
            timeout: 10_000,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: Some(false),
            ..ConnectRequest::default()
        };
        commands.send(Command::Connect { conn, peer: PEER, outbox, request }).await.unwrap();
        let path = format!("/conn{conn}");
        let mut requests = vec![incoming(1, &create(&path, b"", CreateMode::Persistent))];
        for i in 0..19 {
            let request = match i % 3 {
                0 => create(&format!("{path}/{i}"), b"x", CreateMode::Persistent),
                1 => set(&path, format!("{i}").as_bytes()),
                _ => Request::Multi(MultiRequest {
                    ops: vec![Op::Create(CreateRequest {
                        path: format!("{path}/m{i}"),
                        data: Bytes::new(),
                        acl: vec![Acl::new(Perms::ALL, Id::anyone())],
                        mode: CreateMode::Persistent,
                    })],
                }),
            };
            requests.push(incoming(i + 2, &request));
        }
        commands.send(Command::Requests { conn, requests }).await.unwrap();
    }
    let task = tokio::spawn(core::run(
        config,
        0,
        Default::default(),
        commands_rx,
        shutdown_rx,
        origin,
        Failure { shutdown: shutdown.clone(), reason },
    ));
    let replies = |outbox: Arc<Outbox>, expected: usize| async move {
        let mut frames = Vec::new();
        while frames.len() < expected {
            let mut bytes = tokio::time::timeout(Duration::from_secs(20), outbox.take())
                .await
                .expect("the replies, in time")
                .expect("an open connection");
            while bytes.len() >= 4 {
                let len = u32::from_be_bytes(bytes[..4].try_into().unwrap()) as usize;
                let _ = bytes.split_to(4);
                frames.push(bytes.split_to(len).freeze());
            }
        }
        frames
    };
    for outbox in &outboxes {
        let frames = replies(outbox.clone(), 21).await;
        for frame in &frames[1..] {
            let header = ReplyHeader::decode(&mut frame.clone()).unwrap();
            assert_eq!(header.err, ErrorCode::Ok, "{header:?}");
        }
    }
    assert_eq!(syncs.load(Ordering::SeqCst), 1, "100 writes of 5 sessions, one batch, one sync");

    // Reads need no sync; the next write is the next sync.
    let read =
        incoming(30, &Request::GetData(GetDataRequest { path: "/conn1".into(), watch: false }));
    commands.send(Command::Requests { conn: 1, requests: vec![read] }).await.unwrap();
    replies(outboxes[0].clone(), 1).await;
    assert_eq!(syncs.load(Ordering::SeqCst), 1, "a read");
    let write = incoming(31, &set("/conn1", b"again"));
    commands.send(Command::Requests { conn: 1, requests: vec![write] }).await.unwrap();
    replies(outboxes[0].clone(), 1).await;
    assert_eq!(syncs.load(Ordering::SeqCst), 2, "a write");
    shutdown.send_replace(true);
    task.await.unwrap();
}
