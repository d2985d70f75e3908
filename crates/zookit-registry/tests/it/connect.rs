//! Connecting, async and blocking: zc.zk's `wait` (connecting before the
//! server is up) and `session_timeout`, and a helper on an existing client
//! (`from_client`).

use std::time::{Duration, Instant};

use serde_json::json;
use zookit::{Client, ErrorKind};
use zookit_registry::value::Map;
use zookit_registry::{Error, ZooKeeper, blocking};
use zookit_testing::{Proxy, shared};

use crate::support::{WAIT, chroot_hosts, map};

/// How long one attempt to connect waits in these tests.
const ATTEMPT: Duration = Duration::from_secs(1);

/// A proxy to the shared server that refuses connections, as a server
/// that is not up yet does.
fn server_not_up() -> Proxy {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    proxy.refuse();
    proxy
}

/// The client options of these tests: attempts of [`ATTEMPT`].
fn options(hosts: &str) -> zookit::ClientBuilder {
    Client::builder(hosts).connection_timeout(ATTEMPT)
}

/// Checks that `err` is a failed connection to `hosts`, saying so.
fn assert_failed_connect(err: &Error, hosts: &str) {
    match err {
        Error::FailedConnect { hosts: failed, cause } => {
            assert_eq!(failed, hosts);
            assert_eq!(cause.kind(), ErrorKind::Timeout, "{cause}");
        }
        other => panic!("expected FailedConnect, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.starts_with(&format!("can't connect to ZooKeeper at {hosts}: ")), "{message}");
}

#[tokio::test]
async fn without_wait_a_server_that_is_not_up_is_a_clear_error() {
    let proxy = server_not_up();
    let hosts = proxy.addr().to_string();
    let connect = ZooKeeper::builder().client(options(&hosts)).connect();
    let err = tokio::time::timeout(WAIT, connect).await.expect("bounded").unwrap_err();
    assert_failed_connect(&err, &hosts);
}

#[tokio::test]
async fn with_wait_connecting_goes_on_until_the_server_is_up() {
    let proxy = server_not_up();
    let hosts = proxy.addr().to_string();
    let connect = ZooKeeper::builder().client(options(&hosts)).wait(WAIT).connect();
    let connecting = tokio::spawn(connect);
    // Longer than an attempt: the first one fails, and the helper goes on.
    tokio::time::sleep(ATTEMPT * 5 / 2).await;
    assert!(!connecting.is_finished(), "still trying");
    proxy.pass();
    let zk = tokio::time::timeout(WAIT, connecting).await.expect("bounded").unwrap().unwrap();
    assert!(zk.client().connected());
    assert!(zk.exists("/").await.unwrap().is_some());
}

#[tokio::test]
async fn the_wait_is_bounded() {
    let proxy = server_not_up();
    let hosts = proxy.addr().to_string();
    let limit = ATTEMPT * 3;
    let start = Instant::now();
    let connect = ZooKeeper::builder().client(options(&hosts)).wait(limit).connect();
    let err = tokio::time::timeout(WAIT, connect).await.expect("bounded").unwrap_err();
    assert!(start.elapsed() >= limit, "tried for the whole wait: {:?}", start.elapsed());
    assert_failed_connect(&err, &hosts);
}

#[test]
fn blocking_wait_and_its_bound() {
    let proxy = server_not_up();
    let hosts = proxy.addr().to_string();
    let err =
        blocking::ZooKeeper::builder().client(options(&hosts).blocking()).connect().unwrap_err();
    assert_failed_connect(&err, &hosts);
    let start = Instant::now();
    let err = blocking::ZooKeeper::builder()
        .client(options(&hosts).blocking())
        .wait(ATTEMPT * 2)
        .connect()
        .unwrap_err();
    assert!(start.elapsed() >= ATTEMPT * 2, "tried for the whole wait: {:?}", start.elapsed());
    assert_failed_connect(&err, &hosts);

    let connecting = std::thread::spawn({
        let hosts = hosts.clone();
        move || {
            blocking::ZooKeeper::builder().client(options(&hosts).blocking()).wait(WAIT).connect()
        }
    });
    std::thread::sleep(ATTEMPT * 5 / 2);
    assert!(!connecting.is_finished(), "still trying");
    proxy.pass();
    let zk = connecting.join().unwrap().unwrap();
    assert!(zk.exists("/").unwrap().is_some());
}

/// The server's session timeout bounds (`minSessionTimeout`,
/// `maxSessionTimeout`), from its `conf`.
fn session_timeout_bounds() -> (Duration, Duration) {
    let conf = shared().four_letter(0, "conf").unwrap();
    let bound = |key: &str| {
        let line = conf.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix('='));
        Duration::from_millis(line.expect(key).trim().parse().expect("milliseconds"))
    };
    (bound("minSessionTimeout"), bound("maxSessionTimeout"))
}

#[tokio::test]
async fn the_session_timeout_asked_for_is_granted_within_the_servers_bounds() {
    let (min, max) = session_timeout_bounds();
    let hosts = chroot_hosts("session-timeout");
    // Whole milliseconds, as the protocol has them.
    let between = Duration::from_millis((min + (max - min) / 7).as_millis() as u64);
    for asked in [between, min / 2, max * 2] {
        let zk = ZooKeeper::builder().hosts(&hosts).session_timeout(asked).connect().await.unwrap();
        assert_eq!(zk.client().session_timeout(), Some(asked.clamp(min, max)), "{asked:?}");
        zk.close().await.unwrap();
    }
}

#[test]
fn blocking_connect_asks_for_the_session_timeout() {
    let (min, max) = session_timeout_bounds();
    let asked = Duration::from_millis((min + (max - min) / 5).as_millis() as u64);
    let zk =
        blocking::ZooKeeper::connect(Some(&chroot_hosts("blocking-timeout")), Some(asked), None)
            .unwrap();
    assert_eq!(zk.client().session_timeout(), Some(asked));
    assert_eq!(zk.client().command_timeout(), asked * 2, "the blocking default");
}

#[tokio::test]
async fn a_helper_on_an_existing_client_shares_its_session() {
    let client = Client::connect(chroot_hosts("from-client")).await.unwrap();
    let zk = ZooKeeper::from_client(client.clone());
    assert_eq!(zk.client().client_id(), client.client_id());
    zk.create("/providers", "", None).await.unwrap();
    zk.register("/providers", "10.0.0.9:1", None, map(json!({"a": 1}))).await.unwrap();
    let node = "/providers/10.0.0.9:1";
    let (id, _) = client.client_id().unwrap();
    assert_eq!(client.exists(node).await.unwrap().unwrap().ephemeral_owner, id);

    // Closing the helper leaves the client (and its session) open.
    zk.close().await.unwrap();
    assert!(client.connected());
    assert_eq!(client.client_id().unwrap().0, id);
    assert!(client.exists(node).await.unwrap().is_some(), "the session's node stays");
    client.stop().await.unwrap();
}

#[test]
fn a_blocking_helper_on_an_existing_client_shares_its_session() {
    let client = zookit::blocking::Client::connect(chroot_hosts("blocking-from-client")).unwrap();
    let zk = blocking::ZooKeeper::from_client(client.clone()).unwrap();
    assert_eq!(zk.client().client_id(), client.client_id());
    zk.create("/providers", "", None).unwrap();
    zk.register("/providers", "10.0.0.9:1", None, Map::new()).unwrap();
    let (id, _) = client.client_id().unwrap();
    assert_eq!(client.exists("/providers/10.0.0.9:1").unwrap().unwrap().ephemeral_owner, id);
    zk.close().unwrap();
    assert!(client.connected());
    assert!(client.exists("/providers/10.0.0.9:1").unwrap().is_some());
}
