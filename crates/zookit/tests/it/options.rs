//! Client options that change what the client does: the server list
//! (order, `set_hosts`), default ACLs, retry policies, and closing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use zookit::{
    Client, ClientState, Error, ErrorCode, ErrorKind, Perms, RetryPolicy, SERVER_VERSION_RETRIES,
    acl,
};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::{bounded, builder, init_logging};
use crate::states::wait_for_state;

/// Waits for a disconnection and the reconnect after it.
async fn reconnected(changes: &mut zookit::StateChanges) {
    bounded("a reconnect", async {
        while changes.next().await.unwrap().client_state != ClientState::Connecting {}
        while changes.next().await.unwrap().client_state != ClientState::Connected {}
    })
    .await;
}

/// Two proxies to the shared server.
fn two_proxies() -> (Proxy, Proxy) {
    let first = Proxy::start(shared().member_address(0)).unwrap();
    let second = Proxy::start(shared().member_address(0)).unwrap();
    (first, second)
}

#[tokio::test]
async fn without_randomizing_the_servers_are_tried_in_the_order_given() {
    init_logging();
    let (first, second) = two_proxies();
    let hosts = format!("{},{}", first.addr(), second.addr());
    // Randomized, eight clients would all pick the first one 1 time in 256.
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients
            .push(Client::builder(hosts.clone()).randomize_hosts(false).connect().await.unwrap());
    }
    assert_eq!((first.connection_count(), second.connection_count()), (8, 0));

    // The first refuses: the next one in the list takes them, same sessions.
    let sessions: Vec<i64> = clients.iter().map(|c| c.client_id().unwrap().0).collect();
    let mut changes: Vec<_> = clients.iter().map(Client::state_changes).collect();
    first.refuse();
    first.drop_connections();
    for ((client, session), changes) in clients.iter().zip(sessions).zip(&mut changes) {
        reconnected(changes).await;
        assert!(client.exists("/").await.unwrap().is_some());
        assert_eq!(client.client_id().unwrap().0, session);
    }
    assert_eq!(second.connection_count(), 8);
}

#[tokio::test]
async fn set_hosts_takes_effect_on_the_next_connection_and_keeps_the_chroot() {
    init_logging();
    let (first, second) = two_proxies();
    let chroot = unique_chroot("set-hosts");
    let zk = Client::builder(format!("{}{chroot}", first.addr())).connect().await.unwrap();
    zk.ensure_path("/").await.unwrap();
    zk.create("/eph", "").ephemeral().await.unwrap();
    let session = zk.client_id().unwrap().0;

    zk.set_hosts(&format!("{}{chroot}", second.addr())).unwrap();
    assert!(zk.exists("/eph").await.unwrap().is_some(), "the current connection stays");
    assert_eq!(second.connection_count(), 0);

    let mut changes = zk.state_changes();
    first.refuse();
    first.drop_connections();
    reconnected(&mut changes).await;
    assert_eq!(second.connection_count(), 1, "reconnected to the new server");
    assert_eq!(zk.client_id().unwrap().0, session, "the same session");
    assert!(zk.exists("/eph").await.unwrap().is_some(), "in the same chroot");

    for other in [format!("{}/elsewhere", second.addr()), second.addr().to_string()] {
        let err = zk.set_hosts(&other).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConnectString, "{err}");
        assert!(err.to_string().contains("chroot"), "{err}");
    }
    assert_eq!(zk.set_hosts("zk:0").unwrap_err().kind(), ErrorKind::InvalidConnectString);
}

#[tokio::test]
async fn server_version_tries_again_after_a_connection_loss() {
    init_logging();
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let zk = Client::connect(proxy.addr().to_string()).await.unwrap();
    let (major, minor, _) = zk.server_version().await.unwrap();
    assert_eq!((major, minor), (3, 8));

    // Asked while disconnected: fails at first, then waits for the
    // reconnect and tries again.
    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    assert!(zk.command("srvr").await.unwrap_err().is_connection_loss());
    let asked = {
        let zk = zk.clone();
        tokio::spawn(async move { zk.server_version().await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.pass();
    let (major, _, _) = bounded("the version", asked).await.unwrap().unwrap();
    assert_eq!(major, 3);
    assert_eq!(SERVER_VERSION_RETRIES, 3, "kazoo's default");
}

#[tokio::test]
async fn the_default_acl_and_ensure_path_with_an_acl_are_applied() {
    let chroot = unique_chroot("acls");
    let owner_acl = vec![acl::make_digest_acl("owner", "pw", Perms::ALL)];
    let zk = Client::builder(shared().connect_string_with_chroot(&chroot))
        .auth("digest", "owner:pw")
        .default_acl(owner_acl.clone())
        .connect()
        .await
        .unwrap();
    zk.ensure_path("/").await.unwrap();
    zk.create("/by-default", "").await.unwrap();
    assert_eq!(zk.get_acls("/by-default").await.unwrap().0, owner_acl);
    let shared_read =
        vec![owner_acl[0].clone(), zookit::Acl::new(Perms::READ, zookit::Id::anyone())];
    zk.ensure_path_with_acl("/a/b", &shared_read).await.unwrap();
    for path in ["/a", "/a/b"] {
        assert_eq!(zk.get_acls(path).await.unwrap().0, shared_read, "{path}");
    }

    let stranger = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    assert!(stranger.get("/by-default").await.unwrap_err().is_no_auth());
    assert!(stranger.get("/a/b").await.is_ok(), "the world may read what ensure_path made");
    assert!(stranger.create("/a/b/c", "").await.unwrap_err().is_no_auth());
}

#[tokio::test]
async fn a_command_retry_override_governs_retry() {
    let zk = builder("command-retry")
        .command_retry(RetryPolicy::new().max_tries(Some(4)).delay(Duration::from_millis(1)))
        .connect()
        .await
        .unwrap();
    let tries = Arc::new(AtomicU32::new(0));
    let err = zk
        .retry(|| {
            tries.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(Error::from(ErrorCode::ConnectionLoss)) }
        })
        .await
        .unwrap_err();
    assert_eq!(tries.load(Ordering::SeqCst), 5, "a try and 4 retries, not kazoo's default");
    assert!(matches!(err.kind(), ErrorKind::RetryFailed { .. }), "{err}");
    assert!(err.is_connection_loss(), "the last attempt's code: {err}");

    // And the default is kazoo's KazooRetry(): a try and one retry.
    let plain = builder("command-retry-default").connect().await.unwrap();
    tries.store(0, Ordering::SeqCst);
    plain
        .retry(|| {
            tries.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>(Error::from(ErrorCode::ConnectionLoss)) }
        })
        .await
        .unwrap_err();
    assert_eq!(tries.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn stopping_twice_is_harmless_and_requests_then_fail_closed() {
    let zk = builder("stop-twice").connect().await.unwrap();
    zk.create("/eph", "").ephemeral().makepath().await.unwrap();
    bounded("the first stop", zk.stop()).await.unwrap();
    bounded("the second stop", zk.stop()).await.unwrap();
    assert_eq!(zk.client_state(), ClientState::Closed);
    assert!(zk.get("/eph").await.unwrap_err().is_closed());
}

#[test]
fn the_blocking_client_stops_twice_and_sets_hosts() {
    init_logging();
    let (first, second) = two_proxies();
    let zk = zookit::blocking::Client::builder(first.addr().to_string()).connect().unwrap();
    zk.set_hosts(&second.addr().to_string()).unwrap();
    first.refuse();
    first.drop_connections();
    // In flight as the connection drops, a request may be lost: retried,
    // it waits for the reconnect, through the new host.
    assert!(zk.retry(|| zk.exists("/")).unwrap().is_some());
    assert_eq!(second.connection_count(), 1);
    zk.stop().unwrap();
    zk.stop().unwrap();
    assert!(zk.exists("/").unwrap_err().is_closed());
}
