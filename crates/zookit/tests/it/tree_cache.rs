//! The tree cache against the real server, with both of its watch
//! strategies: one persistent recursive watch, and one-shot watches per
//! node (what servers before 3.6 get).
//!
//! One client runs the cache; another (another session) makes the changes.
//! Large trees are checked against a full walk of the server: every path,
//! its data, version and children.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::join_all;
use zookit::{Client, ClientState, CreateMode, ErrorKind, TreeCache, TreeEvent, TreeEvents};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::{bounded, eventually, server_has_watch, two_clients};
use crate::states::wait_for_state;

/// How long a cache may take to catch up with the server.
const SETTLE: Duration = Duration::from_secs(15);

/// A started cache of `root` on `zk`, with the strategy asked for.
async fn cache(zk: &Client, root: &str, persistent: bool) -> TreeCache {
    let cache = TreeCache::builder(zk, root).persistent_watch(persistent).start().await.unwrap();
    assert_eq!(cache.uses_persistent_watch(), persistent);
    cache
}

/// The next event, which must come.
async fn next(events: &mut TreeEvents, what: &str) -> TreeEvent {
    bounded(what, events.next()).await.unwrap_or_else(|| panic!("{what}: the stream ended"))
}

/// Every event up to and including the first that `last` accepts.
async fn until(
    events: &mut TreeEvents,
    what: &str,
    last: impl Fn(&TreeEvent) -> bool,
) -> Vec<TreeEvent> {
    let mut seen = Vec::new();
    loop {
        let event = next(events, what).await;
        let done = last(&event);
        seen.push(event);
        if done {
            return seen;
        }
    }
}

/// Whatever events arrive within `quiet`.
async fn quiet(events: &mut TreeEvents, quiet: Duration) -> Vec<TreeEvent> {
    let mut seen = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(quiet, events.next()).await {
        seen.push(event);
    }
    seen
}

fn added(path: &str, data: &str, version: i32) -> (String, String, &'static str, i32) {
    (path.to_owned(), data.to_owned(), "added", version)
}

/// A node event as (path, data, kind, version), for comparisons.
fn summary(event: &TreeEvent) -> Option<(String, String, &'static str, i32)> {
    let (kind, path, data, stat) = match event {
        TreeEvent::NodeAdded { path, data, stat } => ("added", path, data, stat),
        TreeEvent::NodeUpdated { path, data, stat } => ("updated", path, data, stat),
        TreeEvent::NodeRemoved { path, data, stat } => ("removed", path, data, stat),
        _ => return None,
    };
    Some((path.clone(), String::from_utf8_lossy(data).into_owned(), kind, stat.version))
}

fn summaries(events: &[TreeEvent]) -> Vec<(String, String, &'static str, i32)> {
    events.iter().filter_map(summary).collect()
}

/// A node as the comparisons see it: data, version, sorted children.
type NodeView = (Bytes, i32, Vec<String>);

/// The subtree at `root` on the server, read in full (breadth first, each
/// level pipelined). Nothing may change it meanwhile.
async fn server_tree(zk: &Client, root: &str) -> BTreeMap<String, NodeView> {
    let mut tree = BTreeMap::new();
    let mut level = vec![root.to_owned()];
    while !level.is_empty() {
        let reads = join_all(level.iter().map(|path| async move {
            let (data, stat) = zk.get(path).await.unwrap();
            let mut children = zk.get_children(path).await.unwrap();
            children.sort();
            (path.clone(), data, stat.version, children)
        }))
        .await;
        level = Vec::new();
        for (path, data, version, children) in reads {
            level.extend(children.iter().map(|child| join(&path, child)));
            tree.insert(path, (data, version, children));
        }
    }
    tree
}

/// The cache's copy, in the same shape.
fn cache_tree(cache: &TreeCache) -> BTreeMap<String, NodeView> {
    let mut tree = BTreeMap::new();
    for path in cache.paths() {
        // A node may leave between `paths` and these reads; then it is left out.
        let (Some((data, stat)), Some(children)) =
            (cache.get_data(&path).unwrap(), cache.get_children(&path).unwrap())
        else {
            continue;
        };
        tree.insert(path, (data, stat.version, children));
    }
    tree
}

/// Waits until the cache holds exactly `expected`; on failure, names the
/// first differences.
async fn settles(cache: &TreeCache, expected: &BTreeMap<String, NodeView>, what: &str) {
    let began = Instant::now();
    while began.elapsed() < SETTLE {
        if cache_tree(cache) == *expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let actual = cache_tree(cache);
    let missing: Vec<_> = expected.keys().filter(|p| !actual.contains_key(*p)).take(5).collect();
    let extra: Vec<_> = actual.keys().filter(|p| !expected.contains_key(*p)).take(5).collect();
    let differ: Vec<_> = expected
        .iter()
        .filter(|(p, v)| actual.get(*p).is_some_and(|a| a != *v))
        .map(|(p, v)| (p, v, &actual[p]))
        .take(5)
        .collect();
    panic!(
        "{what}: the cache ({} nodes) is not the server's tree ({} nodes) within {SETTLE:?}: \
         missing {missing:?}, extra {extra:?}, different {differ:?}",
        actual.len(),
        expected.len()
    );
}

fn join(parent: &str, child: &str) -> String {
    if parent == "/" { format!("/{child}") } else { format!("{parent}/{child}") }
}

// ---- the initial load and the queries ----

async fn initial_load_then_queries(persistent: bool) {
    let (zk, _) = two_clients("tc-load").await;
    for (path, data) in [
        ("/tree", "root"),
        ("/tree/a", "A"),
        ("/tree/b", "B"),
        ("/tree/a/x", "X"),
        ("/tree/b/y", "Y"),
        ("/tree/b/y/z", "Z"),
        ("/treeish", "outside"),
    ] {
        zk.create(path, data).await.unwrap();
    }
    zk.set("/tree/a", "A2").await.unwrap();

    let cache = cache(&zk, "/tree", persistent).await;
    let mut events = cache.events();
    let seen = until(&mut events, "the initial load", |e| *e == TreeEvent::Initialized).await;
    assert_eq!(
        summaries(&seen),
        [
            added("/tree", "root", 0),
            added("/tree/a", "A2", 1),
            added("/tree/b", "B", 0),
            added("/tree/a/x", "X", 0),
            added("/tree/b/y", "Y", 0),
            added("/tree/b/y/z", "Z", 0),
        ],
        "breadth first, each node once"
    );
    assert_eq!(seen.len(), 7, "{seen:?}");
    bounded("initialized", cache.initialized()).await.unwrap();

    let (data, stat) = cache.get_data("/tree/a").unwrap().expect("/tree/a is cached");
    assert_eq!(&data[..], b"A2");
    assert_eq!(stat, zk.exists("/tree/a").await.unwrap().unwrap());
    assert_eq!(cache.get_children("/tree").unwrap().unwrap(), ["a", "b"]);
    assert_eq!(cache.get_children("/tree/b/y/z").unwrap().unwrap(), Vec::<String>::new());
    assert_eq!(cache.get_data("/tree/nothing").unwrap(), None);
    assert_eq!(cache.get_children("/tree/nothing").unwrap(), None);
    assert_eq!(
        cache.paths(),
        ["/tree", "/tree/a", "/tree/a/x", "/tree/b", "/tree/b/y", "/tree/b/y/z"]
    );
    assert_eq!(cache.len(), 6);
    assert_eq!(cache.root(), "/tree");

    // Outside the tree, or not a path at all.
    for outside in ["/treeish", "/", "/other/tree"] {
        let err = cache.get_data(outside).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{outside}: {err}");
        let message = err.to_string();
        assert!(message.contains(outside) && message.contains("/tree"), "{message}");
        let err = cache.get_children(outside).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{outside}: {err}");
    }
    for invalid in ["tree", "/tree/", "/tree//a", ""] {
        let err = cache.get_data(invalid).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPath, "{invalid:?}: {err}");
    }

    // Closing ends the streams, empties the cache and removes the watch.
    let server_root = format!("{}/tree", zk.chroot().unwrap());
    if persistent {
        assert!(server_has_watch(&server_root).await, "the persistent watch is on the server");
    }
    bounded("close", cache.close()).await;
    assert_eq!(bounded("the stream ends", events.next()).await, None);
    assert_eq!(cache.get_data("/tree").unwrap_err().kind(), ErrorKind::Closed);
    assert!(cache.paths().is_empty());
    bounded("close again", cache.close()).await;
    assert!(bounded("a stream after close", cache.events().next()).await.is_none());
    // The watch's removal is sent once the client is asked something.
    zk.exists("/").await.unwrap();
    eventually("the server forgets the cache's watches", Duration::from_secs(5), || async {
        zk.exists("/").await.unwrap();
        !server_has_watch(&server_root).await
    })
    .await;
}

#[tokio::test]
async fn initial_load_then_queries_persistent() {
    initial_load_then_queries(true).await;
}

#[tokio::test]
async fn initial_load_then_queries_one_shot() {
    initial_load_then_queries(false).await;
}

#[tokio::test]
async fn without_events_from_the_start_the_first_stream_begins_when_taken() {
    let (zk, other) = two_clients("tc-from-now").await;
    zk.create("/r", "").await.unwrap();
    let cache = TreeCache::builder(&zk, "/r").events_from_start(false).start().await.unwrap();
    bounded("initialized", cache.initialized()).await.unwrap();
    assert_eq!(cache.paths(), ["/r"]);
    let mut events = cache.events();
    other.create("/r/c", "c").await.unwrap();
    assert_eq!(summary(&next(&mut events, "the child").await), Some(added("/r/c", "c", 0)));
}

// ---- a root that comes and goes ----

async fn a_missing_root_is_fine(persistent: bool) {
    let (zk, other) = two_clients("tc-missing").await;
    let cache = cache(&zk, "/later", persistent).await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&heard);
    cache.listen(move |event| sink.lock().unwrap().push(event));
    bounded("initialized", cache.initialized()).await.unwrap();
    let mut events = cache.events(); // the second subscriber: from now on
    assert!(cache.is_empty());
    assert_eq!(cache.get_data("/later").unwrap(), None);

    other.create("/later", "1").await.unwrap();
    let event = next(&mut events, "the root appears").await;
    assert_eq!(summary(&event), Some(added("/later", "1", 0)));
    other.create("/later/c", "2").await.unwrap();
    let event = next(&mut events, "a child appears").await;
    assert_eq!(summary(&event), Some(added("/later/c", "2", 0)));
    other.delete("/later").recursive().await.unwrap();
    let seen = until(&mut events, "the root goes", |e| e.path() == Some("/later")).await;
    let removed: Vec<_> = summaries(&seen).into_iter().map(|(p, _, k, _)| (p, k)).collect();
    assert_eq!(removed, [("/later/c".to_owned(), "removed"), ("/later".to_owned(), "removed")]);
    other.create("/later", "again").await.unwrap();
    let event = next(&mut events, "the root is back").await;
    assert_eq!(summary(&event), Some(added("/later", "again", 0)));
    assert_eq!(cache.paths(), ["/later"]);

    // The listener (the first subscriber) heard everything from the start.
    eventually("the listener hears it all", Duration::from_secs(5), || async {
        heard.lock().unwrap().len() == 6
    })
    .await;
    assert_eq!(heard.lock().unwrap()[0], TreeEvent::Initialized);

    // Dropping the client ends the cache: it does not keep the session.
    drop(zk);
    let rest = until(&mut events, "the session ends", |e| *e == TreeEvent::ConnectionLost).await;
    assert_eq!(rest, [TreeEvent::ConnectionLost]);
    assert_eq!(bounded("the stream ends", events.next()).await, None);
    assert_eq!(cache.get_data("/later").unwrap_err().kind(), ErrorKind::Closed);
}

#[tokio::test]
async fn a_missing_root_is_fine_persistent() {
    a_missing_root_is_fine(true).await;
}

#[tokio::test]
async fn a_missing_root_is_fine_one_shot() {
    a_missing_root_is_fine(false).await;
}

// ---- changes, in order ----

async fn changes_are_reported_in_order(persistent: bool) {
    let (zk, other) = two_clients("tc-changes").await;
    zk.create("/r", "").await.unwrap();
    let cache = cache(&zk, "/r", persistent).await;
    let mut events = cache.events();
    until(&mut events, "the initial load", |e| *e == TreeEvent::Initialized).await;

    // One at a time: exactly these events.
    other.create("/r/a", "1").await.unwrap();
    assert_eq!(summary(&next(&mut events, "added").await), Some(added("/r/a", "1", 0)));
    other.set("/r/a", "2").await.unwrap();
    let expected = ("/r/a".to_owned(), "2".to_owned(), "updated", 1);
    assert_eq!(summary(&next(&mut events, "updated").await), Some(expected));
    other.create("/r/a/b", "3").await.unwrap();
    assert_eq!(summary(&next(&mut events, "a child").await), Some(added("/r/a/b", "3", 0)));
    assert_eq!(cache.get_children("/r/a").unwrap().unwrap(), ["b"]);
    other.delete("/r/a/b").await.unwrap();
    let expected = ("/r/a/b".to_owned(), "3".to_owned(), "removed", 0);
    assert_eq!(summary(&next(&mut events, "the child removed").await), Some(expected));
    other.delete("/r/a").await.unwrap();
    let expected = ("/r/a".to_owned(), "2".to_owned(), "removed", 1);
    assert_eq!(summary(&next(&mut events, "removed").await), Some(expected));
    assert_eq!(cache.paths(), ["/r"]);

    // Created and deleted in one transaction: never readable, never reported.
    other
        .transaction()
        .create("/r/ghost", "boo", CreateMode::Persistent)
        .delete("/r/ghost", 0)
        .commit()
        .await
        .unwrap();
    // Created and deleted at once: reported as both, or not at all.
    let (created, deleted) = tokio::join!(other.create("/r/quick", "q"), other.delete("/r/quick"));
    created.unwrap();
    deleted.unwrap();
    // Deleted and created again at once: the new one is cached in the end.
    other.create("/r/again", "old").await.unwrap();
    let (deleted, created) =
        tokio::join!(other.delete("/r/again"), other.create("/r/again", "new"));
    deleted.unwrap();
    created.unwrap();
    other.set("/r", "sentinel").await.unwrap();

    let mut seen = until(&mut events, "the sentinel", |e| e.path() == Some("/r")).await;
    seen.extend(quiet(&mut events, Duration::from_millis(300)).await);
    let seen = summaries(&seen);
    assert!(seen.iter().all(|(p, ..)| p != "/r/ghost"), "a ghost: {seen:?}");
    let quick: Vec<_> = seen.iter().filter(|(p, ..)| p == "/r/quick").map(|e| e.2).collect();
    assert!(quick.is_empty() || quick == ["added", "removed"], "{seen:?}");
    let again: Vec<_> = seen
        .iter()
        .filter(|(p, ..)| p == "/r/again")
        .map(|(_, data, kind, _)| (data.as_str(), *kind))
        .collect();
    assert_eq!(again.last(), Some(&("new", "added")), "{seen:?}");
    assert_eq!(cache.paths(), ["/r", "/r/again"]);
    assert_eq!(&cache.get_data("/r/again").unwrap().unwrap().0[..], b"new");
}

#[tokio::test]
async fn changes_are_reported_in_order_persistent() {
    changes_are_reported_in_order(true).await;
}

#[tokio::test]
async fn changes_are_reported_in_order_one_shot() {
    changes_are_reported_in_order(false).await;
}

async fn a_burst_of_sets_on_one_node(persistent: bool) {
    let (zk, other) = two_clients("tc-burst").await;
    zk.create("/r", "").await.unwrap();
    zk.create("/r/n", "0").await.unwrap();
    let cache = cache(&zk, "/r", persistent).await;
    let mut events = cache.events();
    until(&mut events, "the initial load", |e| *e == TreeEvent::Initialized).await;

    const SETS: i32 = 300;
    let sets = join_all((1..=SETS).map(|i| {
        let other = &other;
        async move { other.set("/r/n", i.to_string()).await.unwrap() }
    }))
    .await;
    assert_eq!(sets.iter().map(|s| s.version).max(), Some(SETS));
    let (data, stat) = other.get("/r/n").await.unwrap();

    let seen = until(
        &mut events,
        "the last set",
        |e| matches!(e, TreeEvent::NodeUpdated { stat, .. } if stat.version == SETS),
    )
    .await;
    let versions: Vec<i32> = summaries(&seen)
        .into_iter()
        .map(|(path, data, kind, version)| {
            assert_eq!((path.as_str(), kind), ("/r/n", "updated"));
            assert_eq!(data, version.to_string(), "each event's data goes with its version");
            version
        })
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "versions go up: {versions:?}");
    assert_eq!(cache.get_data("/r/n").unwrap(), Some((data, stat)));
    assert!(quiet(&mut events, Duration::from_millis(200)).await.is_empty());
}

#[tokio::test]
async fn a_burst_of_sets_on_one_node_persistent() {
    a_burst_of_sets_on_one_node(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_sets_on_one_node_one_shot() {
    a_burst_of_sets_on_one_node(false).await;
}

// ---- a large tree, writers, a cut connection, an expired session ----

const DIRS: usize = 20;
const LEAVES: usize = 99;

/// Creates `/tree` with `DIRS` directories of `LEAVES` leaves: 2,000 nodes
/// below the root, all created at once (pipelined).
async fn create_large_tree(zk: &Client) {
    zk.create("/tree", "root").await.unwrap();
    join_all((0..DIRS).map(|d| async move {
        zk.create(&format!("/tree/d{d:02}"), format!("dir {d}")).await.unwrap();
    }))
    .await;
    join_all((0..DIRS * LEAVES).map(|i| async move {
        let path = format!("/tree/d{:02}/leaf{:03}", i / LEAVES, i % LEAVES);
        zk.create(&path, format!("leaf {i}")).await.unwrap();
    }))
    .await;
}

/// A small pseudo-random generator, so that the writers need no crate.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

/// Sets, creates, deletes, and creates-then-deletes, at random, ignoring
/// the failures of racing with the other writers.
async fn writer(zk: Client, id: u64, ops: usize) {
    let mut rng = Lcg(id * 7919 + 1);
    for i in 0..ops {
        let dir = format!("/tree/d{:02}", rng.below(DIRS));
        let leaf = format!("{dir}/leaf{:03}", rng.below(LEAVES));
        let _ = match rng.below(10) {
            0..=4 => zk.set(&leaf, format!("w{id}-{i}")).await.map(drop),
            5 | 6 => zk.create(&format!("{dir}/new-{id}-{i}"), "new").await.map(drop),
            7 => zk.delete(&leaf).await,
            _ => {
                let temp = format!("{dir}/temp-{id}-{i}");
                let (a, b) = tokio::join!(zk.create(&temp, "temp"), zk.delete(&temp));
                a.map(drop).and(b)
            }
        };
    }
}

/// Changes made while the cache's client is away: `sets` leaves get new
/// data, two nodes are created, two leaves deleted. Returns the paths
/// expected in NodeUpdated, NodeAdded and NodeRemoved events.
async fn change_while_away(
    zk: &Client,
    tree: &BTreeMap<String, NodeView>,
    round: &str,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let leaves: Vec<&String> = tree.keys().filter(|p| p.matches('/').count() == 3).collect();
    assert!(leaves.len() > 1000, "{} leaves", leaves.len());
    let step = leaves.len() / 15;
    let mut updated: Vec<String> = (0..10).map(|i| leaves[i * step].clone()).collect();
    let mut removed: Vec<String> = (10..12).map(|i| leaves[i * step].clone()).collect();
    let mut created: Vec<String> =
        ["/tree/d03", "/tree/d17"].iter().map(|d| format!("{d}/{round}")).collect();
    let sets = updated.iter().map(|path| async move { zk.set(path, round).await.unwrap() });
    join_all(sets).await;
    for path in &removed {
        zk.delete(path).await.unwrap();
    }
    for path in &created {
        zk.create(path, round).await.unwrap();
    }
    updated.sort();
    created.sort();
    removed.sort();
    (updated, created, removed)
}

/// The paths of the node events of `kind` in `events`, sorted.
fn paths_of(events: &[TreeEvent], kind: &str) -> Vec<String> {
    let mut paths: Vec<String> =
        summaries(events).into_iter().filter(|e| e.2 == kind).map(|e| e.0).collect();
    paths.sort();
    paths
}

async fn a_large_tree_stays_identical(persistent: bool) {
    let began = Instant::now();
    let chroot = unique_chroot("tc-large");
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.ensure_path("/").await.unwrap();
    create_large_tree(&direct).await;
    let create_time = began.elapsed();

    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let zk = Client::builder(format!("{}{chroot}", proxy.addr()))
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let cache = cache(&zk, "/tree", persistent).await;
    let mut events = cache.events();
    let loaded = Instant::now();
    let seen = until(&mut events, "the initial load", |e| *e == TreeEvent::Initialized).await;
    let load_time = loaded.elapsed();
    assert_eq!(paths_of(&seen, "added").len(), 1 + DIRS + DIRS * LEAVES);
    assert_eq!(
        seen.len(),
        2 + DIRS + DIRS * LEAVES,
        "only NodeAdded, then Initialized; the others: {:?}",
        seen.iter().filter(|e| summary(e).is_none_or(|s| s.2 != "added")).collect::<Vec<_>>()
    );
    let expected = server_tree(&direct, "/tree").await;
    assert_eq!(cache_tree(&cache), expected, "the initial load");

    // Writers, concurrently.
    let writers: Vec<_> = (0..4).map(|id| tokio::spawn(writer(direct.clone(), id, 150))).collect();
    for writer in writers {
        bounded("a writer", writer).await.unwrap();
    }
    let expected = server_tree(&direct, "/tree").await;
    settles(&cache, &expected, "after the writers").await;
    quiet(&mut events, Duration::from_millis(200)).await;

    // A cut: changes made while the cache's client is refused are reported
    // exactly, once it is back.
    proxy.refuse();
    proxy.drop_connections();
    assert_eq!(next(&mut events, "suspended").await, TreeEvent::ConnectionSuspended);
    let (updated, created, removed) = change_while_away(&direct, &expected, "cut").await;
    proxy.pass();
    let seen = until(&mut events, "the resync", |e| *e == TreeEvent::ConnectionReconnected).await;
    assert_eq!(paths_of(&seen, "updated"), updated, "{seen:?}");
    assert_eq!(paths_of(&seen, "added"), created, "{seen:?}");
    assert_eq!(paths_of(&seen, "removed"), removed, "{seen:?}");
    assert_eq!(seen.len(), 10 + 2 + 2 + 1, "nothing for the unchanged nodes: {seen:?}");
    let expected = server_tree(&direct, "/tree").await;
    assert_eq!(cache_tree(&cache), expected, "after the cut");
    assert!(quiet(&mut events, Duration::from_millis(300)).await.is_empty());

    // A real expiry: the session is closed from another connection while
    // the cache's client is kept off; then the client starts a new one.
    proxy.refuse();
    proxy.drop_connections();
    assert_eq!(next(&mut events, "suspended").await, TreeEvent::ConnectionSuspended);
    let (id, password) = zk.client_id().unwrap();
    let killer = Client::builder(shared().connect_string_with_chroot(&chroot))
        .session(id, &password)
        .connect()
        .await
        .unwrap();
    killer.stop().await.unwrap();
    let (updated, created, removed) = change_while_away(&direct, &expected, "expiry").await;
    proxy.pass();
    wait_for_state(&zk, ClientState::Expired).await;
    assert_eq!(next(&mut events, "lost").await, TreeEvent::ConnectionLost);
    zk.restart().await.unwrap();
    assert_ne!(zk.client_id().unwrap().0, id, "a new session");
    let seen = until(&mut events, "the resync", |e| *e == TreeEvent::ConnectionReconnected).await;
    assert_eq!(paths_of(&seen, "updated"), updated, "{seen:?}");
    assert_eq!(paths_of(&seen, "added"), created, "{seen:?}");
    assert_eq!(paths_of(&seen, "removed"), removed, "{seen:?}");
    assert_eq!(seen.len(), 10 + 2 + 2 + 1, "nothing for the unchanged nodes: {seen:?}");
    let expected = server_tree(&direct, "/tree").await;
    assert_eq!(cache_tree(&cache), expected, "after the expiry");

    // The new session's watches work.
    direct.set("/tree/d05", "after").await.unwrap();
    direct.create("/tree/d05/after", "after").await.unwrap();
    let seen = until(&mut events, "a change after", |e| e.path() == Some("/tree/d05/after")).await;
    assert!(summaries(&seen).contains(&added("/tree/d05/after", "after", 0)), "{seen:?}");
    let expected = server_tree(&direct, "/tree").await;
    settles(&cache, &expected, "after the new session").await;
    eprintln!(
        "large tree ({}): created in {create_time:?}, loaded in {load_time:?}, all in {:?}",
        if persistent { "persistent" } else { "one-shot" },
        began.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_tree_stays_identical_persistent() {
    a_large_tree_stays_identical(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_tree_stays_identical_one_shot() {
    a_large_tree_stays_identical(false).await;
}
