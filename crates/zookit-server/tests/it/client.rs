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
    zk.create("/b", "x").send().expect("create");
    assert_eq!(&zk.get("/b").expect("get").0[..], b"x");
    drop(zk);
    server.shutdown();
}
