//! SIGKILL during a storm of concurrent, pipelined writes, then a restart
//! on the same data directory: every acknowledged write is there, no multi
//! is half applied, and each writer's writes survive as an exact prefix of
//! what it sent (the log keeps their order, and loses only the tail that
//! was never acknowledged).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use zookit::Client;
use zookit_proto::{CreateMode, MultiRequest, Op, OpCode, Request, RequestHeader, SetDataRequest};

use super::process::{ServerProcess, serve_if_asked};
use super::{WAIT, bounded};
use crate::differential::{create, create_with, open};
use crate::support::raw::{Frame, RawConn};
use crate::support::scenario::new_session;

const WRITERS: usize = 4;
/// Requests each writer keeps in flight.
const WINDOW: usize = 64;

/// Writer `w`'s `k`th write: a create, or every fourth a multi of two
/// creates and a set of the writer's own znode.
fn write(w: usize, k: usize) -> Request {
    let base = format!("/storm/w{w}");
    if k % 4 == 3 {
        let create = |suffix| {
            let path = format!("{base}/m{k:07}{suffix}");
            Op::Create(create_with(&path, b"", open(), CreateMode::Persistent))
        };
        Request::Multi(MultiRequest {
            ops: vec![
                create("a"),
                create("b"),
                Op::SetData(SetDataRequest {
                    path: base,
                    data: Bytes::from(k.to_string()),
                    version: -1,
                }),
            ],
        })
    } else {
        let path = format!("{base}/n{k:07}");
        Request::Create(create_with(
            &path,
            format!("w{w}-{k}").as_bytes(),
            open(),
            CreateMode::Persistent,
        ))
    }
}

/// Writes until the server goes away; returns how many writes were
/// acknowledged and how many sent.
fn writer(addr: SocketAddr, w: usize, progress: Arc<AtomicUsize>) -> (usize, usize) {
    let mut conn = RawConn::open(addr);
    conn.handshake(&new_session(10_000)).expect("a session");
    let send = |conn: &mut RawConn, k: usize| {
        let request = write(w, k);
        let xid = i32::try_from(k + 1).expect("an xid");
        conn.send(&(RequestHeader { xid, op_code: request.op_code() }, &request));
    };
    let (mut sent, mut acked) = (0, 0);
    while sent < WINDOW {
        send(&mut conn, sent);
        sent += 1;
    }
    loop {
        match conn.read_within(WAIT) {
            Frame::Reply(header, _) => {
                assert_eq!(header.xid as usize, acked + 1, "replies in order");
                assert!(header.err.is_ok(), "writer {w}, write {acked}: {header:?}");
                acked += 1;
                progress.fetch_add(1, Ordering::Relaxed);
                send(&mut conn, sent);
                sent += 1;
            }
            Frame::Event(_) => {}
            Frame::Closed => return (acked, sent),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_during_a_write_storm_loses_no_acknowledged_write() {
    const TEST: &str = "durable::storm::kill_9_during_a_write_storm_loses_no_acknowledged_write";
    if serve_if_asked() {
        return;
    }
    let dir = tempfile::tempdir().expect("a data directory");
    let server = ServerProcess::start(TEST, dir.path(), 0);
    let mut setup = RawConn::open(server.addr);
    setup.handshake(&new_session(10_000)).expect("a session");
    let parents =
        std::iter::once("/storm".to_owned()).chain((0..WRITERS).map(|w| format!("/storm/w{w}")));
    for (xid, path) in (1..).zip(parents) {
        setup.send(&(
            RequestHeader { xid, op_code: OpCode::Create },
            &create(&path, CreateMode::Persistent),
        ));
        assert!(matches!(setup.read(), Frame::Reply(h, _) if h.err.is_ok()), "{path}");
    }

    let progress = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (addr, progress) = (server.addr, progress.clone());
            std::thread::spawn(move || writer(addr, w, progress))
        })
        .collect();
    // Mid-storm: every writer is still sending when the server dies.
    super::eventually("5,000 acknowledged writes", async || {
        progress.load(Ordering::Relaxed) >= 5_000
    })
    .await;
    server.kill();
    let counts: Vec<(usize, usize)> = tokio::task::spawn_blocking(move || {
        writers.into_iter().map(|w| w.join().expect("a writer")).collect()
    })
    .await
    .expect("the writers end");
    drop(setup);

    let server = ServerProcess::start(TEST, dir.path(), 0);
    let zk = bounded("connect", Client::connect(server.addr.to_string())).await.expect("connects");
    let mut last_zxid = 0;
    for (w, &(acked, sent)) in counts.iter().enumerate() {
        let base = format!("/storm/w{w}");
        let mut present = BTreeSet::new();
        let mut halves = BTreeSet::new();
        for name in zk.get_children(&base).await.expect("children") {
            let (k, half) = match name.strip_prefix('n') {
                Some(k) => (k, None),
                None => {
                    let rest = name.strip_prefix('m').expect("n or m");
                    (&rest[..7], Some(&rest[7..]))
                }
            };
            let k: usize = k.parse().expect("an index");
            match half {
                None => assert!(present.insert(k)),
                Some(_) if halves.remove(&k) => assert!(present.insert(k)),
                Some(_) => assert!(halves.insert(k)),
            }
        }
        assert!(halves.is_empty(), "writer {w}: half-applied multis {halves:?}");
        let survived = present.len();
        assert!(
            present.iter().copied().eq(0..survived),
            "writer {w}: the writes that survived are not a prefix of those sent"
        );
        assert!(
            (acked..=sent).contains(&survived),
            "writer {w}: {survived} writes survived, {acked} acknowledged, {sent} sent"
        );
        assert!(acked > 100, "writer {w} wrote only {acked} before the kill");
        for k in (0..survived).filter(|k| k % 4 != 3) {
            let (data, _) = zk.get(&format!("{base}/n{k:07}")).await.expect("get");
            assert_eq!(data, format!("w{w}-{k}").as_bytes(), "writer {w}, write {k}");
        }
        let (data, stat) = zk.get(&base).await.expect("get");
        let last_multi = (0..survived).rev().find(|k| k % 4 == 3);
        assert_eq!(
            String::from_utf8_lossy(&data),
            last_multi.map(|k| k.to_string()).unwrap_or_default(),
            "writer {w}: the last multi's set is there with its creates"
        );
        last_zxid = last_zxid.max(stat.mzxid);
        eprintln!("writer {w}: {acked} acknowledged, {survived} survived, {sent} sent");
    }
    let stat = zk.create("/after", "").with_stat().await.expect("create").1;
    assert!(stat.czxid > last_zxid, "zxids go on from the last logged one");
    tokio::time::timeout(Duration::from_secs(5), zk.close()).await.ok();
}
