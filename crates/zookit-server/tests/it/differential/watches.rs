//! Watches: one-shot, persistent and recursive, their events and their
//! order, their removal, and setWatches' catch-up after a reconnect.

use zookit_proto::{
    AddWatchMode, AddWatchRequest, CreateMode, RemoveWatchesRequest, Request, SetWatches,
    SetWatches2, WatcherType,
};

use super::*;
use crate::support::scenario::differential;

fn add_watch(path: &str, mode: AddWatchMode) -> Request {
    Request::AddWatch(AddWatchRequest { path: path.to_owned(), mode })
}

fn remove(path: &str, watcher_type: WatcherType) -> Request {
    Request::RemoveWatches(RemoveWatchesRequest { path: path.to_owned(), watcher_type })
}

fn check(path: &str, watcher_type: WatcherType) -> Request {
    Request::CheckWatches(RemoveWatchesRequest { path: path.to_owned(), watcher_type })
}

#[test]
fn one_shot_watches_fire_in_datatree_order_before_the_reply() {
    differential("watch-order", |s| {
        s.connect("w");
        s.connect("c");
        let root = s.p("");
        s.call("c", create(&root, CreateMode::Persistent));
        let a = s.p("/a");
        let b = s.p("/a/b");
        s.call("w", exists(&a, true));
        s.call("w", exists(&b, true));
        s.call("w", get(&b, true));
        s.call("w", children(&b, true));
        s.call("c", create(&a, CreateMode::Persistent));
        s.drain("w");
        s.call("w", children(&a, true));
        s.call("w", get(&a, true));
        s.call("c", create(&b, CreateMode::Persistent));
        s.drain("w");
        s.call("w", get(&b, true));
        s.call("w", children(&b, true));
        s.call("w", children(&a, true));
        s.call("w", exists(&a, true));
        s.call("c", set(&b, b"x", -1));
        s.call("c", delete(&b, -1));
        s.drain("w");
        s.call("c", set(&a, b"y", -1));
        s.drain("w");
        // The writer's own watches fire before its reply.
        s.call("w", get(&a, true));
        s.call("w", exists(&b, true));
        s.call("w", children(&a, true));
        s.call("w", create(&b, CreateMode::Ephemeral));
        s.call("w", set(&a, b"z", -1));
        s.call("w", delete(&b, -1));
        // Watches left by failed reads.
        let missing = s.p("/missing");
        s.call("w", get(&missing, true));
        s.call("w", children(&missing, true));
        s.call("w", exists(&format!("{missing}\0"), true));
        s.call("c", create(&missing, CreateMode::Persistent));
        s.drain("w");
        s.call("c", delete(&missing, -1));
        s.drain("w");
        // Many watchers, one event each.
        s.connect("v");
        s.call("v", exists(&a, true));
        s.call("w", exists(&a, true));
        s.call("c", delete(&a, -1));
        s.drain("v");
        s.drain("w");
    });
}

#[test]
fn persistent_and_recursive_watches() {
    differential("watch-persistent", |s| {
        s.connect("w");
        s.connect("c");
        let root = s.p("");
        s.call("c", create(&root, CreateMode::Persistent));
        let r = s.p("/r");
        let p = s.p("/p");
        s.call("w", add_watch(&r, AddWatchMode::PersistentRecursive));
        s.call("w", add_watch(&p, AddWatchMode::Persistent));
        for (path, mode) in [
            ("/r", CreateMode::Persistent),
            ("/r/x", CreateMode::Persistent),
            ("/r/x/y", CreateMode::Ephemeral),
            ("/p", CreateMode::Persistent),
            ("/p/x", CreateMode::Persistent),
        ] {
            let path = s.p(path);
            s.call("c", create(&path, mode));
        }
        s.call("c", set(&s.p("/r/x"), b"", -1));
        s.call("c", set(&s.p("/p/x"), b"", -1));
        s.call("c", set(&p, b"", -1));
        s.call("c", delete(&s.p("/r/x/y"), -1));
        s.call("c", delete(&s.p("/p/x"), -1));
        s.call("c", delete(&p, -1));
        s.call("c", create(&p, CreateMode::Persistent));
        s.drain("w");
        for kind in [WatcherType::Children, WatcherType::Data, WatcherType::Any] {
            s.call("w", check(&p, kind));
            s.call("w", check(&s.p("/r/x"), kind));
        }
        // ZooKeeper 3.8 answers checkWatches for any connection's watch on the path.
        s.call("c", check(&p, WatcherType::Data));
        s.call("c", remove(&p, WatcherType::Data));
        s.call("w", check(&p, WatcherType::Persistent));
        s.call("w", remove(&p, WatcherType::PersistentRecursive));
        s.call("w", remove(&p, WatcherType::Data));
        s.call("w", check(&p, WatcherType::Children));
        s.call("c", set(&p, b"", -1));
        s.call("c", create(&s.p("/p/again"), CreateMode::Persistent));
        s.drain("w");
        s.call("w", remove(&p, WatcherType::Children));
        s.call("w", remove(&p, WatcherType::Any));
        // A one-shot watch on a persistently watched path replaces it.
        s.call("w", get(&r, true));
        s.call("c", set(&r, b"1", -1));
        s.call("c", set(&r, b"2", -1));
        s.call("c", create(&s.p("/r/z"), CreateMode::Persistent));
        s.drain("w");
        s.call("w", remove(&r, WatcherType::Any));
        s.call("w", remove(&r, WatcherType::Any));
        s.call("w", add_watch(&s.p("/nowhere"), AddWatchMode::Persistent));
        s.call("w", add_watch("/", AddWatchMode::PersistentRecursive));
        s.call("c", create(&s.p("/nowhere"), CreateMode::Persistent));
        s.drain("w");
        s.call("w", remove("/", WatcherType::Any));
    });
}

#[test]
fn set_watches_catches_up_after_a_reconnect() {
    differential("set-watches", |s| {
        s.connect("c");
        let root = s.p("");
        s.call("c", create(&root, CreateMode::Persistent));
        let (a, b, gone, new, absent) =
            (s.p("/a"), s.p("/b"), s.p("/gone"), s.p("/new"), s.p("/absent"));
        for path in [&a, &b, &gone] {
            s.call("c", create(path, CreateMode::Persistent));
        }
        s.connect("w");
        s.call("w", get(&a, true));
        s.call("w", exists(&new, true));
        s.call("w", children(&b, true));
        s.call("w", exists(&b, false));
        let (_, _, seen) = s.credentials("w");
        s.call("c", set(&a, b"x", -1));
        s.call("c", create(&format!("{b}/c"), CreateMode::Persistent));
        s.call("c", create(&new, CreateMode::Persistent));
        s.call("c", delete(&gone, -1));
        // The client reconnects: the old connection (and its watches) go.
        s.resume("w2", "w");
        s.expect_closed("w");
        let relative = s.zxid_name(seen);
        let request = Request::SetWatches(SetWatches {
            relative_zxid: seen,
            data_watches: vec![a.clone(), b.clone(), gone.clone()],
            exist_watches: vec![new.clone(), absent.clone()],
            child_watches: vec![b.clone(), a.clone(), gone.clone()],
        });
        s.call_as("w2", request, &format!("setWatches relative={relative}"));
        s.call("c", set(&b, b"", -1));
        s.call("c", create(&absent, CreateMode::Persistent));
        s.call("c", create(&format!("{a}/z"), CreateMode::Persistent));
        s.call("c", set(&a, b"again", -1));
        s.drain("w2");
        let (_, _, seen) = s.credentials("w2");
        let request = Request::SetWatches2(SetWatches2 {
            relative_zxid: seen,
            data_watches: vec![a.clone()],
            exist_watches: vec![],
            child_watches: vec![],
            persistent_watches: vec![b.clone()],
            persistent_recursive_watches: vec![root.clone()],
        });
        let relative = s.zxid_name(seen);
        s.call_as("w2", request, &format!("setWatches2 relative={relative}"));
        s.call("c", set(&a, b"more", -1));
        s.call("c", create(&format!("{b}/d"), CreateMode::Persistent));
        s.drain("w2");
    });
}
