//! Walks against the real server: order, laziness, and the deliberate
//! differences from zc.zk (ephemeral nodes left out and pruning at every
//! depth).

use zookit_registry::ZooKeeper;

use crate::server_tree::import;
use crate::support::{helper, map};

const TREE: &str = "
/a
  /providers
  /x
    /providers
    /y
/b
  /providers
";

async fn setup(name: &str) -> ZooKeeper {
    let zk = helper(name).await;
    assert!(import(&zk, TREE, "/").await.is_empty());
    for path in ["/a/providers", "/a/x/providers", "/b/providers"] {
        zk.register(path, "10.0.0.1:80", None, map(serde_json::json!({}))).await.unwrap();
    }
    zk
}

#[tokio::test]
async fn pre_order_with_sorted_children() {
    let zk = setup("walk-order").await;
    let all = [
        "/",
        "/a",
        "/a/providers",
        "/a/providers/10.0.0.1:80",
        "/a/x",
        "/a/x/providers",
        "/a/x/providers/10.0.0.1:80",
        "/a/x/y",
        "/b",
        "/b/providers",
        "/b/providers/10.0.0.1:80",
    ];
    assert_eq!(zk.walk("/", true, false).paths().await.unwrap(), all);
    assert_eq!(zk.walk("/a/x", true, false).paths().await.unwrap(), all[4..8]);
    assert!(zk.walk("/missing", true, false).paths().await.unwrap().is_empty());

    // Entries carry the sorted children and the stat.
    let mut walk = zk.walk("/a", true, true);
    let entry = walk.next().await.unwrap().unwrap();
    assert_eq!(
        (entry.path.as_str(), &entry.children[..]),
        ("/a", &["providers".to_owned(), "x".to_owned()][..])
    );
    assert_eq!(entry.stat.num_children, 2);
    let entry = walk.next().await.unwrap().unwrap();
    assert_eq!(entry.path, "/a/providers");
    let entry = walk.next().await.unwrap().unwrap();
    assert_eq!(entry.stat.ephemeral_owner, zk.client().client_id().unwrap().0);
    zk.close().await.unwrap();
}

/// A deliberate difference: zc.zk only left out an ephemeral node the walk
/// started at.
#[tokio::test]
async fn ephemeral_nodes_are_left_out_at_every_depth() {
    let zk = setup("walk-ephemeral").await;
    assert_eq!(
        zk.walk("/", false, false).paths().await.unwrap(),
        ["/", "/a", "/a/providers", "/a/x", "/a/x/providers", "/a/x/y", "/b", "/b/providers"]
    );
    assert!(zk.walk("/a/providers/10.0.0.1:80", false, false).paths().await.unwrap().is_empty());
    assert_eq!(
        zk.walk("/a/providers/10.0.0.1:80", true, false).paths().await.unwrap(),
        ["/a/providers/10.0.0.1:80"]
    );
    zk.close().await.unwrap();
}

/// A deliberate difference: zc.zk only gave the first node's children to
/// prune.
#[tokio::test]
async fn pruning_at_every_depth() {
    let zk = setup("walk-prune").await;
    let mut walk = zk.walk("/", true, true);
    let mut seen = Vec::new();
    while let Some(entry) = walk.next().await {
        let entry = entry.unwrap();
        seen.push(entry.path.clone());
        entry.children.retain(|name| name != "providers");
        if entry.path == "/b" {
            entry.children.push("not-a-child".into()); // skipped
        }
    }
    assert_eq!(seen, ["/", "/a", "/a/x", "/a/x/y", "/b"]);

    // Without `children`, edits are ignored.
    let mut walk = zk.walk("/a/x", true, false);
    let mut seen = Vec::new();
    while let Some(entry) = walk.next().await {
        let entry = entry.unwrap();
        seen.push(entry.path.clone());
        entry.children.clear();
    }
    assert_eq!(seen, ["/a/x", "/a/x/providers", "/a/x/providers/10.0.0.1:80", "/a/x/y"]);
    zk.close().await.unwrap();
}

#[tokio::test]
async fn changes_are_seen_while_walking() {
    let zk = setup("walk-changes").await;
    let mut walk = zk.walk("/", false, false);
    let mut seen = Vec::new();
    while let Some(path) = walk.next_path().await {
        let path = path.unwrap();
        if path == "/a" {
            // Not yet visited: a new child of `/a/x` is seen, a deleted
            // subtree is not.
            zk.create("/a/x/new", "", None).await.unwrap();
            zk.delete_recursive("/b", false, true, false).await.unwrap();
        }
        seen.push(path);
    }
    assert_eq!(seen, ["/", "/a", "/a/providers", "/a/x", "/a/x/new", "/a/x/providers", "/a/x/y"]);
    zk.close().await.unwrap();
}
