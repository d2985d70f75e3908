//! Requests a well-behaved client rarely sends: unknown opcodes, malformed
//! bodies, SASL without SASL, reconfig on a standalone server, garbage
//! before the handshake.

use bytes::Bytes;
use zookit_proto::{
    CreateMode, Encode, GetSaslRequest, OpCode, ReconfigRequest, RemoveWatchesRequest, Request,
    SyncRequest, WatcherType,
};

use super::*;
use crate::support::scenario::{differential, raw_frame};

#[test]
fn malformed_requests_are_marshalling_errors() {
    differential("malformed", |s| {
        s.connect("a");
        let root = s.p("");
        s.call("a", create(&root, CreateMode::Persistent));
        // Bodies cut short: reads answer MarshallingError, writes too and
        // take a zxid.
        for (xid, op) in [
            (10, OpCode::GetData),
            (11, OpCode::Exists),
            (12, OpCode::SetData),
            (13, OpCode::Create),
            (14, OpCode::Delete),
            (15, OpCode::SetAcl),
            (16, OpCode::GetChildren2),
            (17, OpCode::SetWatches),
            (18, OpCode::Sync),
            (19, OpCode::Create2),
            (20, OpCode::CreateTtl),
            (21, OpCode::MultiRead),
            (22, OpCode::AddWatch),
            (23, OpCode::CheckWatches),
            (24, OpCode::GetEphemerals),
        ] {
            let frame = raw_frame(xid, op.code(), &[0, 0, 0, 40, b'/']);
            s.call_raw("a", &frame, &format!("{op:?} truncated"), Some(op));
            s.call("a", Request::Ping);
        }
        // An add-watch mode and a watcher type that do not exist.
        let mut body = Vec::new();
        root.as_str().encode(&mut body);
        7_i32.encode(&mut body);
        let frame = raw_frame(30, OpCode::AddWatch.code(), &body);
        s.call_raw("a", &frame, "addWatch mode 7", Some(OpCode::AddWatch));
        let frame = raw_frame(31, OpCode::RemoveWatches.code(), &body);
        s.call_raw("a", &frame, "removeWatches type 7", Some(OpCode::RemoveWatches));
        s.call(
            "a",
            Request::RemoveWatches(RemoveWatchesRequest {
                path: root.clone(),
                watcher_type: WatcherType::Any,
            }),
        );
        // Trailing bytes are ignored.
        let mut body = Vec::new();
        root.as_str().encode(&mut body);
        body.extend_from_slice(b"trailing");
        let frame = raw_frame(32, OpCode::Sync.code(), &body);
        s.call_raw("a", &frame, "sync with trailing bytes", Some(OpCode::Sync));
        s.call("a", exists(&root, false));
    });
}

#[test]
fn sasl_reconfig_and_whoami_as_a_standalone_server_answers() {
    differential("standalone-admin", |s| {
        s.connect("a");
        s.call("a", Request::WhoAmI);
        s.call("a", Request::get_config(false));
        s.call(
            "a",
            Request::Reconfig(ReconfigRequest {
                joining_servers: Some("server.9=127.0.0.1:1:2;3".into()),
                leaving_servers: None,
                new_members: None,
                cur_config_id: -1,
            }),
        );
        s.call(
            "a",
            Request::Reconfig(ReconfigRequest {
                joining_servers: None,
                leaving_servers: Some("1".into()),
                new_members: None,
                cur_config_id: 77,
            }),
        );
        s.call("a", Request::Sasl(GetSaslRequest { token: Bytes::from_static(b"token") }));
        s.call("a", Request::Sync(SyncRequest { path: "/".into() }));
        s.call("a", Request::Ping);
    });
}

#[test]
fn unknown_opcodes_end_the_connection() {
    differential("unknown-op", |s| {
        for (i, op) in [999, 0, 10, 12, 107 + 50, -1].into_iter().enumerate() {
            let name = format!("u{i}");
            s.connect(&name);
            let frame = raw_frame(3, op, &[]);
            s.call_raw(&name, &frame, &format!("opcode {op}"), None);
            s.expect_closed(&name);
        }
        // createSession from a client fails to read its (missing) timeout.
        s.connect("cs");
        let frame = raw_frame(3, OpCode::CreateSession.code(), &[]);
        s.call_raw("cs", &frame, "createSession", None);
        s.call("cs", Request::Ping);
        // deleteContainer is a request the server takes from clients too.
        s.connect("a");
        let root = s.p("");
        s.call("a", create(&root, CreateMode::Persistent));
        let plain = s.p("/plain");
        s.call("a", create(&plain, CreateMode::Persistent));
        let e = s.p("/e");
        s.call("a", create(&e, CreateMode::Ephemeral));
        for path in [plain.clone(), e.clone(), root.clone(), s.p("/none"), "/zookeeper".to_owned()]
        {
            let frame = raw_frame(40, OpCode::DeleteContainer.code(), path.as_bytes());
            s.call_raw(
                "a",
                &frame,
                &format!("deleteContainer {path}"),
                Some(OpCode::DeleteContainer),
            );
        }
        s.call("a", children(&root, false));
    });
}

#[test]
fn garbage_before_the_handshake() {
    differential("pre-handshake", |s| {
        use crate::support::raw::RawConn;
        // A request where the handshake belongs, frames too short or too
        // long: the server closes the connection (or takes the bytes as a
        // handshake, as ZooKeeper does).
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("a getData", raw_frame(1, OpCode::GetData.code(), b"\0\0\0\x01/\0")),
            ("an empty frame", vec![0, 0, 0, 0]),
            ("a negative length", vec![0xff, 0xff, 0xff, 0xf0]),
            ("a length over jute.maxbuffer", vec![0x00, 0x10, 0x00, 0x00, 1, 2, 3]),
            ("a handshake for session 1", {
                let mut v = vec![0, 0, 0, 40];
                v.extend_from_slice(&[0; 16]);
                v.extend_from_slice(&1_i64.to_be_bytes());
                v.extend_from_slice(&[0; 16]);
                v
            }),
        ];
        for (label, bytes) in cases {
            let mut conn = RawConn::open(s.addr());
            conn.send_bytes(&bytes);
            let outcome = match conn.read_raw(crate::support::raw::IO_TIMEOUT) {
                None => "closed".to_owned(),
                Some(frame) => format!("a frame {frame:?}"),
            };
            s.note(format!("{label}: {outcome}"));
        }
    });
}
