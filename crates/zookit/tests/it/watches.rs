//! Watches against the real server: one-shot watches from `exists`, `get`
//! and `get_children`, persistent and persistent recursive watches, their
//! removal from the server when a handle is dropped, and the terminal event
//! every watch gets when its session ends.
//!
//! One client (`zk`) watches; a second client (`other`, another session on
//! the same chroot) makes the changes, as a watch is about changes made by
//! anyone.

use std::time::Duration;

use futures_util::FutureExt;
use zookit::{
    AddWatchMode, Client, ErrorCode, EventType, KeeperState, PersistentWatch, WatchedEvent,
    WatcherType,
};

use crate::common::{bounded, eventually, server_has_watch, two_clients};

/// How long the server may take to forget a dropped watch.
const FORGET: Duration = Duration::from_secs(5);

/// The event a watch reports for `event_type` on the client path `path`.
fn event(event_type: EventType, path: &str) -> WatchedEvent {
    WatchedEvent { event_type, state: KeeperState::SyncConnected, path: Some(path.to_owned()) }
}

/// The server path of the client path `path` (the client's chroot first).
fn server_path(client: &Client, path: &str) -> String {
    let chroot = client.chroot().expect("a chrooted client");
    if path == "/" { chroot.to_owned() } else { format!("{chroot}{path}") }
}

/// The next event of a persistent watch, which must not have ended.
async fn next(watch: &mut PersistentWatch, what: &str) -> WatchedEvent {
    bounded(what, watch.next()).await.unwrap_or_else(|| panic!("{what}: the watch ended"))
}

/// Makes sure everything `client` had queued before (such as the removal of
/// a dropped watch) has reached the server and been answered: two round
/// trips, the second one sent after the driver has taken everything queued.
async fn flush(client: &Client) {
    for _ in 0..2 {
        bounded("a round trip", client.exists("/")).await.expect("exists /");
    }
}

/// Checks that the server holds no watch of `watcher_type` of `client` on
/// the client path `path` any more: once what the client queued has been
/// sent, the server's `wchp` (which lists data, exists and persistent
/// watches, not child watches) must not show it for long, and removing it
/// must fail with `NoWatcher`.
async fn assert_forgotten(client: &Client, path: &str, watcher_type: WatcherType) {
    flush(client).await;
    if watcher_type != WatcherType::Children {
        let on_server = server_path(client, path);
        eventually(&format!("the server forgets the watch on {on_server}"), FORGET, || async {
            !server_has_watch(&on_server).await
        })
        .await;
    }
    let err = client.remove_watches(path, watcher_type).await.expect_err("no watch is left");
    assert_eq!(err.code(), Some(ErrorCode::NoWatcher), "{err}");
}

#[tokio::test]
async fn exists_watch_on_a_missing_node_fires_when_it_is_created() {
    let (zk, other) = two_clients("watch-exists-missing").await;
    let (stat, watch) = zk.exists_watch("/n").await.unwrap();
    assert_eq!(stat, None);
    other.create("/n", "x").await.unwrap();
    assert_eq!(bounded("NodeCreated", watch).await, event(EventType::NodeCreated, "/n"));
}

#[tokio::test]
async fn exists_watch_on_a_present_node_fires_on_a_data_change_and_on_deletion() {
    let (zk, other) = two_clients("watch-exists-present").await;
    other.create("/n", "1").await.unwrap();

    let (stat, watch) = zk.exists_watch("/n").await.unwrap();
    assert_eq!(stat.expect("/n exists").version, 0);
    // A new child is no data change: the watch waits for the next one.
    other.create("/n/child", "").await.unwrap();
    other.set("/n", "2").await.unwrap();
    assert_eq!(bounded("NodeDataChanged", watch).await, event(EventType::NodeDataChanged, "/n"));

    let (stat, watch) = zk.exists_watch("/n").await.unwrap();
    assert_eq!(stat.expect("/n exists").version, 1);
    other.delete("/n").recursive().await.unwrap();
    assert_eq!(bounded("NodeDeleted", watch).await, event(EventType::NodeDeleted, "/n"));
}

#[tokio::test]
async fn get_watch_fires_on_a_data_change_and_on_deletion_once() {
    let (zk, other) = two_clients("watch-get").await;
    other.create("/n", "1").await.unwrap();

    let (data, stat, watch) = zk.get_watch("/n").await.unwrap();
    assert_eq!((&data[..], stat.version), (&b"1"[..], 0));
    other.create("/n/child", "").await.unwrap();
    other.set("/n", "2").await.unwrap();
    assert_eq!(bounded("NodeDataChanged", watch).await, event(EventType::NodeDataChanged, "/n"));
    // The watch was one-shot: the server dropped it when it fired.
    let err = zk.remove_watches("/n", WatcherType::Data).await.expect_err("fired and gone");
    assert_eq!(err.code(), Some(ErrorCode::NoWatcher), "{err}");

    let (data, _, watch) = zk.get_watch("/n").await.unwrap();
    assert_eq!(&data[..], b"2");
    other.delete("/n").recursive().await.unwrap();
    assert_eq!(bounded("NodeDeleted", watch).await, event(EventType::NodeDeleted, "/n"));

    let err = zk.get_watch("/n").await.expect_err("a missing node leaves no get watch");
    assert!(err.is_no_node(), "{err}");
}

#[tokio::test]
async fn get_children_watch_fires_on_a_new_child_and_when_the_parent_is_deleted() {
    let (zk, other) = two_clients("watch-children").await;
    other.create("/p", "").await.unwrap();

    let (children, stat, watch) = zk.get_children_watch("/p").await.unwrap();
    assert!(children.is_empty(), "{children:?}");
    assert_eq!(stat.num_children, 0);
    // A data change is no change of the children.
    other.set("/p", "data").await.unwrap();
    other.create("/p/c", "").await.unwrap();
    assert_eq!(
        bounded("NodeChildrenChanged", watch).await,
        event(EventType::NodeChildrenChanged, "/p")
    );

    let (children, _, watch) = zk.get_children_watch("/p").await.unwrap();
    assert_eq!(children, ["c"]);
    other.delete("/p/c").await.unwrap();
    assert_eq!(
        bounded("NodeChildrenChanged on a deletion", watch).await,
        event(EventType::NodeChildrenChanged, "/p")
    );

    let (children, _, watch) = zk.get_children_watch("/p").await.unwrap();
    assert!(children.is_empty(), "{children:?}");
    other.delete("/p").await.unwrap();
    assert_eq!(bounded("NodeDeleted", watch).await, event(EventType::NodeDeleted, "/p"));
}

#[tokio::test]
async fn one_shot_watches_of_every_kind_on_one_node_all_fire() {
    let (zk, other) = two_clients("watch-same-node").await;
    other.create("/n", "").await.unwrap();
    let (_, exists) = zk.exists_watch("/n").await.unwrap();
    let (_, _, get) = zk.get_watch("/n").await.unwrap();
    let (_, _, children) = zk.get_children_watch("/n").await.unwrap();
    let (_, _, get_again) = zk.get_watch("/n").await.unwrap();
    other.delete("/n").await.unwrap();
    for (what, watch) in
        [("exists", exists), ("get", get), ("children", children), ("get again", get_again)]
    {
        assert_eq!(bounded(what, watch).await, event(EventType::NodeDeleted, "/n"), "{what}");
    }
}

#[tokio::test]
async fn a_persistent_watch_reports_every_change_of_its_node() {
    let (zk, other) = two_clients("watch-persistent").await;
    // The node need not exist yet.
    let mut watch = zk.add_watch("/p", AddWatchMode::Persistent).await.unwrap();

    other.create("/p", "1").await.unwrap();
    other.set("/p", "2").await.unwrap();
    other.set("/p", "3").await.unwrap();
    other.create("/p/c", "").await.unwrap();
    // Not this node, nor its children: nothing for a non-recursive watch.
    other.set("/p/c", "x").await.unwrap();
    other.create("/p/c/grandchild", "").await.unwrap();
    other.delete("/p/c").recursive().await.unwrap();
    other.delete("/p").await.unwrap();
    other.create("/p", "again").await.unwrap();

    let expected = [
        event(EventType::NodeCreated, "/p"),
        event(EventType::NodeDataChanged, "/p"),
        event(EventType::NodeDataChanged, "/p"),
        event(EventType::NodeChildrenChanged, "/p"),
        event(EventType::NodeChildrenChanged, "/p"),
        event(EventType::NodeDeleted, "/p"),
        event(EventType::NodeCreated, "/p"),
    ];
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(&next(&mut watch, &format!("event {i}")).await, want, "event {i}");
    }
    let extra = tokio::time::timeout(Duration::from_millis(300), watch.next()).await;
    assert!(extra.is_err(), "nothing more: {extra:?}");
}

#[tokio::test]
async fn a_persistent_recursive_watch_reports_changes_of_descendants() {
    let (zk, other) = two_clients("watch-recursive").await;
    let mut watch = zk.add_watch("/r", AddWatchMode::PersistentRecursive).await.unwrap();

    other.create("/r", "").await.unwrap();
    other.create("/r/a", "").await.unwrap();
    other.create("/r/a/b", "").await.unwrap();
    other.set("/r/a/b", "x").await.unwrap();
    other.delete("/r/a/b").await.unwrap();
    other.set("/r", "y").await.unwrap();
    // Outside the watched tree, though /rx starts with /r.
    other.create("/rx", "").await.unwrap();
    other.create("/other", "").await.unwrap();
    other.delete("/r/a").await.unwrap();

    let expected = [
        event(EventType::NodeCreated, "/r"),
        event(EventType::NodeCreated, "/r/a"),
        event(EventType::NodeCreated, "/r/a/b"),
        event(EventType::NodeDataChanged, "/r/a/b"),
        event(EventType::NodeDeleted, "/r/a/b"),
        event(EventType::NodeDataChanged, "/r"),
        event(EventType::NodeDeleted, "/r/a"),
    ];
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(&next(&mut watch, &format!("event {i}")).await, want, "event {i}");
    }
    let extra = tokio::time::timeout(Duration::from_millis(300), watch.next()).await;
    assert!(extra.is_err(), "no NodeChildrenChanged, nothing outside /r: {extra:?}");
}

#[tokio::test]
async fn dropping_a_persistent_watch_removes_it_from_the_server() {
    let (zk, other) = two_clients("watch-drop-persistent").await;
    for (path, mode) in
        [("/p", AddWatchMode::Persistent), ("/r", AddWatchMode::PersistentRecursive)]
    {
        let mut watch = zk.add_watch(path, mode).await.unwrap();
        assert!(server_has_watch(&server_path(&zk, path)).await, "{path}: set on the server");
        other.create(path, "").await.unwrap();
        assert_eq!(next(&mut watch, path).await, event(EventType::NodeCreated, path));

        drop(watch);
        assert_forgotten(&zk, path, WatcherType::Any).await;
    }
}

#[tokio::test]
async fn dropping_a_one_shot_watch_removes_it_from_the_server() {
    let (zk, other) = two_clients("watch-drop-once").await;
    other.create("/n", "").await.unwrap();

    let (_, _, watch) = zk.get_watch("/n").await.unwrap();
    assert!(server_has_watch(&server_path(&zk, "/n")).await, "get: set on the server");
    drop(watch);
    assert_forgotten(&zk, "/n", WatcherType::Data).await;

    let (_, watch) = zk.exists_watch("/missing").await.unwrap();
    assert!(server_has_watch(&server_path(&zk, "/missing")).await, "exists: set on the server");
    drop(watch);
    assert_forgotten(&zk, "/missing", WatcherType::Data).await;

    // (The server's wchp does not list child watches.)
    let (_, _, watch) = zk.get_children_watch("/n").await.unwrap();
    drop(watch);
    assert_forgotten(&zk, "/n", WatcherType::Children).await;
}

#[tokio::test]
async fn dropping_one_of_two_watches_of_a_node_keeps_the_other() {
    let (zk, other) = two_clients("watch-drop-one-of-two").await;
    other.create("/n", "").await.unwrap();
    let (_, _, first) = zk.get_watch("/n").await.unwrap();
    let (_, second) = zk.exists_watch("/n").await.unwrap();
    drop(first);
    flush(&zk).await;
    assert!(server_has_watch(&server_path(&zk, "/n")).await, "the second still needs it");
    other.set("/n", "x").await.unwrap();
    assert_eq!(bounded("the second watch", second).await, event(EventType::NodeDataChanged, "/n"));
}

#[tokio::test]
async fn dropping_a_data_watch_keeps_the_child_watch_of_the_node() {
    let (zk, other) = two_clients("watch-drop-data-keep-child").await;
    other.create("/n", "").await.unwrap();
    let (_, _, data) = zk.get_watch("/n").await.unwrap();
    let (_, _, children) = zk.get_children_watch("/n").await.unwrap();
    drop(data);
    assert_forgotten(&zk, "/n", WatcherType::Data).await;
    other.create("/n/c", "").await.unwrap();
    assert_eq!(
        bounded("the child watch", children).await,
        event(EventType::NodeChildrenChanged, "/n")
    );
}

#[tokio::test]
async fn a_recursive_watch_ignores_child_events_of_other_watches() {
    let (zk, other) = two_clients("watch-recursive-and-child").await;
    other.create("/r", "").await.unwrap();
    other.create("/r/a", "").await.unwrap();
    let mut recursive = zk.add_watch("/r", AddWatchMode::PersistentRecursive).await.unwrap();
    // The session also watches the children of /r/a: the server sends it
    // NodeChildrenChanged for /r/a, which concerns only that watch.
    let (_, _, children) = zk.get_children_watch("/r/a").await.unwrap();
    other.create("/r/a/b", "").await.unwrap();
    other.set("/r", "marker").await.unwrap();
    assert_eq!(
        bounded("the child watch", children).await,
        event(EventType::NodeChildrenChanged, "/r/a")
    );
    assert_eq!(next(&mut recursive, "created").await, event(EventType::NodeCreated, "/r/a/b"));
    assert_eq!(next(&mut recursive, "marker").await, event(EventType::NodeDataChanged, "/r"));
}

#[tokio::test]
async fn a_cancelled_add_watch_leaves_no_watch_on_the_server() {
    let (zk, other) = two_clients("watch-cancel-persistent").await;
    // Polled once, the request is on its way; then the caller gives up on
    // it (as a timeout around it would), dropping the watch with it.
    let cancelled = zk.add_watch("/p", AddWatchMode::Persistent).now_or_never();
    assert!(cancelled.is_none(), "the add_watch was still in flight");
    flush(&zk).await;
    other.create("/p", "").await.unwrap();
    assert_forgotten(&zk, "/p", WatcherType::Any).await;
}

#[tokio::test]
async fn a_cancelled_get_watch_leaves_no_watch_on_the_server() {
    let (zk, other) = two_clients("watch-cancel-once").await;
    other.create("/n", "").await.unwrap();
    let cancelled = zk.get_watch("/n").now_or_never();
    assert!(cancelled.is_none(), "the get_watch was still in flight");
    flush(&zk).await;
    assert_forgotten(&zk, "/n", WatcherType::Data).await;
}

#[tokio::test]
async fn stop_ends_every_watch_with_a_terminal_event() {
    let (zk, other) = two_clients("watch-stop").await;
    other.create("/n", "").await.unwrap();
    let (_, exists_missing) = zk.exists_watch("/missing").await.unwrap();
    let (_, exists_present) = zk.exists_watch("/n").await.unwrap();
    let (_, _, get) = zk.get_watch("/n").await.unwrap();
    let (_, _, children) = zk.get_children_watch("/n").await.unwrap();
    let persistent = zk.add_watch("/n", AddWatchMode::Persistent).await.unwrap();
    let recursive = zk.add_watch("/", AddWatchMode::PersistentRecursive).await.unwrap();

    bounded("stop", zk.stop()).await.unwrap();

    for (what, watch) in [
        ("exists on a missing node", exists_missing),
        ("exists on a present node", exists_present),
        ("get", get),
        ("get_children", children),
    ] {
        let event = bounded(what, watch).await;
        assert!(event.is_terminal(), "{what}: {event:?}");
        assert_eq!((event.state, event.path), (KeeperState::Closed, None), "{what}");
    }
    for (what, mut watch) in [("persistent", persistent), ("recursive", recursive)] {
        let event = next(&mut watch, what).await;
        assert!(event.is_terminal(), "{what}: {event:?}");
        assert_eq!((event.state, event.path), (KeeperState::Closed, None), "{what}");
        assert_eq!(bounded(what, watch.next()).await, None, "{what}: the stream ends");
    }
    // A change now reaches no one: the other session still works, though.
    other.set("/n", "after").await.unwrap();
}

#[tokio::test]
async fn dropping_the_last_client_handle_ends_its_watches() {
    let (zk, other) = two_clients("watch-client-dropped").await;
    let (_, watch) = zk.exists_watch("/missing").await.unwrap();
    let mut persistent = zk.add_watch("/p", AddWatchMode::Persistent).await.unwrap();
    drop(zk);
    let event = bounded("the one-shot watch", watch).await;
    assert!(event.is_terminal(), "{event:?}");
    assert_eq!(event.state, KeeperState::Closed);
    assert!(next(&mut persistent, "persistent").await.is_terminal());
    assert_eq!(bounded("the end", persistent.next()).await, None);
    other.create("/missing", "").await.unwrap();
}

#[tokio::test]
async fn check_watches_tells_whether_the_server_holds_a_watch() {
    let (zk, other) = two_clients("check-watches").await;
    other.create("/n", "").await.unwrap();
    assert!(!zk.check_watches("/n", WatcherType::Children).await.unwrap(), "none yet");
    let (_, _, watch) = zk.get_children_watch("/n").await.unwrap();
    assert!(zk.check_watches("/n", WatcherType::Children).await.unwrap(), "set");
    assert!(!zk.check_watches("/n", WatcherType::Data).await.unwrap(), "only a child watch");
    // ZooKeeper answers for any session's watch.
    assert!(other.check_watches("/n", WatcherType::Children).await.unwrap(), "any session's");
    other.create("/n/c", "").await.unwrap();
    assert_eq!(
        bounded("the child watch", watch).await,
        event(EventType::NodeChildrenChanged, "/n")
    );
    assert!(!zk.check_watches("/n", WatcherType::Children).await.unwrap(), "fired: gone");
    let err = zk.check_watches("bad", WatcherType::Any).await.unwrap_err();
    assert!(err.is_invalid_path(), "{err}");
}
