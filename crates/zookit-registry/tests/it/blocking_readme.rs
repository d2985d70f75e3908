//! zc.zk 2.1.0's README scenario through the blocking helper, as a zc.zk
//! user writes it, every section in order: what each step returns and what
//! its callbacks print (the expectations are the async run's, in
//! `readme_expected`).

use serde_json::json;
use zookit_registry::blocking::ZooKeeper;
use zookit_registry::value::{Map, python_repr};
use zookit_registry::{Error, open_acl_unsafe};

use crate::readme_expected::*;
use crate::support::{Printed, blocking_helper, eventually_blocking, map};

const NONE: [&str; 0] = [];

/// Registers an ephemeral server node with `pid = 9999`, as the README's
/// test setup does.
fn register(zk: &ZooKeeper, path: &str, address: &str) {
    zk.register(path, address, None, map(json!({"pid": 9999}))).unwrap();
}

/// `zk.import_tree(text, path)`: its messages.
fn import(zk: &ZooKeeper, text: &str, path: &str) -> Vec<String> {
    zk.import_tree(text, path, None, None, false).unwrap().messages
}

fn export(zk: &ZooKeeper, path: &str) -> String {
    zk.export_tree(path, false, None).unwrap()
}

#[test]
fn the_readme_through_the_blocking_helper() {
    // Instantiating a ZooKeeper helper.
    let zk = blocking_helper("blocking-readme");
    let printed = Printed::default();
    zk.create("/fooservice", FOOSERVICE_DATA, None).unwrap();
    zk.create("/fooservice/providers", "", None).unwrap();

    // Register a server providing a service.
    zk.register("/fooservice/providers", "192.168.0.42:8080", None, Map::new()).unwrap();
    assert_eq!(
        zk.get_properties("/fooservice/providers/192.168.0.42:8080").unwrap(),
        map(json!({"pid": std::process::id()}))
    );
    register(&zk, "/fooservice/providers", "192.168.0.42:8080");

    // Get the addresses of service providers.
    let addresses = zk.children("/fooservice/providers").unwrap();
    assert_eq!(addresses.names(), ["192.168.0.42:8080"]);
    register(&zk, "/fooservice/providers", "192.168.0.42:8081");
    eventually_blocking("the second provider", || addresses.len() == 2);
    assert_eq!(python_repr(&addresses.names().into()), ADDRESSES_2);
    let out = printed.clone();
    addresses.on_change(move |addresses| addresses_updated(&out, addresses.names())).unwrap();
    assert_eq!(printed.count(), 2, "called before on_change returned");
    assert_eq!(printed.take_blocking(ADDRESSES_CHANGED_2), ADDRESSES_CHANGED_2);
    register(&zk, "/fooservice/providers", "192.168.0.42:8082");
    assert_eq!(printed.take_blocking(ADDRESSES_CHANGED_3), ADDRESSES_CHANGED_3);

    // Get service configuration data.
    let data = zk.properties("/fooservice", true).unwrap();
    assert_eq!(python_repr(&data.get("database").unwrap()), "'/databases/foomain'");
    assert_eq!(python_repr(&data.get("threads").unwrap()), "1");
    let out = printed.clone();
    data.on_change(move |data| data_updated(&out, data.keys(), |key| data.get(key))).unwrap();
    assert_eq!(printed.count(), 4, "called before on_change returned");
    assert_eq!(printed.take_blocking(DATA_UPDATED[0]), DATA_UPDATED[0]);

    // Updating node properties.
    data.update(map(json!({"threads": 2, "secret": "123"}))).unwrap();
    assert_eq!(printed.take_blocking(DATA_UPDATED[1]), DATA_UPDATED[1]);
    data.insert("threads", 1).unwrap();
    assert_eq!(printed.take_blocking(DATA_UPDATED[2]), DATA_UPDATED[2]);
    data.set(map(json!({"threads": 3, "secret": "1234"}))).unwrap();
    assert_eq!(printed.take_blocking(DATA_UPDATED[3]), DATA_UPDATED[3]);

    // Getting property data without tracking changes.
    let p2 = zk.properties("/fooservice", false).unwrap();
    assert_eq!(p2.keys(), ["secret", "threads"]);
    assert!(matches!(p2.on_change(|_| ()), Err(Error::NotWatching)));
    p2.insert("threads", 2).unwrap();
    assert_eq!(printed.take_blocking(DATA_UPDATED[4]), DATA_UPDATED[4]);
    p2.update(map(json!({"threads": 3}))).unwrap();
    assert_eq!(printed.take_blocking(DATA_UPDATED[5]), DATA_UPDATED[5]);

    // Tree-definition format, import, and export.
    assert_eq!(import(&zk, TREE_TEXT, "/"), NONE);
    assert_eq!(export(&zk, "/"), first_export());
    assert_eq!(export(&zk, "/fooservice"), FOOSERVICE);
    assert_eq!(zk.export_tree("/fooservice", true, None).unwrap(), FOOSERVICE_EPHEMERAL);
    assert_eq!(import(&zk, TREE_TEXT_2, "/"), REIMPORT_MESSAGES);
    assert_eq!(export(&zk, "/"), untrimmed_export());
    let dry_trim = zk.import_tree(TREE_TEXT_2, "/", Some(true), None, true).unwrap();
    assert_eq!(dry_trim.messages, DRY_TRIM_MESSAGES);
    assert_eq!(zk.import_tree(TREE_TEXT_2, "/", Some(false), None, false).unwrap().messages, NONE);
    let dry_trim = zk.import_tree(TREE_TEXT_2, "/", Some(true), None, true).unwrap();
    assert_eq!(dry_trim.messages, DRY_TRIM_MESSAGES);
    assert_eq!(zk.import_tree(TREE_TEXT_2, "/", Some(true), None, false).unwrap().messages, NONE);
    assert_eq!(export(&zk, "/"), trimmed_export());

    // Recursive deletion.
    assert_eq!(zk.delete_recursive("/retail", false, false, false).unwrap(), NONE);
    assert_eq!(export(&zk, "/"), export_without_retail());
    assert_eq!(
        zk.delete_recursive("/fooservice", false, false, false).unwrap(),
        FOOSERVICE_NOT_DELETED
    );

    // Symbolic links.
    assert_eq!(zk.resolve("/lb/pools/cms/providers").unwrap(), "/cms/providers");
    register(&zk, "/cms/providers", "1.2.3.4:5");
    assert_eq!(
        zk.resolve("/lb/pools/cms/providers/1.2.3.4:5").unwrap(),
        "/cms/providers/1.2.3.4:5"
    );
    let main_children = zk.children("/cms/databases/main").unwrap();
    assert_eq!(
        (main_children.path(), main_children.real_path().as_str()),
        ("/cms/databases/main", "/cms/databases/main")
    );
    let main_properties = zk.properties("/cms/databases/main", true).unwrap();
    assert_eq!(
        (main_properties.path(), main_properties.real_path().as_str()),
        ("/cms/databases/main", "/cms/databases/main")
    );
    let moved = zk.export_tree("/cms/databases/main", false, Some("cms")).unwrap();
    assert_eq!(moved, MAIN_AS_CMS);
    assert_eq!(zk.create("/databases", "", None).unwrap(), "/databases");
    assert_eq!(import(&zk, &moved, "/databases"), NONE);
    assert_eq!(export(&zk, "/databases"), DATABASES_IMPORTED);
    zk.ln("/databases/cms", "/cms/databases/main").unwrap();
    assert_eq!(
        zk.get_properties("/cms/databases").unwrap(),
        map(json!({"main ->": "/databases/cms"}))
    );
    assert_eq!(zk.delete_recursive("/cms/databases/main", false, false, false).unwrap(), NONE);
    assert_eq!(main_children.path(), "/cms/databases/main");
    eventually_blocking("children moved", || main_children.real_path() == "/databases/cms");
    assert_eq!(main_properties.path(), "/cms/databases/main");
    eventually_blocking("properties moved", || main_properties.real_path() == "/databases/cms");
    assert_eq!(main_children.names(), ["providers"]);
    zk.delete("/databases/cms/providers").unwrap();
    eventually_blocking("the children follow", || main_children.is_empty());
    assert_eq!(main_properties.to_map(), Map::new());
    zk.properties("/databases/cms", true).unwrap().set(map(json!({"a": 1}))).unwrap();
    eventually_blocking("the properties follow", || {
        main_properties.to_map() == map(json!({"a": 1}))
    });

    // Relative links.
    assert_eq!(import(&zk, RELATIVE_LINK_SOURCE, "/"), NONE);
    assert_eq!(zk.resolve("/a/b/l").unwrap(), "/a/b/c");
    assert_eq!(zk.resolve("/a/b/l2").unwrap(), "/a/c");
    assert_eq!(zk.delete_recursive("/a", false, false, false).unwrap(), NONE);

    // Property links.
    zk.create("/test-propery-links", "", Some(open_acl_unsafe())).unwrap();
    assert_eq!(import(&zk, PROPERTY_LINK_SOURCE, "/test-propery-links"), NONE);
    let properties = zk.properties("/test-propery-links/cms", true).unwrap();
    assert_eq!(properties.get("threads =>"), Some(json!("/fooservice threads")));
    assert_eq!(properties.get("threads"), Some(json!(3)));
    assert_eq!(
        import(&zk, PROPERTY_LINK_REIMPORT, "/test-propery-links"),
        PROPERTY_LINK_REIMPORT_MESSAGES
    );
    eventually_blocking("relinked", || properties.get("threads =>") == Some(json!("/fooservice")));
    assert_eq!(properties.get("threads"), Some(json!(3)));
    assert_eq!(zk.delete_recursive("/test-propery-links", false, false, false).unwrap(), NONE);

    // The zookeeper_export script.
    assert_eq!(export(&zk, "/"), script_export());

    // The zookeeper_import script, and print_tree.
    assert_eq!(import(&zk, PROVISION, "/fooservice"), NONE);
    assert_eq!(zk.print_tree_text("/").unwrap(), print_tree());
    for (text, path, trim, expected) in SCRIPT_DRY_RUNS {
        let dry = zk.import_tree(text, path, trim, None, true).unwrap();
        assert_eq!(dry.messages, expected, "{text:?} at {path}");
    }

    // The property-update script (`zookeeper_set_property ... threads=4
    // debug=True comment='ok'`): `data_updated` still prints.
    assert_eq!(printed.count(), 0, "nothing printed since the properties section");
    let script = zk.properties("/fooservice", false).unwrap();
    script.update(map(json!({"threads": 4, "debug": true, "comment": "ok"}))).unwrap();
    assert_eq!(printed.take_blocking(DATA_UPDATED_BY_THE_SCRIPT), DATA_UPDATED_BY_THE_SCRIPT);
    assert_eq!(zk.print_tree_text("/fooservice").unwrap(), print_fooservice());

    // Iterating over a tree.
    assert_eq!(zk.walk("/", true, false).paths().unwrap(), walk_all());
    let mut paths = Vec::new();
    for path in zk.walk("/fooservice", true, false) {
        paths.push(path.unwrap());
    }
    assert_eq!(paths, WALK_FOOSERVICE);
    assert_eq!(
        zk.walk("/fooservice", false, false).paths().unwrap(),
        WALK_FOOSERVICE_NOT_EPHEMERAL
    );
    let mut walk = zk.walk("/fooservice", true, true);
    let first = walk.next_entry().unwrap().unwrap();
    assert_eq!(
        (first.path.as_str(), first.children.clone()),
        ("/fooservice", vec!["providers".to_owned(), "provision".to_owned()])
    );
    first.children.remove(0);
    assert_eq!(walk.paths().unwrap(), WALK_PRUNED);
    let mut seen = Vec::new();
    for path in zk.walk("/fooservice", true, false) {
        let path = path.unwrap();
        if zk.get_children(&path).unwrap().contains(&"provision".to_owned()) {
            zk.delete_recursive(&format!("{path}/provision"), false, false, false).unwrap();
        }
        seen.push(path);
    }
    assert_eq!(seen, WALK_FOOSERVICE[..5]);

    // Cleanup: closing (again, too) ends the session and its registrations.
    assert_eq!(printed.count(), 0, "nothing more printed");
    let client = zk.client().clone();
    zk.close().unwrap();
    zk.close().unwrap();
    assert!(!client.connected());
}
