//! A chrooted client and a client without a chroot on the same server:
//! everything the chrooted one does lands below its chroot, and every path
//! it gets back (created paths, ephemerals, sync, transaction results, watch
//! events, errors) is relative to its chroot.

use zookit::{
    Acl, AddWatchMode, Client, CreateMode, ErrorKind, EventType, Id, KeeperState, OpOutcome, Perms,
    ReadOp, ReadOutcome, WatchedEvent, WatcherType,
};
use zookit_testing::{shared, unique_chroot};

use crate::common::{bounded, root_client};

/// A client in a fresh chroot (created, nested two levels deep), the chroot,
/// and a client of the same server without a chroot.
async fn chrooted(name: &str) -> (Client, String, Client) {
    let plain = root_client().await;
    let chroot = format!("{}/c", unique_chroot(name));
    plain.ensure_path(&chroot).await.expect("the chroot is created");
    let zk = Client::connect(shared().connect_string_with_chroot(&chroot)).await.expect("connects");
    assert_eq!(zk.chroot(), Some(chroot.as_str()));
    assert_eq!(plain.chroot(), None);
    (zk, chroot, plain)
}

fn event(event_type: EventType, path: &str) -> WatchedEvent {
    WatchedEvent { event_type, state: KeeperState::SyncConnected, path: Some(path.to_owned()) }
}

async fn data(client: &Client, path: &str) -> Vec<u8> {
    client.get(path).await.unwrap_or_else(|e| panic!("get {path}: {e}")).0.to_vec()
}

#[tokio::test]
async fn writes_and_reads_land_below_the_chroot() {
    let (zk, root, plain) = chrooted("chroot-crud").await;
    let under = |path: &str| format!("{root}{path}");

    assert_eq!(zk.create("/a", "1").await.unwrap(), "/a");
    assert_eq!(data(&plain, &under("/a")).await, b"1");
    let seq = zk.create("/q/item-", "").sequential().makepath().await.unwrap();
    assert_eq!(seq, "/q/item-0000000000");
    assert!(plain.exists(&under(&seq)).await.unwrap().is_some());
    let (path, stat) = zk.create("/q/with-stat-", "xy").sequential().with_stat().await.unwrap();
    assert_eq!(path, "/q/with-stat-0000000001");
    assert_eq!(stat.data_length, 2);

    zk.set("/a", "2").await.unwrap();
    assert_eq!(data(&plain, &under("/a")).await, b"2");
    plain.set(&under("/a"), "3").await.unwrap();
    assert_eq!(data(&zk, "/a").await, b"3");
    plain.set(&root, "the chroot's own data").await.unwrap();
    assert_eq!(data(&zk, "/").await, b"the chroot's own data");

    assert!(zk.exists("/a").await.unwrap().is_some());
    assert_eq!(zk.exists(&under("/a")).await.unwrap(), None, "the chroot is applied once");
    let mut children = zk.get_children("/").await.unwrap();
    children.sort();
    assert_eq!(children, ["a", "q"]);
    let mut seen_plainly = plain.get_children(&root).await.unwrap();
    seen_plainly.sort();
    assert_eq!(seen_plainly, children);
    assert_eq!(zk.get_children_with_stat("/q").await.unwrap().1.num_children, 2);
    assert_eq!(zk.get_all_children_number("/").await.unwrap(), 4);

    zk.ensure_path("/x/y/z").await.unwrap();
    assert!(plain.exists(&under("/x/y/z")).await.unwrap().is_some());
    assert_eq!(zk.sync("/x/y").await.unwrap(), "/x/y");
    assert_eq!(zk.sync("/").await.unwrap(), "/");

    zk.delete("/a").await.unwrap();
    assert_eq!(plain.exists(&under("/a")).await.unwrap(), None);
    zk.delete("/x").recursive().await.unwrap();
    assert_eq!(plain.exists(&under("/x")).await.unwrap(), None);

    let err = zk.get("/missing").await.expect_err("no node");
    assert!(err.is_no_node());
    assert_eq!(err.path(), Some("/missing"));
    assert_eq!(err.to_string(), "getData /missing: NoNode (node does not exist)");
}

#[tokio::test]
async fn ensure_path_creates_a_missing_chroot() {
    let plain = root_client().await;
    let chroot = format!("{}/deep/er", unique_chroot("chroot-missing"));
    let zk = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    let err = zk.create("/a", "").await.expect_err("the chroot does not exist yet");
    assert!(err.is_no_node(), "{err}");
    assert_eq!(err.path(), Some("/a"));
    zk.ensure_path("/").await.unwrap();
    assert!(plain.exists(&chroot).await.unwrap().is_some());
    zk.create("/a", "").await.unwrap();
    assert!(plain.exists(&format!("{chroot}/a")).await.unwrap().is_some());
}

#[tokio::test]
async fn ephemerals_are_listed_without_the_chroot() {
    let (zk, root, plain) = chrooted("chroot-ephemerals").await;
    zk.create("/e1", "").ephemeral().await.unwrap();
    zk.ensure_path("/x").await.unwrap();
    let e2 = zk.create("/x/e-", "").ephemeral().sequential().await.unwrap();
    assert_eq!(e2, "/x/e-0000000000");
    let mut all = zk.get_ephemerals("/").await.unwrap();
    all.sort();
    assert_eq!(all, ["/e1", "/x/e-0000000000"]);
    assert_eq!(zk.get_ephemerals("/x").await.unwrap(), ["/x/e-0000000000"]);
    assert_eq!(zk.get_ephemerals("/x/e-").await.unwrap(), ["/x/e-0000000000"]);
    assert!(zk.get_ephemerals("/none").await.unwrap().is_empty());
    let owner = plain.exists(&format!("{root}/e1")).await.unwrap().unwrap().ephemeral_owner;
    assert_eq!(owner, zk.client_id().unwrap().0);
    assert!(plain.get_ephemerals("/").await.unwrap().is_empty(), "another session's");
}

#[tokio::test]
async fn transactions_report_paths_without_the_chroot() {
    let (zk, root, plain) = chrooted("chroot-txn").await;
    let results = zk
        .transaction()
        .create("/t", "", CreateMode::Persistent)
        .create("/t/s-", "", CreateMode::PersistentSequential)
        .set_data("/t", "x", 0)
        .commit()
        .await
        .unwrap();
    let results: Vec<OpOutcome> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(results[0], OpOutcome::Created("/t".into()));
    assert_eq!(results[1], OpOutcome::Created("/t/s-0000000000".into()));
    assert_eq!(data(&plain, &format!("{root}/t")).await, b"x");

    let results = zk
        .transaction()
        .delete("/t/s-0000000000", -1)
        .check("/t/missing", 0)
        .commit()
        .await
        .unwrap();
    let err = results[1].as_ref().unwrap_err();
    assert!(err.is_no_node(), "{err}");
    assert_eq!(err.path(), Some("/t/missing"));
    assert!(plain.exists(&format!("{root}/t/s-0000000000")).await.unwrap().is_some());

    let reads = zk
        .multi_read(&[ReadOp::GetData("/t".into()), ReadOp::GetChildren("/".into())])
        .await
        .unwrap();
    assert!(matches!(&reads[0], Ok(ReadOutcome::Data(d, _)) if &d[..] == b"x"), "{reads:?}");
    assert!(matches!(&reads[1], Ok(ReadOutcome::Children(c)) if c == &["t"]), "{reads:?}");
}

#[tokio::test]
async fn watch_events_name_paths_without_the_chroot() {
    let (zk, root, plain) = chrooted("chroot-watches").await;
    let under = |path: &str| format!("{root}{path}");
    // ZooKeeper 3.8 keeps one watch mode per session and path (fixed in 3.9
    // by ZOOKEEPER-4466): persistent watches go to a session of their own.
    let persistent_zk =
        Client::connect(shared().connect_string_with_chroot(&root)).await.expect("connects");

    let (_, created) = zk.exists_watch("/w").await.unwrap();
    let (_, _, children) = zk.get_children_watch("/").await.unwrap();
    let mut recursive =
        persistent_zk.add_watch("/", AddWatchMode::PersistentRecursive).await.unwrap();
    let mut persistent = persistent_zk.add_watch("/w", AddWatchMode::Persistent).await.unwrap();

    plain.create(&under("/w"), "").await.unwrap();
    assert_eq!(bounded("exists", created).await, event(EventType::NodeCreated, "/w"));
    assert_eq!(bounded("children", children).await, event(EventType::NodeChildrenChanged, "/"));
    let (_, _, changed) = zk.get_watch("/w").await.unwrap();
    plain.create(&under("/w/deep"), "").await.unwrap();
    plain.set(&under("/w"), "x").await.unwrap();
    plain.set(&root, "the chroot").await.unwrap();
    assert_eq!(bounded("get", changed).await, event(EventType::NodeDataChanged, "/w"));

    for want in [
        event(EventType::NodeCreated, "/w"),
        event(EventType::NodeCreated, "/w/deep"),
        event(EventType::NodeDataChanged, "/w"),
        event(EventType::NodeDataChanged, "/"),
    ] {
        assert_eq!(bounded("recursive", recursive.next()).await, Some(want));
    }
    for want in [
        event(EventType::NodeCreated, "/w"),
        event(EventType::NodeChildrenChanged, "/w"),
        event(EventType::NodeDataChanged, "/w"),
    ] {
        assert_eq!(bounded("persistent", persistent.next()).await, Some(want));
    }

    // Watches are removed by client path too.
    let (_, _, watch) = zk.get_watch("/w").await.unwrap();
    zk.remove_watches("/w", WatcherType::Data).await.unwrap();
    drop(watch);
}

#[tokio::test]
async fn acls_are_read_and_set_through_the_chroot() {
    let (zk, root, plain) = chrooted("chroot-acls").await;
    let path = format!("{root}/n");
    zk.create("/n", "").await.unwrap();
    let read_only = vec![Acl::new(Perms::READ | Perms::ADMIN, Id::anyone())];
    let stat = zk.set_acls("/n", read_only.clone()).version(0).await.unwrap();
    assert_eq!(stat.aversion, 1);
    assert_eq!(plain.get_acls(&path).await.unwrap(), (read_only, stat));

    let open = vec![Acl::new(Perms::ALL, Id::anyone())];
    plain.set_acls(&path, open.clone()).await.unwrap();
    let (acl, stat) = zk.get_acls("/n").await.unwrap();
    assert_eq!((acl, stat.aversion), (open, 2));
    let created = zk.create("/r", "").acl(vec![Acl::new(Perms::READ, Id::anyone())]).await.unwrap();
    assert_eq!(created, "/r");
    assert!(plain.set(&format!("{root}/r"), "x").await.unwrap_err().is_no_auth());
}

#[tokio::test]
async fn a_root_chroot_is_none_and_an_invalid_chroot_is_refused() {
    let plain = root_client().await;
    let chroot = unique_chroot("chroot-slash");
    plain.create(&chroot, "").await.unwrap();

    let slash = Client::connect(format!("{}/", shared().connect_string())).await.unwrap();
    assert_eq!(slash.chroot(), None, "a chroot of / is none");
    assert!(slash.exists(&chroot).await.unwrap().is_some());

    // As ZooKeeper's Java client, a chroot must be a valid path.
    for bad in [format!("{chroot}/"), format!("{chroot}//x"), "/a/./b".to_owned()] {
        let err =
            Client::builder(format!("{}{bad}", shared().connect_string())).build().expect_err(&bad);
        assert_eq!(err.kind(), ErrorKind::InvalidConnectString, "{bad}: {err:?}");
        assert!(err.to_string().contains(&bad), "{bad}: {err}");
    }
}
