//! Registration, live children and properties, links and property links,
//! against the real server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use zookit::{Client, ClientState, Perms};
use zookit_registry::value::Map;
use zookit_registry::{Error, ZooKeeper};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::support::{WAIT, chroot_hosts, eventually, expire_session, map};

/// A helper on a fresh chroot of the shared server, and the chroot's
/// connection string.
async fn helper(name: &str) -> (ZooKeeper, String) {
    let hosts = chroot_hosts(name);
    (ZooKeeper::connect(Some(&hosts)).await.unwrap(), hosts)
}

#[tokio::test]
async fn register_creates_a_read_only_ephemeral_node_with_the_pid() {
    let (zk, _) = helper("register").await;
    zk.create("/fooservice", "", None).await.unwrap();
    zk.create("/fooservice/providers", "", None).await.unwrap();
    zk.on_registering(|event| {
        event.properties.insert("hooked".into(), json!(event.name));
    });
    zk.register("/fooservice/providers", "192.168.0.42:8080", None, map(json!({"color": "red"})))
        .await
        .unwrap();
    let path = "/fooservice/providers/192.168.0.42:8080";
    assert_eq!(
        zk.get_properties(path).await.unwrap(),
        map(json!({"color": "red", "pid": std::process::id(), "hooked": "192.168.0.42:8080"}))
    );
    let stat = zk.exists(path).await.unwrap().unwrap();
    assert_eq!(stat.ephemeral_owner, zk.client().client_id().unwrap().0);
    let (acl, _) = zk.client().get_acls(path).await.unwrap();
    assert_eq!(acl.len(), 1);
    assert_eq!(acl[0].perms, Perms::READ);

    zk.register("/fooservice/providers", ":9000", None, Map::new()).await.unwrap();
    let names = zk.get_children("/fooservice/providers").await.unwrap();
    assert!(names.iter().filter(|n| n.ends_with(":9000")).count() >= 1, "{names:?}");
    assert!(names.iter().all(|n| !n.starts_with(':')), "a blank host is replaced: {names:?}");

    zk.unregister("/fooservice/providers", "192.168.0.42:8080").await.unwrap();
    assert!(zk.exists(path).await.unwrap().is_none());
    assert!(matches!(
        zk.register("/fooservice/providers", "no-port", None, Map::new()).await,
        Err(Error::InvalidAddress(_))
    ));
}

#[tokio::test]
async fn children_follow_providers_and_call_back() {
    let (zk, hosts) = helper("children").await;
    zk.create("/providers", "", None).await.unwrap();
    zk.register("/providers", "10.0.0.1:80", None, Map::new()).await.unwrap();
    let addresses = zk.children("/providers").await.unwrap();
    assert_eq!(addresses.names(), ["10.0.0.1:80"]);
    let calls = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&calls);
    addresses.on_change(move |children| sink.lock().unwrap().push(children.names()));
    assert_eq!(calls.lock().unwrap().len(), 1, "called at once");
    let failing = Arc::new(Mutex::new(0));
    let count = Arc::clone(&failing);
    addresses.on_change(move |_| {
        *count.lock().unwrap() += 1;
        Err::<(), _>("broken")
    });

    // Another process registers a provider, then exits: gone at once.
    let other = ZooKeeper::connect(Some(&hosts)).await.unwrap();
    other.register("/providers", "10.0.0.2:80", None, Map::new()).await.unwrap();
    eventually("the new provider", || addresses.len() == 2).await;
    assert_eq!(calls.lock().unwrap().last().unwrap(), &["10.0.0.1:80", "10.0.0.2:80"]);
    other.close().await.unwrap();
    eventually("the provider is gone", || addresses.len() == 1).await;
    assert_eq!(*failing.lock().unwrap(), 1, "a failing callback is removed after its first call");
}

#[tokio::test]
async fn properties_read_update_set_and_call_back() {
    let (zk, _) = helper("properties").await;
    zk.create(
        "/fooservice",
        r#"{"database":"/databases/foomain","threads":1,"favorite_color":"red"}"#,
        None,
    )
    .await
    .unwrap();
    let data = zk.properties("/fooservice", true).await.unwrap();
    assert_eq!(data.get("database"), Some(json!("/databases/foomain")));
    assert_eq!(data.get("threads"), Some(json!(1)));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    data.on_change(move |data| sink.lock().unwrap().push(data.to_map())).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);

    data.update(map(json!({"threads": 2, "secret": "123"}))).await.unwrap();
    eventually("updated", || seen.lock().unwrap().len() == 2).await;
    assert_eq!(data.keys(), ["database", "favorite_color", "secret", "threads"]);
    data.insert("threads", 1).await.unwrap();
    eventually("one item", || data.get("threads") == Some(json!(1))).await;
    data.set(map(json!({"threads": 3, "secret": "1234"}))).await.unwrap();
    eventually("replaced", || data.len() == 2).await;
    assert_eq!(data.to_map(), map(json!({"threads": 3, "secret": "1234"})));

    // watch = false: a one-time read; callbacks are refused; writes work.
    let once = zk.properties("/fooservice", false).await.unwrap();
    assert_eq!(once.keys(), ["secret", "threads"]);
    assert!(matches!(once.on_change(|_| ()), Err(Error::NotWatching)));
    once.update(map(json!({"threads": 2}))).await.unwrap();
    eventually("seen by the watching one", || data.get("threads") == Some(json!(2))).await;

    // Non-JSON data, and empty properties stored as {}.
    zk.create("/plain", "just text", None).await.unwrap();
    assert_eq!(
        zk.get_properties("/plain").await.unwrap(),
        map(json!({"string_value": "just text"}))
    );
    let plain = zk.properties("/plain", false).await.unwrap();
    plain.set(Map::new()).await.unwrap();
    assert_eq!(&zk.get("/plain").await.unwrap().0[..], b"{}");
}

#[tokio::test]
async fn links_resolve_relatively_with_dots_shadowing_and_loops() {
    let (zk, _) = helper("links").await;
    for path in ["/a", "/a/b", "/a/b/c", "/a/c", "/cms", "/cms/providers", "/lb"] {
        zk.create(path, "", None).await.unwrap();
    }
    zk.client().set("/a/b", r#"{"l ->":"c","l2 ->":"../c","self ->":"."}"#).await.unwrap();
    assert_eq!(zk.resolve("/a/b/l").await.unwrap(), "/a/b/c");
    assert_eq!(zk.resolve("/a/b/l2").await.unwrap(), "/a/c");
    assert_eq!(zk.resolve("/a/b/self/c").await.unwrap(), "/a/b/c");

    zk.ln("/cms/providers", "/lb/providers").await.unwrap();
    assert_eq!(
        zk.get_properties("/lb").await.unwrap(),
        map(json!({"providers ->": "/cms/providers"}))
    );
    zk.register("/cms/providers", "1.2.3.4:5", None, Map::new()).await.unwrap();
    assert_eq!(zk.resolve("/lb/providers/1.2.3.4:5").await.unwrap(), "/cms/providers/1.2.3.4:5");

    // A real child shadows a link of the same name.
    zk.create("/lb/providers", "", None).await.unwrap();
    assert_eq!(zk.resolve("/lb/providers").await.unwrap(), "/lb/providers");

    zk.client().set("/a", r#"{"x ->":"/a/y","y ->":"/a/x"}"#).await.unwrap();
    match zk.resolve("/a/x").await {
        Err(Error::LinkLoop(cycle)) => assert_eq!(cycle, ["/a/x", "/a/y", "/a/x"]),
        other => panic!("expected a link loop, got {other:?}"),
    }
    assert!(matches!(zk.resolve("/nowhere/x").await, Err(Error::NoNode { .. })));
}

#[tokio::test]
async fn live_objects_follow_a_moved_node_through_a_link_or_clear() {
    let (zk, _) = helper("moved").await;
    for path in [
        "/cms",
        "/cms/databases",
        "/cms/databases/main",
        "/cms/databases/main/providers",
        "/databases",
        "/databases/cms",
        "/databases/cms/providers",
    ] {
        zk.create(path, "", None).await.unwrap();
    }
    let main_children = zk.children("/cms/databases/main").await.unwrap();
    let main_properties = zk.properties("/cms/databases/main", true).await.unwrap();
    assert_eq!(main_children.real_path(), "/cms/databases/main");
    let calls = Arc::new(Mutex::new(0));
    let count = Arc::clone(&calls);
    main_properties.on_change(move |_| *count.lock().unwrap() += 1).unwrap();

    zk.ln("/databases/cms", "/cms/databases/main").await.unwrap();
    zk.client().delete("/cms/databases/main").recursive().await.unwrap();
    eventually("children moved", || main_children.real_path() == "/databases/cms").await;
    eventually("properties moved", || main_properties.real_path() == "/databases/cms").await;
    assert_eq!(main_children.path(), "/cms/databases/main");
    assert_eq!(main_children.names(), ["providers"]);
    zk.delete("/databases/cms/providers").await.unwrap();
    eventually("children follow the new node", || main_children.is_empty()).await;
    zk.properties("/databases/cms", false).await.unwrap().set(map(json!({"a": 1}))).await.unwrap();
    eventually("properties follow the new node", || main_properties.get("a") == Some(json!(1)))
        .await;

    // Deleted with no link left: cleared, callbacks told, writes refused.
    let lonely = zk.properties("/databases/cms", true).await.unwrap();
    zk.client().delete("/databases/cms").await.unwrap();
    eventually("cleared", || lonely.is_empty()).await;
    assert!(matches!(lonely.update(Map::new()).await, Err(Error::Deleted { .. })));
    assert!(*calls.lock().unwrap() >= 2);
}

#[tokio::test]
async fn property_links_resolve_and_refuse_loops() {
    let (zk, _) = helper("property-links").await;
    zk.create("/fooservice", r#"{"threads":3,"secret":"1234"}"#, None).await.unwrap();
    zk.create("/cms", r#"{"threads =>":"/fooservice threads","type":"z4m cms"}"#, None)
        .await
        .unwrap();
    zk.create("/cms/sub", r#"{"threads =>":".. threads","depth =>":"../.."}"#, None).await.unwrap();
    let properties = zk.properties("/cms", true).await.unwrap();
    assert_eq!(properties.get("threads =>"), Some(json!("/fooservice threads")));
    assert_eq!(properties.get("threads"), Some(json!(3)));
    let sub = zk.properties("/cms/sub", true).await.unwrap();
    assert_eq!(sub.get("threads"), Some(json!(3)), "relative and recursive");

    // A change in the linked node notifies the linking node's callbacks.
    let calls = Arc::new(Mutex::new(0));
    let count = Arc::clone(&calls);
    properties.on_change(move |_| *count.lock().unwrap() += 1).unwrap();
    zk.properties("/fooservice", false).await.unwrap().insert("threads", 4).await.unwrap();
    eventually("notified", || *calls.lock().unwrap() == 2).await;
    assert_eq!(properties.get("threads"), Some(json!(4)));

    // The name may be left off; a real property of the same name wins.
    properties.update(map(json!({"threads =>": "/fooservice"}))).await.unwrap();
    eventually("relinked", || properties.get("threads =>") == Some(json!("/fooservice"))).await;
    assert_eq!(properties.get("threads"), Some(json!(4)));
    properties.insert("threads", 9).await.unwrap();
    eventually("real wins", || properties.get("threads") == Some(json!(9))).await;

    // Loops and bad links are refused without changing the data.
    let before = zk.get("/fooservice").await.unwrap().0;
    let fooservice = zk.properties("/fooservice", false).await.unwrap();
    let refused = fooservice
        .update(map(json!({"secret =>": "/cms secret", "loop =>": "/fooservice loop"})))
        .await;
    assert!(
        matches!(refused, Err(Error::LinkLoop(_) | Error::BadPropertyLink { .. })),
        "{refused:?}"
    );
    let refused = fooservice.update(map(json!({"x =>": "/nowhere x"}))).await;
    assert!(matches!(refused, Err(Error::BadPropertyLink { .. })), "{refused:?}");
    assert_eq!(zk.get("/fooservice").await.unwrap().0, before, "nothing was written");
}

#[tokio::test]
async fn registrations_survive_a_session_expiry() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("survive");
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.ensure_path("/providers").await.unwrap();
    let zk = ZooKeeper::connect(Some(&format!("{}{chroot}", proxy.addr()))).await.unwrap();
    zk.register("/providers", "10.1.1.1:80", None, map(json!({"weight": 1}))).await.unwrap();
    let node = "/providers/10.1.1.1:80";
    // Registering again updates the properties (the node is read-only).
    zk.register("/providers", "10.1.1.1:80", None, map(json!({"weight": 2}))).await.unwrap();

    let (id, password) = zk.client().client_id().unwrap();
    expire_session(&proxy, (id, password));
    assert!(direct.exists(node).await.unwrap().is_none(), "gone with the session");
    proxy.pass();

    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(stat) = direct.exists(node).await.unwrap() {
                return stat;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("re-registered");
    assert_eq!(zk.client().client_state(), ClientState::Connected);
    assert_ne!(zk.client().client_id().unwrap().0, id, "in a new session");
    let (data, stat) = direct.get(node).await.unwrap();
    assert_eq!(stat.ephemeral_owner, zk.client().client_id().unwrap().0);
    let properties = zookit_registry::value::decode_node_data(&data);
    assert_eq!(properties.get("weight"), Some(&json!(2)), "with the latest properties");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(direct.get_children("/providers").await.unwrap(), ["10.1.1.1:80"], "once");
}
