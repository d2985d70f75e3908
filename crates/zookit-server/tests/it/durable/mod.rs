//! Durability for real: a server process killed (SIGKILL) during a storm
//! of writes and started again on its data directory; sessions across a
//! restart; damaged files; snapshots and logs against a full walk of the
//! tree.

mod process;
mod storm;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zookit::{Acl, Client, ClientState, CreateMode, Id, Perms, Stat};
use zookit_proto::RequestHeader;
use zookit_server::{Error, Server};

use self::process::ServerProcess;
use crate::differential::{create, create2};
use crate::support::raw::{Frame, RawConn};
use crate::support::scenario::new_session;

const WAIT: Duration = Duration::from_secs(30);

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}"))
}

/// Polls `check` until it holds, within [`WAIT`].
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every znode below `/` with its data, stat and ACL.
async fn walk(zk: &Client) -> BTreeMap<String, (Vec<u8>, Stat, Vec<Acl>)> {
    let mut tree = BTreeMap::new();
    let mut pending = vec!["/".to_owned()];
    while let Some(path) = pending.pop() {
        let (data, stat) = zk.get(&path).await.expect("get");
        let (acl, _) = zk.get_acls(&path).await.expect("get_acls");
        for child in zk.get_children(&path).await.expect("get_children") {
            pending.push(if path == "/" { format!("/{child}") } else { format!("{path}/{child}") });
        }
        tree.insert(path, (data.to_vec(), stat, acl));
    }
    tree
}

fn files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the data directory")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshots_and_logs_give_back_the_same_tree() {
    let dir = tempfile::tempdir().expect("a data directory");
    let start = || Server::builder().port(0).data_dir(dir.path()).snap_count(50).start();
    let server = start().await.expect("starts");
    let zk = bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    let owner =
        bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    let open = vec![Acl::new(Perms::ALL, Id::anyone())];
    let read_only = vec![Acl::new(Perms::READ | Perms::ADMIN, Id::anyone())];
    zk.create("/app", "root").await.expect("create");
    for i in 0..400 {
        let parent = format!("/app/p{}", i % 20);
        match i % 8 {
            0 | 1 => {
                zk.ensure_path(&parent).await.expect("ensure_path");
                zk.create(&format!("{parent}/item-"), format!("{i}"))
                    .mode(CreateMode::PersistentSequential)
                    .await
                    .expect("sequential");
            }
            2 => {
                zk.ensure_path(&parent).await.expect("ensure_path");
                owner.create(&format!("{parent}/e{i}"), "").ephemeral().await.expect("ephemeral");
            }
            3 => {
                zk.ensure_path(&parent).await.expect("ensure_path");
                zk.set(&parent, format!("set {i}")).await.expect("set");
            }
            4 => {
                let acl = if i % 16 == 4 { read_only.clone() } else { open.clone() };
                zk.create(&format!("/app/acl{i}"), "").acl(acl).await.expect("create with acl");
                zk.set_acls(&format!("/app/acl{i}"), open.clone()).await.expect("set_acls");
            }
            5 => {
                let results = zk
                    .transaction()
                    .create(&format!("/app/m{i}"), "m", CreateMode::Persistent)
                    .create(&format!("/app/m{i}/child"), "c", CreateMode::Persistent)
                    .commit()
                    .await
                    .expect("multi");
                assert!(results.iter().all(Result::is_ok), "{results:?}");
            }
            6 => {
                if let Ok(children) = zk.get_children(&parent).await
                    && let Some(first) = children.iter().find(|c| c.starts_with("item-"))
                {
                    zk.delete(&format!("{parent}/{first}")).await.expect("delete");
                }
            }
            _ => {
                // A failing write takes a zxid and changes nothing.
                let err = zk.create("/app", "again").await.unwrap_err();
                assert!(err.is_node_exists(), "{err}");
            }
        }
    }
    let before = walk(&zk).await;
    assert!(before.len() > 300, "{} znodes", before.len());
    assert!(!files(dir.path(), "snapshot.").is_empty(), "snapshots were taken");
    zk.close().await.expect("close");
    drop(owner);
    server.shutdown().await;
    assert_eq!(files(dir.path(), "snapshot.").len(), 1, "older snapshots are pruned");
    assert!(files(dir.path(), "log.").len() <= 2, "{:?}", files(dir.path(), "log."));

    let server = start().await.expect("starts again");
    let zk = bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    let after = walk(&zk).await;
    // The walk's own session is new, and so is its zxid.
    assert_eq!(after.len(), before.len());
    for (path, node) in &before {
        assert_eq!(after.get(path), Some(node), "{path}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn damaged_files_stop_the_start_naming_file_and_offset() {
    let dir = tempfile::tempdir().expect("a data directory");
    let start = || Server::builder().port(0).data_dir(dir.path()).snap_count(1000).start();
    let server = start().await.expect("starts");
    // A session that never closes: the last record is the last create.
    let mut writer = RawConn::open(server.addr());
    writer.handshake(&new_session(30_000)).expect("a session");
    for i in 0..60 {
        let request =
            create2(&format!("/n{i}"), format!("data {i}").as_bytes(), CreateMode::Persistent);
        writer.send(&(RequestHeader { xid: i + 1, op_code: request.op_code() }, &request));
        assert!(matches!(writer.read(), Frame::Reply(h, _) if h.err.is_ok()), "/n{i}");
    }
    server.shutdown().await;
    let log = files(dir.path(), "log.").pop().expect("a log");
    let good = std::fs::read(&log).expect("the log");

    // A byte in the middle: the start fails, naming the log and where.
    let middle = good.len() / 2;
    let mut bad = good.clone();
    bad[middle] ^= 0x10;
    std::fs::write(&log, &bad).expect("damage");
    match start().await {
        Err(Error::Corrupt { file, offset, reason }) => {
            assert_eq!(file, log, "{reason}");
            // The damaged frame (one write of about 60 bytes) starts before.
            assert!(offset <= middle as u64 && middle as u64 - offset < 200, "{offset}, {middle}");
            let message = Error::Corrupt { file, offset, reason }.to_string();
            assert!(message.contains(&format!("offset {offset}")), "{message}");
        }
        other => panic!("started on a damaged log: {:?}", other.map(|s| s.addr())),
    }

    // The last record cut short by a crash: dropped, the rest is there.
    std::fs::write(&log, &good[..good.len() - 5]).expect("cut");
    let server = start().await.expect("starts without the torn record");
    let zk = bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    assert!(zk.exists("/n58").await.expect("exists").is_some());
    assert!(zk.exists("/n59").await.expect("exists").is_none(), "the torn create is gone");
    zk.create("/n59", "again").await.expect("writes go on");
    zk.close().await.expect("close");
    server.shutdown().await;

    // A damaged snapshot.
    let server = Server::builder().port(0).data_dir(dir.path()).snap_count(5).start();
    let server = server.await.expect("starts");
    let zk = bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    for i in 0..10 {
        zk.set(&format!("/n{i}"), "changed").await.expect("set");
    }
    zk.close().await.expect("close");
    server.shutdown().await;
    let snapshot = files(dir.path(), "snapshot.").pop().expect("a snapshot");
    let mut bad = std::fs::read(&snapshot).expect("the snapshot");
    let at = bad.len() - 100;
    bad[at] ^= 0x01;
    std::fs::write(&snapshot, &bad).expect("damage");
    match start().await {
        Err(error @ Error::Corrupt { .. }) => {
            let message = error.to_string();
            assert!(message.contains(&snapshot.display().to_string()), "{message}");
        }
        other => panic!("started on a damaged snapshot: {:?}", other.map(|s| s.addr())),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_resumed_after_a_restart_keeps_its_ephemerals() {
    const TEST: &str = "durable::a_session_resumed_after_a_restart_keeps_its_ephemerals";
    if process::serve_if_asked() {
        return;
    }
    let dir = tempfile::tempdir().expect("a data directory");
    let server = ServerProcess::start(TEST, dir.path(), 0);
    let addr = server.addr;
    // A keeps its session across the restart (zookit's client reconnects
    // with its session id and password); B never comes back.
    let a = bounded(
        "connect",
        Client::builder(addr.to_string()).session_timeout(Duration::from_secs(20)).connect(),
    )
    .await
    .expect("connects");
    let (a_session, _) = a.client_id().expect("a session");
    a.create("/a", "").ephemeral().await.expect("A's ephemeral");
    let mut b = RawConn::open(addr);
    b.handshake(&new_session(6000)).expect("B's session");
    b.send(&(
        RequestHeader { xid: 1, op_code: zookit_proto::OpCode::Create },
        &create("/b", CreateMode::Ephemeral),
    ));
    assert!(matches!(b.read(), Frame::Reply(h, _) if h.err.is_ok()), "B's ephemeral");

    server.kill();
    drop(b);
    let server = ServerProcess::start(TEST, dir.path(), addr.port());
    let c = bounded("connect", Client::connect(server.addr.to_string())).await.expect("connects");
    assert!(
        c.exists("/b").await.expect("exists").is_some(),
        "B's session came back with the restart: its ephemeral stays until it expires"
    );
    eventually("A reconnects", async || a.connected()).await;
    assert_eq!(a.client_id().map(|(id, _)| id), Some(a_session), "the same session");
    eventually("B's session expires", async || c.exists("/b").await.expect("exists").is_none())
        .await;
    assert!(c.exists("/a").await.expect("exists").is_some(), "A's ephemeral stays");
    assert_ne!(a.client_state(), ClientState::Expired);
    a.create("/a2", "").ephemeral().await.expect("A goes on in its session");
    let (_, stat) = c.get("/a2").await.expect("get");
    assert_eq!(stat.ephemeral_owner, a_session);
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_that_cannot_be_written_stops_the_server() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    // A snapshot after every change, so that each commit starts a new log.
    let server = Server::builder().port(0).data_dir(&data).snap_count(1).start().await;
    let server = server.expect("starts");
    let addr = server.addr();
    let mut conn = tokio::task::spawn_blocking(move || {
        let mut conn = RawConn::open(addr);
        conn.handshake(&new_session(30_000)).expect("a session");
        conn
    })
    .await
    .expect("a connection");
    eventually("the snapshot of the session, its log pruned", async || {
        let names: Vec<_> =
            files(&data, "").iter().map(|p| p.file_name().map(|n| n.to_owned())).collect();
        names.len() == 1 && files(&data, "snapshot.").len() == 1
    })
    .await;
    std::fs::remove_dir_all(&data).expect("the data directory goes");
    let reply = tokio::task::spawn_blocking(move || {
        conn.send(&(
            RequestHeader { xid: 1, op_code: zookit_proto::OpCode::Create },
            &create("/x", CreateMode::Persistent),
        ));
        conn.read()
    })
    .await
    .expect("a reply or the end");
    assert!(
        matches!(reply, Frame::Closed),
        "a write the log does not hold was answered: {reply:?}"
    );
    match bounded("the failure", server.failed()).await {
        Error::Stopped(reason) => {
            assert!(reason.contains(&data.display().to_string()), "{reason}")
        }
        other => panic!("{other}"),
    }
    server.shutdown().await;
}
