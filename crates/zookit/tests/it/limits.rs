//! Limits: the largest request the real server accepts (`jute.maxbuffer`),
//! the client's own limits on requests and replies, and invalid paths, all
//! refused before anything is sent.

use std::error::Error as _;
use std::future::IntoFuture;

use zookit::{
    Acl, AddWatchMode, Client, CreateMode, DEFAULT_MAX_REQUEST_LEN, ErrorKind, Id, Perms,
    WatcherType,
};

use crate::common::{bounded, builder, client, path_error};

/// The largest frame (after its length prefix) a server with the default
/// `jute.maxbuffer` reads: 0xfffff bytes.
const SERVER_MAX_FRAME: usize = 0xfffff;

/// Bytes of a request before its body: xid and opcode.
const REQUEST_HEADER: usize = 8;

/// The most data a `setData` of `server_path` can carry within `max` bytes
/// of request: header, path (length-prefixed), data (length-prefixed) and
/// version.
fn max_set_data(server_path: &str, max: usize) -> usize {
    max - REQUEST_HEADER - (4 + server_path.len()) - 4 - 4
}

/// The same for a `create` of `server_path` with the one-entry ACL
/// `world:anyone` and a mode: the ACL vector takes 4 + 4 + (4 + 5) + (4 + 6).
fn max_create_data(server_path: &str, max: usize) -> usize {
    max - REQUEST_HEADER - (4 + server_path.len()) - 4 - (4 + 4 + 4 + 5 + 4 + 6) - 4
}

fn server_path(client: &Client, path: &str) -> String {
    format!("{}{path}", client.chroot().expect("a chrooted client"))
}

fn assert_too_large(err: &zookit::Error, what: &str) {
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{what}: {err:?}");
    assert!(err.to_string().contains("jute.maxbuffer"), "{what}: {err}");
}

#[tokio::test]
async fn the_default_limit_is_the_servers() {
    assert_eq!(DEFAULT_MAX_REQUEST_LEN, SERVER_MAX_FRAME);
    let zk = client("limits-set").await;
    zk.create("/big", "").await.unwrap();
    let largest = max_set_data(&server_path(&zk, "/big"), SERVER_MAX_FRAME);

    // The server takes the largest data that fits, and gives it back.
    let data: Vec<u8> = (0..largest).map(|i| (i % 251) as u8).collect();
    let stat = bounded("the largest set", zk.set("/big", &data).into_future()).await.unwrap();
    assert_eq!(usize::try_from(stat.data_length).unwrap(), largest);
    let (stored, _) = bounded("get", zk.get("/big")).await.unwrap();
    assert_eq!(stored.len(), largest);
    assert!(stored[..] == data[..], "the same bytes");

    // One byte more is refused before it is sent; the session is fine.
    let err = zk.set("/big", vec![0; largest + 1]).await.expect_err("one byte too many");
    assert_too_large(&err, "set");
    assert_eq!(err.op(), Some("setData"));
    assert_eq!(zk.get("/big").await.unwrap().1.data_length, stat.data_length);

    // Data a little below the limit is fine too.
    zk.set("/big", vec![7; 1_048_000]).await.unwrap();
    assert_eq!(zk.get("/big").await.unwrap().0.len(), 1_048_000);
}

#[tokio::test]
async fn the_server_itself_refuses_one_byte_more() {
    // Without the client's limit, the request reaches the server, which
    // closes the connection rather than answer.
    let unlimited = builder("limits-server").max_request_len(usize::MAX).connect().await.unwrap();
    unlimited.ensure_path("/").await.unwrap();
    unlimited.create("/big", "").await.unwrap();
    let largest = max_set_data(&server_path(&unlimited, "/big"), SERVER_MAX_FRAME);
    let result =
        bounded("an over-long set", unlimited.set("/big", vec![0; largest + 1]).into_future())
            .await;
    let err = result.expect_err("the server refuses it");
    assert!(err.is_connection_loss(), "{err:?}");
    // The session survives: the client reconnects, and the largest fits.
    let stat = bounded("the largest set", unlimited.set("/big", vec![0; largest]).into_future())
        .await
        .unwrap();
    assert_eq!(usize::try_from(stat.data_length).unwrap(), largest);
}

#[tokio::test]
async fn creates_and_transactions_are_limited_too() {
    let zk = client("limits-create").await;
    let err = zk.create("/huge", vec![0; 1_048_576]).await.expect_err("1 MiB is too much");
    assert_too_large(&err, "create 1 MiB");
    assert_eq!((err.op(), err.path()), (Some("create"), Some("/huge")));
    assert!(err.to_string().contains("jute.maxbuffer"), "{err}");

    let largest = max_create_data(&server_path(&zk, "/exact"), SERVER_MAX_FRAME);
    let err = zk.create("/exact", vec![1; largest + 1]).await.expect_err("one byte too many");
    assert_too_large(&err, "create");
    assert_eq!(zk.create("/exact", vec![1; largest]).await.unwrap(), "/exact");
    assert_eq!(zk.exists("/exact").await.unwrap().unwrap().data_length as usize, largest);

    let err = zk
        .transaction()
        .create("/in-txn", "", CreateMode::Persistent)
        .set_data("/exact", vec![0; 1_048_576], -1)
        .commit()
        .await
        .expect_err("too large a transaction");
    assert_too_large(&err, "transaction");
    assert_eq!(zk.exists("/in-txn").await.unwrap(), None);
}

#[tokio::test]
async fn max_request_len_lowers_the_limit() {
    let zk = builder("limits-lowered").max_request_len(1024).connect().await.unwrap();
    zk.ensure_path("/").await.unwrap();
    zk.create("/n", "").await.unwrap();
    let largest = max_set_data(&server_path(&zk, "/n"), 1024);
    zk.set("/n", vec![0; largest]).await.unwrap();
    let err = zk.set("/n", vec![0; largest + 1]).await.expect_err("over 1024 bytes");
    assert_too_large(&err, "set");
    assert!(err.to_string().contains("1024"), "{err}");
    let err = zk.create("/m", vec![0; 2000]).await.expect_err("over 1024 bytes");
    assert_too_large(&err, "create");
    assert_eq!(zk.get("/n").await.unwrap().0.len(), largest);
}

#[tokio::test]
async fn a_reply_over_max_frame_len_fails_its_request_only() {
    let zk = builder("limits-frame").max_frame_len(4096).connect().await.unwrap();
    zk.ensure_path("/").await.unwrap();
    zk.create("/big", vec![0; 10_000]).await.unwrap();
    let err = bounded("get", zk.get("/big")).await.expect_err("a reply over 4096 bytes");
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err:?}");
    let cause = err.source().and_then(|e| e.downcast_ref::<zookit_proto::DecodeError>());
    assert!(matches!(cause, Some(zookit_proto::DecodeError::FrameTooLarge { .. })), "{err:?}");
    // The client reconnects, and small replies are fine.
    let (_, stat) = bounded("get /", zk.retry(|| zk.get("/"))).await.unwrap();
    assert_eq!(stat.num_children, 1);
    assert!(bounded("exists", zk.exists("/big")).await.unwrap().is_some());
}

/// Runs every operation that takes a path on `path`; each must fail. Returns
/// the operation's ZooKeeper name and its error.
async fn every_operation(zk: &Client, path: &str) -> Vec<(&'static str, zookit::Error)> {
    let mut errors = Vec::new();
    macro_rules! fails {
        ($op:literal, $call:expr) => {
            match bounded($op, $call.into_future()).await {
                Ok(_) => panic!("{} {path:?}: accepted", $op),
                Err(err) => errors.push(($op, err)),
            }
        };
    }
    fails!("exists", zk.exists(path));
    fails!("exists", zk.exists_watch(path));
    fails!("getData", zk.get(path));
    fails!("getData", zk.get_watch(path));
    fails!("getChildren", zk.get_children(path));
    fails!("getChildren2", zk.get_children_with_stat(path));
    fails!("getChildren2", zk.get_children_watch(path));
    fails!("getACL", zk.get_acls(path));
    fails!("getEphemerals", zk.get_ephemerals(path));
    fails!("getAllChildrenNumber", zk.get_all_children_number(path));
    fails!("sync", zk.sync(path));
    fails!("create", zk.create(path, ""));
    fails!("create", zk.create(path, "").ephemeral());
    fails!("create", zk.ensure_path(path));
    fails!("setData", zk.set(path, ""));
    fails!("delete", zk.delete(path));
    fails!("delete", zk.delete(path).recursive());
    fails!("setACL", zk.set_acls(path, vec![Acl::new(Perms::ALL, Id::anyone())]));
    fails!("addWatch", zk.add_watch(path, AddWatchMode::Persistent));
    fails!("removeWatches", zk.remove_watches(path, WatcherType::Any));
    fails!("multi", zk.transaction().check(path, 0).commit());
    fails!("multiRead", zk.multi_read(&[zookit::ReadOp::GetData(path.to_owned())]));
    errors
}

const INVALID_PATHS: [&str; 12] = [
    "",
    "relative",
    "a/b",
    "/trailing/",
    "//",
    "/a//b",
    "/.",
    "/a/..",
    "/a/./b",
    "/nul\0char",
    "/control\u{1}char",
    "/private\u{e000}use",
];

#[tokio::test]
async fn invalid_paths_are_refused_before_sending() {
    let zk = client("limits-paths").await;
    for bad in INVALID_PATHS {
        for (op, err) in every_operation(&zk, bad).await {
            let Some(path_err) = path_error(&err) else { panic!("{op} {bad:?}: {err:?}") };
            assert_eq!(path_err.path, bad, "{op}");
            let message = err.to_string();
            assert!(message.contains(&format!("{bad:?}")), "{op} {bad:?}: {message}");
        }
    }
    // Nothing reached the server: the chroot is as empty as before.
    assert!(zk.get_children("/").await.unwrap().is_empty());
    assert!(zk.connected());

    // A sequential create completes the name: a trailing slash or a dot
    // is fine there.
    zk.create("/q", "").await.unwrap();
    assert_eq!(zk.create("/q/", "").sequential().await.unwrap(), "/q/0000000000");
    assert_eq!(zk.create("/q/.", "").sequential().await.unwrap(), "/q/.0000000001");
    let err = zk.create("/q//", "").sequential().await.expect_err("still an empty name");
    assert_eq!(err.kind(), ErrorKind::InvalidPath, "{err:?}");
}

#[tokio::test]
async fn invalid_path_errors_name_their_operation() {
    let zk = client("limits-path-ops").await;
    let unnamed: Vec<String> = every_operation(&zk, "relative")
        .await
        .into_iter()
        .filter(|(op, err)| err.op() != Some(*op))
        .map(|(op, err)| format!("{op}: {:?} ({err})", err.op()))
        .collect();
    assert!(unnamed.is_empty(), "errors not naming their operation:\n{}", unnamed.join("\n"));
}
