//! multi (all or nothing) and multiRead.

use bytes::Bytes;
use zookit_proto::{
    CheckVersionRequest, CreateMode, CreateTtlRequest, DeleteRequest, Encode, GetChildrenRequest,
    GetDataRequest, MultiRequest, Op, OpCode, Request, SetDataRequest,
};

use super::*;
use crate::support::scenario::{Scenario, differential, raw_frame};

fn op_create(path: &str, mode: CreateMode) -> Op {
    Op::Create(create_with(path, b"", open(), mode))
}

fn op_delete(path: &str, version: i32) -> Op {
    Op::Delete(DeleteRequest { path: path.to_owned(), version })
}

fn op_set(path: &str, version: i32) -> Op {
    Op::SetData(SetDataRequest { path: path.to_owned(), data: Bytes::from_static(b"m"), version })
}

fn op_check(path: &str, version: i32) -> Op {
    Op::Check(CheckVersionRequest { path: path.to_owned(), version })
}

fn multi(ops: Vec<Op>) -> Request {
    Request::Multi(MultiRequest { ops })
}

fn setup(s: &mut Scenario) {
    s.connect("a");
    s.connect("w");
    let root = s.p("");
    s.call("a", create(&root, CreateMode::Persistent));
}

#[test]
fn transactions_apply_all_or_nothing() {
    differential("multi", |s| {
        setup(s);
        let m = s.p("/m");
        let p = |s: &Scenario, rel: &str| s.p(rel);
        s.call("w", exists(&m, true));
        s.call("w", children(&p(s, ""), true));
        let ok = vec![
            op_create(&m, CreateMode::Persistent),
            op_create(&p(s, "/m/seq-"), CreateMode::PersistentSequential),
            op_create(&p(s, "/m/seq-"), CreateMode::EphemeralSequential),
            Op::Create2(create_with(&p(s, "/m/two"), b"2", open(), CreateMode::Persistent)),
            Op::CreateContainer(create_with(&p(s, "/m/c"), b"", open(), CreateMode::Container)),
            Op::CreateTtl(CreateTtlRequest {
                path: p(s, "/m/t"),
                data: Bytes::new(),
                acl: open(),
                mode: CreateMode::PersistentWithTtl,
                ttl: 3_600_000,
            }),
            op_set(&m, 0),
            op_check(&m, 1),
            op_delete(&p(s, "/m/two"), 0),
        ];
        s.call("a", multi(ok));
        s.drain("w");
        s.call("a", children2(&m, false));
        // Failures at each position, with each kind of error.
        let failing: Vec<Vec<Op>> = vec![
            vec![op_check(&m, 5), op_set(&m, -1)],
            vec![op_set(&m, -1), op_check(&m, 1), op_set(&m, -1)],
            vec![op_set(&m, -1), op_create(&m, CreateMode::Persistent), op_delete(&m, -1)],
            vec![op_delete(&m, -1)],
            vec![
                op_create(&p(s, "/m/new"), CreateMode::Persistent),
                op_create(&p(s, "/m/new/x"), CreateMode::Persistent),
                op_create(&p(s, "/m/none/x"), CreateMode::Persistent),
            ],
            vec![
                op_create(&p(s, "/m/e"), CreateMode::Ephemeral),
                op_create(&p(s, "/m/e/x"), CreateMode::Persistent),
            ],
            vec![
                op_create(&p(s, "/m/seq-"), CreateMode::PersistentSequential),
                op_check(&p(s, "/nope"), -1),
            ],
            vec![op_create(&p(s, "/m/bad/"), CreateMode::Persistent)],
            vec![Op::Create(create_with(&p(s, "/m/acl"), b"", vec![], CreateMode::Persistent))],
            vec![op_delete("/zookeeper", -1)],
        ];
        for ops in failing {
            s.call("a", multi(ops));
        }
        // Nothing of them was applied: the sequence continues from 2.
        s.call("a", multi(vec![op_create(&p(s, "/m/seq-"), CreateMode::PersistentSequential)]));
        // Earlier operations are seen by later ones.
        s.call(
            "a",
            multi(vec![
                op_create(&p(s, "/m/x"), CreateMode::Persistent),
                op_create(&p(s, "/m/x/y"), CreateMode::Persistent),
                op_set(&p(s, "/m/x/y"), 0),
                op_check(&p(s, "/m/x/y"), 1),
                op_delete(&p(s, "/m/x/y"), 1),
                op_delete(&p(s, "/m/x"), -1),
                op_create(&p(s, "/m/x"), CreateMode::Ephemeral),
            ]),
        );
        s.call("a", multi(vec![]));
        s.call("a", children2(&m, false));
        s.drain("w");
    });
}

#[test]
fn multi_read_and_malformed_multis() {
    differential("multi-read", |s| {
        setup(s);
        let m = s.p("/m");
        s.call("a", create2(&m, b"data", CreateMode::Persistent));
        let kid = s.p("/m/kid");
        s.call("a", create(&kid, CreateMode::Persistent));
        let reads = vec![
            Op::GetData(GetDataRequest { path: m.clone(), watch: true }),
            Op::GetChildren(GetChildrenRequest { path: m.clone(), watch: true }),
            Op::GetData(GetDataRequest { path: s.p("/none"), watch: false }),
            Op::GetChildren(GetChildrenRequest { path: format!("{m}/"), watch: false }),
        ];
        s.call("a", Request::MultiRead(MultiRequest { ops: reads.clone() }));
        s.call("a", set(&m, b"changed", -1));
        s.call("a", create(&s.p("/m/kid2"), CreateMode::Persistent));
        s.call("a", Request::MultiRead(MultiRequest { ops: vec![] }));
        // Reads in a multi, writes in a multiRead, mixed kinds.
        s.call("a", multi(reads.clone()));
        s.call("a", Request::MultiRead(MultiRequest { ops: vec![op_check(&m, -1)] }));
        s.call("a", multi(vec![op_check(&m, -1), reads[0].clone()]));
        s.call("a", multi(vec![op_check(&m, 1)]));
        // An unknown operation, and a truncated one.
        let mut body = Vec::new();
        (99_i32, false).encode(&mut body);
        (-1_i32).encode(&mut body);
        let frame = raw_frame(50, OpCode::Multi.code(), &body);
        s.call_raw("a", &frame, "multi with op 99", Some(OpCode::Multi));
        let mut body = Vec::new();
        (OpCode::Delete.code(), false).encode(&mut body);
        (-1_i32).encode(&mut body);
        let frame = raw_frame(51, OpCode::Multi.code(), &body);
        s.call_raw("a", &frame, "multi with a truncated delete", Some(OpCode::Multi));
        // A create's kind follows its flags, whatever the operation header.
        let mut body = Vec::new();
        for (op, flags, path) in [
            (OpCode::Create2, 0, "/m/f0"),
            (OpCode::CreateContainer, 0, "/m/f1"),
            (OpCode::Create, 4, "/m/f2"),
            (OpCode::Create, 99, "/m/f3"),
        ] {
            (op.code(), false).encode(&mut body);
            (-1_i32).encode(&mut body);
            s.p(path).as_str().encode(&mut body);
            Bytes::new().encode(&mut body);
            open().encode(&mut body);
            flags.encode(&mut body);
        }
        (-1_i32, true).encode(&mut body);
        (-1_i32).encode(&mut body);
        let frame = raw_frame(52, OpCode::Multi.code(), &body);
        s.call_raw("a", &frame, "multi with creates of odd flags", Some(OpCode::Multi));
        s.call("a", children2(&m, false));
    });
}
