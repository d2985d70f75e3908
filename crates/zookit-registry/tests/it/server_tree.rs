//! Import, export, recursive deletion and walks against the real server:
//! zc.zk's README sequence, its dry runs, and the deliberate differences.

use serde_json::json;
use zookit::ErrorCode;
use zookit::{Acl, Id, Perms};
use zookit_registry::tree::{ExportOptions, Node, PropertyLink, export_text, parse_tree};
use zookit_registry::value::{Map, decode_node_data, python_repr};
use zookit_registry::{ImportReport, ZooKeeper, open_acl_unsafe};

use crate::readme_expected::*;
use crate::support::{Printed, eventually, helper, map};

/// Imports with zc.zk's defaults (`trim` unset, open ACL, no dry run).
pub(crate) async fn import(zk: &ZooKeeper, text: &str, path: &str) -> Vec<String> {
    zk.import_tree(text, path, None, None, false).await.unwrap().messages
}

async fn export(zk: &ZooKeeper, path: &str) -> String {
    zk.export_tree(path, false, None).await.unwrap()
}

async fn properties(zk: &ZooKeeper, path: &str) -> Map {
    decode_node_data(&zk.get(path).await.unwrap().0)
}

/// Registers an ephemeral server node with `pid = 9999`, as the README's
/// test setup does.
async fn register(zk: &ZooKeeper, path: &str, address: &str) {
    zk.register(path, address, None, map(json!({"pid": 9999}))).await.unwrap();
}

const NONE: [&str; 0] = [];

/// The README from "Register a server" to "Getting property data without
/// tracking changes", in order, with what its callbacks print.
async fn readme_registration_and_properties(zk: &ZooKeeper) {
    // The service node and its configuration exist beforehand.
    zk.create("/fooservice", FOOSERVICE_DATA, None).await.unwrap();
    zk.create("/fooservice/providers", "", None).await.unwrap();

    // >>> zk.register('/fooservice/providers', ('192.168.0.42', 8080))
    zk.register("/fooservice/providers", "192.168.0.42:8080", None, Map::new()).await.unwrap();
    assert_eq!(
        zk.get_properties("/fooservice/providers/192.168.0.42:8080").await.unwrap(),
        map(json!({"pid": std::process::id()}))
    );
    // Normalise the pid, as the README's test setup does.
    register(zk, "/fooservice/providers", "192.168.0.42:8080").await;

    // >>> addresses = zk.children('/fooservice/providers'); sorted(addresses)
    let addresses = zk.children("/fooservice/providers").await.unwrap();
    assert_eq!(addresses.names(), ["192.168.0.42:8080"]);
    register(zk, "/fooservice/providers", "192.168.0.42:8081").await;
    eventually("the second provider", || addresses.len() == 2).await;
    assert_eq!(python_repr(&addresses.names().into()), ADDRESSES_2);

    // @zk.children('/fooservice/providers') def addresses_updated(...)
    let printed = Printed::default();
    let out = printed.clone();
    addresses.on_change(move |addresses| addresses_updated(&out, addresses.names()));
    assert_eq!(printed.take(ADDRESSES_CHANGED_2).await, ADDRESSES_CHANGED_2);
    register(zk, "/fooservice/providers", "192.168.0.42:8082").await;
    assert_eq!(printed.take(ADDRESSES_CHANGED_3).await, ADDRESSES_CHANGED_3);

    // >>> data = zk.properties('/fooservice')
    let data = zk.properties("/fooservice", true).await.unwrap();
    assert_eq!(python_repr(&data.get("database").unwrap()), "'/databases/foomain'");
    assert_eq!(python_repr(&data.get("threads").unwrap()), "1");
    let out = printed.clone();
    data.on_change(move |data| data_updated(&out, data.keys(), |key| data.get(key))).unwrap();
    assert_eq!(printed.take(DATA_UPDATED[0]).await, DATA_UPDATED[0]);

    // >>> data.update(thread_info, secret='123')
    data.update(map(json!({"threads": 2, "secret": "123"}))).await.unwrap();
    assert_eq!(printed.take(DATA_UPDATED[1]).await, DATA_UPDATED[1]);
    // >>> data['threads'] = 1
    data.insert("threads", 1).await.unwrap();
    assert_eq!(printed.take(DATA_UPDATED[2]).await, DATA_UPDATED[2]);
    // >>> data.set(threads= 3, secret='1234')
    data.set(map(json!({"threads": 3, "secret": "1234"}))).await.unwrap();
    assert_eq!(printed.take(DATA_UPDATED[3]).await, DATA_UPDATED[3]);

    // >>> p2 = zk.properties('/fooservice', watch=False)
    let p2 = zk.properties("/fooservice", false).await.unwrap();
    assert_eq!(p2.keys(), ["secret", "threads"]);
    assert!(matches!(p2.on_change(|_| ()), Err(zookit_registry::Error::NotWatching)));
    p2.insert("threads", 2).await.unwrap();
    assert_eq!(printed.take(DATA_UPDATED[4]).await, DATA_UPDATED[4]);
    p2.update(map(json!({"threads": 3}))).await.unwrap();
    assert_eq!(printed.take(DATA_UPDATED[5]).await, DATA_UPDATED[5]);
}

/// The README, from "Tree-definition format, import, and export" to the
/// end of "Iterating over a tree", as far as import, export, deletion and
/// walks go.
#[tokio::test]
async fn readme_sequence() {
    let zk = helper("readme-tree").await;
    readme_registration_and_properties(&zk).await;

    // Import, export.
    assert_eq!(import(&zk, TREE_TEXT, "/").await, NONE);
    assert_eq!(export(&zk, "/").await, first_export());
    assert_eq!(export(&zk, "/fooservice").await, FOOSERVICE);
    assert_eq!(zk.export_tree("/fooservice", true, None).await.unwrap(), FOOSERVICE_EPHEMERAL);

    // Re-import: extra paths are reported, not trimmed.
    assert_eq!(import(&zk, TREE_TEXT_2, "/").await, REIMPORT_MESSAGES);
    assert_eq!(export(&zk, "/").await, untrimmed_export());
    let dry_trim = zk.import_tree(TREE_TEXT_2, "/", Some(true), None, true).await.unwrap();
    assert_eq!(dry_trim.messages, DRY_TRIM_MESSAGES);
    assert_eq!((dry_trim.created, dry_trim.updated, dry_trim.deleted), (0, 0, 0));
    assert_eq!(
        zk.import_tree(TREE_TEXT_2, "/", Some(false), None, false).await.unwrap().messages,
        NONE
    );
    let dry_trim = zk.import_tree(TREE_TEXT_2, "/", Some(true), None, true).await.unwrap();
    assert_eq!(dry_trim.messages, DRY_TRIM_MESSAGES);
    let trimmed = zk.import_tree(TREE_TEXT_2, "/", Some(true), None, false).await.unwrap();
    assert_eq!(trimmed.messages, NONE);
    assert_eq!((trimmed.created, trimmed.deleted), (0, 1));
    assert_eq!(export(&zk, "/").await, trimmed_export());

    // Recursive deletion.
    assert_eq!(zk.delete_recursive("/retail", false, false, false).await.unwrap(), NONE);
    assert_eq!(export(&zk, "/").await, export_without_retail());
    assert_eq!(
        zk.delete_recursive("/fooservice", false, false, false).await.unwrap(),
        FOOSERVICE_NOT_DELETED
    );
    assert_eq!(export(&zk, "/").await, export_without_retail());

    // Symbolic links: moving a subtree with export and import.
    register(&zk, "/cms/providers", "1.2.3.4:5").await;
    let moved = zk.export_tree("/cms/databases/main", false, Some("cms")).await.unwrap();
    assert_eq!(moved, MAIN_AS_CMS);
    zk.create("/databases", "", None).await.unwrap();
    assert_eq!(import(&zk, &moved, "/databases").await, NONE);
    assert_eq!(export(&zk, "/databases").await, DATABASES_IMPORTED);
    zk.ln("/databases/cms", "/cms/databases/main").await.unwrap();
    assert_eq!(properties(&zk, "/cms/databases").await, map(json!({"main ->": "/databases/cms"})));
    assert_eq!(
        zk.delete_recursive("/cms/databases/main", false, false, false).await.unwrap(),
        NONE
    );
    zk.delete("/databases/cms/providers").await.unwrap();

    // Relative links.
    assert_eq!(import(&zk, RELATIVE_LINK_SOURCE, "/").await, NONE);
    assert_eq!(zk.resolve("/a/b/l").await.unwrap(), "/a/b/c");
    assert_eq!(zk.resolve("/a/b/l2").await.unwrap(), "/a/c");
    assert_eq!(export(&zk, "/a").await, RELATIVE_LINK_SOURCE);
    assert_eq!(zk.delete_recursive("/a", false, false, false).await.unwrap(), NONE);

    // Property links.
    zk.create("/test-propery-links", "", Some(open_acl_unsafe())).await.unwrap();
    assert_eq!(import(&zk, PROPERTY_LINK_SOURCE, "/test-propery-links").await, NONE);
    let stored = properties(&zk, "/test-propery-links/cms").await;
    assert_eq!(stored["threads =>"], "/fooservice threads");
    assert_eq!(stored["type"], "z4m cms");
    assert_eq!(
        export(&zk, "/test-propery-links/cms").await,
        "/cms : z4m cms\n  threads => /fooservice threads\n  /databases\n    /main\n      /providers\n  /providers\n"
    );
    assert_eq!(
        import(&zk, PROPERTY_LINK_REIMPORT, "/test-propery-links").await,
        PROPERTY_LINK_REIMPORT_MESSAGES
    );
    assert_eq!(
        properties(&zk, "/test-propery-links/cms").await,
        map(json!({"threads =>": "/fooservice"})),
        "the data is replaced: the type is gone too"
    );
    assert_eq!(
        zk.delete_recursive("/test-propery-links", false, false, false).await.unwrap(),
        NONE
    );

    // The export script's output.
    zk.set("/databases/cms", r#"{"a":1}"#).await.unwrap();
    assert_eq!(export(&zk, "/").await, script_export());

    // The import script, and print_tree.
    assert_eq!(import(&zk, PROVISION, "/fooservice").await, NONE);
    assert_eq!(zk.print_tree_text("/").await.unwrap(), print_tree());
    for (text, path, trim, expected) in SCRIPT_DRY_RUNS {
        let dry = zk.import_tree(text, path, trim, None, true).await.unwrap();
        assert_eq!(dry.messages, expected, "{text:?} at {path}");
    }

    // The property-update script, then print_tree of a node.
    zk.set("/fooservice", FOOSERVICE_SCRIPT_DATA).await.unwrap();
    assert_eq!(zk.print_tree_text("/fooservice").await.unwrap(), print_fooservice());

    // Iterating over a tree.
    assert_eq!(zk.walk("/", true, false).paths().await.unwrap(), walk_all());
    assert_eq!(zk.walk("/fooservice", true, false).paths().await.unwrap(), WALK_FOOSERVICE);
    assert_eq!(
        zk.walk("/fooservice", false, false).paths().await.unwrap(),
        WALK_FOOSERVICE_NOT_EPHEMERAL
    );

    let mut walk = zk.walk("/fooservice", true, true);
    let first = walk.next().await.unwrap().unwrap();
    assert_eq!(
        (first.path.as_str(), first.children.clone()),
        ("/fooservice", vec!["providers".to_owned(), "provision".to_owned()])
    );
    first.children.remove(0);
    assert_eq!(walk.paths().await.unwrap(), WALK_PRUNED);

    // Modifications are seen while walking.
    let mut seen = Vec::new();
    let mut walk = zk.walk("/fooservice", true, false);
    while let Some(path) = walk.next_path().await {
        let path = path.unwrap();
        if zk.get_children(&path).await.unwrap().contains(&"provision".to_owned()) {
            zk.delete_recursive(&format!("{path}/provision"), false, false, false).await.unwrap();
        }
        seen.push(path);
    }
    assert_eq!(seen, WALK_FOOSERVICE[..5]);
    zk.close().await.unwrap();
}

#[tokio::test]
async fn dry_run_property_changes_in_zc_zk_words() {
    let zk = helper("dry-run-properties").await;
    let before = "
/cms : z4m cms
  gone = 'x'
  same = 1
  threads = 3
  main -> /a
  old -> /o
  t => /fooservice threads
  /providers
";
    assert_eq!(import(&zk, before, "/").await, NONE);
    let after = "
/cms : z4m
  added = [1, 'a', None]
  same = 1.0
  threads = 4
  main -> /b
  new -> /n
  t => /fooservice
  /providers
    /new
";
    let dry = zk.import_tree(after, "/", None, None, true).await.unwrap();
    assert_eq!(
        dry.messages,
        [
            "/cms remove property gone = x",
            "/cms main link change from /a to /b",
            "/cms remove link old -> /o",
            "/cms t => change from /fooservice threads to /fooservice",
            "/cms threads change from 3 to 4",
            "/cms type change from z4m cms to z4m",
            "/cms add property added = [1, 'a', None]",
            "/cms add link new -> /n",
            "add /cms/providers/new",
        ]
    );
    // Nothing changed.
    assert_eq!(
        export(&zk, "/").await,
        "/cms : z4m cms\n  gone = 'x'\n  same = 1\n  threads = 3\n  main -> /a\n  old -> /o\n  t => /fooservice threads\n  /providers\n"
    );
    // A dry run of a missing subtree says `add` for its top only.
    let dry =
        zk.import_tree("/new\n  /a\n    /b\n/cms", "/", Some(true), None, true).await.unwrap();
    assert_eq!(
        dry.messages,
        [
            "/cms remove property gone = x",
            "/cms remove link main -> /a",
            "/cms remove link old -> /o",
            "/cms remove property same = 1",
            "/cms remove property t => = /fooservice threads",
            "/cms remove property threads = 3",
            "/cms remove property type = z4m cms",
            "would delete /cms/providers.",
            "add /new",
        ]
    );

    let applied = zk.import_tree(after, "/", None, None, false).await.unwrap();
    assert_eq!((applied.created, applied.updated, applied.deleted), (1, 2, 0));
    assert_eq!(
        export(&zk, "/").await,
        "/cms : z4m\n  added = [1, 'a', None]\n  same = 1.0\n  threads = 4\n  main -> /b\n  new -> /n\n  t => /fooservice\n  /providers\n    /new\n"
    );
    // Python's str() of values: strings bare, the rest as repr.
    assert_eq!(
        import(&zk, "/cms\n  s = \"it's\"\n  d = {'k': True}\n", "/").await,
        ["extra path not trimmed: /cms/providers"]
    );
    let dry = zk
        .import_tree("/cms\n  s = 'x'\n  d = {'k': 1}\n", "/", Some(false), None, true)
        .await
        .unwrap();
    assert_eq!(dry.messages, ["/cms s change from it's to x"]);
    zk.close().await.unwrap();
}

#[tokio::test]
async fn trimming_spares_ephemeral_nodes_and_their_ancestors() {
    let zk = helper("trim-ephemeral").await;
    let text = "/svc\n  /providers\n  /old\n    /deep\n  /keep\n";
    assert_eq!(import(&zk, text, "/").await, NONE);
    register(&zk, "/svc/providers", "10.0.0.1:80").await;
    register(&zk, "/svc/old/deep", "10.0.0.2:80").await;
    zk.create("/svc/old/deep/plain", "", None).await.unwrap();
    zk.create("/top", "", None).await.unwrap();

    // `/svc/providers` holds only an ephemeral node: trimming it is silent
    // for the node itself (`ignore_if_ephemeral`), not for its children.
    let dry =
        zk.import_tree("/svc\n  /keep\n  /providers\n", "/", Some(true), None, true).await.unwrap();
    assert_eq!(
        dry.messages,
        [
            "wouldn't delete /svc/old/deep/10.0.0.2:80 because it's ephemeral.",
            "would delete /svc/old/deep/plain.",
            "/svc/old/deep not deleted due to ephemeral descendent.",
            "/svc/old not deleted due to ephemeral descendent.",
        ]
    );
    let report = zk.import_tree("/svc\n  /keep\n", "/", Some(true), None, false).await.unwrap();
    assert_eq!(
        report.messages,
        [
            "Not deleting /svc/old/deep/10.0.0.2:80 because it's ephemeral.",
            "/svc/old/deep not deleted due to ephemeral descendent.",
            "/svc/old not deleted due to ephemeral descendent.",
            "Not deleting /svc/providers/10.0.0.1:80 because it's ephemeral.",
            "/svc/providers not deleted due to ephemeral descendent.",
        ]
    );
    assert_eq!(report.deleted, 1);
    assert_eq!(
        zk.print_tree_text("/").await.unwrap(),
        "/svc\n  /keep\n  /old\n    /deep\n      /10.0.0.2:80\n        pid = 9999\n  /providers\n    /10.0.0.1:80\n      pid = 9999\n/top\n"
    );

    // An ephemeral extra path itself is silently kept.
    zk.client().create("/svc/keep/e", "").ephemeral().await.unwrap();
    let report = zk.import_tree("/svc\n  /keep\n", "/", Some(true), None, false).await.unwrap();
    assert!(!report.messages.iter().any(|m| m.contains("/svc/keep/")), "{:?}", report.messages);
    assert!(zk.exists("/svc/keep/e").await.unwrap().is_some());
    zk.close().await.unwrap();
}

#[tokio::test]
async fn delete_recursive_dry_run_force_and_ignore() {
    let zk = helper("delete-recursive").await;
    assert_eq!(import(&zk, "/f\n  /providers\n  /a\n    /b\n", "/").await, NONE);
    register(&zk, "/f/providers", "10.0.0.1:80").await;
    register(&zk, "/f/providers", "10.0.0.1:81").await;

    let dry = zk.delete_recursive("/f", true, false, false).await.unwrap();
    assert_eq!(
        dry,
        [
            "would delete /f/a/b.",
            "would delete /f/a.",
            "wouldn't delete /f/providers/10.0.0.1:80 because it's ephemeral.",
            "wouldn't delete /f/providers/10.0.0.1:81 because it's ephemeral.",
            "/f/providers not deleted due to ephemeral descendent.",
            "/f not deleted due to ephemeral descendent.",
        ]
    );
    assert!(zk.exists("/f/a/b").await.unwrap().is_some(), "a dry run deletes nothing");
    assert_eq!(
        zk.delete_recursive("/f/providers/10.0.0.1:80", false, false, false).await.unwrap(),
        ["Not deleting /f/providers/10.0.0.1:80 because it's ephemeral."]
    );
    assert_eq!(
        zk.delete_recursive("/f/providers/10.0.0.1:80", false, false, true).await.unwrap(),
        NONE
    );
    assert_eq!(
        zk.delete_recursive("/f/providers/10.0.0.1:80", true, false, true).await.unwrap(),
        NONE
    );
    assert!(zk.is_ephemeral("/f/providers/10.0.0.1:80").await.unwrap());
    assert!(!zk.is_ephemeral("/f/providers").await.unwrap());
    assert_eq!(zk.is_ephemeral("/nope").await.unwrap_err().code(), Some(ErrorCode::NoNode));

    assert_eq!(
        zk.delete_recursive("/f", true, true, false).await.unwrap(),
        [
            "would delete /f/a/b.",
            "would delete /f/a.",
            "would delete /f/providers/10.0.0.1:80.",
            "would delete /f/providers/10.0.0.1:81.",
            "would delete /f/providers.",
            "would delete /f.",
        ]
    );
    assert_eq!(zk.delete_recursive("/f", false, true, false).await.unwrap(), NONE);
    assert!(zk.exists("/f").await.unwrap().is_none());
    assert_eq!(
        zk.delete_recursive("/f", false, false, false).await.unwrap_err().code(),
        Some(ErrorCode::NoNode)
    );
    zk.close().await.unwrap();
}

#[tokio::test]
async fn export_options_ephemeral_top_and_reserved_name() {
    let zk = helper("export-options").await;
    assert_eq!(export(&zk, "/").await, "\n", "an empty tree");
    assert_eq!(zk.export_tree("/", false, Some("copy")).await.unwrap(), "/copy\n");
    assert_eq!(import(&zk, "/a : t\n  x = 1\n  /b\n/zookeeper\n  /quota\n", "/").await, NONE);
    // `/zookeeper` is left out of exports of `/` only.
    assert_eq!(export(&zk, "/").await, "/a : t\n  x = 1\n  /b\n");
    assert_eq!(
        zk.export_tree("/", false, Some("copy")).await.unwrap(),
        "/copy\n  /a : t\n    x = 1\n    /b\n"
    );
    assert_eq!(export(&zk, "/zookeeper").await, "/zookeeper\n  /quota\n");
    assert_eq!(
        zk.export_tree("/a", false, Some("renamed")).await.unwrap(),
        "/renamed : t\n  x = 1\n  /b\n"
    );
    assert!(
        zk.walk("/", true, false).paths().await.unwrap().contains(&"/zookeeper/quota".to_owned())
    );

    // An ephemeral top node is left out unless asked for.
    register(&zk, "/a/b", "1.1.1.1:1").await;
    assert_eq!(export(&zk, "/a/b/1.1.1.1:1").await, "\n");
    assert_eq!(zk.read_tree("/a/b/1.1.1.1:1", false).await.unwrap(), None);
    assert_eq!(
        zk.export_tree("/a/b/1.1.1.1:1", true, None).await.unwrap(),
        "/1.1.1.1:1\n  pid = 9999\n"
    );
    assert_eq!(
        zk.export_tree("/nope", false, None).await.unwrap_err().code(),
        Some(ErrorCode::NoNode)
    );

    // Data that is not a JSON object is the property `string_value`.
    zk.set("/a/b", "plain text").await.unwrap();
    assert_eq!(export(&zk, "/a").await, "/a : t\n  x = 1\n  /b\n    string_value = 'plain text'\n");
    zk.close().await.unwrap();
}

#[tokio::test]
async fn import_sets_acls_and_stops_at_the_first_failing_write() {
    let zk = helper("import-acl").await;
    assert_eq!(import(&zk, "/a\n  /b\n", "/").await, NONE);
    assert_eq!(zk.client().get_acls("/a/b").await.unwrap().0, open_acl_unsafe());

    // Another ACL for new nodes and for existing ones.
    let local = vec![Acl::new(Perms::ALL, Id::new("ip", "127.0.0.1"))];
    let report =
        zk.import_tree("/a\n  /b\n  /c\n", "/", None, Some(local.clone()), false).await.unwrap();
    assert_eq!((report.created, report.updated), (1, 4), "two sets and two ACL changes");
    for path in ["/a", "/a/b", "/a/c"] {
        assert_eq!(zk.client().get_acls(path).await.unwrap().0, local, "{path}");
    }

    // Everything before a failing write is applied, nothing after it: a
    // registration node may not be written by importers. (The first writes
    // are one transaction, which fails as a whole; they are then made one
    // at a time.)
    register(&zk, "/a/b", "10.0.0.1:80").await;
    let text = "/a\n  x = 1\n  /b\n    /10.0.0.1:80\n      pid = 1\n  /c\n    /new\n";
    let error = zk.import_tree(text, "/", None, Some(local), false).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::NoAuth), "{error}");
    assert_eq!(properties(&zk, "/a").await, map(json!({"x": 1})));
    assert!(zk.exists("/a/c/new").await.unwrap().is_none());

    // Importing into a missing node fails at the first create.
    let error = zk.import_tree("/x\n", "/missing", None, None, false).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::NoNode));
    zk.close().await.unwrap();
}

/// A canonical text with every kind of line and awkward values.
const CANONICAL: &str = "/app : web server
  empty = ''
  flag = False
  float = 1e-07
  list = [1, 2.5, 'x', None, [True]]
  map = {'a': {'b': []}, 'c': -3}
  name = \"caf\u{e9} 'quoted' \\n\"
  type2 = 5
  db -> /databases/main
  parent -> ..
  threads => /defaults
  timeout => ../defaults request_timeout
  /child
    /grandchild : leaf
      x = 1
/defaults
  request_timeout = 30
  threads = 4
/node:with:colons
  type = 7
";

#[tokio::test]
async fn round_trips_through_the_server() {
    let zk = helper("round-trip").await;
    assert_eq!(import(&zk, CANONICAL, "/").await, NONE);
    assert_eq!(export(&zk, "/").await, CANONICAL);
    let model = parse_tree(CANONICAL).unwrap();
    let read = zk.read_tree("/", false).await.unwrap().unwrap();
    assert_eq!(read.children, model.children);
    assert_eq!(parse_tree(&export(&zk, "/").await).unwrap(), model);
    assert_eq!(
        read.children["app"].property_links["timeout"],
        PropertyLink::new("../defaults", Some("request_timeout".into()))
    );
    // Stored as zc.zk stores them.
    let stored = properties(&zk, "/app").await;
    assert_eq!(stored["threads =>"], "/defaults");
    assert_eq!(stored["timeout =>"], "../defaults request_timeout");
    assert_eq!(stored["db ->"], "/databases/main");
    assert_eq!(stored["type"], "web server");

    // Re-importing the export changes nothing, and a dry run says so.
    let dry = zk.import_tree(CANONICAL, "/", Some(true), None, true).await.unwrap();
    assert_eq!(dry.messages, NONE);
    assert_eq!(import(&zk, &export(&zk, "/").await, "/").await, NONE);
    assert_eq!(export(&zk, "/").await, CANONICAL);

    // Copying a subtree elsewhere under another name.
    let copy = zk.export_tree("/app", false, Some("copy")).await.unwrap();
    zk.create("/elsewhere", "", None).await.unwrap();
    assert_eq!(import(&zk, &copy, "/elsewhere/").await, NONE);
    let mut expected = model.children["app"].clone();
    expected.name = "copy".into();
    assert_eq!(zk.read_tree("/elsewhere/copy", false).await.unwrap(), Some(expected.clone()));
    assert_eq!(
        export(&zk, "/elsewhere").await,
        export_text(&Node::new("elsewhere").with_child(expected), &ExportOptions::new())
    );
    zk.close().await.unwrap();
}

/// `services` × 1000 nodes: each service has 111 nodes of 8 leaves, with
/// properties, a link and a property link. Written canonically.
pub(crate) fn big_tree_text(services: usize) -> String {
    let mut text = String::new();
    for i in 0..services {
        text += &format!("/svc{i:04} : z4m svc\n  name = 'svc {i}'\n  threads = {i}\n");
        for j in 0..111 {
            text += &format!(
                "  /n{j:04}\n    weight = {j}\n    home -> /svc{i:04}\n    threads => /svc{i:04}\n"
            );
            for k in 0..8 {
                text += &format!("    /leaf{k}\n      x = {k}.5\n");
            }
        }
    }
    text
}

#[tokio::test]
async fn a_two_thousand_node_tree() {
    let zk = helper("big-tree").await;
    let text = big_tree_text(2);
    let report = zk.import_tree(&text, "/", None, None, false).await.unwrap();
    assert_eq!((report.messages.len(), report.created), (0, 2000));
    assert_eq!(export(&zk, "/").await, text);
    assert_eq!(zk.walk("/", true, false).paths().await.unwrap().len(), 2001);

    // Re-import with trimming: every leaf but one goes.
    let trimmed: String = text
        .lines()
        .filter(|l| !l.contains("/leaf") || l.contains("/leaf0"))
        .collect::<Vec<_>>()
        .join("\n");
    let trimmed = trimmed
        .lines()
        .filter(|l| !l.contains("x = ") || l.contains("x = 0.5"))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let dry = zk.import_tree(&trimmed, "/", Some(true), None, true).await.unwrap();
    assert_eq!(dry.messages.len(), 2 * 111 * 7);
    assert_eq!(dry.messages[0], "would delete /svc0000/n0000/leaf1.");
    let report = zk.import_tree(&trimmed, "/", Some(true), None, false).await.unwrap();
    assert_eq!((report.created, report.updated, report.deleted), (0, 2 + 2 * 111 * 2, 2 * 111 * 7));
    assert_eq!(export(&zk, "/").await, trimmed);

    assert_eq!(zk.delete_recursive("/svc0000", false, false, false).await.unwrap(), NONE);
    assert_eq!(zk.get_children("/").await.unwrap(), ["svc0001"]);
    zk.close().await.unwrap();
}

#[test]
fn import_report_prints_its_messages() {
    let report = ImportReport::default();
    report.print();
    assert!(report.messages.is_empty());
}
