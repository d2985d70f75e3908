//! Barrier and DoubleBarrier: one test per documented behaviour (kazoo's),
//! the blocking forms, and stopped clients. The helpers of the tests of
//! barriers, counters, parties, queues, leases and the partitioner are
//! here too.

use std::future::Future;
use std::time::{Duration, Instant};

use zookit::{Client, ClientState, WatcherType};
use zookit_recipes::{Barrier, DoubleBarrier};
use zookit_testing::{Proxy, shared, unique_chroot};

// ---- helpers ----

/// How long any single wait in a test may take before it fails.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// Waits for `future` at most [`WAIT`].
pub(crate) async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}"))
}

/// Waits until the server holds a watch of `kind` on `path` (as `client`
/// sees paths): a waiter in another task has set its watch.
pub(crate) async fn watch_set(client: &Client, path: &str, kind: WatcherType) {
    until_true(&format!("a {kind:?} watch on {path}"), WAIT, || async {
        client.check_watches(path, kind).await.expect("checkWatches")
    })
    .await;
}

/// Waits until `n` sessions watch the data of nodes at or below `path` (as
/// `client` sees paths), as the server's `wchp` lists them.
pub(crate) async fn data_watchers_below(client: &Client, path: &str, n: usize) {
    let prefix = format!("{}{path}", client.chroot().unwrap_or_default());
    until_true(&format!("{n} watchers below {path}"), WAIT, || async {
        let sessions: std::collections::BTreeSet<i64> =
            crate::locks::watches_below(&prefix).await.into_values().flatten().collect();
        sessions.len() >= n
    })
    .await;
}

/// Polls `condition` every 20 ms until it holds, at most `limit`.
pub(crate) async fn until_true<F, Fut>(what: &str, limit: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let polling = async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(limit, polling)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {limit:?}"));
}

/// A connect string of the shared server with a fresh chroot.
pub(crate) fn fresh(name: &str) -> String {
    shared().connect_string_with_chroot(&unique_chroot(name))
}

/// `n` connected clients (sessions) in one fresh chroot that exists.
pub(crate) async fn sessions(name: &str, n: usize) -> Vec<Client> {
    let connect = fresh(name);
    let mut clients = Vec::new();
    for _ in 0..n {
        clients.push(within("connect", Client::connect(connect.clone())).await.expect("connects"));
    }
    clients[0].ensure_path("/").await.expect("the chroot is created");
    clients
}

/// A client that was built but never started, and one that was stopped,
/// both of the shared server.
pub(crate) async fn dead_clients(name: &str) -> [Client; 2] {
    let connect = fresh(name);
    let never = Client::builder(connect.clone()).build().expect("builds");
    let stopped = within("connect", Client::connect(connect)).await.expect("connects");
    stopped.stop().await.expect("stops");
    [never, stopped]
}

/// The same for the blocking client.
pub(crate) fn dead_blocking_clients(name: &str) -> [zookit::blocking::Client; 2] {
    let connect = fresh(name);
    let never = zookit::blocking::Client::builder(connect.clone()).build().expect("builds");
    let stopped = zookit::blocking::Client::connect(connect).expect("connects");
    stopped.stop().expect("stops");
    [never, stopped]
}

/// `n` connected blocking clients in one fresh chroot that exists.
pub(crate) fn blocking_sessions(name: &str, n: usize) -> Vec<zookit::blocking::Client> {
    let connect = fresh(name);
    let clients: Vec<_> = (0..n)
        .map(|_| zookit::blocking::Client::connect(connect.clone()).expect("connects"))
        .collect();
    clients[0].ensure_path("/").expect("the chroot is created");
    clients
}

/// Asserts that `result` is the error of a stopped or never started
/// client, and came quickly.
pub(crate) fn assert_closed<T: std::fmt::Debug>(
    what: &str,
    began: Instant,
    result: zookit_recipes::Result<T>,
) {
    let err = result.expect_err(what);
    assert!(err.is_closed(), "{what}: {err}");
    assert!(began.elapsed() < Duration::from_secs(5), "{what}: took {:?}", began.elapsed());
}

/// The children of `path`, sorted; empty if it does not exist.
pub(crate) async fn kids(client: &Client, path: &str) -> Vec<String> {
    match client.get_children(path).await {
        Ok(mut children) => {
            children.sort();
            children
        }
        Err(e) if e.is_no_node() => Vec::new(),
        Err(e) => panic!("get_children {path}: {e}"),
    }
}

/// A client of the shared server through a fault proxy, and a direct one,
/// in one fresh chroot that exists.
pub(crate) async fn through_proxy(
    name: &str,
    session_timeout: Duration,
) -> (Proxy, Client, Client) {
    let chroot = unique_chroot(name);
    let direct = within("connect", Client::connect(shared().connect_string_with_chroot(&chroot)))
        .await
        .expect("connects");
    direct.ensure_path("/").await.expect("the chroot is created");
    let proxy = Proxy::start(shared().member_address(0)).expect("the proxy starts");
    let proxied = within(
        "connect through the proxy",
        Client::builder(format!("{}{chroot}", proxy.addr()))
            .session_timeout(session_timeout)
            .connect(),
    )
    .await
    .expect("connects through the proxy");
    (proxy, proxied, direct)
}

/// Waits until `client` is in `state`.
pub(crate) async fn client_state(client: &Client, state: ClientState) {
    until_true(&format!("client {state}"), WAIT, || async { client.client_state() == state }).await;
}

/// Expires the session of `client` (connected through `proxy`) as
/// Curator's KillSession does: the same session is taken over by another
/// connection and closed while the client is kept off.
pub(crate) async fn expire(proxy: &Proxy, client: &Client) {
    proxy.refuse();
    proxy.drop_connections();
    client_state(client, ClientState::Connecting).await;
    let (id, password) = client.client_id().expect("a session");
    let hosts = shared().connect_string_with_chroot(client.chroot().expect("a chroot"));
    let killer =
        within("the killer connects", Client::builder(hosts).session(id, &password).connect())
            .await
            .expect("takes the session over");
    killer.stop().await.expect("closes the session");
    proxy.pass();
    client_state(client, ClientState::Expired).await;
}

// ---- Barrier ----

#[tokio::test]
async fn a_barrier_holds_waiters_until_removed() {
    let zk = sessions("barrier", 2).await;
    let barrier = Barrier::new(&zk[0], "/b");
    barrier.create().await.unwrap();
    assert!(zk[1].exists("/b").await.unwrap().is_some(), "up: its node exists");
    barrier.create().await.unwrap(); // again: fine

    // Bounded: false at the timeout while it is up.
    let began = Instant::now();
    let other = Barrier::new(&zk[1], "/b");
    assert!(!other.wait(Duration::from_millis(300)).await.unwrap());
    assert!(began.elapsed() >= Duration::from_millis(300));
    assert!(began.elapsed() < Duration::from_secs(5));

    let waiter = tokio::spawn(async move { other.wait(WAIT).await });
    watch_set(&zk[0], "/b", WatcherType::Data).await;
    assert!(!waiter.is_finished(), "waits while up");
    assert!(barrier.remove().await.unwrap(), "removed");
    assert!(within("the waiter", waiter).await.unwrap().unwrap(), "cleared");
    assert!(!barrier.remove().await.unwrap(), "nothing to remove");
}

#[tokio::test]
async fn waiting_on_a_barrier_that_is_not_up_returns_at_once() {
    let zk = sessions("barrier-absent", 1).await;
    let began = Instant::now();
    assert!(Barrier::new(&zk[0], "/never").wait(WAIT).await.unwrap());
    assert!(began.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_barrier_wait_rides_out_a_connection_loss() {
    let (proxy, zk, direct) = through_proxy("barrier-cut", Duration::from_secs(10)).await;
    Barrier::new(&direct, "/b").create().await.unwrap();
    let waiter = {
        let barrier = Barrier::new(&zk, "/b");
        tokio::spawn(async move { barrier.wait(WAIT).await })
    };
    watch_set(&direct, "/b", WatcherType::Data).await;
    proxy.refuse();
    proxy.drop_connections();
    client_state(&zk, ClientState::Connecting).await;
    // Removed while the waiter is disconnected: its watch still fires.
    assert!(Barrier::new(&direct, "/b").remove().await.unwrap());
    proxy.pass();
    assert!(within("the waiter", waiter).await.unwrap().unwrap());
}

#[tokio::test]
async fn a_barrier_wait_fails_when_the_client_stops() {
    let zk = sessions("barrier-stop", 2).await;
    Barrier::new(&zk[0], "/b").create().await.unwrap();
    let waiter = {
        let barrier = Barrier::new(&zk[1], "/b");
        tokio::spawn(async move { barrier.wait(WAIT).await })
    };
    watch_set(&zk[0], "/b", WatcherType::Data).await;
    let began = Instant::now();
    zk[1].stop().await.unwrap();
    assert_closed("wait on a stopped client", began, within("the waiter", waiter).await.unwrap());
}

// ---- DoubleBarrier ----

#[tokio::test]
async fn a_double_barrier_lets_participants_in_once_all_have_entered() {
    let zk = sessions("double-enter", 3).await;
    let barriers: Vec<DoubleBarrier> = zk
        .iter()
        .enumerate()
        .map(|(i, c)| DoubleBarrier::new(c, "/db", 3, format!("p{i}")))
        .collect();
    let early: Vec<_> = barriers[..2]
        .iter()
        .cloned()
        .map(|b| tokio::spawn(async move { b.enter(WAIT).await }))
        .collect();
    data_watchers_below(&zk[0], "/db", 2).await;
    assert!(early.iter().all(|t| !t.is_finished()), "two of three wait");
    assert!(!barriers[0].participating());
    // The participants' nodes hold their identifiers.
    let nodes = kids(&zk[0], "/db").await;
    assert_eq!(nodes.len(), 2);
    let mut identifiers = Vec::new();
    for node in &nodes {
        identifiers.push(
            String::from_utf8(zk[0].get(&format!("/db/{node}")).await.unwrap().0.to_vec()).unwrap(),
        );
    }
    identifiers.sort();
    assert_eq!(identifiers, ["p0", "p1"]);

    assert!(barriers[2].enter(WAIT).await.unwrap(), "the third enters at once");
    for task in early {
        assert!(within("an early participant", task).await.unwrap().unwrap());
    }
    assert!(barriers.iter().all(DoubleBarrier::participating));
    assert!(zk[0].exists("/db/ready").await.unwrap().is_some());
}

#[tokio::test]
async fn a_double_barrier_lets_participants_out_once_all_have_left() {
    let zk = sessions("double-leave", 3).await;
    let barriers: Vec<DoubleBarrier> = zk
        .iter()
        .enumerate()
        .map(|(i, c)| DoubleBarrier::new(c, "/db", 3, format!("p{i}")))
        .collect();
    let entering: Vec<_> = barriers
        .iter()
        .cloned()
        .map(|b| tokio::spawn(async move { b.enter(WAIT).await }))
        .collect();
    for task in entering {
        assert!(within("enter", task).await.unwrap().unwrap());
    }

    let early: Vec<_> = barriers[..2]
        .iter()
        .cloned()
        .map(|b| tokio::spawn(async move { b.leave(WAIT).await }))
        .collect();
    data_watchers_below(&zk[0], "/db", 2).await;
    assert!(early.iter().all(|t| !t.is_finished()), "two of three wait to leave");
    assert!(barriers[2].leave(WAIT).await.unwrap());
    for task in early {
        assert!(within("an early leaver", task).await.unwrap().unwrap());
    }
    assert!(barriers.iter().all(|b| !b.participating()));
    assert!(kids(&zk[0], "/db").await.is_empty(), "nothing left: no participant, no ready node");
}

#[tokio::test]
async fn a_double_barrier_enter_that_times_out_leaves_nothing() {
    let zk = sessions("double-timeout", 1).await;
    let barrier = DoubleBarrier::new(&zk[0], "/db", 2, "alone");
    let began = Instant::now();
    assert!(!barrier.enter(Duration::from_millis(300)).await.unwrap());
    assert!(began.elapsed() < Duration::from_secs(5));
    assert!(!barrier.participating());
    assert!(kids(&zk[0], "/db").await.is_empty(), "its node is deleted");
    // Leaving a barrier never entered: nothing to wait for.
    assert!(barrier.leave(Duration::from_secs(5)).await.unwrap());
}

#[tokio::test]
async fn a_double_barrier_participant_vanishes_with_its_session() {
    let zk = sessions("double-session", 2).await;
    let barrier = DoubleBarrier::new(&zk[1], "/db", 3, "gone");
    let entering = {
        let barrier = barrier.clone();
        tokio::spawn(async move { barrier.enter(WAIT).await })
    };
    until_true("the node", WAIT, || async { kids(&zk[0], "/db").await.len() == 1 }).await;
    zk[1].stop().await.unwrap();
    let result = within("enter", entering).await.unwrap();
    assert!(result.unwrap_err().is_closed());
    assert!(kids(&zk[0], "/db").await.is_empty(), "the ephemeral node went with the session");
}

#[tokio::test]
async fn barriers_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_clients("barrier-dead").await {
        let began = Instant::now();
        let barrier = Barrier::new(&zk, "/b");
        assert_closed("create", began, barrier.create().await);
        assert_closed("remove", began, barrier.remove().await);
        assert_closed("wait", began, barrier.wait(WAIT).await);
        let double = DoubleBarrier::new(&zk, "/db", 2, "x");
        assert_closed("enter", began, double.enter(WAIT).await);
        assert_closed("leave", began, double.leave(WAIT).await);
    }
}

// ---- blocking ----

#[test]
fn blocking_barriers() {
    let zk = blocking_sessions("barrier-blocking", 3);
    let barrier = zookit_recipes::blocking::Barrier::new(&zk[0], "/b");
    barrier.create().unwrap();
    let began = Instant::now();
    assert!(
        !zookit_recipes::blocking::Barrier::new(&zk[1], "/b")
            .wait(Duration::from_millis(200))
            .unwrap()
    );
    assert!(began.elapsed() < Duration::from_secs(5));
    let waiter = {
        let other = zookit_recipes::blocking::Barrier::new(&zk[1], "/b");
        std::thread::spawn(move || other.wait(WAIT))
    };
    let deadline = Instant::now() + WAIT;
    while !zk[0].check_watches("/b", WatcherType::Data).unwrap() {
        assert!(Instant::now() < deadline, "the waiter's watch on /b");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(barrier.remove().unwrap());
    assert!(waiter.join().unwrap().unwrap());

    let doubles: Vec<_> = zk
        .iter()
        .enumerate()
        .map(|(i, c)| zookit_recipes::blocking::DoubleBarrier::new(c, "/db", 3, format!("p{i}")))
        .collect();
    let threads: Vec<_> = doubles
        .iter()
        .cloned()
        .map(|b| {
            std::thread::spawn(move || {
                assert!(b.enter(WAIT).unwrap());
                assert!(b.participating());
                assert!(b.leave(WAIT).unwrap());
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert!(zk[0].get_children("/db").unwrap().is_empty());
    // Bounded: a lone participant gives up.
    let lone = zookit_recipes::blocking::DoubleBarrier::new(&zk[0], "/db2", 2, "lone");
    assert!(!lone.enter(Duration::from_millis(200)).unwrap());
}

#[test]
fn blocking_barriers_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_blocking_clients("barrier-blocking-dead") {
        let began = Instant::now();
        let barrier = zookit_recipes::blocking::Barrier::new(&zk, "/b");
        assert_closed("create", began, barrier.create());
        assert_closed("wait", began, barrier.wait(WAIT));
        let double = zookit_recipes::blocking::DoubleBarrier::new(&zk, "/db", 2, "x");
        assert_closed("enter", began, double.enter(WAIT));
    }
}
