//! Faults injected for real: connections cut and stalled through a proxy,
//! a server restarted, a session expired by another connection.

use std::time::Duration;

use zookit::{Client, ClientState, EventType, KeeperState, State};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::bounded;
use crate::states::wait_for_state;

/// A client of the shared server through `proxy`, and a direct one, on the
/// same fresh chroot (which exists).
async fn through_proxy(name: &str, proxy: &Proxy, session_timeout: Duration) -> (Client, Client) {
    let chroot = unique_chroot(name);
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.ensure_path("/").await.unwrap();
    let proxied = Client::builder(format!("{}{chroot}", proxy.addr()))
        .session_timeout(session_timeout)
        .connect()
        .await
        .unwrap();
    (proxied, direct)
}

#[tokio::test]
async fn a_cut_connection_fails_pending_requests_and_the_session_survives() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let (zk, _direct) = through_proxy("cut", &proxy, Duration::from_secs(10)).await;
    zk.create("/eph", "").ephemeral().await.unwrap();
    let session = zk.client_id().unwrap().0;

    // A request in flight when the connection drops gets ConnectionLoss.
    proxy.stall();
    let pending = {
        let zk = zk.clone();
        tokio::spawn(async move { zk.get("/eph").await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    proxy.drop_connections();
    proxy.pass();
    let err = bounded("the pending request", pending).await.unwrap().unwrap_err();
    assert!(err.is_connection_loss(), "{err}");

    // Queued while reconnecting, then sent: succeeds.
    let (data, _) = bounded("a request after the cut", zk.get("/eph")).await.unwrap();
    assert!(data.is_empty());
    assert_eq!(zk.client_id().unwrap().0, session, "the same session");
    assert_eq!(zk.state(), State::Connected);
}

#[tokio::test]
async fn a_watch_fires_for_a_change_made_while_disconnected() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let (zk, direct) = through_proxy("rearm", &proxy, Duration::from_secs(10)).await;
    direct.create("/n", "1").await.unwrap();
    direct.create("/kids", "").await.unwrap();
    let (_, _, data_watch) = zk.get_watch("/n").await.unwrap();
    let (_, _, child_watch) = zk.get_children_watch("/kids").await.unwrap();
    let (_, exist_watch) = zk.exists_watch("/later").await.unwrap();

    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    direct.set("/n", "2").await.unwrap();
    direct.create("/kids/k", "").await.unwrap();
    direct.create("/later", "").await.unwrap();
    proxy.pass();

    let event = bounded("the data watch", data_watch).await;
    assert_eq!((event.event_type, event.path.as_deref()), (EventType::NodeDataChanged, Some("/n")));
    let event = bounded("the child watch", child_watch).await;
    assert_eq!(
        (event.event_type, event.path.as_deref()),
        (EventType::NodeChildrenChanged, Some("/kids"))
    );
    let event = bounded("the exist watch", exist_watch).await;
    assert_eq!((event.event_type, event.path.as_deref()), (EventType::NodeCreated, Some("/later")));
}

#[tokio::test]
async fn a_stall_longer_than_the_session_timeout_is_lost_then_expired() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let timeout = Duration::from_secs(2);
    let (zk, direct) = through_proxy("stall", &proxy, timeout).await;
    zk.create("/eph", "").ephemeral().await.unwrap();
    let (_, watch) = zk.exists_watch("/eph").await.unwrap();
    let mut changes = zk.state_changes();

    proxy.stall();
    let change = bounded("suspended", changes.next()).await.unwrap();
    assert_eq!(change.state, State::Suspended);
    let began = tokio::time::Instant::now();
    let change = bounded("lost", changes.next()).await.unwrap();
    assert_eq!(change.state, State::Lost, "the client reports Lost by itself");
    assert!(
        began.elapsed() <= timeout + Duration::from_millis(500),
        "lost after {:?}",
        began.elapsed()
    );

    // Meanwhile the server expired the session.
    bounded("the ephemeral vanishes", async {
        while direct.exists("/eph").await.unwrap().is_some() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    proxy.pass();
    wait_for_state(&zk, ClientState::Expired).await;
    let event = bounded("the terminal event", watch).await;
    assert_eq!((event.event_type, event.state), (EventType::None, KeeperState::Expired));
    assert!(zk.get("/").await.unwrap_err().is_session_expired());

    zk.restart().await.unwrap();
    assert!(zk.exists("/").await.unwrap().is_some(), "a new session works");
}

#[tokio::test]
async fn a_session_expired_by_another_connection() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let (zk, direct) = through_proxy("expiry", &proxy, Duration::from_secs(10)).await;
    zk.create("/eph", "").ephemeral().await.unwrap();
    let (_, _, watch) = zk.get_watch("/eph").await.unwrap();
    let mut persistent =
        zk.add_watch("/", zookit::AddWatchMode::PersistentRecursive).await.unwrap();

    // As Curator's KillSession: the same session on another connection,
    // closed. The client is kept off meanwhile, or it would take its
    // session back before the close.
    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    let (id, password) = zk.client_id().unwrap();
    let hosts = shared().connect_string_with_chroot(zk.chroot().unwrap());
    let killer = Client::builder(hosts).session(id, &password).connect().await.unwrap();
    assert_eq!(killer.client_id().unwrap().0, id);
    killer.stop().await.unwrap();
    assert!(direct.exists("/eph").await.unwrap().is_none(), "the ephemeral is gone");
    proxy.pass();

    wait_for_state(&zk, ClientState::Expired).await;
    assert_eq!(zk.state(), State::Lost);
    let event = bounded("the terminal event", watch).await;
    assert!(event.is_terminal());
    assert_eq!(event.state, KeeperState::Expired);
    assert!(bounded("the stream's terminal event", persistent.next()).await.unwrap().is_terminal());
    assert!(bounded("the stream ends", persistent.next()).await.is_none());
    let err = zk.exists("/eph").await.unwrap_err();
    assert!(err.is_session_expired(), "{err}");

    zk.restart().await.unwrap();
    assert_ne!(zk.client_id().unwrap().0, id);
    zk.create("/eph", "").ephemeral().await.unwrap();
}

#[tokio::test]
async fn a_connected_client_is_expired_for_real() {
    // No proxy to keep the client away: it is connected, and would take
    // its session back from a killer client at once.
    for round in 0..3 {
        let (zk, direct) = crate::common::two_clients(&format!("expire-{round}")).await;
        zk.create("/eph", "").ephemeral().await.unwrap();
        let (_, watch) = zk.exists_watch("/unchanged").await.unwrap();
        let (id, password) = zk.client_id().unwrap();
        let server = shared().member_address(0);
        tokio::task::spawn_blocking(move || {
            zookit_testing::expire_session(server, id, &password, Duration::from_secs(20))
        })
        .await
        .unwrap()
        .unwrap();
        assert!(direct.exists("/eph").await.unwrap().is_none(), "the ephemeral is gone");
        wait_for_state(&zk, ClientState::Expired).await;
        assert_eq!(bounded("the terminal event", watch).await.state, KeeperState::Expired);
    }
}

#[tokio::test]
async fn a_server_restart_keeps_the_session() {
    let zk_server = zookit_testing::standalone().unwrap();
    let zk = Client::connect(zk_server.connect_string()).await.unwrap();
    zk.create("/eph", "still here").ephemeral().await.unwrap();
    let session = zk.client_id().unwrap().0;

    zk_server.stop(0).unwrap();
    wait_for_state(&zk, ClientState::Connecting).await;
    let queued = {
        let zk = zk.clone();
        tokio::spawn(async move { zk.get("/eph").await })
    };
    zk_server.restart(0).unwrap();
    let (data, stat) = bounded("the queued request", queued).await.unwrap().unwrap();
    assert_eq!(&data[..], b"still here");
    assert_eq!(stat.ephemeral_owner, session);
    assert_eq!(zk.client_id().unwrap().0, session);
}

#[tokio::test]
async fn retry_runs_again_after_a_connection_loss() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let (zk, direct) = through_proxy("retry", &proxy, Duration::from_secs(10)).await;
    direct.create("/n", "v").await.unwrap();
    proxy.stall();
    let attempts = std::sync::atomic::AtomicU32::new(0);
    let cut = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        proxy.drop_connections();
        proxy.pass();
    };
    let get = zk.retry(|| {
        attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        zk.get("/n")
    });
    let (result, ()) = bounded("the retried get", async { tokio::join!(get, cut) }).await;
    let (data, _) = result.unwrap();
    assert_eq!(&data[..], b"v");
    assert_eq!(
        attempts.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "the first try lost its connection"
    );
}

#[tokio::test]
async fn credentials_stay_in_force_after_a_reconnect() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("reauth");
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.ensure_path("/").await.unwrap();
    let zk = Client::builder(format!("{}{chroot}", proxy.addr()))
        .auth("digest", "alice:secret")
        .connect()
        .await
        .unwrap();
    zk.add_auth("digest", "bob:secret").await.unwrap();
    let creator_only = vec![zookit::Acl::new(zookit::Perms::ALL, zookit::Id::authenticated())];
    zk.create("/private", "mine").acl(creator_only).await.unwrap();
    assert!(direct.get("/private").await.unwrap_err().is_no_auth(), "others may not read it");

    let mut changes = zk.state_changes();
    proxy.drop_connections();
    bounded("reconnected", async {
        while changes.next().await.unwrap().client_state != ClientState::Connecting {}
        while changes.next().await.unwrap().client_state != ClientState::Connected {}
    })
    .await;
    let (data, _) = zk.get("/private").await.expect("both identities are sent again");
    assert_eq!(&data[..], b"mine");
    let users: Vec<String> = zk.who_am_i().await.unwrap().into_iter().map(|i| i.user).collect();
    assert!(users.contains(&"alice".to_owned()) && users.contains(&"bob".to_owned()), "{users:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_callback_runs_off_the_driver_and_may_call_the_client() {
    let chroot = unique_chroot("callback");
    let zk = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    zk.ensure_path("/n").await.unwrap();
    let (_, _, watch) = zk.get_watch("/n").await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let inner = zk.clone();
    watch.on_event(move |event| {
        // Waits for the client inside the callback: were the callback run
        // by the driver, the answer could never come.
        let data = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(inner.get("/n"))
        });
        let _ = tx.send((event, data.map(|(data, _)| data)));
    });
    zk.set("/n", "changed").await.unwrap();
    let (event, data) = bounded("the callback", rx).await.unwrap();
    assert_eq!(event.event_type, EventType::NodeDataChanged);
    assert_eq!(&data.unwrap()[..], b"changed");
}
