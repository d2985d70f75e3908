//! Live children and properties of the blocking helper: callbacks on the
//! callback thread that call the helper, and callbacks that go on across
//! a connection cut and a real session expiry.

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use serde_json::json;
use zookit::Perms;
use zookit::acl::make_digest_acl;
use zookit_registry::blocking::ZooKeeper;
use zookit_registry::value::{Map, Value};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::support::{blocking_helper, eventually_blocking, expire_session, map};

/// What callbacks saw, shared with the test.
type Seen<T> = Arc<Mutex<Vec<T>>>;

fn last<T: Clone>(seen: &Seen<T>) -> Option<T> {
    seen.lock().unwrap().last().cloned()
}

fn thread_name() -> String {
    thread::current().name().unwrap_or_default().to_owned()
}

#[test]
fn callbacks_run_on_the_callback_thread_and_may_call_the_helper() {
    let zk = blocking_helper("blocking-callbacks");
    zk.create("/svc", r#"{"threads":1}"#, None).unwrap();
    zk.create("/svc/providers", "", None).unwrap();

    // A children callback reads through the helper, and adds a callback of
    // its own (in place: it runs on the callback thread already).
    let seen: Seen<(String, Vec<String>, Map)> = Seen::default();
    let nested: Seen<Vec<String>> = Seen::default();
    let providers = zk.children("/svc/providers").unwrap();
    let (helper, sink, nested_sink) = (zk.clone(), Arc::clone(&seen), Arc::clone(&nested));
    providers
        .on_change(move |children| {
            let properties = helper.get_properties("/svc").unwrap();
            sink.lock().unwrap().push((thread_name(), children.names(), properties));
            if nested_sink.lock().unwrap().is_empty() {
                let nested_sink = Arc::clone(&nested_sink);
                children
                    .on_change(move |children| nested_sink.lock().unwrap().push(children.names()))
                    .unwrap();
            }
        })
        .unwrap();
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [("zookit-callbacks".to_owned(), vec![], map(json!({"threads": 1})))]
    );
    assert_eq!(nested.lock().unwrap().as_slice(), [Vec::<String>::new()]);

    // A properties callback writes through the properties it is given:
    // the write is seen by the next call, even when notified while the
    // first call still runs (it lingers after its write for that).
    let threads: Seen<(String, Option<Value>)> = Seen::default();
    let properties = zk.properties("/svc", true).unwrap();
    let sink = Arc::clone(&threads);
    properties
        .on_change(move |properties| {
            let value = properties.get("threads");
            sink.lock().unwrap().push((thread_name(), value.clone()));
            if value == Some(json!(1)) {
                properties.insert("threads", 2).unwrap();
                thread::sleep(Duration::from_millis(200));
            }
        })
        .unwrap();
    eventually_blocking("the callback's own write", || threads.lock().unwrap().len() >= 2);
    assert_eq!(
        threads.lock().unwrap().as_slice(),
        [
            ("zookit-callbacks".to_owned(), Some(json!(1))),
            ("zookit-callbacks".to_owned(), Some(json!(2)))
        ]
    );

    // A registration: both children callbacks hear of it, and the reader
    // sees the write above.
    zk.register("/svc/providers", "10.0.0.1:80", None, Map::new()).unwrap();
    eventually_blocking("the registration", || nested.lock().unwrap().len() >= 2);
    assert_eq!(nested.lock().unwrap().as_slice(), [vec![], vec!["10.0.0.1:80".to_owned()]]);
    eventually_blocking("the reader", || seen.lock().unwrap().len() >= 2);
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(
        last(&seen).unwrap(),
        ("zookit-callbacks".to_owned(), vec!["10.0.0.1:80".to_owned()], map(json!({"threads": 2})))
    );
}

#[test]
fn live_callbacks_go_on_across_a_cut_and_a_session_expiry() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("blocking-faults");
    let direct = zookit::blocking::Client::connect(shared().connect_string_with_chroot(&chroot))
        .expect("connects directly");
    direct.ensure_path("/providers").unwrap();
    direct.create("/config", r#"{"v":0}"#).unwrap();
    let zk = ZooKeeper::builder()
        .hosts(format!("{}{chroot}", proxy.addr()))
        .client(zookit::blocking::Client::builder("").auth("digest", "owner:owner-secret"))
        .connect()
        .unwrap();
    let acl = vec![
        zookit::Acl::new(Perms::READ, zookit::Id::anyone()),
        make_digest_acl("owner", "owner-secret", Perms::ALL),
    ];
    let node = "/providers/10.0.0.1:80";
    zk.register("/providers", "10.0.0.1:80", Some(acl.clone()), map(json!({"weight": 1}))).unwrap();

    let names: Seen<(String, Vec<String>)> = Seen::default();
    let providers = zk.children("/providers").unwrap();
    let sink = Arc::clone(&names);
    providers.on_change(move |c| sink.lock().unwrap().push((thread_name(), c.names()))).unwrap();
    let versions: Seen<(String, Option<Value>)> = Seen::default();
    let config = zk.properties("/config", true).unwrap();
    let sink = Arc::clone(&versions);
    config.on_change(move |p| sink.lock().unwrap().push((thread_name(), p.get("v")))).unwrap();
    let callback_thread = "zookit-callbacks".to_owned();
    let names_are = |expected: &[&str]| {
        last(&names)
            == Some((callback_thread.clone(), expected.iter().map(|&n| n.into()).collect()))
    };
    let version_is = |v: i64| last(&versions) == Some((callback_thread.clone(), Some(json!(v))));
    assert!(names_are(&["10.0.0.1:80"]) && version_is(0));
    let (session, password) = zk.client().client_id().unwrap();

    // A connection cut: what changed meanwhile is delivered after the
    // reconnection, in the same session.
    proxy.refuse();
    proxy.drop_connections();
    eventually_blocking("disconnected", || !zk.client().connected());
    direct.set("/config", r#"{"v":1}"#).unwrap();
    direct.create_with("/providers/10.0.0.2:80", "").ephemeral().send().unwrap();
    proxy.pass();
    eventually_blocking("the new provider", || names_are(&["10.0.0.1:80", "10.0.0.2:80"]));
    eventually_blocking("the new configuration", || version_is(1));
    assert_eq!(zk.client().client_id().unwrap().0, session, "the same session");

    // A real session expiry: the registration goes with the session and
    // comes back, with its ACL, in a new one; the callbacks go on.
    expire_session(&proxy, (session, password));
    assert!(direct.exists(node).unwrap().is_none(), "gone with the session");
    direct.set("/config", r#"{"v":2}"#).unwrap();
    proxy.pass();
    eventually_blocking("re-registered", || direct.exists(node).unwrap().is_some());
    let new_session = zk.client().client_id().unwrap().0;
    assert_ne!(new_session, session, "a new session");
    assert_eq!(direct.exists(node).unwrap().unwrap().ephemeral_owner, new_session);
    // (Read by the owner: the server hides digests from the others.)
    assert_eq!(zk.client().get_acls(node).unwrap().0, acl);
    assert_eq!(zk.get_properties(node).unwrap()["weight"], json!(1));
    eventually_blocking("the configuration after the expiry", || version_is(2));
    eventually_blocking("the providers after the expiry", || {
        names_are(&["10.0.0.1:80", "10.0.0.2:80"])
    });

    // Watches are set in the new session.
    direct.set("/config", r#"{"v":3}"#).unwrap();
    direct.delete("/providers/10.0.0.2:80").unwrap();
    eventually_blocking("a change in the new session", || version_is(3));
    eventually_blocking("a provider gone in the new session", || names_are(&["10.0.0.1:80"]));
    assert!(names.lock().unwrap().iter().all(|(thread, _)| *thread == callback_thread));
    assert!(versions.lock().unwrap().iter().all(|(thread, _)| *thread == callback_thread));
    thread::sleep(Duration::from_millis(100));
    assert_eq!(direct.get_children("/providers").unwrap(), ["10.0.0.1:80"], "registered once");
}

#[test]
fn every_call_is_bounded_by_the_command_timeout() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("blocking-bounded");
    let zk = ZooKeeper::builder()
        .hosts(format!("{}{chroot}", proxy.addr()))
        .client(zookit::blocking::Client::builder("").command_timeout(Duration::from_secs(1)))
        .connect()
        .unwrap();
    assert_eq!(zk.client().command_timeout(), Duration::from_secs(1));
    zk.client().ensure_path("/").unwrap();

    proxy.stall();
    let err = zk.export_tree("/", false, None).unwrap_err();
    let cause = match &err {
        zookit_registry::Error::ZooKeeper(cause) => cause,
        other => panic!("expected a ZooKeeper error, got {other:?}"),
    };
    assert_eq!(cause.kind(), zookit::ErrorKind::Timeout, "{err}");
    assert_eq!(cause.op(), Some("export_tree"));
    let mut walk = zk.walk("/", true, false);
    assert!(walk.next().unwrap().is_err(), "a step that timed out");
    assert!(walk.next().is_none(), "ends the walk");

    // The session survives the stall; the helper goes on.
    proxy.pass();
    assert_eq!(zk.export_tree("/", false, None).unwrap(), "\n");
    assert_eq!(zk.walk("/", true, false).paths().unwrap(), ["/"]);
}
