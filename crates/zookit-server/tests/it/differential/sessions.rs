//! Sessions: handshakes and their timeouts, resuming, closing and expiry
//! with their ephemerals, and the znodes the server deletes by itself
//! (containers, TTL znodes).

use std::time::Duration;

use bytes::Bytes;
use zookit_proto::{
    ConnectRequest, CreateMode, GetEphemeralsRequest, OpCode, PING_XID, Request, RequestHeader,
};

use super::*;
use crate::support::scenario::{differential, new_session};

/// How long a server may take to expire a session or reap a znode.
const REAPING: Duration = Duration::from_secs(10);

#[test]
fn handshakes_timeouts_and_resuming() {
    differential("handshakes", |s| {
        for (name, timeout) in [
            ("min", 1),
            ("low", 999),
            ("mid", 4321),
            ("max", 60_000),
            ("high", 600_000),
            ("negative", -5),
        ] {
            s.handshake(name, &new_session(timeout));
        }
        let old_client = ConnectRequest { read_only: None, ..new_session(5000) };
        s.handshake("old", &old_client);
        s.call("old", Request::Ping);
        let read_only = ConnectRequest { read_only: Some(true), ..new_session(5000) };
        s.handshake("ro", &read_only);
        // A wrong password is refused, and the session's connection goes.
        let (id, passwd, _) = s.credentials("mid");
        let mut wrong = passwd.to_vec();
        wrong[0] ^= 1;
        let request = ConnectRequest {
            session_id: id,
            passwd: Bytes::from(wrong),
            timeout: 4321,
            read_only: Some(false),
            ..ConnectRequest::default()
        };
        s.handshake("wrong", &request);
        s.expect_closed("wrong");
        s.expect_closed("mid");
        // The right one resumes it, with the timeout asked for now.
        let request = ConnectRequest {
            session_id: id,
            passwd,
            timeout: 7000,
            read_only: Some(false),
            ..ConnectRequest::default()
        };
        s.handshake("resumed", &request);
        s.call("resumed", Request::Ping);
        let unknown = ConnectRequest {
            session_id: 12345,
            passwd: Bytes::from_static(&[0; 16]),
            timeout: 4000,
            read_only: Some(false),
            ..ConnectRequest::default()
        };
        s.handshake("unknown", &unknown);
        s.expect_closed("unknown");
        // A client that has seen a later zxid is turned away.
        let ahead = ConnectRequest { last_zxid_seen: 1 << 40, ..new_session(4000) };
        s.handshake("ahead", &ahead);
        // Pings are answered with the ping xid, whatever the request's.
        let ping_xid_5 = crate::support::scenario::raw_frame(5, OpCode::Ping.code(), &[]);
        s.call_raw("resumed", &ping_xid_5, "ping with xid 5", Some(OpCode::Ping));
        let mut frame = bytes::BytesMut::new();
        zookit_proto::encode_frame(
            &mut frame,
            &RequestHeader { xid: PING_XID, op_code: OpCode::Ping },
        );
        s.call_raw("resumed", &frame, "ping", Some(OpCode::Ping));
    });
}

#[test]
fn ephemerals_go_when_their_session_closes() {
    differential("close-session", |s| {
        s.connect("owner");
        s.connect("w");
        let root = s.p("");
        s.call("owner", create(&root, CreateMode::Persistent));
        let (e1, e2, seq) = (s.p("/e1"), s.p("/e2"), s.p("/seq-"));
        s.call("owner", create(&e1, CreateMode::Ephemeral));
        s.call("owner", create(&e2, CreateMode::Ephemeral));
        s.call("owner", create(&seq, CreateMode::EphemeralSequential));
        for prefix in ["/", "", " ", &s.p("/e"), &s.p("/s"), "/nothing", &e1] {
            s.call(
                "owner",
                Request::GetEphemerals(GetEphemeralsRequest { prefix_path: prefix.to_owned() }),
            );
        }
        s.call("w", Request::GetEphemerals(GetEphemeralsRequest { prefix_path: "/".to_owned() }));
        s.call("w", exists(&e1, true));
        s.call("w", children(&root, true));
        s.call("w", get(&root, false));
        s.close("owner");
        s.drain("w");
        s.call("w", children2(&root, false));
    });
}

#[test]
fn many_ephemerals_go_in_zookeepers_order() {
    differential("close-many", |s| {
        s.connect("owner");
        s.connect("w");
        let root = s.p("");
        s.call("owner", create(&root, CreateMode::Persistent));
        let paths: Vec<String> = (0..30).map(|i| s.p(&format!("/e{i}"))).collect();
        s.pipeline("owner", paths.iter().map(|p| create(p, CreateMode::Ephemeral)).collect());
        // Some go before the session does: the set keeps its size.
        s.pipeline("owner", paths.iter().step_by(4).map(|p| delete(p, -1)).collect());
        s.pipeline("w", paths.iter().map(|p| exists(p, true)).collect());
        s.call("w", children(&root, true));
        // (Requests pipelined after the closeSession get SessionExpired or
        // UnknownSession from ZooKeeper, depending on timing.)
        s.close("owner");
        s.drain("w");
    });
}

#[test]
fn ephemerals_go_when_their_session_expires() {
    differential("expiry", |s| {
        s.connect("w");
        let root = s.p("");
        s.call("w", create(&root, CreateMode::Persistent));
        s.handshake("short", &new_session(1000));
        let e = s.p("/e");
        s.call("short", create(&e, CreateMode::Ephemeral));
        s.call("w", exists(&e, true));
        // "short" goes silent: the server expires it.
        s.wait_event("w", REAPING);
        s.expect_closed("short");
        s.call("w", children2(&root, false));
        s.resume("again", "short");
        s.expect_closed("again");
    });
}

#[test]
fn containers_and_ttl_znodes_are_deleted_by_the_server() {
    differential("reaping", |s| {
        s.connect("w");
        let root = s.p("");
        s.call("w", create(&root, CreateMode::Persistent));
        let c = s.p("/c");
        s.call("w", container(&c));
        s.call("w", create(&format!("{c}/child"), CreateMode::Persistent));
        s.call("w", get(&c, false));
        s.call("w", delete(&format!("{c}/child"), -1));
        s.call("w", exists(&c, true));
        s.call("w", children(&root, true));
        s.wait_event("w", REAPING);
        s.drain("w");
        s.call("w", get(&root, false));
        let t = s.p("/t");
        s.call("w", ttl(&t, CreateMode::PersistentWithTtl, 1));
        s.call("w", exists(&t, true));
        s.wait_event("w", REAPING);
        s.call("w", exists(&t, false));
    });
}
