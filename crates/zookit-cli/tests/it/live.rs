//! The long-running commands: register and watch, until interrupted.

use serde_json::Value;

use crate::common::{Background, TREE_TEXT, chroot, command, eventually, zookit, zookit_stdin};

#[test]
fn register_keeps_a_registration_until_interrupted() {
    let zk = chroot("register");
    zookit_stdin(&zk, &["import"], TREE_TEXT).ok();
    // Through a symbolic link, with properties.
    let server = Background::start(command(
        &zk,
        &["register", "/lb/pools/cms/providers", "10.0.0.1:8080", "weight=2", "zone='a'"],
    ));
    assert_eq!(server.line(), "registered 10.0.0.1:8080 at /cms/providers");
    let other = Background::start(command(
        &zk,
        &["--json", "register", "/cms/providers", "10.0.0.2:8080", "pid=9999"],
    ));
    let registered: Value = serde_json::from_str(&other.line()).unwrap();
    assert_eq!(registered["path"], "/cms/providers");
    assert!(registered["session"].as_str().unwrap().starts_with("0x"));

    assert_eq!(zookit(&zk, &["ls", "/cms/providers"]).ok(), "10.0.0.1:8080\n10.0.0.2:8080\n");
    let node = zookit(&zk, &["get", "--json", "/cms/providers/10.0.0.1:8080"]).json();
    assert_eq!(node["json"]["weight"], 2);
    assert_eq!(node["json"]["zone"], "a");
    assert!(node["json"]["pid"].is_u64());
    assert_eq!(node["stat"]["kind"], "ephemeral");
    let export = zookit(&zk, &["export", "-e", "/cms/providers"]);
    assert!(export.ok().ends_with("  /10.0.0.2:8080\n    pid = 9999\n"), "{export:?}");
    assert!(zookit(&zk, &["export", "/cms"]).ok().ends_with("  /providers\n"));

    // Interrupted, the registration goes at once.
    assert_eq!(server.interrupt(), 0);
    assert_eq!(zookit(&zk, &["ls", "/cms/providers"]).ok(), "10.0.0.2:8080\n");
    assert_eq!(other.terminate(), 0);
    assert_eq!(zookit(&zk, &["ls", "/cms/providers"]).ok(), "");

    // Bad input fails before anything is registered.
    assert_eq!(zookit(&zk, &["register", "/cms/providers", "nohostport"]).code, 2);
    assert_eq!(zookit(&zk, &["register", "/nope", "10.0.0.1:1"]).code, 1);
    assert_eq!(zookit(&zk, &["register", "/cms/providers", "10.0.0.1:1", "x"]).code, 2);
}

#[test]
fn watch_prints_each_event() {
    let zk = chroot("watch");
    zookit(&zk, &["create", "/app"]).ok();
    let watch = Background::start(command(&zk, &["watch", "/app"]));
    assert_eq!(watch.error_line(), "watching /app (Ctrl-C to stop)");
    zookit(&zk, &["set", "/app", "x"]).ok();
    let event = watch.line();
    assert!(event.ends_with(" NodeDataChanged /app"), "{event}");
    zookit(&zk, &["create", "/app/child"]).ok();
    assert!(watch.line().ends_with(" NodeChildrenChanged /app"));
    zookit(&zk, &["delete", "-r", "/app"]).ok();
    // The child's deletion changes the children first.
    assert!(watch.line().ends_with(" NodeChildrenChanged /app"));
    assert!(watch.line().ends_with(" NodeDeleted /app"));
    zookit(&zk, &["create", "/app"]).ok();
    assert!(watch.line().ends_with(" NodeCreated /app"));
    assert_eq!(watch.interrupt(), 0);
}

#[test]
fn watch_recursive_and_children_in_json() {
    let zk = chroot("watch-r");
    zookit(&zk, &["create", "/svc"]).ok();
    let recursive = Background::start(command(&zk, &["--json", "watch", "--recursive", "/svc"]));
    let children = Background::start(command(&zk, &["--json", "watch", "--children", "/svc"]));
    recursive.error_line();
    let first: Value = serde_json::from_str(&children.line()).unwrap();
    assert_eq!(first["children"], serde_json::json!([]));
    zookit(&zk, &["create", "-p", "/svc/a/b", "x"]).ok();
    let mut seen = Vec::new();
    eventually("both creations reported", || {
        let event: Value = serde_json::from_str(&recursive.line()).unwrap();
        seen.push((
            event["event"].as_str().unwrap().to_owned(),
            event["path"].as_str().unwrap().to_owned(),
        ));
        seen.len() == 2
    });
    assert_eq!(
        seen,
        [
            ("NodeCreated".to_owned(), "/svc/a".to_owned()),
            ("NodeCreated".to_owned(), "/svc/a/b".to_owned())
        ]
    );
    let update: Value = serde_json::from_str(&children.line()).unwrap();
    assert_eq!(update["children"], serde_json::json!(["a"]));
    assert_eq!(update["path"], "/svc");
    assert!(update["time"].as_str().unwrap().ends_with('Z'));

    // The children watch ends when its node is deleted.
    zookit(&zk, &["delete", "-r", "/svc"]).ok();
    let mut last: Value = serde_json::from_str(&children.line()).unwrap();
    while last.get("event").is_none() {
        last = serde_json::from_str(&children.line()).unwrap();
    }
    assert_eq!(last["event"], "NodeDeleted");
    assert_eq!(recursive.terminate(), 0);
    assert!(zookit(&zk, &["watch", "--children", "/nope"]).fails(1).contains("NoNode"));
}
