//! The codec against a real Apache ZooKeeper, over a plain TCP socket: every
//! request here is encoded by zookit-proto and every reply decoded by it.

use std::time::Duration;

use bytes::Bytes;
use zookit_proto::*;
use zookit_testing::{SUPER_AUTH, shared, unique_chroot};

use crate::raw_session::RawSession;

fn open_acl() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::anyone())]
}

fn create(path: &str, data: &'static [u8], mode: CreateMode) -> Request {
    Request::Create(CreateRequest {
        path: path.into(),
        data: Bytes::from_static(data),
        acl: open_acl(),
        mode,
    })
}

/// A fresh session on the shared server, and a unique root znode for the test.
fn session_with_root(name: &str) -> (RawSession, String) {
    let mut session = RawSession::connect(shared().member_address(0));
    let root = unique_chroot(name);
    session.ok(create(&root, b"", CreateMode::Persistent));
    (session, root)
}

#[test]
fn handshake_negotiates_a_session() {
    let session = RawSession::connect(shared().member_address(0));
    let response = &session.session;
    assert_eq!(response.protocol_version, 0);
    assert_ne!(response.session_id, 0);
    assert_eq!(response.timeout, 10_000);
    assert_eq!(response.passwd.len(), 16);
    assert_eq!(response.read_only, Some(false));
}

#[test]
fn create_get_set_delete() {
    let (mut s, root) = session_with_root("crud");
    let path = format!("{root}/node");

    let Response::Create(created) = s.ok(create(&path, b"hello", CreateMode::Persistent)) else {
        panic!("create answers with CreateResponse")
    };
    assert_eq!(created.path, path);

    let Response::GetData(got) =
        s.ok(Request::GetData(GetDataRequest { path: path.clone(), watch: false }))
    else {
        panic!("getData answers with GetDataResponse")
    };
    assert_eq!(&got.data[..], b"hello");
    assert_eq!(got.stat.version, 0);
    assert_eq!(got.stat.data_length, 5);
    assert_eq!(got.stat.ephemeral_owner, 0);
    assert!(got.stat.czxid > 0 && got.stat.czxid == got.stat.mzxid);

    let set = Request::SetData(SetDataRequest {
        path: path.clone(),
        data: Bytes::from_static(b"world!"),
        version: 0,
    });
    let Response::SetData(set) = s.ok(set) else { panic!("setData answers with SetDataResponse") };
    assert_eq!(set.stat.version, 1);
    assert_eq!(set.stat.data_length, 6);
    assert!(set.stat.mzxid > got.stat.mzxid);

    // A stale version is refused.
    let stale =
        Request::SetData(SetDataRequest { path: path.clone(), data: Bytes::new(), version: 0 });
    s.fails(stale, ErrorCode::BadVersion);

    s.ok(Request::Delete(DeleteRequest { path: path.clone(), version: 1 }));
    s.fails(Request::Exists(ExistsRequest { path, watch: false }), ErrorCode::NoNode);
}

#[test]
fn errors_come_back_as_codes_without_a_body() {
    let (mut s, root) = session_with_root("errors");
    let missing = format!("{root}/missing");
    s.fails(
        Request::GetData(GetDataRequest { path: missing.clone(), watch: false }),
        ErrorCode::NoNode,
    );
    s.fails(create(&root, b"", CreateMode::Persistent), ErrorCode::NodeExists);
    s.ok(create(&format!("{root}/child"), b"", CreateMode::Persistent));
    s.fails(
        Request::Delete(DeleteRequest { path: root.clone(), version: -1 }),
        ErrorCode::NotEmpty,
    );
    s.ok(create(&format!("{root}/eph"), b"", CreateMode::Ephemeral));
    s.fails(
        create(&format!("{root}/eph/child"), b"", CreateMode::Persistent),
        ErrorCode::NoChildrenForEphemerals,
    );
    let no_acl = Request::Create(CreateRequest {
        path: format!("{root}/x"),
        acl: Vec::new(),
        ..CreateRequest::default()
    });
    s.fails(no_acl, ErrorCode::InvalidAcl);
    // A TTL node through plain `create` is a bad argument.
    s.fails(
        create(&format!("{root}/ttl"), b"", CreateMode::PersistentWithTtl),
        ErrorCode::BadArguments,
    );
}

#[test]
fn a_watch_fires_with_the_watch_xid() {
    let (mut s, root) = session_with_root("watch");
    let path = format!("{root}/watched");
    s.ok(create(&path, b"v1", CreateMode::Persistent));
    s.ok(Request::GetData(GetDataRequest { path: path.clone(), watch: true }));
    s.fails(
        Request::Exists(ExistsRequest { path: format!("{path}-new"), watch: true }),
        ErrorCode::NoNode,
    );
    s.ok(Request::GetChildren(GetChildrenRequest { path: root.clone(), watch: true }));

    let mut other = RawSession::connect(shared().member_address(0));
    other.ok(Request::SetData(SetDataRequest {
        path: path.clone(),
        data: Bytes::from_static(b"v2"),
        version: -1,
    }));
    other.ok(create(&format!("{path}-new"), b"", CreateMode::Persistent));

    let mut events = vec![s.wait_event(), s.wait_event(), s.wait_event()];
    events.sort_by_key(|e| e.event_type.code());
    assert_eq!(
        events,
        [
            WatcherEvent {
                event_type: EventType::NodeCreated,
                state: KeeperState::SyncConnected,
                path: format!("{path}-new")
            },
            WatcherEvent {
                event_type: EventType::NodeDataChanged,
                state: KeeperState::SyncConnected,
                path: path.clone()
            },
            WatcherEvent {
                event_type: EventType::NodeChildrenChanged,
                state: KeeperState::SyncConnected,
                path: root
            },
        ]
    );
}

#[test]
fn multi_with_a_failing_op_reports_every_result() {
    let (mut s, root) = session_with_root("multi");
    let a = format!("{root}/a");
    let b = format!("{root}/b");
    s.ok(create(&a, b"", CreateMode::Persistent));

    let ops = vec![
        Op::SetData(SetDataRequest {
            path: a.clone(),
            data: Bytes::from_static(b"x"),
            version: -1,
        }),
        Op::Check(CheckVersionRequest { path: a.clone(), version: 7 }),
        Op::Create(CreateRequest {
            path: b.clone(),
            data: Bytes::new(),
            acl: open_acl(),
            mode: CreateMode::Persistent,
        }),
    ];
    let (header, mut body) = s.call(Request::Multi(MultiRequest { ops }));
    // The server reports a failed transaction with an Ok header and the
    // outcome of each op in the body.
    assert_eq!(header.err, ErrorCode::Ok);
    let response = MultiResponse::decode(&mut body).expect("multi response");
    assert!(body.is_empty());
    assert_eq!(
        response.results,
        [
            OpResult::Error(ErrorCode::Ok),
            OpResult::Error(ErrorCode::BadVersion),
            OpResult::Error(ErrorCode::RuntimeInconsistency)
        ]
    );
    s.fails(Request::Exists(ExistsRequest { path: b.clone(), watch: false }), ErrorCode::NoNode);

    // The same transaction, correct this time, commits every op.
    let ops = vec![
        Op::SetData(SetDataRequest {
            path: a.clone(),
            data: Bytes::from_static(b"x"),
            version: -1,
        }),
        Op::Check(CheckVersionRequest { path: a.clone(), version: 1 }),
        Op::Create(CreateRequest {
            path: b.clone(),
            data: Bytes::new(),
            acl: open_acl(),
            mode: CreateMode::Persistent,
        }),
        Op::Create2(CreateRequest {
            path: format!("{b}2"),
            data: Bytes::new(),
            acl: open_acl(),
            mode: CreateMode::PersistentSequential,
        }),
        Op::Delete(DeleteRequest { path: b.clone(), version: 0 }),
    ];
    let Response::Multi(response) = s.ok(Request::Multi(MultiRequest { ops })) else {
        panic!("multi answers with MultiResponse")
    };
    // ZooKeeper 3.8 answers a create2 inside a multi with a plain create result.
    let [
        OpResult::SetData(set),
        OpResult::Check,
        OpResult::Create(created),
        OpResult::Create(created2),
        OpResult::Delete,
    ] = &response.results[..]
    else {
        panic!("unexpected results {:?}", response.results)
    };
    assert_eq!(set.stat.version, 1);
    assert_eq!(created.path, b);
    assert_eq!(
        created2.path,
        format!("{b}20000000002"),
        "the sequence counts the parent's creations"
    );
    let Response::Exists(seq) =
        s.ok(Request::Exists(ExistsRequest { path: created2.path.clone(), watch: false }))
    else {
        panic!()
    };
    assert_eq!(seq.stat.czxid, set.stat.mzxid, "one transaction, one zxid");
}

#[test]
fn multi_read_returns_data_children_and_errors() {
    let (mut s, root) = session_with_root("multiread");
    s.ok(create(&format!("{root}/x"), b"data-x", CreateMode::Persistent));
    let ops = vec![
        Op::GetChildren(GetChildrenRequest { path: root.clone(), watch: false }),
        Op::GetData(GetDataRequest { path: format!("{root}/x"), watch: false }),
        Op::GetData(GetDataRequest { path: format!("{root}/missing"), watch: false }),
    ];
    let Response::Multi(response) = s.ok(Request::MultiRead(MultiRequest { ops })) else {
        panic!("multiRead answers with MultiResponse")
    };
    let [
        OpResult::GetChildren(children),
        OpResult::GetData(data),
        OpResult::Error(ErrorCode::NoNode),
    ] = &response.results[..]
    else {
        panic!("unexpected results {:?}", response.results)
    };
    assert_eq!(children.children, ["x"]);
    assert_eq!(&data.data[..], b"data-x");
}

#[test]
fn a_ping_is_answered_with_the_ping_xid() {
    let mut s = RawSession::connect(shared().member_address(0));
    let (header, body) = s.call_with_xid(PING_XID, &Request::Ping);
    assert_eq!(header.err, ErrorCode::Ok);
    assert!(body.is_empty());
}

#[test]
fn every_read_operation() {
    let (mut s, root) = session_with_root("reads");
    let create2 = Request::Create2(CreateRequest {
        path: format!("{root}/seq-"),
        data: Bytes::from_static(b"abc"),
        acl: open_acl(),
        mode: CreateMode::EphemeralSequential,
    });
    let Response::Create2(created) = s.ok(create2) else {
        panic!("create2 answers with Create2Response")
    };
    assert_eq!(created.path, format!("{root}/seq-0000000000"));
    assert_eq!(created.stat.ephemeral_owner, s.session.session_id);
    assert_eq!(created.stat.data_length, 3);
    s.ok(create(&format!("{root}/p"), b"", CreateMode::Persistent));
    s.ok(create(&format!("{root}/p/q"), b"", CreateMode::Persistent));

    let Response::Exists(exists) =
        s.ok(Request::Exists(ExistsRequest { path: root.clone(), watch: false }))
    else {
        panic!()
    };
    assert_eq!(exists.stat.num_children, 2);

    let Response::GetChildren2(children) =
        s.ok(Request::GetChildren2(GetChildrenRequest { path: root.clone(), watch: false }))
    else {
        panic!()
    };
    let mut names = children.children.clone();
    names.sort();
    assert_eq!(names, ["p", "seq-0000000000"]);
    assert_eq!(children.stat, exists.stat);

    let Response::GetAllChildrenNumber(all) =
        s.ok(Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: root.clone() }))
    else {
        panic!()
    };
    assert_eq!(all.total_number, 3);

    let Response::GetEphemerals(ephemerals) =
        s.ok(Request::GetEphemerals(GetEphemeralsRequest { prefix_path: root.clone() }))
    else {
        panic!()
    };
    assert_eq!(ephemerals.ephemerals, std::slice::from_ref(&created.path));

    let Response::Sync(sync) = s.ok(Request::Sync(SyncRequest { path: root.clone() })) else {
        panic!()
    };
    assert_eq!(sync.path, root);

    let Response::GetAcl(acl) = s.ok(Request::GetAcl(GetAclRequest { path: root.clone() })) else {
        panic!()
    };
    assert_eq!(acl.acl, open_acl());
    let read_only = vec![Acl::new(Perms::READ, Id::anyone())];
    let set_acl = Request::SetAcl(SetAclRequest {
        path: format!("{root}/p/q"),
        acl: read_only.clone(),
        version: 0,
    });
    let Response::SetAcl(set) = s.ok(set_acl) else { panic!() };
    assert_eq!(set.stat.aversion, 1);
    let Response::GetAcl(acl) =
        s.ok(Request::GetAcl(GetAclRequest { path: format!("{root}/p/q") }))
    else {
        panic!()
    };
    assert_eq!(acl.acl, read_only);
    s.fails(
        Request::SetData(SetDataRequest {
            path: format!("{root}/p/q"),
            data: Bytes::new(),
            version: -1,
        }),
        ErrorCode::NoAuth,
    );

    let Response::GetData(config) = s.ok(Request::get_config(false)) else { panic!() };
    assert!(config.stat.czxid >= 0);
}

#[test]
fn auth_and_who_am_i() {
    let mut s = RawSession::connect(shared().member_address(0));
    let Response::WhoAmI(before) = s.ok(Request::WhoAmI) else {
        panic!("whoAmI answers with WhoAmIResponse")
    };
    assert_eq!(
        before.client_info,
        [ClientInfo { auth_scheme: "ip".into(), user: "127.0.0.1".into() }]
    );

    let auth = AuthPacket {
        auth_type: 0,
        scheme: "digest".into(),
        auth: Bytes::from_static(SUPER_AUTH.as_bytes()),
    };
    let (header, body) = s.call_with_xid(AUTH_XID, &Request::Auth(auth));
    assert_eq!(header.err, ErrorCode::Ok);
    assert!(body.is_empty());

    let Response::WhoAmI(after) = s.ok(Request::WhoAmI) else { panic!() };
    assert!(
        after
            .client_info
            .contains(&ClientInfo { auth_scheme: "digest".into(), user: "super".into() }),
        "{after:?}"
    );
}

#[test]
fn an_unknown_auth_scheme_fails_with_auth_failed() {
    let mut s = RawSession::connect(shared().member_address(0));
    let auth = AuthPacket {
        auth_type: 0,
        scheme: "no-such-scheme".into(),
        auth: Bytes::from_static(b"user:secret"),
    };
    let (header, _) = s.call_with_xid(AUTH_XID, &Request::Auth(auth));
    assert_eq!(header.err, ErrorCode::AuthFailed);
}

#[test]
fn persistent_recursive_watches_and_their_removal() {
    let (mut s, root) = session_with_root("persistent");
    let add = Request::AddWatch(AddWatchRequest {
        path: root.clone(),
        mode: AddWatchMode::PersistentRecursive,
    });
    let Response::AddWatch(added) = s.ok(add) else {
        panic!("addWatch answers with ErrorResponse")
    };
    assert_eq!(added.err, ErrorCode::Ok);

    s.ok(create(&format!("{root}/a"), b"", CreateMode::Persistent));
    s.ok(create(&format!("{root}/a/b"), b"", CreateMode::Persistent));
    let first = s.wait_event();
    let second = s.wait_event();
    assert_eq!((first.event_type, first.path), (EventType::NodeCreated, format!("{root}/a")));
    assert_eq!((second.event_type, second.path), (EventType::NodeCreated, format!("{root}/a/b")));

    let check = Request::CheckWatches(RemoveWatchesRequest {
        path: root.clone(),
        watcher_type: WatcherType::Any,
    });
    s.ok(check);
    let remove = Request::RemoveWatches(RemoveWatchesRequest {
        path: root.clone(),
        watcher_type: WatcherType::Any,
    });
    s.ok(remove);
    let remove_again = Request::RemoveWatches(RemoveWatchesRequest {
        path: root.clone(),
        watcher_type: WatcherType::Any,
    });
    s.fails(remove_again, ErrorCode::NoWatcher);
}

#[test]
fn ttl_and_container_nodes() {
    let (mut s, root) = session_with_root("ttl");
    let ttl = Request::CreateTtl(CreateTtlRequest {
        path: format!("{root}/ttl"),
        data: Bytes::from_static(b"t"),
        acl: open_acl(),
        mode: CreateMode::PersistentWithTtl,
        ttl: 60_000,
    });
    let Response::Create2(created) = s.ok(ttl) else {
        panic!("createTTL answers with Create2Response")
    };
    assert_eq!(created.path, format!("{root}/ttl"));
    assert_eq!(created.stat.data_length, 1);

    let container = Request::CreateContainer(CreateRequest {
        path: format!("{root}/container"),
        data: Bytes::new(),
        acl: open_acl(),
        mode: CreateMode::Container,
    });
    let Response::Create2(created) = s.ok(container) else {
        panic!("createContainer answers with Create2Response")
    };
    assert_eq!(created.path, format!("{root}/container"));
}

#[test]
fn set_watches_rearms_a_watch_after_reconnecting() {
    let addr = shared().member_address(0);
    let (mut s, root) = session_with_root("setwatches");
    let path = format!("{root}/n");
    s.ok(create(&path, b"1", CreateMode::Persistent));
    s.ok(Request::GetData(GetDataRequest { path: path.clone(), watch: true }));

    // Reconnect: a new socket resumes the session; the watch is re-armed
    // with the last zxid seen, so a change made in between fires at once.
    let mut resumed = RawSession::resume(addr, &s);
    assert_eq!(resumed.session.session_id, s.session.session_id);
    drop(s);
    let mut other = RawSession::connect(addr);
    other.ok(Request::SetData(SetDataRequest {
        path: path.clone(),
        data: Bytes::from_static(b"2"),
        version: -1,
    }));

    let set_watches = SetWatches2 {
        relative_zxid: resumed.last_zxid,
        data_watches: vec![path.clone()],
        ..SetWatches2::default()
    };
    let (header, body) = resumed.call_with_xid(SET_WATCHES_XID, &Request::SetWatches2(set_watches));
    assert_eq!(header.err, ErrorCode::Ok);
    assert!(body.is_empty());
    let event = resumed.wait_event();
    assert_eq!((event.event_type, event.path), (EventType::NodeDataChanged, path));
}

#[test]
fn close_session_removes_ephemerals() {
    let (mut s, root) = session_with_root("close");
    let path = format!("{root}/eph");
    s.ok(create(&path, b"", CreateMode::Ephemeral));
    let (header, body) = s.call(Request::CloseSession);
    assert_eq!(header.err, ErrorCode::Ok);
    assert!(body.is_empty());
    let mut other = RawSession::connect(shared().member_address(0));
    other.fails(Request::Exists(ExistsRequest { path, watch: false }), ErrorCode::NoNode);
}

// A real quorum: a leader elected again, and reconfiguration.
mod apache_only {
    use super::*;

    #[test]
    fn ensemble_elects_a_new_leader_and_sessions_survive() {
        let ensemble = zookit_testing::Ensemble::start(3).expect("a 3-member ensemble starts");
        let leader = ensemble.leader().expect("a leader");
        let follower = (0..3).find(|&i| i != leader).expect("a follower");

        let mut s = RawSession::connect(ensemble.member_address(follower));
        let root = unique_chroot("ensemble");
        s.ok(create(&root, b"", CreateMode::Persistent));
        let eph = format!("{root}/eph");
        s.ok(create(&eph, b"mine", CreateMode::Ephemeral));

        let Response::GetData(config) = s.ok(Request::get_config(false)) else { panic!() };
        let config = String::from_utf8(config.data.to_vec()).expect("utf-8 config");
        for id in 1..=3 {
            assert!(config.contains(&format!("server.{id}=")), "{config}");
        }

        ensemble.kill(leader).expect("kill the leader");
        let new_leader = ensemble.wait_for_leader(Duration::from_secs(60)).expect("a new leader");
        assert_ne!(new_leader, leader);

        // The session lives on: resume it on a surviving member.
        let survivor = (0..3).find(|&i| i != leader && i != follower).expect("another member");
        let mut resumed = RawSession::resume(ensemble.member_address(survivor), &s);
        assert_eq!(resumed.session.session_id, s.session.session_id);
        let Response::Exists(stat) =
            resumed.ok(Request::Exists(ExistsRequest { path: eph.clone(), watch: false }))
        else {
            panic!()
        };
        assert_eq!(stat.stat.ephemeral_owner, s.session.session_id);

        // Reconfig (as the super user): remove the killed member.
        let auth = AuthPacket {
            auth_type: 0,
            scheme: "digest".into(),
            auth: Bytes::from_static(SUPER_AUTH.as_bytes()),
        };
        let (header, _) = resumed.call_with_xid(AUTH_XID, &Request::Auth(auth));
        assert_eq!(header.err, ErrorCode::Ok);
        let reconfig = Request::Reconfig(ReconfigRequest {
            leaving_servers: Some((leader + 1).to_string()),
            cur_config_id: -1,
            ..ReconfigRequest::default()
        });
        let Response::GetData(new_config) = resumed.ok(reconfig) else {
            panic!("reconfig answers with GetDataResponse")
        };
        let new_config = String::from_utf8(new_config.data.to_vec()).expect("utf-8 config");
        assert!(!new_config.contains(&format!("server.{}=", leader + 1)), "{new_config}");
        assert!(new_config.contains(&format!("server.{}=", survivor + 1)), "{new_config}");
    }
}
