//! The long-running commands: register and watch, until interrupted.

use serde_json::Value;
use zookit_testing::{Proxy, shared};

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

/// A proxy to the shared server, and connection strings to a fresh chroot
/// (which exists) through it and directly.
fn through_proxy(name: &str) -> (Proxy, String, String) {
    let direct = chroot(name);
    let proxy = Proxy::start(shared().member_address(0)).expect("a proxy");
    let chroot_path = &direct[direct.find('/').expect("a chroot")..];
    let proxied = format!("{}{chroot_path}", proxy.addr());
    (proxy, proxied, direct)
}

/// Keeps the client behind `proxy` away until `noted` says it noticed, runs
/// `changes`, then lets it back.
fn while_away(proxy: &Proxy, noted: impl FnOnce(), changes: impl FnOnce()) {
    proxy.refuse();
    proxy.drop_connections();
    noted();
    changes();
    proxy.pass();
}

#[test]
fn watch_tells_a_change_made_while_disconnected_once() {
    let (proxy, proxied, direct) = through_proxy("watch-away");
    zookit(&direct, &["create", "/app"]).ok();
    let watch = Background::start(command(&proxied, &["watch", "/app"]));
    assert_eq!(watch.error_line(), "watching /app (Ctrl-C to stop)");
    while_away(
        &proxy,
        || assert!(watch.error_line().ends_with(" disconnected")),
        || {
            zookit(&direct, &["set", "/app", "x"]).ok();
        },
    );
    assert!(watch.error_line().ends_with(" reconnected"));
    assert!(watch.line().ends_with(" NodeDataChanged /app"));
    // The next line is a newer change: the missed one was told once.
    zookit(&direct, &["create", "/app/child"]).ok();
    assert!(watch.line().ends_with(" NodeChildrenChanged /app"));
    assert_eq!(watch.interrupt(), 0);
}

#[test]
fn watch_recursive_tells_what_changed_below_while_disconnected_once() {
    let (proxy, proxied, direct) = through_proxy("watch-r-away");
    for path in ["/svc", "/svc/a", "/svc/gone"] {
        zookit(&direct, &["create", path]).ok();
    }
    let watch = Background::start(command(&proxied, &["--json", "watch", "-R", "/svc"]));
    watch.error_line();
    let next = || -> Value { serde_json::from_str(&watch.line()).expect("a JSON line") };
    while_away(
        &proxy,
        || assert_eq!(next()["state"], "disconnected"),
        || {
            zookit(&direct, &["set", "/svc/a", "x"]).ok();
            zookit(&direct, &["create", "/svc/new"]).ok();
            zookit(&direct, &["delete", "/svc/gone"]).ok();
        },
    );
    let mut told: Vec<String> = (0..4)
        .map(|_| {
            let line = next();
            match line.get("state") {
                Some(state) => format!("state {}", state.as_str().unwrap()),
                None => format!("{} {}", line["event"].as_str().unwrap(), line["path"]),
            }
        })
        .collect();
    told.sort();
    assert_eq!(
        told,
        [
            "NodeCreated \"/svc/new\"",
            "NodeDataChanged \"/svc/a\"",
            "NodeDeleted \"/svc/gone\"",
            "state reconnected",
        ]
    );
    // The next line is a newer change: nothing was told twice.
    zookit(&direct, &["set", "/svc/new", "y"]).ok();
    let line = next();
    assert_eq!(
        (line["event"].as_str(), line["path"].as_str()),
        (Some("NodeDataChanged"), Some("/svc/new"))
    );
    assert_eq!(watch.interrupt(), 0);
}
