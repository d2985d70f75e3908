//! zookit's client against the embedded server: what a user of both sees.

use std::time::Duration;

use zookit::{AddWatchMode, Client, CreateMode, ErrorCode, EventType};
use zookit_server::Server;

const WAIT: Duration = Duration::from_secs(20);

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}"))
}

#[tokio::test]
async fn crud_watches_and_transactions() {
    let server = Server::builder().port(0).start().await.expect("starts");
    let zk = bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    zk.create("/app", "v1").await.expect("create");
    let (data, stat) = zk.get("/app").await.expect("get");
    assert_eq!((&data[..], stat.version), (&b"v1"[..], 0));
    let (_, _, watch) = zk.get_watch("/app").await.expect("get_watch");
    let other =
        bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    other.set("/app", "v2").await.expect("set");
    let event = bounded("the data watch", watch).await;
    assert_eq!(event.event_type, EventType::NodeDataChanged);
    let mut persistent =
        zk.add_watch("/app", AddWatchMode::PersistentRecursive).await.expect("add_watch");
    let created = zk
        .create("/app/item-", "")
        .mode(CreateMode::EphemeralSequential)
        .await
        .expect("sequential");
    assert_eq!(created, "/app/item-0000000000");
    let event = bounded("the recursive watch", persistent.next()).await.expect("an event");
    assert_eq!(
        (event.event_type, event.path.as_deref()),
        (EventType::NodeCreated, Some(created.as_str()))
    );
    let err = zk.create("/app", "").await.expect_err("exists");
    assert_eq!(err.code(), Some(ErrorCode::NodeExists));
    let results = zk
        .transaction()
        .create("/app/a", "", CreateMode::Persistent)
        .set_data("/app", "v3", 1)
        .commit()
        .await
        .expect("multi");
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(zk.get_children("/app").await.expect("children").len(), 2);
    zk.close().await.expect("close");
    assert_eq!(
        other.get_children("/app").await.expect("children"),
        ["a"],
        "the ephemeral went with its session"
    );
    server.shutdown().await;
}

#[test]
fn the_blocking_server_serves_blocking_clients() {
    let server = Server::builder().port(0).start_blocking().expect("starts");
    let zk = zookit::blocking::Client::connect(server.connect_string()).expect("connects");
    zk.create("/b", "x").expect("create");
    assert_eq!(&zk.get("/b").expect("get").0[..], b"x");
    drop(zk);
    server.shutdown();
}

#[tokio::test]
async fn watches_are_rearmed_after_a_reconnect_and_the_session_survives() {
    let server = Server::builder().port(0).start().await.expect("starts");
    let proxy = zookit_testing::Proxy::start(server.addr()).expect("a proxy");
    let zk = bounded(
        "connect through the proxy",
        Client::builder(proxy.addr().to_string())
            .session_timeout(Duration::from_secs(10))
            .connect(),
    )
    .await
    .expect("connects");
    let direct =
        bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    direct.create("/n", "1").await.expect("create");
    zk.create("/eph", "").ephemeral().await.expect("ephemeral");
    let session = zk.client_id().expect("a session").0;
    let (_, _, data_watch) = zk.get_watch("/n").await.expect("get_watch");
    let (_, exist_watch) = zk.exists_watch("/later").await.expect("exists_watch");
    let mut recursive =
        zk.add_watch("/n", AddWatchMode::PersistentRecursive).await.expect("add_watch");

    proxy.refuse();
    proxy.drop_connections();
    bounded("the client notices", async {
        while zk.connected() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    direct.set("/n", "2").await.expect("set while disconnected");
    direct.create("/later", "").await.expect("create while disconnected");
    proxy.pass();

    let event = bounded("the data watch", data_watch).await;
    assert_eq!((event.event_type, event.path.as_deref()), (EventType::NodeDataChanged, Some("/n")));
    let event = bounded("the exists watch", exist_watch).await;
    assert_eq!((event.event_type, event.path.as_deref()), (EventType::NodeCreated, Some("/later")));
    // The catch-up event reaches every watch of the path, the recursive one too.
    let event = bounded("the recursive watch", recursive.next()).await.expect("an event");
    assert_eq!((event.event_type, event.path.as_deref()), (EventType::NodeDataChanged, Some("/n")));
    // Then the recursive watch's reset: it is registered again, and what
    // changed below meanwhile is for its consumer to read.
    let reset = bounded("the reset", recursive.next()).await.expect("an event");
    assert!(reset.is_reset(), "{reset:?}");
    direct.create("/n/child", "").await.expect("create");
    let event = bounded("the re-armed recursive watch", recursive.next()).await.expect("an event");
    assert_eq!(
        (event.event_type, event.path.as_deref()),
        (EventType::NodeCreated, Some("/n/child"))
    );
    assert_eq!(zk.client_id().expect("a session").0, session, "the same session");
    assert!(zk.exists("/eph").await.expect("exists").is_some(), "its ephemeral is still there");
    let version = zk.server_version().await.expect("srvr");
    assert_eq!(version, (3, 8, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn an_expired_session_loses_its_ephemerals_and_the_client_learns_it() {
    let server = Server::builder()
        .port(0)
        .tick_time(Duration::from_millis(100))
        .start()
        .await
        .expect("starts");
    let proxy = zookit_testing::Proxy::start(server.addr()).expect("a proxy");
    let zk = bounded(
        "connect through the proxy",
        Client::builder(proxy.addr().to_string())
            .session_timeout(Duration::from_millis(400))
            .connect(),
    )
    .await
    .expect("connects");
    zk.create("/eph", "").ephemeral().await.expect("ephemeral");
    let watcher =
        bounded("connect", Client::connect(server.connect_string())).await.expect("connects");
    let (_, gone) = watcher.exists_watch("/eph").await.expect("exists_watch");
    // The client goes silent: the server expires its session.
    proxy.stall();
    let event = bounded("the ephemeral's deletion", gone).await;
    assert_eq!((event.event_type, event.path.as_deref()), (EventType::NodeDeleted, Some("/eph")));
    proxy.pass();
    bounded("the client learns its session expired", async {
        while zk.client_state() != zookit::ClientState::Expired {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    server.shutdown().await;
}

/// Several client ports over one state, through the async API: a second
/// port serves the same tree, a closed one refuses connections while its
/// clients' sessions live on, and a session expires by id.
#[tokio::test]
async fn client_ports_share_one_state() {
    use zookit::ClientState;
    use zookit_server::Transport;

    let server = Server::builder().port(0).start().await.expect("starts");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    let second = server.open_client_port(any, Transport::Plain).await.expect("a second port");
    assert!(server.open_client_port(any, Transport::Tls).await.is_err(), "no TLS settings");
    assert_eq!(
        server.client_ports(),
        [(server.addr(), Transport::Plain), (second, Transport::Plain)]
    );
    let zk = Client::connect(format!("{second},{}", server.addr())).await.expect("connects");
    zk.create("/eph", "").ephemeral().await.expect("create");
    let (session, _) = zk.client_id().expect("a session");
    // Close the port the client is on; it fails over to the other.
    let on: std::net::SocketAddr = zk.server().expect("connected").parse().unwrap();
    let other = if on == second { server.addr() } else { second };
    assert!(server.close_client_port(on).await);
    assert!(!server.close_client_port(on).await, "already closed");
    assert!(tokio::net::TcpStream::connect(on).await.is_err(), "refused");
    bounded("reconnected", async {
        while zk.client_state() != ClientState::Connected || zk.server() != Some(other.to_string())
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(zk.client_id().expect("a session").0, session, "the same session");
    assert!(zk.exists("/eph").await.expect("exists").is_some(), "its ephemeral too");
    assert_eq!(server.open_client_port(on, Transport::Plain).await.expect("reopened"), on);

    assert!(server.expire_session(session).await);
    bounded("expired", async {
        while zk.client_state() != ClientState::Expired {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(!server.expire_session(session).await);
    server.shutdown().await;
}
