//! Deterministic tests of the state: requests in, frames out, no sockets,
//! virtual time.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bytes::{Bytes, BytesMut};
use zookit_proto::*;

use super::request::decode;
use super::{ConnId, Now, Outbound, State, StateConfig};

const SUPER: &str = "super:y+OuwIkYNvhyrfSObq+zwH6eTZk=";

/// Frames sent per connection, and the connections closed.
#[derive(Default)]
struct Recorder {
    frames: HashMap<ConnId, VecDeque<Bytes>>,
    closed: HashSet<ConnId>,
}

impl Outbound for Recorder {
    fn send(&mut self, conn: ConnId, record: &impl Encode) {
        let mut buf = BytesMut::new();
        encode_frame(&mut buf, record);
        self.frames.entry(conn).or_default().push_back(buf.split_off(4).freeze());
    }

    fn close(&mut self, conn: ConnId) {
        self.closed.insert(conn);
    }
}

/// A reply: header and undecoded body.
#[derive(Debug)]
struct Reply {
    header: ReplyHeader,
    body: Bytes,
}

impl Reply {
    fn decode<T: Decode>(&self) -> T {
        let mut body = self.body.clone();
        let value = T::decode(&mut body).expect("body");
        assert!(body.is_empty(), "undecoded bytes");
        value
    }
}

struct Harness {
    state: State,
    out: Recorder,
    now: Now,
    next_conn: ConnId,
    xids: HashMap<ConnId, i32>,
    events: HashMap<ConnId, Vec<WatcherEvent>>,
}

fn config() -> StateConfig {
    StateConfig {
        tick_ms: 500,
        min_session_timeout: 1000,
        max_session_timeout: 60_000,
        super_digest: Some(SUPER.to_owned()),
        extended_types: true,
        reconfig_enabled: false,
        secret: 42,
        security: Default::default(),
    }
}

fn acl_open() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::anyone())]
}

fn create(path: &str, data: &str, mode: CreateMode) -> Request {
    Request::Create(CreateRequest {
        path: path.into(),
        data: Bytes::copy_from_slice(data.as_bytes()),
        acl: acl_open(),
        mode,
    })
}

fn create2(path: &str, mode: CreateMode) -> Request {
    Request::Create2(CreateRequest { path: path.into(), data: Bytes::new(), acl: acl_open(), mode })
}

fn get(path: &str, watch: bool) -> Request {
    Request::GetData(GetDataRequest { path: path.into(), watch })
}

fn set(path: &str, data: &str, version: i32) -> Request {
    Request::SetData(SetDataRequest {
        path: path.into(),
        data: Bytes::copy_from_slice(data.as_bytes()),
        version,
    })
}

fn delete(path: &str, version: i32) -> Request {
    Request::Delete(DeleteRequest { path: path.into(), version })
}

fn children(path: &str, watch: bool) -> Request {
    Request::GetChildren(GetChildrenRequest { path: path.into(), watch })
}

fn exists(path: &str, watch: bool) -> Request {
    Request::Exists(ExistsRequest { path: path.into(), watch })
}

impl Harness {
    fn new() -> Self {
        let now = Now { wall_ms: 1_700_000_000_000, mono_ms: 1_000_000 };
        Self {
            state: State::new(config(), now),
            out: Recorder::default(),
            now,
            next_conn: 1,
            xids: HashMap::new(),
            events: HashMap::new(),
        }
    }

    fn handshake(&mut self, request: ConnectRequest) -> (ConnId, ConnectResponse) {
        let conn = self.next_conn;
        self.next_conn += 1;
        let peer = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 40000);
        self.state.connect(conn, peer, &request, self.now, &mut self.out);
        let mut frame = self
            .out
            .frames
            .get_mut(&conn)
            .and_then(VecDeque::pop_front)
            .expect("a connect response");
        (conn, ConnectResponse::decode(&mut frame).unwrap())
    }

    fn connect(&mut self) -> (ConnId, ConnectResponse) {
        self.handshake(ConnectRequest {
            timeout: 4000,
            passwd: Bytes::from_static(&[0; 16]),
            read_only: Some(false),
            ..ConnectRequest::default()
        })
    }

    fn send_raw(&mut self, conn: ConnId, frame: Bytes) {
        let incoming = decode(frame).expect("decodable");
        self.state.request(conn, incoming, self.now, &mut self.out);
    }

    /// Sends `request` and returns its reply, keeping the events before it.
    fn call(&mut self, conn: ConnId, request: Request) -> Reply {
        let xid = self.xids.entry(conn).or_insert(0);
        *xid += 1;
        let xid = *xid;
        let mut buf = BytesMut::new();
        encode_frame(&mut buf, &(RequestHeader { xid, op_code: request.op_code() }, &request));
        self.send_raw(conn, buf.split_off(4).freeze());
        self.collect(conn).expect("a reply")
    }

    /// Takes the frames sent to `conn`: events are kept, the last reply is
    /// returned.
    fn collect(&mut self, conn: ConnId) -> Option<Reply> {
        let mut reply = None;
        while let Some(mut frame) = self.out.frames.get_mut(&conn).and_then(VecDeque::pop_front) {
            let header = ReplyHeader::decode(&mut frame).unwrap();
            if header.xid == WATCH_XID {
                assert!(reply.is_none(), "an event after the reply");
                self.events
                    .entry(conn)
                    .or_default()
                    .push(WatcherEvent::decode(&mut frame).unwrap());
            } else {
                assert!(reply.is_none(), "two replies");
                reply = Some(Reply { header, body: frame });
            }
        }
        reply
    }

    fn ok(&mut self, conn: ConnId, request: Request) -> Reply {
        let reply = self.call(conn, request);
        assert_eq!(reply.header.err, ErrorCode::Ok);
        reply
    }

    fn err(&mut self, conn: ConnId, request: Request) -> ErrorCode {
        let reply = self.call(conn, request);
        assert!(reply.body.is_empty(), "an error has no body");
        reply.header.err
    }

    fn events(&mut self, conn: ConnId) -> Vec<(EventType, String)> {
        let _ = self.collect(conn);
        self.events
            .remove(&conn)
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.event_type, e.path))
            .collect()
    }

    fn advance(&mut self, ms: u64) {
        self.now.mono_ms += ms;
        self.now.wall_ms += ms as i64;
        self.state.expire_sessions(self.now, &mut self.out);
    }
}

#[test]
fn a_new_session_takes_a_zxid_and_a_negotiated_timeout() {
    let mut h = Harness::new();
    let (conn, session) = h.connect();
    assert_eq!(session.timeout, 4000);
    assert_eq!(session.read_only, Some(false));
    assert_eq!(h.state.last_zxid(), 1, "createSession is a transaction");
    let reply = h.ok(conn, Request::Ping);
    assert_eq!((reply.header.xid, reply.header.zxid), (PING_XID, 1));
    let (_, short) = h.handshake(ConnectRequest {
        timeout: 10,
        passwd: Bytes::from_static(&[0; 16]),
        ..Default::default()
    });
    assert_eq!(short.timeout, 1000, "raised to the minimum");
    assert_eq!(short.read_only, None, "an old client gets no flag");
    let (_, long) = h.handshake(ConnectRequest {
        timeout: i32::MAX,
        passwd: Bytes::from_static(&[0; 16]),
        ..Default::default()
    });
    assert_eq!(long.timeout, 60_000, "lowered to the maximum");
}

#[test]
fn resuming_needs_the_password_and_drops_the_old_connection() {
    let mut h = Harness::new();
    let (first, session) = h.connect();
    let wrong = ConnectRequest {
        session_id: session.session_id,
        passwd: Bytes::from_static(&[1; 16]),
        timeout: 4000,
        ..Default::default()
    };
    let (conn, refused) = h.handshake(wrong);
    assert_eq!((refused.timeout, refused.session_id, &refused.passwd[..]), (0, 0, &[0; 16][..]));
    assert!(h.out.closed.contains(&conn));
    assert!(h.out.closed.contains(&first), "ZooKeeper closes the session's connection first");
    let resume = ConnectRequest {
        session_id: session.session_id,
        passwd: session.passwd.clone(),
        timeout: 5000,
        ..Default::default()
    };
    let (conn, resumed) = h.handshake(resume.clone());
    assert_eq!((resumed.session_id, resumed.timeout), (session.session_id, 5000));
    h.ok(conn, Request::Ping);
    let ahead = ConnectRequest { last_zxid_seen: 99, ..resume };
    let (conn, _) = {
        let conn = h.next_conn;
        h.next_conn += 1;
        h.state.connect(
            conn,
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 1),
            &ahead,
            h.now,
            &mut h.out,
        );
        (conn, ())
    };
    assert!(
        h.out.frames.get(&conn).is_none_or(VecDeque::is_empty),
        "no answer to a client ahead of us"
    );
    assert!(h.out.closed.contains(&conn));
}

#[test]
fn create_sets_every_stat_field() {
    let mut h = Harness::new();
    let (c, s) = h.connect();
    let reply = h.ok(c, create2("/a", CreateMode::Persistent));
    let Create2Response { path, stat } = reply.decode();
    assert_eq!(path, "/a");
    assert_eq!(reply.header.zxid, 2);
    let t = h.now.wall_ms;
    assert_eq!(
        stat,
        Stat {
            czxid: 2,
            mzxid: 2,
            ctime: t,
            mtime: t,
            version: 0,
            cversion: 0,
            aversion: 0,
            ephemeral_owner: 0,
            data_length: 0,
            num_children: 0,
            pzxid: 2
        }
    );
    let reply = h.ok(c, create("/a/e", "xyz", CreateMode::Ephemeral));
    assert_eq!(reply.decode::<CreateResponse>().path, "/a/e");
    let e = h.ok(c, get("/a/e", false)).decode::<GetDataResponse>();
    assert_eq!(
        (&e.data[..], e.stat.ephemeral_owner, e.stat.data_length),
        (&b"xyz"[..], s.session_id, 3)
    );
    let a = h.ok(c, exists("/a", false)).decode::<ExistsResponse>().stat;
    assert_eq!((a.cversion, a.pzxid, a.num_children, a.mzxid), (1, 3, 1, 2));
    assert_eq!(
        h.err(c, create("/a/e/x", "", CreateMode::Persistent)),
        ErrorCode::NoChildrenForEphemerals
    );
}

#[test]
fn sequence_numbers_come_from_the_parents_cversion() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    h.ok(c, create("/q", "", CreateMode::Persistent));
    h.ok(c, create("/q/x", "", CreateMode::Persistent));
    h.ok(c, delete("/q/x", -1));
    let path = h
        .ok(c, create("/q/item-", "", CreateMode::PersistentSequential))
        .decode::<CreateResponse>()
        .path;
    assert_eq!(path, "/q/item-0000000001", "delete does not lower the cversion");
    let path =
        h.ok(c, create("/q/", "", CreateMode::EphemeralSequential)).decode::<CreateResponse>().path;
    assert_eq!(path, "/q/0000000002");
}

#[test]
fn each_failing_write_gets_zookeepers_error() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    h.ok(c, create("/a", "", CreateMode::Persistent));
    h.ok(c, create("/a/b", "", CreateMode::Persistent));
    let cases: Vec<(Request, ErrorCode)> = vec![
        (create("/a", "", CreateMode::Persistent), ErrorCode::NodeExists),
        (create("/x/y", "", CreateMode::Persistent), ErrorCode::NoNode),
        (create("", "", CreateMode::Persistent), ErrorCode::BadArguments),
        (create("a", "", CreateMode::Persistent), ErrorCode::BadArguments),
        (create("/a/", "", CreateMode::Persistent), ErrorCode::BadArguments),
        (create("/nope/", "", CreateMode::Persistent), ErrorCode::NoNode),
        (create("/", "", CreateMode::Persistent), ErrorCode::NodeExists),
        (create("/a/\u{1}", "", CreateMode::Persistent), ErrorCode::BadArguments),
        (
            Request::Create(CreateRequest { path: "/n".into(), acl: vec![], ..Default::default() }),
            ErrorCode::InvalidAcl,
        ),
        (delete("/a", -1), ErrorCode::NotEmpty),
        (delete("/a/b", 7), ErrorCode::BadVersion),
        (delete("/a/zz", 7), ErrorCode::NoNode),
        (delete("/zookeeper", -1), ErrorCode::BadArguments),
        (delete("/", -1), ErrorCode::BadArguments),
        (delete("/a/", -1), ErrorCode::NoNode),
        (set("/a", "", 3), ErrorCode::BadVersion),
        (set("/a/", "", -1), ErrorCode::BadArguments),
        (set("/none", "", -1), ErrorCode::NoNode),
        (set(CONFIG_NODE, "", -1), ErrorCode::NoAuth),
        (create("/zookeeper/config/x", "", CreateMode::Persistent), ErrorCode::NoAuth),
    ];
    for (request, expected) in cases {
        let shown = format!("{request:?}");
        let before = h.state.last_zxid();
        assert_eq!(h.err(c, request), expected, "{shown}");
        assert_eq!(h.state.last_zxid(), before + 1, "a failed write takes a zxid: {shown}");
    }
    // Reads do not take zxids.
    let before = h.state.last_zxid();
    assert_eq!(h.err(c, get("/none", false)), ErrorCode::NoNode);
    assert_eq!(h.state.last_zxid(), before);
}

#[test]
fn reads_find_znodes_as_zookeepers_path_map_does() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    let root = h.ok(c, get("", false)).decode::<GetDataResponse>();
    assert_eq!(root.stat.num_children, 1, "\"\" is the root");
    assert_eq!(h.err(c, get("/zookeeper/", false)), ErrorCode::NoNode);
    assert_eq!(h.err(c, exists("/a\0b", false)), ErrorCode::BadArguments);
    let kids = h.ok(c, children("/zookeeper", false)).decode::<GetChildrenResponse>().children;
    assert_eq!(kids, ["config", "quota"]);
    let n =
        h.ok(c, Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: "/".into() }));
    assert_eq!(n.decode::<GetAllChildrenNumberResponse>().total_number, 3);
    let acl = h
        .ok(c, Request::GetAcl(GetAclRequest { path: CONFIG_NODE.into() }))
        .decode::<GetAclResponse>();
    assert_eq!(acl.acl, [Acl::new(Perms::READ, Id::anyone())]);
    assert_eq!(acl.stat.aversion, -1);
    let sync =
        h.ok(c, Request::Sync(SyncRequest { path: "whatever".into() })).decode::<SyncResponse>();
    assert_eq!(sync.path, "whatever");
}

#[test]
fn set_data_bumps_version_and_mzxid() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    h.ok(c, create("/a", "1", CreateMode::Persistent));
    h.advance(5);
    let stat = h.ok(c, set("/a", "22", 0)).decode::<SetDataResponse>().stat;
    assert_eq!((stat.version, stat.mzxid, stat.czxid, stat.data_length), (1, 3, 2, 2));
    assert_eq!(stat.mtime, stat.ctime + 5);
    let stat = h.ok(c, set("/a", "", -1)).decode::<SetDataResponse>().stat;
    assert_eq!(stat.version, 2);
}

#[test]
fn acls_guard_each_operation_with_its_permission() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    let (d, _) = h.connect();
    h.ok(
        d,
        Request::Auth(AuthPacket {
            scheme: "digest".into(),
            auth: Bytes::from_static(b"u:p"),
            ..Default::default()
        }),
    );
    let only_u = vec![Acl::new(Perms::ALL, Id::new("auth", ""))];
    h.ok(
        d,
        Request::Create(CreateRequest {
            path: "/p".into(),
            data: Bytes::new(),
            acl: only_u,
            mode: CreateMode::Persistent,
        }),
    );
    let acl = h
        .ok(d, Request::GetAcl(GetAclRequest { path: "/p".into() }))
        .decode::<GetAclResponse>()
        .acl;
    assert_eq!(acl.len(), 1);
    assert_eq!(acl[0].id.scheme, "digest");
    assert!(acl[0].id.id.starts_with("u:") && acl[0].id.id.len() > 4);
    for request in [
        get("/p", false),
        children("/p", false),
        set("/p", "", -1),
        create("/p/c", "", CreateMode::Persistent),
    ] {
        assert_eq!(h.err(c, request), ErrorCode::NoAuth);
    }
    assert_eq!(h.err(c, Request::GetAcl(GetAclRequest { path: "/p".into() })), ErrorCode::NoAuth);
    assert!(h.ok(c, exists("/p", false)).body.len() == Stat::MIN_LEN, "exists needs no permission");
    h.ok(d, create("/p/c", "", CreateMode::Persistent));
    assert_eq!(h.err(c, delete("/p/c", -1)), ErrorCode::NoAuth);
    // The super user passes every check.
    h.ok(
        c,
        Request::Auth(AuthPacket {
            scheme: "digest".into(),
            auth: Bytes::from_static(b"super:zookit-test"),
            ..Default::default()
        }),
    );
    h.ok(c, set("/p", "x", -1));
    let who = h.ok(c, Request::WhoAmI).decode::<WhoAmIResponse>().client_info;
    let mut schemes: Vec<_> =
        who.iter().map(|i| (i.auth_scheme.as_str(), i.user.as_str())).collect();
    schemes.sort();
    assert_eq!(schemes, [("digest", "super"), ("ip", "127.0.0.1"), ("super", "")]);
    // An unknown scheme fails and closes the connection.
    let reply =
        h.call(d, Request::Auth(AuthPacket { scheme: "kerberos".into(), ..Default::default() }));
    assert_eq!((reply.header.err, reply.header.zxid), (ErrorCode::AuthFailed, 0));
    assert!(h.out.closed.contains(&d));
}

#[test]
fn get_acl_without_admin_hides_digests() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    let acl = vec![
        Acl::new(Perms::READ, Id::anyone()),
        Acl::new(Perms::ALL, Id::new("digest", "u:secret")),
    ];
    h.ok(
        c,
        Request::Create(CreateRequest {
            path: "/p".into(),
            data: Bytes::new(),
            acl,
            mode: CreateMode::Persistent,
        }),
    );
    let shown = h
        .ok(c, Request::GetAcl(GetAclRequest { path: "/p".into() }))
        .decode::<GetAclResponse>()
        .acl;
    assert_eq!(shown[1].id, Id::new("digest", "u:x"));
}

#[test]
fn multi_is_all_or_nothing_with_zookeepers_results() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    let ok = MultiRequest {
        ops: vec![
            Op::Create(CreateRequest {
                path: "/m".into(),
                data: Bytes::new(),
                acl: acl_open(),
                mode: CreateMode::Persistent,
            }),
            Op::Create(CreateRequest {
                path: "/m/s-".into(),
                data: Bytes::new(),
                acl: acl_open(),
                mode: CreateMode::PersistentSequential,
            }),
            Op::Create(CreateRequest {
                path: "/m/s-".into(),
                data: Bytes::new(),
                acl: acl_open(),
                mode: CreateMode::PersistentSequential,
            }),
            Op::SetData(SetDataRequest {
                path: "/m".into(),
                data: Bytes::from_static(b"x"),
                version: 0,
            }),
            Op::Check(CheckVersionRequest { path: "/m".into(), version: 1 }),
        ],
    };
    let reply = h.ok(c, Request::Multi(ok));
    let results = reply.decode::<MultiResponse>().results;
    assert_eq!(results[1], OpResult::Create(CreateResponse { path: "/m/s-0000000000".into() }));
    assert_eq!(results[2], OpResult::Create(CreateResponse { path: "/m/s-0000000001".into() }));
    assert!(
        matches!(&results[3], OpResult::SetData(r) if r.stat.version == 1 && r.stat.mzxid == reply.header.zxid)
    );
    assert_eq!(results[4], OpResult::Check);
    let zxid = reply.header.zxid;
    let failing = MultiRequest {
        ops: vec![
            Op::Delete(DeleteRequest { path: "/m/s-0000000000".into(), version: -1 }),
            Op::Create(CreateRequest {
                path: "/m".into(),
                data: Bytes::new(),
                acl: acl_open(),
                mode: CreateMode::Persistent,
            }),
            Op::Delete(DeleteRequest { path: "/m/s-0000000001".into(), version: -1 }),
        ],
    };
    let reply = h.call(c, Request::Multi(failing));
    assert_eq!((reply.header.err, reply.header.zxid), (ErrorCode::Ok, zxid + 1));
    assert_eq!(
        reply.decode::<MultiResponse>().results,
        [
            OpResult::Error(ErrorCode::Ok),
            OpResult::Error(ErrorCode::NodeExists),
            OpResult::Error(ErrorCode::RuntimeInconsistency)
        ]
    );
    assert_eq!(
        h.ok(c, exists("/m", false)).decode::<ExistsResponse>().stat.num_children,
        2,
        "nothing applied"
    );
    let read = MultiRequest {
        ops: vec![
            Op::GetData(GetDataRequest { path: "/m".into(), watch: true }),
            Op::GetChildren(GetChildrenRequest { path: "/none".into(), watch: false }),
        ],
    };
    let results = h.ok(c, Request::MultiRead(read)).decode::<MultiResponse>().results;
    assert!(matches!(&results[0], OpResult::GetData(r) if &r.data[..] == b"x"));
    assert_eq!(results[1], OpResult::Error(ErrorCode::NoNode));
    h.ok(c, set("/m", "y", -1));
    assert!(h.events(c).is_empty(), "multiRead sets no watches");
}

#[test]
fn watch_events_come_before_the_reply_in_datatree_order() {
    let mut h = Harness::new();
    let (w, _) = h.connect();
    let (c, _) = h.connect();
    h.ok(c, create("/a", "", CreateMode::Persistent));
    assert_eq!(h.err(w, exists("/a/b", true)), ErrorCode::NoNode, "exists watches missing znodes");
    h.ok(w, children("/a", true));
    h.ok(c, create("/a/b", "", CreateMode::Persistent));
    use EventType::*;
    assert_eq!(
        h.events(w),
        [(NodeCreated, "/a/b".to_owned()), (NodeChildrenChanged, "/a".to_owned())]
    );
    h.ok(w, get("/a/b", true));
    h.ok(w, children("/a/b", true));
    h.ok(w, children("/a", true));
    h.ok(c, delete("/a/b", -1));
    assert_eq!(
        h.events(w),
        [(NodeDeleted, "/a/b".to_owned()), (NodeChildrenChanged, "/a".to_owned())],
        "a data and a child watch on one znode give one NodeDeleted"
    );
    h.ok(c, set("/a", "", -1));
    assert!(h.events(w).is_empty(), "one-shot watches are gone");
    // Events for a connection come before the reply of the request that fired them.
    h.ok(w, get("/a", true));
    let xid = h.xids[&w] + 1;
    h.xids.insert(w, xid);
    let mut buf = BytesMut::new();
    encode_frame(&mut buf, &(RequestHeader { xid, op_code: OpCode::SetData }, set("/a", "z", -1)));
    h.send_raw(w, buf.split_off(4).freeze());
    let frames: Vec<i32> =
        h.out.frames[&w].iter().map(|f| i32::from_be_bytes([f[0], f[1], f[2], f[3]])).collect();
    assert_eq!(frames, [WATCH_XID, xid]);
}

#[test]
fn persistent_and_recursive_watches() {
    let mut h = Harness::new();
    let (w, _) = h.connect();
    let (c, _) = h.connect();
    h.ok(
        w,
        Request::AddWatch(AddWatchRequest {
            path: "/r".into(),
            mode: AddWatchMode::PersistentRecursive,
        }),
    );
    h.ok(
        w,
        Request::AddWatch(AddWatchRequest { path: "/p".into(), mode: AddWatchMode::Persistent }),
    );
    h.ok(c, create("/r", "", CreateMode::Persistent));
    h.ok(c, create("/r/x", "", CreateMode::Persistent));
    h.ok(c, create("/p", "", CreateMode::Persistent));
    h.ok(c, create("/p/x", "", CreateMode::Persistent));
    h.ok(c, set("/p/x", "", -1));
    h.ok(c, set("/p", "", -1));
    h.ok(c, delete("/r/x", -1));
    use EventType::*;
    let expected: Vec<(EventType, String)> = [
        (NodeCreated, "/r"),
        (NodeCreated, "/r/x"),
        (NodeCreated, "/p"),
        (NodeChildrenChanged, "/p"),
        (NodeDataChanged, "/p"),
        (NodeDeleted, "/r/x"),
    ]
    .into_iter()
    .map(|(e, p)| (e, p.to_owned()))
    .collect();
    assert_eq!(h.events(w), expected);
    h.ok(
        w,
        Request::RemoveWatches(RemoveWatchesRequest {
            path: "/p".into(),
            watcher_type: WatcherType::Any,
        }),
    );
    assert_eq!(
        h.err(
            w,
            Request::RemoveWatches(RemoveWatchesRequest {
                path: "/p".into(),
                watcher_type: WatcherType::Any
            })
        ),
        ErrorCode::NoWatcher
    );
    assert_eq!(
        h.err(
            w,
            Request::CheckWatches(RemoveWatchesRequest {
                path: "/r".into(),
                watcher_type: WatcherType::Persistent
            })
        ),
        ErrorCode::MarshallingError,
        "3.8 does not know the 3.9 watcher types"
    );
}

#[test]
fn closing_a_session_deletes_its_ephemerals_in_one_transaction() {
    let mut h = Harness::new();
    let (w, _) = h.connect();
    let (c, s) = h.connect();
    h.ok(c, create("/e", "", CreateMode::Persistent));
    h.ok(c, create("/e/1", "", CreateMode::Ephemeral));
    h.ok(c, create("/e/2", "", CreateMode::Ephemeral));
    let eph = h
        .ok(c, Request::GetEphemerals(GetEphemeralsRequest { prefix_path: "/e/".into() }))
        .decode::<GetEphemeralsResponse>();
    assert_eq!(eph.ephemerals, ["/e/1", "/e/2"]);
    h.ok(w, children("/e", true));
    let reply = h.ok(c, Request::CloseSession);
    assert!(h.out.closed.contains(&c));
    let parent = h.ok(w, exists("/e", false)).decode::<ExistsResponse>().stat;
    // Clients see two changes per child gone: created, then deleted.
    assert_eq!((parent.num_children, parent.pzxid, parent.cversion), (0, reply.header.zxid, 4));
    assert_eq!(h.events(w), [(EventType::NodeChildrenChanged, "/e".to_owned())]);
    let resume = ConnectRequest {
        session_id: s.session_id,
        passwd: s.passwd,
        timeout: 4000,
        ..Default::default()
    };
    assert_eq!(h.handshake(resume).1.timeout, 0, "a closed session cannot be resumed");
}

#[test]
fn sessions_expire_on_tick_boundaries_and_take_their_ephemerals() {
    let mut h = Harness::new();
    let (w, _) = h.connect();
    let (c, _) = h.connect();
    h.ok(c, create("/x", "", CreateMode::Ephemeral));
    h.ok(w, exists("/x", true));
    // A 4 s session expires on the tick after 4 s: at 4.5 s.
    for _ in 0..8 {
        h.advance(500);
        h.ok(w, Request::Ping);
    }
    assert!(!h.out.closed.contains(&c));
    h.advance(500);
    assert!(h.out.closed.contains(&c), "the silent session expired");
    assert!(!h.out.closed.contains(&w));
    assert_eq!(h.events(w), [(EventType::NodeDeleted, "/x".to_owned())]);
    assert!(h.collect(c).is_none());
}

#[test]
fn containers_and_ttl_znodes_are_reaped() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    h.ok(
        c,
        Request::CreateContainer(CreateRequest {
            path: "/c".into(),
            data: Bytes::new(),
            acl: acl_open(),
            mode: CreateMode::Container,
        }),
    );
    h.ok(
        c,
        Request::CreateTtl(CreateTtlRequest {
            path: "/t".into(),
            data: Bytes::new(),
            acl: acl_open(),
            mode: CreateMode::PersistentWithTtl,
            ttl: 100,
        }),
    );
    let stat = h.ok(c, exists("/t", false)).decode::<ExistsResponse>().stat;
    assert_eq!(stat.ephemeral_owner, 0, "clients do not see a TTL znode's owner field");
    h.state.reap_containers(h.now, &mut h.out);
    assert!(h.call(c, exists("/c", false)).header.err.is_ok(), "an unused container stays");
    assert!(h.call(c, exists("/t", false)).header.err.is_ok(), "the TTL has not passed");
    h.ok(c, create("/c/x", "", CreateMode::Persistent));
    h.ok(c, delete("/c/x", -1));
    h.ok(c, exists("/c", true));
    h.now.wall_ms += 101;
    h.state.reap_containers(h.now, &mut h.out);
    assert_eq!(h.err(c, exists("/c", false)), ErrorCode::NoNode);
    assert_eq!(h.err(c, exists("/t", false)), ErrorCode::NoNode);
    assert_eq!(h.events(c), [(EventType::NodeDeleted, "/c".to_owned())]);
    let bad_ttl = Request::CreateTtl(CreateTtlRequest {
        path: "/u".into(),
        data: Bytes::new(),
        acl: acl_open(),
        mode: CreateMode::PersistentWithTtl,
        ttl: 0,
    });
    assert_eq!(h.err(c, bad_ttl), ErrorCode::BadArguments);
}

#[test]
fn set_watches_catches_up_on_changes_since_the_clients_zxid() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    h.ok(c, create("/a", "", CreateMode::Persistent));
    h.ok(c, create("/b", "", CreateMode::Persistent));
    let seen = h.state.last_zxid();
    h.ok(c, set("/a", "x", -1));
    h.ok(c, create("/b/c", "", CreateMode::Persistent));
    h.ok(c, create("/new", "", CreateMode::Persistent));
    let (w, _) = h.connect();
    let request = Request::SetWatches(SetWatches {
        relative_zxid: seen,
        data_watches: vec!["/a".into(), "/b".into(), "/gone".into()],
        exist_watches: vec!["/new".into(), "/absent".into()],
        child_watches: vec!["/b".into(), "/a".into()],
    });
    h.ok(w, request);
    use EventType::*;
    assert_eq!(
        h.events(w),
        [
            (NodeDataChanged, "/a".into()),
            (NodeDeleted, "/gone".into()),
            (NodeCreated, "/new".into()),
            (NodeChildrenChanged, "/b".into())
        ]
    );
    h.ok(c, set("/b", "", -1));
    h.ok(c, create("/absent", "", CreateMode::Persistent));
    h.ok(c, create("/a/z", "", CreateMode::Persistent));
    assert_eq!(
        h.events(w),
        [
            (NodeDataChanged, "/b".into()),
            (NodeCreated, "/absent".into()),
            (NodeChildrenChanged, "/a".into())
        ]
    );
}

#[test]
fn unknown_opcodes_are_unimplemented_and_close_the_connection() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    let mut buf = BytesMut::new();
    (7_i32, 999_i32).encode(&mut buf);
    h.send_raw(c, buf.freeze());
    let reply = h.collect(c).unwrap();
    assert_eq!(
        (reply.header.xid, reply.header.zxid, reply.header.err),
        (7, -1, ErrorCode::Unimplemented)
    );
    assert!(h.out.closed.contains(&c));
}

#[test]
fn malformed_bodies_are_marshalling_errors_and_writes_take_a_zxid() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    for (op, takes_zxid) in
        [(OpCode::GetData, false), (OpCode::SetData, true), (OpCode::Multi, true)]
    {
        let before = h.state.last_zxid();
        let mut buf = BytesMut::new();
        (1_i32, op.code()).encode(&mut buf);
        buf.extend_from_slice(&[0, 0, 0, 9]);
        h.send_raw(c, buf.freeze());
        let reply = h.collect(c).unwrap();
        assert_eq!(reply.header.err, ErrorCode::MarshallingError, "{op:?}");
        assert_eq!(h.state.last_zxid(), before + i64::from(takes_zxid), "{op:?}");
    }
}

#[test]
fn reconfig_and_sasl_as_a_standalone_server_answers() {
    let mut h = Harness::new();
    let (c, _) = h.connect();
    assert_eq!(
        h.err(c, Request::Reconfig(ReconfigRequest::default())),
        ErrorCode::ReconfigDisabled
    );
    let reply = h.call(c, Request::Sasl(GetSaslRequest::default()));
    assert_eq!((reply.header.err, &reply.body[..]), (ErrorCode::Ok, &[0xff_u8; 4][..]));
}
