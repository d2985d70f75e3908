//! Creating, reading, changing and deleting znodes, and every error on the
//! way.

use zookit_proto::{
    Acl, CreateMode, GetAllChildrenNumberRequest, Id, OpCode, Perms, Request, SyncRequest,
};

use super::*;
use crate::support::scenario::{Scenario, differential, raw_frame};

/// The prefix of the scenario and a parent for its znodes.
fn setup(s: &mut Scenario) {
    s.connect("a");
    let root = s.p("");
    s.call("a", create(&root, CreateMode::Persistent));
}

#[test]
fn create_in_every_mode_with_its_stat() {
    differential("create-modes", |s| {
        setup(s);
        let p = |s: &Scenario, rel: &str| s.p(rel);
        let parent = p(s, "/n");
        s.call("a", create2(&parent, b"parent data", CreateMode::Persistent));
        for (name, mode) in [
            ("/n/p", CreateMode::Persistent),
            ("/n/e", CreateMode::Ephemeral),
            ("/n/ps-", CreateMode::PersistentSequential),
            ("/n/es-", CreateMode::EphemeralSequential),
        ] {
            let path = p(s, name);
            s.call("a", create(&path, mode));
            let path2 = format!("{path}2");
            s.call("a", create2(&path2, b"with stat", mode));
        }
        let c = p(s, "/n/c");
        s.call("a", container(&c));
        let t = p(s, "/n/t");
        s.call("a", ttl(&t, CreateMode::PersistentWithTtl, 3_600_000));
        let ts = p(s, "/n/ts-");
        s.call("a", ttl(&ts, CreateMode::PersistentSequentialWithTtl, 3_600_000));
        // The opcode decides what the tree gets: create with container or
        // ephemeral flags via other opcodes.
        let odd = p(s, "/n/create-container-flags");
        s.call("a", create(&odd, CreateMode::Container));
        let odd2 = p(s, "/n/container-ephemeral-flags");
        s.call(
            "a",
            Request::CreateContainer(create_with(&odd2, b"", open(), CreateMode::Ephemeral)),
        );
        s.call("a", children2(&parent, false));
        s.call("a", get(&parent, false));
        for child in ["p", "e", "c", "t", "create-container-flags", "container-ephemeral-flags"] {
            let path = p(s, &format!("/n/{child}"));
            s.call("a", exists(&path, false));
            s.call("a", get(&path, false));
        }
        let child = p(s, "/n/p/x");
        s.call("a", create2(&child, b"", CreateMode::Persistent));
        s.call("a", get(&parent, false));
        let under_container = p(s, "/n/c/x");
        s.call("a", create(&under_container, CreateMode::Ephemeral));
        let under_ephemeral = p(s, "/n/e/x");
        s.call("a", create(&under_ephemeral, CreateMode::Persistent));
        s.call(
            "a",
            Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: parent.clone() }),
        );
    });
}

#[test]
fn sequence_numbers_follow_the_parents_cversion() {
    differential("sequences", |s| {
        setup(s);
        let q = s.p("/q");
        s.call("a", create(&q, CreateMode::Persistent));
        let x = s.p("/q/x");
        s.call("a", create(&x, CreateMode::Persistent));
        s.call("a", delete(&x, -1));
        for prefix in ["/q/item-", "/q/item-", "/q/", "/q/other", "/q/item-"] {
            let path = s.p(prefix);
            s.call("a", create(&path, CreateMode::PersistentSequential));
        }
        let eph = s.p("/q/lock-");
        s.call("a", create(&eph, CreateMode::EphemeralSequential));
        // A failed sequential create does not bump the counter.
        let missing = s.p("/missing/item-");
        s.call("a", create(&missing, CreateMode::PersistentSequential));
        s.call("a", children2(&q, false));
        let existing = s.p("/q/item-0000000006");
        s.call("a", create(&existing, CreateMode::Persistent));
        let again = s.p("/q/item-");
        s.call("a", create(&again, CreateMode::PersistentSequential));
        s.call("a", exists(&q, false));
    });
}

#[test]
fn every_failed_create_gets_zookeepers_error() {
    differential("create-errors", |s| {
        setup(s);
        let a = s.p("/a");
        s.call("a", create(&a, CreateMode::Persistent));
        let e = s.p("/e");
        s.call("a", create(&e, CreateMode::Ephemeral));
        let bad_paths = [
            "",
            "a",
            "/a/",
            "/a//b",
            "/a/.",
            "/a/..",
            "/a/./b",
            "/a/\u{1}",
            "/a/\0b",
            "/a/\u{fff0}",
            "/a/😀",
        ];
        for bad in bad_paths {
            let path =
                if bad.is_empty() || !bad.starts_with('/') { bad.to_owned() } else { s.p(bad) };
            s.call("a", create(&path, CreateMode::Persistent));
            s.call("a", create(&path, CreateMode::PersistentSequential));
        }
        for (rel, mode) in [
            ("/a", CreateMode::Persistent),
            ("/nope/x", CreateMode::Persistent),
            ("/e/x", CreateMode::Persistent),
            ("/e/x", CreateMode::EphemeralSequential),
        ] {
            let path = s.p(rel);
            s.call("a", create(&path, mode));
        }
        s.call("a", create("/", CreateMode::Persistent));
        s.call("a", create("/zookeeper/config/x", CreateMode::Persistent));
        let b = s.p("/b");
        let bad_acls: Vec<Vec<Acl>> = vec![
            vec![],
            vec![Acl::new(Perms::ALL, Id::new("world", "someone"))],
            vec![Acl::new(Perms::ALL, Id::new("auth", ""))],
            vec![Acl::new(Perms::ALL, Id::new("digest", "nocolon"))],
            vec![Acl::new(Perms::ALL, Id::new("digest", "a:b:c"))],
            vec![Acl::new(Perms::ALL, Id::new("ip", "1.2.3"))],
            vec![Acl::new(Perms::ALL, Id::new("ip", "1.2.3.4/33"))],
            vec![Acl::new(Perms::ALL, Id::new("ip", "::1"))],
            vec![Acl::new(Perms::ALL, Id::new("sasl", "user"))],
            vec![Acl::new(Perms::ALL, Id::new("super", ""))],
        ];
        for acl in bad_acls {
            s.call("a", Request::Create(create_with(&b, b"", acl, CreateMode::Persistent)));
        }
        let odd_but_valid: Vec<Vec<Acl>> = vec![
            vec![Acl::new(Perms::ALL, Id::anyone()), Acl::new(Perms::ALL, Id::anyone())],
            vec![Acl::new(Perms::from_bits_retain(0), Id::anyone())],
            vec![Acl::new(Perms::from_bits_retain(0x7f), Id::anyone())],
            vec![Acl::new(Perms::READ, Id::new("digest", "a:b:"))],
            vec![
                Acl::new(Perms::READ, Id::new("ip", "10.0.0.0/8")),
                Acl::new(Perms::ALL, Id::anyone()),
            ],
        ];
        for (i, acl) in odd_but_valid.into_iter().enumerate() {
            let path = s.p(&format!("/acl{i}"));
            s.call("a", Request::Create(create_with(&path, b"", acl, CreateMode::Persistent)));
            s.call("a", get_acl(&path));
        }
        // Unknown flags, TTLs out of range, TTLs with the wrong mode.
        let f = s.p("/f");
        for flags in [7, -1, 100] {
            let mut body = Vec::new();
            use zookit_proto::Encode;
            f.as_str().encode(&mut body);
            bytes::Bytes::new().encode(&mut body);
            open().encode(&mut body);
            flags.encode(&mut body);
            let frame = raw_frame(900 + flags, OpCode::Create.code(), &body);
            s.call_raw("a", &frame, &format!("create {f} flags={flags}"), Some(OpCode::Create));
        }
        for (mode, ttl_ms) in [
            (CreateMode::PersistentWithTtl, 0),
            (CreateMode::PersistentWithTtl, -5),
            (CreateMode::PersistentWithTtl, 0x00ff_ffff_ffff_ffff),
            (CreateMode::PersistentWithTtl, 0x0000_00ff_ffff_ffff),
            (CreateMode::Persistent, 100),
            (CreateMode::Ephemeral, 0),
        ] {
            s.call("a", ttl(&f, mode, ttl_ms));
        }
        s.call("a", Request::Create(create_with(&f, b"", open(), CreateMode::PersistentWithTtl)));
        s.call(
            "a",
            Request::Create2(create_with(&f, b"", open(), CreateMode::PersistentSequentialWithTtl)),
        );
        s.call(
            "a",
            Request::CreateContainer(create_with(&f, b"", open(), CreateMode::PersistentWithTtl)),
        );
        s.call("a", children(&s.p(""), false));
    });
}

#[test]
fn every_failed_delete_gets_zookeepers_error() {
    differential("delete-errors", |s| {
        setup(s);
        let a = s.p("/a");
        s.call("a", create(&a, CreateMode::Persistent));
        let b = s.p("/a/b");
        s.call("a", create(&b, CreateMode::Persistent));
        for (path, version) in [
            (a.clone(), -1),
            (b.clone(), 1),
            (b.clone(), -2),
            (s.p("/a/zz"), -1),
            (s.p("/zz/zz"), -1),
            (format!("{a}/"), -1),
            (format!("{a}//b"), -1),
            ("/".to_owned(), -1),
            ("".to_owned(), -1),
            ("a".to_owned(), -1),
            ("/zookeeper".to_owned(), -1),
            ("/zookeeper/quota".to_owned(), -1),
            ("/zookeeper/config".to_owned(), -1),
            (format!("{a}\0"), -1),
        ] {
            s.call("a", delete(&path, version));
        }
        s.call("a", delete(&b, 0));
        s.call("a", exists(&a, false));
        s.call("a", delete(&a, 0));
        s.call("a", exists(&s.p(""), false));
    });
}

#[test]
fn set_data_versions_and_errors() {
    differential("set-data", |s| {
        setup(s);
        let a = s.p("/a");
        s.call("a", create2(&a, b"one", CreateMode::Persistent));
        s.call("a", set(&a, b"two", 0));
        s.call("a", set(&a, b"three", 0));
        s.call("a", set(&a, b"", -1));
        s.call("a", set(&a, &[0, 1, 2, 255], 2));
        s.call("a", get(&a, false));
        for (path, version) in [
            (s.p("/none"), -1),
            (format!("{a}/"), -1),
            ("".to_owned(), -1),
            (format!("{a}/\u{1}"), 0),
        ] {
            s.call("a", set(&path, b"x", version));
        }
        s.call("a", set("/zookeeper/config", b"x", -1));
        s.call("a", Request::Sync(SyncRequest { path: a.clone() }));
        s.call("a", Request::Sync(SyncRequest { path: "not a path".to_owned() }));
    });
}

#[test]
fn reads_of_odd_paths() {
    differential("odd-paths", |s| {
        setup(s);
        let a = s.p("/a");
        s.call("a", create2(&a, b"data", CreateMode::Persistent));
        for child in ["z", "b", "a", "10", "9", "ä", "B"] {
            let path = s.p(&format!("/a/{child}"));
            s.call("a", create(&path, CreateMode::Persistent));
        }
        // (The root's stat shows what other tests did: see `fresh`.)
        for path in [
            a.clone(),
            format!("{a}/"),
            format!("{a}//z"),
            s.p("/a/./z"),
            "zookeeper".to_owned(),
            s.p("/none"),
        ] {
            s.call("a", get(&path, false));
            s.call("a", exists(&path, false));
            s.call("a", children(&path, false));
            s.call("a", children2(&path, false));
            s.call("a", get_acl(&path));
            s.call(
                "a",
                Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: path.clone() }),
            );
        }
        s.call("a", exists(&format!("{a}\0"), false));
        s.call("a", get(&format!("{a}\0"), false));
        s.call(
            "a",
            Request::GetAllChildrenNumber(GetAllChildrenNumberRequest {
                path: "/zookeeper".to_owned(),
            }),
        );
        s.call("a", children("/zookeeper", false));
        s.call("a", get_acl("/zookeeper/config"));
        s.call("a", get_acl("/zookeeper"));
        s.call("a", Request::get_config(false));
    });
}

#[test]
fn requests_over_jute_maxbuffer_close_the_connection() {
    differential("maxbuffer", |s| {
        setup(s);
        let a = s.p("/a");
        s.call("a", create(&a, CreateMode::Persistent));
        // The largest frame accepted is 0xfffff bytes.
        let overhead = 8 + 4 + a.len() + 4 + 4;
        let fits = vec![7_u8; 0xfffff - overhead];
        s.call("a", set(&a, &fits, -1));
        s.call("a", exists(&a, false));
        let too_big = vec![7_u8; 0xfffff - overhead + 1];
        s.call("a", set(&a, &too_big, -1));
        s.connect("b");
        s.call("b", exists(&a, false));
        s.call("b", set(&a, b"small", -1));
    });
}

#[test]
fn null_data_stays_null() {
    use zookit_proto::Encode;
    differential("null-data", |s| {
        setup(s);
        // Java clients send null (length -1) for no data.
        let n = s.p("/null");
        let mut body = Vec::new();
        n.as_str().encode(&mut body);
        (-1_i32).encode(&mut body);
        open().encode(&mut body);
        0_i32.encode(&mut body);
        let frame = raw_frame(70, OpCode::Create.code(), &body);
        s.call_raw("a", &frame, "create with null data", Some(OpCode::Create));
        s.call("a", get(&n, false));
        s.call("a", exists(&n, false));
        s.call("a", set(&n, b"now some", -1));
        s.call("a", get(&n, false));
        let mut body = Vec::new();
        n.as_str().encode(&mut body);
        (-1_i32).encode(&mut body);
        (-1_i32).encode(&mut body);
        let frame = raw_frame(71, OpCode::SetData.code(), &body);
        s.call_raw("a", &frame, "setData with null data", Some(OpCode::SetData));
        s.call("a", get(&n, false));
        let empty = s.p("/empty");
        s.call("a", create2(&empty, b"", CreateMode::Persistent));
        s.call("a", get(&empty, false));
        let reads = vec![
            zookit_proto::Op::GetData(zookit_proto::GetDataRequest {
                path: n.clone(),
                watch: false,
            }),
            zookit_proto::Op::GetData(zookit_proto::GetDataRequest {
                path: empty.clone(),
                watch: false,
            }),
        ];
        s.call("a", Request::MultiRead(zookit_proto::MultiRequest { ops: reads }));
        // Null data in a multi's create and setData.
        let mut body = Vec::new();
        let m = s.p("/m");
        (OpCode::Create.code(), false).encode(&mut body);
        (-1_i32).encode(&mut body);
        m.as_str().encode(&mut body);
        (-1_i32).encode(&mut body);
        open().encode(&mut body);
        0_i32.encode(&mut body);
        (OpCode::SetData.code(), false).encode(&mut body);
        (-1_i32).encode(&mut body);
        empty.as_str().encode(&mut body);
        (-1_i32).encode(&mut body);
        (-1_i32).encode(&mut body);
        (-1_i32, true).encode(&mut body);
        (-1_i32).encode(&mut body);
        let frame = raw_frame(72, OpCode::Multi.code(), &body);
        s.call_raw("a", &frame, "multi with null data", Some(OpCode::Multi));
        s.call("a", get(&m, false));
        s.call("a", get(&empty, false));
    });
}
