//! Every operation against the real server, through a chroot.

use zookit::{Acl, CreateMode, ErrorKind, Id, Perms};

use crate::common::client;

#[tokio::test]
async fn create_get_set_delete() {
    let zk = client("crud").await;
    assert_eq!(zk.create("/a", "hello").await.unwrap(), "/a");
    let (data, stat) = zk.get("/a").await.unwrap();
    assert_eq!(&data[..], b"hello");
    assert_eq!(stat.version, 0);
    let stat = zk.set("/a", "world").await.unwrap();
    assert_eq!(stat.version, 1);
    let err = zk.set("/a", "stale").version(0).await.unwrap_err();
    assert!(err.is_bad_version(), "{err}");
    assert_eq!(err.to_string(), "setData /a: BadVersion (version does not match)");
    assert!(zk.exists("/a").await.unwrap().is_some());
    zk.delete("/a").version(1).await.unwrap();
    assert!(zk.exists("/a").await.unwrap().is_none());
    let err = zk.get("/a").await.unwrap_err();
    assert!(err.is_no_node());
    assert_eq!(err.path(), Some("/a"));
}

#[tokio::test]
async fn create_modes_and_makepath() {
    let zk = client("modes").await;
    let seq = zk.create("/q/item-", "x").sequential().makepath().await.unwrap();
    assert_eq!(seq, "/q/item-0000000000");
    let eph = zk.create("/q/e", "").ephemeral().await.unwrap();
    let stat = zk.exists(&eph).await.unwrap().unwrap();
    assert_eq!(stat.ephemeral_owner, zk.client_id().unwrap().0);
    let (path, stat) = zk.create("/q/with-stat", "abc").with_stat().await.unwrap();
    assert_eq!(path, "/q/with-stat");
    assert_eq!(stat.data_length, 3);
    zk.create("/q/ttl", "").ttl(std::time::Duration::from_secs(60)).await.unwrap();
    zk.create("/q/c", "").container().await.unwrap();
    let err = zk
        .create("/q/bad", "")
        .ephemeral()
        .ttl(std::time::Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    let err = zk.create("/q//bad", "").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPath, "{err}");
    assert_eq!(zk.get_ephemerals("/q").await.unwrap(), ["/q/e"]);
    let mut children = zk.get_children("/q").await.unwrap();
    children.sort();
    assert_eq!(children, ["c", "e", "item-0000000000", "ttl", "with-stat"]);
    assert_eq!(zk.get_all_children_number("/q").await.unwrap(), 5);
    zk.delete("/q").recursive().await.unwrap();
    assert!(zk.exists("/q").await.unwrap().is_none());
    let _ = (CreateMode::Persistent, Acl::new(Perms::READ, Id::anyone()));
}
