//! A change made while the client is disconnected reaches every kind of
//! watch after the reconnect, exactly once: the client is kept away through
//! the proxy while another client makes the change, then let back.

use std::time::Duration;

use bytes::Bytes;
use zookit::cache::{TreeCache, TreeEvent};
use zookit::{AddWatchMode, Client, ClientState, EventType, PersistentWatch, WatchedEvent};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::bounded;
use crate::states::wait_for_state;

/// A client of the shared server through a proxy, and a direct one, on the
/// same fresh chroot (which exists).
struct Away {
    proxy: Proxy,
    zk: Client,
    direct: Client,
}

impl Away {
    async fn new(name: &str) -> Self {
        let proxy = Proxy::start(shared().member_address(0)).unwrap();
        let chroot = unique_chroot(name);
        let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
        direct.ensure_path("/").await.unwrap();
        let zk = Client::builder(format!("{}{chroot}", proxy.addr()))
            .session_timeout(Duration::from_secs(20))
            .connect()
            .await
            .unwrap();
        Self { proxy, zk, direct }
    }

    /// Cuts the proxied client off, runs `changes` with the direct client
    /// meanwhile, and lets the proxied one back (within its session).
    async fn while_away<F, Fut>(&self, changes: F)
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let session = self.zk.client_id().unwrap().0;
        self.proxy.refuse();
        self.proxy.drop_connections();
        wait_for_state(&self.zk, ClientState::Connecting).await;
        changes(self.direct.clone()).await;
        self.proxy.pass();
        wait_for_state(&self.zk, ClientState::Connected).await;
        assert_eq!(self.zk.client_id().unwrap().0, session, "the same session");
    }
}

async fn next(watch: &mut PersistentWatch) -> WatchedEvent {
    bounded("a watch event", watch.next()).await.expect("the watch goes on")
}

async fn next_change(watch: &mut PersistentWatch) -> (EventType, String) {
    let event = next(watch).await;
    (event.event_type, event.path.unwrap_or_default())
}

#[tokio::test]
async fn a_persistent_watch_is_told_each_change_made_while_away_once() {
    let away = Away::new("missed-persistent").await;
    for path in ["/n", "/gone", "/kids"] {
        away.direct.create(path, "1").await.unwrap();
    }
    let mut watches = Vec::new();
    for path in ["/n", "/gone", "/later", "/kids"] {
        watches.push(away.zk.add_watch(path, AddWatchMode::Persistent).await.unwrap());
    }
    away.while_away(|direct| async move {
        direct.set("/n", "2").await.unwrap();
        direct.delete("/gone").await.unwrap();
        direct.create("/later", "").await.unwrap();
        direct.create("/kids/k", "").await.unwrap();
    })
    .await;
    // A newer change of each, which must come after the missed one, and
    // nothing in between.
    let direct = &away.direct;
    direct.create("/n/child", "").await.unwrap();
    direct.create("/gone", "").await.unwrap();
    direct.set("/later", "x").await.unwrap();
    direct.set("/kids", "x").await.unwrap();

    use EventType::*;
    let expected = [
        ("/n", [NodeDataChanged, NodeChildrenChanged]),
        ("/gone", [NodeDeleted, NodeCreated]),
        ("/later", [NodeCreated, NodeDataChanged]),
        ("/kids", [NodeChildrenChanged, NodeDataChanged]),
    ];
    for ((path, types), watch) in expected.into_iter().zip(&mut watches) {
        for event_type in types {
            assert_eq!(next_change(watch).await, (event_type, path.to_owned()));
        }
    }
}

#[tokio::test]
async fn a_persistent_recursive_watch_is_reset_after_a_reconnect() {
    let away = Away::new("missed-recursive").await;
    away.direct.create("/tree", "").await.unwrap();
    let mut watch = away.zk.add_watch("/tree", AddWatchMode::PersistentRecursive).await.unwrap();
    away.while_away(|direct| async move {
        direct.create("/tree/a", "").await.unwrap();
    })
    .await;
    away.direct.create("/tree/after", "").await.unwrap();

    let reset = next(&mut watch).await;
    assert!(reset.is_reset() && !reset.is_terminal(), "{reset:?}");
    assert_eq!(reset.path.as_deref(), Some("/tree"));
    assert_eq!(next_change(&mut watch).await, (EventType::NodeCreated, "/tree/after".into()));
}

#[tokio::test]
async fn data_and_children_watches_are_called_once_for_a_change_made_while_away() {
    let away = Away::new("missed-helpers").await;
    away.direct.create("/d", "1").await.unwrap();
    let mut data = away.zk.watch_data("/d").unwrap();
    let mut children = away.zk.watch_children("/d").unwrap();
    let first = bounded("the first data", data.next()).await.unwrap();
    assert_eq!(first.data, Some(Bytes::from("1")));
    assert!(bounded("the first children", children.next()).await.unwrap().children.is_empty());

    away.while_away(|direct| async move {
        direct.set("/d", "2").await.unwrap();
        direct.create("/d/k", "").await.unwrap();
    })
    .await;
    let update = bounded("the missed data", data.next()).await.unwrap();
    assert_eq!(update.data, Some(Bytes::from("2")));
    let update = bounded("the missed children", children.next()).await.unwrap();
    assert_eq!(update.children, ["k"]);

    // The next calls are the newer changes: nothing was told twice.
    away.direct.set("/d", "3").await.unwrap();
    away.direct.create("/d/l", "").await.unwrap();
    let update = bounded("the newer data", data.next()).await.unwrap();
    assert_eq!(update.data, Some(Bytes::from("3")));
    let update = bounded("the newer children", children.next()).await.unwrap();
    assert_eq!(update.children, ["k", "l"]);
}

#[tokio::test]
async fn a_tree_cache_reports_each_change_made_while_away_once() {
    let away = Away::new("missed-cache").await;
    for path in ["/c", "/c/changed", "/c/gone"] {
        away.direct.create(path, "1").await.unwrap();
    }
    let cache = TreeCache::start(&away.zk, "/c").await.unwrap();
    let mut events = cache.events();
    bounded("initialized", async {
        while !matches!(events.next().await, Some(TreeEvent::Initialized)) {}
    })
    .await;

    away.while_away(|direct| async move {
        direct.set("/c/changed", "2").await.unwrap();
        direct.create("/c/new", "").await.unwrap();
        direct.delete("/c/gone").await.unwrap();
    })
    .await;
    let mut told = Vec::new();
    bounded("the reconnect", async {
        loop {
            match events.next().await.expect("the cache goes on") {
                TreeEvent::ConnectionReconnected => break,
                TreeEvent::ConnectionSuspended => {}
                event => told.push(event),
            }
        }
    })
    .await;
    told.sort_by_key(|event| format!("{event:?}"));
    let summary: Vec<(String, Option<Bytes>)> = told
        .iter()
        .map(|event| match event {
            TreeEvent::NodeAdded { path, data, .. } => (format!("+{path}"), Some(data.clone())),
            TreeEvent::NodeUpdated { path, data, .. } => (format!("~{path}"), Some(data.clone())),
            TreeEvent::NodeRemoved { path, .. } => (format!("-{path}"), None),
            other => (format!("{other:?}"), None),
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("+/c/new".to_owned(), Some(Bytes::new())),
            ("-/c/gone".to_owned(), None),
            ("~/c/changed".to_owned(), Some(Bytes::from("2"))),
        ]
    );
    // A newer change comes next: nothing was told twice.
    away.direct.set("/c/changed", "3").await.unwrap();
    let event = bounded("the newer change", events.next()).await.unwrap();
    assert!(
        matches!(&event, TreeEvent::NodeUpdated { path, data, .. } if path == "/c/changed" && data == "3"),
        "{event:?}"
    );
    cache.close().await;
}
