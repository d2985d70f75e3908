//! kazoo's watch helpers, one test per sentence of their documentation
//! (kazoo.recipe.watchers), against the real server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use zookit::{Client, ClientState, EventType, WatchedEvent};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::{bounded, init_logging};
use crate::states::wait_for_state;

/// Calls recorded by a watch function.
struct Calls<T>(Arc<Mutex<Vec<T>>>);

impl<T: Clone + Send + 'static> Calls<T> {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Vec::new())))
    }

    fn sink(&self) -> Arc<Mutex<Vec<T>>> {
        Arc::clone(&self.0)
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn get(&self, i: usize) -> T {
        self.0.lock().unwrap()[i].clone()
    }

    /// Waits until there are `n` calls.
    async fn wait_for(&self, n: usize) {
        bounded(&format!("{n} calls"), async {
            while self.len() < n {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
    }

    /// Checks that no call beyond `n` comes within a while.
    async fn stays_at(&self, n: usize) {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(self.len(), n, "no further call");
    }
}

type DataCall = (Option<Bytes>, Option<i32>, Option<EventType>);

fn record_data(
    calls: &Calls<DataCall>,
) -> impl FnMut(Option<Bytes>, Option<zookit::Stat>, Option<WatchedEvent>) + Send + 'static {
    let sink = calls.sink();
    move |data, stat, event| {
        sink.lock().unwrap().push((data, stat.map(|s| s.version), event.map(|e| e.event_type)))
    }
}

/// A client on a fresh chroot of the shared server (created), and the
/// hosts string of that chroot.
async fn fresh(name: &str) -> (Client, String) {
    init_logging();
    let hosts = shared().connect_string_with_chroot(&unique_chroot(name));
    let zk = Client::connect(hosts.clone()).await.unwrap();
    zk.ensure_path("/").await.unwrap();
    (zk, hosts)
}

// ---- DataWatch ----

#[tokio::test]
async fn data_watch_calls_the_function_at_once_and_each_time_the_data_changes() {
    let (zk, _) = fresh("dw-changes").await;
    zk.create("/n", "v0").await.unwrap();
    let calls = Calls::new();
    let _watch = zk.data_watch_with_event("/n", record_data(&calls)).await.unwrap();
    assert_eq!(calls.len(), 1, "called the very first time, before registration returns");
    assert_eq!(
        calls.get(0),
        (Some(Bytes::from("v0")), Some(0), None),
        "the first call has no event"
    );
    for i in 1..=3 {
        zk.set("/n", format!("v{i}")).await.unwrap();
        calls.wait_for(i + 1).await;
        assert_eq!(
            calls.get(i),
            (Some(Bytes::from(format!("v{i}"))), Some(i as i32), Some(EventType::NodeDataChanged))
        );
    }
    calls.stays_at(4).await;
}

#[tokio::test]
async fn data_watch_stops_when_its_function_returns_false() {
    let (zk, _) = fresh("dw-false").await;
    zk.create("/n", "0").await.unwrap();
    let sink = Calls::<i32>::new();
    let record = sink.sink();
    let watch = zk
        .data_watch("/n", move |_, stat| {
            record.lock().unwrap().push(stat.unwrap().version);
            stat.unwrap().version < 1
        })
        .await
        .unwrap();
    zk.set("/n", "1").await.unwrap();
    sink.wait_for(2).await;
    zk.set("/n", "2").await.unwrap();
    sink.stays_at(2).await;
    assert!(watch.is_stopped());
}

#[tokio::test]
async fn data_watch_gets_no_updates_once_the_client_is_closed() {
    let (zk, hosts) = fresh("dw-closed").await;
    zk.create("/n", "0").await.unwrap();
    let calls = Calls::new();
    let watch = zk.data_watch_with_event("/n", record_data(&calls)).await.unwrap();
    zk.close().await.unwrap();
    let other = Client::connect(hosts).await.unwrap();
    other.set("/n", "1").await.unwrap();
    calls.stays_at(1).await;
    bounded("the watch stops", async {
        while !watch.is_stopped() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn data_watch_of_a_missing_node_is_called_with_none_and_sees_it_created() {
    let (zk, _) = fresh("dw-missing").await;
    let calls = Calls::new();
    let _watch = zk.data_watch_with_event("/later", record_data(&calls)).await.unwrap();
    assert_eq!(calls.get(0), (None, None, None), "None for all values");
    zk.create("/later", "here").await.unwrap();
    calls.wait_for(2).await;
    assert_eq!(calls.get(1), (Some(Bytes::from("here")), Some(0), Some(EventType::NodeCreated)));
    zk.delete("/later").await.unwrap();
    calls.wait_for(3).await;
    assert_eq!(calls.get(2), (None, None, Some(EventType::NodeDeleted)));
}

#[tokio::test]
async fn data_watch_is_an_exists_watch_that_survives_reconnection_and_session_loss() {
    init_logging();
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("dw-survives");
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.ensure_path("/").await.unwrap();
    let zk = Client::connect(format!("{}{chroot}", proxy.addr())).await.unwrap();
    let calls = Calls::new();
    let _watch = zk.data_watch_with_event("/n", record_data(&calls)).await.unwrap();

    // Created while the client is disconnected.
    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    direct.create("/n", "a").await.unwrap();
    proxy.pass();
    calls.wait_for(2).await;
    assert_eq!(calls.get(1).0, Some(Bytes::from("a")));

    // Deleted while the session is being expired by another connection.
    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    let (id, password) = zk.client_id().unwrap();
    Client::builder(shared().connect_string_with_chroot(&chroot))
        .session(id, &password)
        .connect()
        .await
        .unwrap()
        .stop()
        .await
        .unwrap();
    direct.delete("/n").await.unwrap();
    proxy.pass();
    wait_for_state(&zk, ClientState::Expired).await;
    zk.restart().await.unwrap();
    calls.wait_for(3).await;
    assert_eq!(calls.get(2), (None, None, None), "after a new session, no event");
    direct.create("/n", "b").await.unwrap();
    calls.wait_for(4).await;
    assert_eq!(calls.get(3).0, Some(Bytes::from("b")));
    calls.stays_at(4).await;
}

#[tokio::test]
async fn data_watch_as_a_stream() {
    let (zk, _) = fresh("dw-stream").await;
    let mut updates = zk.watch_data("/s").unwrap();
    let first = bounded("first", updates.next()).await.unwrap();
    assert_eq!((first.data, first.stat), (None, None));
    zk.create("/s", "x").await.unwrap();
    let (data, stat) = bounded("created", updates.next()).await.unwrap().into();
    assert_eq!((data.unwrap(), stat.unwrap().version), (Bytes::from("x"), 0));
}

// ---- ChildrenWatch ----

#[tokio::test]
async fn children_watch_calls_the_function_at_once_and_each_time_the_children_change() {
    let (zk, _) = fresh("cw-changes").await;
    zk.create("/p", "").await.unwrap();
    let calls = Calls::<(Vec<String>, Option<EventType>)>::new();
    let sink = calls.sink();
    let _watch = zk
        .children_watch_with("/p", true, move |children, event| {
            sink.lock().unwrap().push((children, event.map(|e| e.event_type)));
        })
        .await
        .unwrap();
    assert_eq!(calls.get(0), (vec![], None), "called the very first time, without an event");
    zk.create("/p/b", "").await.unwrap();
    calls.wait_for(2).await;
    zk.create("/p/a", "").await.unwrap();
    calls.wait_for(3).await;
    assert_eq!(
        calls.get(2),
        (vec!["a".to_owned(), "b".to_owned()], Some(EventType::NodeChildrenChanged))
    );
    zk.set("/p/a", "data changes do not count").await.unwrap();
    calls.stays_at(3).await;
}

#[tokio::test]
async fn children_watch_stops_when_its_function_returns_false() {
    let (zk, _) = fresh("cw-false").await;
    zk.create("/p", "").await.unwrap();
    let calls = Calls::<usize>::new();
    let sink = calls.sink();
    let watch = zk
        .children_watch("/p", move |children| {
            sink.lock().unwrap().push(children.len());
            children.is_empty()
        })
        .await
        .unwrap();
    zk.create("/p/a", "").await.unwrap();
    calls.wait_for(2).await;
    zk.create("/p/b", "").await.unwrap();
    calls.stays_at(2).await;
    assert!(watch.is_stopped());
}

#[tokio::test]
async fn children_watch_needs_an_existing_node() {
    let (zk, _) = fresh("cw-missing").await;
    let err = zk.children_watch("/missing", |_| ()).await.unwrap_err();
    assert!(err.is_no_node(), "{err}");
    assert_eq!(err.path(), Some("/missing"));

    zk.create("/p", "").await.unwrap();
    let watch = zk.children_watch("/p", |_| ()).await.unwrap();
    zk.delete("/p").await.unwrap();
    bounded("stops when the node is deleted", async {
        while !watch.is_stopped() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn children_watch_gets_no_updates_once_the_client_is_closed() {
    let (zk, hosts) = fresh("cw-closed").await;
    zk.create("/p", "").await.unwrap();
    let calls = Calls::<Vec<String>>::new();
    let sink = calls.sink();
    let watch = zk.children_watch("/p", move |c| sink.lock().unwrap().push(c)).await.unwrap();
    zk.close().await.unwrap();
    Client::connect(hosts).await.unwrap().create("/p/a", "").await.unwrap();
    calls.stays_at(1).await;
    bounded("the watch stops", async {
        while !watch.is_stopped() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// ChildrenWatch over a session expiry, with a child created while the
/// session was being expired: `allow_session_lost` decides whether it goes
/// on. Also checks that a plain reconnect with no change makes no call.
async fn children_across_expiry(
    allow_session_lost: bool,
) -> (Calls<(Vec<String>, Option<EventType>)>, Client, (Client, zookit::ChildrenWatch, Proxy)) {
    init_logging();
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("cw-expiry");
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.ensure_path("/p").await.unwrap();
    let zk = Client::connect(format!("{}{chroot}", proxy.addr())).await.unwrap();
    let calls = Calls::new();
    let sink = calls.sink();
    let watch = zk
        .children_watch_with("/p", allow_session_lost, move |children, event| {
            sink.lock().unwrap().push((children, event.map(|e| e.event_type)));
        })
        .await
        .unwrap();

    // A plain reconnect with no change: no call.
    proxy.drop_connections();
    calls.stays_at(1).await;
    assert_eq!(zk.client_state(), ClientState::Connected);

    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    let (id, password) = zk.client_id().unwrap();
    Client::builder(shared().connect_string_with_chroot(&chroot))
        .session(id, &password)
        .connect()
        .await
        .unwrap()
        .stop()
        .await
        .unwrap();
    direct.create("/p/during", "").await.unwrap();
    proxy.pass();
    wait_for_state(&zk, ClientState::Expired).await;
    zk.restart().await.unwrap();
    (calls, direct, (zk, watch, proxy))
}

#[tokio::test]
async fn children_watch_is_re_registered_after_session_loss_when_allowed() {
    let (calls, direct, _keep) = children_across_expiry(true).await;
    calls.wait_for(2).await;
    assert_eq!(calls.get(0), (vec![], None));
    assert_eq!(
        calls.get(1),
        (vec!["during".to_owned()], None),
        "the new session's first call has no event"
    );
    direct.create("/p/after", "").await.unwrap();
    calls.wait_for(3).await;
    assert_eq!(
        calls.get(2),
        (vec!["after".to_owned(), "during".to_owned()], Some(EventType::NodeChildrenChanged))
    );
}

#[tokio::test]
async fn children_watch_stops_on_session_loss_when_not_allowed() {
    let (calls, direct, (_zk, watch, _proxy)) = children_across_expiry(false).await;
    direct.create("/p/after", "").await.unwrap();
    calls.stays_at(1).await;
    assert!(watch.is_stopped(), "it stopped with the session");
}

#[tokio::test]
async fn children_watch_as_a_stream() {
    let (zk, _) = fresh("cw-stream").await;
    zk.create("/p", "").await.unwrap();
    let mut updates = zk.watch_children("/p").unwrap();
    assert!(bounded("first", updates.next()).await.unwrap().children.is_empty());
    zk.create("/p/x", "").await.unwrap();
    assert_eq!(bounded("created", updates.next()).await.unwrap().children, ["x"]);
    zk.delete("/p/x").await.unwrap();
    assert!(bounded("deleted", updates.next()).await.unwrap().children.is_empty());
    zk.delete("/p").await.unwrap();
    assert!(bounded("the end", updates.next()).await.is_none(), "the node is gone: the end");
}

// ---- PatientChildrenWatch ----

#[tokio::test]
async fn patient_children_returns_once_the_children_settle_and_signals_later_changes() {
    let (zk, _) = fresh("patient").await;
    zk.create("/p", "").await.unwrap();
    let writer = zk.clone();
    let adds = tokio::spawn(async move {
        for i in 0..4 {
            writer.create(&format!("/p/c{i}"), "").await.unwrap();
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    });
    let began = tokio::time::Instant::now();
    let (children, changed) =
        bounded("settled", zk.patient_children("/p", Duration::from_millis(500))).await.unwrap();
    adds.await.unwrap();
    assert_eq!(children, ["c0", "c1", "c2", "c3"], "after the last change");
    assert!(
        began.elapsed() >= Duration::from_millis(950),
        "waited for quiet: {:?}",
        began.elapsed()
    );
    zk.create("/p/late", "").await.unwrap();
    let event = bounded("the later change", changed).await;
    assert_eq!(event.event_type, EventType::NodeChildrenChanged);
}

// ---- across a server restart ----

#[tokio::test]
async fn no_change_is_missed_and_none_reported_twice_across_a_server_restart() {
    init_logging();
    let server = zookit_testing::standalone().unwrap();
    let proxy = Proxy::start(server.member_address(0)).unwrap();
    let zk = Client::connect(proxy.addr().to_string()).await.unwrap();
    zk.create("/n", "0").await.unwrap();
    zk.create("/p", "").await.unwrap();
    let data = Calls::new();
    let _data_watch = zk.data_watch_with_event("/n", record_data(&data)).await.unwrap();
    let children = Calls::<Vec<String>>::new();
    let sink = children.sink();
    let _children_watch =
        zk.children_watch("/p", move |c| sink.lock().unwrap().push(c)).await.unwrap();

    // The server restarts while the client is kept away, and another client
    // changes both nodes before the client is let back.
    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    server.restart(0).unwrap();
    let other = Client::connect(server.connect_string()).await.unwrap();
    other.set("/n", "1").await.unwrap();
    other.create("/p/c", "").await.unwrap();
    proxy.pass();
    wait_for_state(&zk, ClientState::Connected).await;

    data.wait_for(2).await;
    children.wait_for(2).await;
    assert_eq!(data.get(1).0, Some(Bytes::from("1")));
    assert_eq!(children.get(1), ["c"]);
    data.stays_at(2).await;
    assert_eq!(children.len(), 2, "each change told once");

    zk.set("/n", "2").await.unwrap();
    data.wait_for(3).await;
    assert_eq!(data.get(2).0, Some(Bytes::from("2")));
    data.stays_at(3).await;
}

// ---- the blocking forms ----

/// A blocking client on a fresh chroot of the shared server (created).
fn blocking_client(name: &str) -> zookit::blocking::Client {
    init_logging();
    let zk = zookit::blocking::Client::connect(
        shared().connect_string_with_chroot(&unique_chroot(name)),
    )
    .unwrap();
    zk.ensure_path("/").unwrap();
    zk
}

/// Waits (blocking, bounded) until `condition` holds.
fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + crate::common::WAIT;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {:?}",
            crate::common::WAIT
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn blocking_data_watch_may_call_the_client_from_its_function() {
    let zk = blocking_client("bdw");
    zk.create("/n", "v0").unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let inner = zk.clone();
    let _watch = zk
        .data_watch("/n", move |data, _| {
            // A blocking call inside the function: it runs on the callback
            // thread, not the driver's, so it cannot deadlock.
            let children = inner.get_children("/").unwrap();
            sink.lock().unwrap().push((data, children.len()));
        })
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [(Some(Bytes::from("v0")), 1)],
        "called at once, before data_watch returns"
    );
    zk.set("/n", "v1").unwrap();
    wait_until("the second call", || seen.lock().unwrap().len() == 2);
    assert_eq!(seen.lock().unwrap()[1], (Some(Bytes::from("v1")), 1));
}

#[test]
fn blocking_children_watch_stops_when_its_function_returns_false() {
    let zk = blocking_client("bcw");
    zk.create("/p", "").unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let watch = zk
        .children_watch("/p", move |children| {
            sink.lock().unwrap().push(children.clone());
            children.len() < 2
        })
        .unwrap();
    zk.create("/p/a", "").unwrap();
    zk.create("/p/b", "").unwrap();
    wait_until("stopped", || watch.is_stopped());
    zk.create("/p/c", "").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(seen.lock().unwrap().last().unwrap(), &["a", "b"]);
    assert!(zk.children_watch("/missing", |_| ()).unwrap_err().is_no_node());
}

#[test]
fn blocking_patient_children() {
    let zk = blocking_client("bpc");
    zk.create("/p", "").unwrap();
    zk.create("/p/a", "").unwrap();
    let (children, mut changed) = zk.patient_children("/p", Duration::from_millis(200)).unwrap();
    assert_eq!(children, ["a"]);
    assert!(changed.wait_timeout(Duration::from_millis(100)).is_none(), "no change yet");
    zk.create("/p/b", "").unwrap();
    let event = changed.wait_timeout(crate::common::WAIT).expect("the change is signalled");
    assert_eq!(event.event_type, EventType::NodeChildrenChanged);
}

#[tokio::test]
async fn patient_children_fails_when_the_session_ends_before_they_settle() {
    let (zk, _) = fresh("patient-stop").await;
    zk.create("/p", "").await.unwrap();
    let waiting = {
        let zk = zk.clone();
        tokio::spawn(async move { zk.patient_children("/p", Duration::from_secs(60)).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    zk.stop().await.unwrap();
    let err = bounded("patient children after stop", waiting).await.unwrap().unwrap_err();
    assert!(err.is_closed(), "{err}");
}
