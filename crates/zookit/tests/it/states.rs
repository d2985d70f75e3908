//! States, listeners and the lifecycle: start, stop, restart.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zookit::{Client, ClientState, ErrorKind, State};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::{bounded, client};

/// Waits until `client` reports `state`.
pub(crate) async fn wait_for_state(client: &Client, state: ClientState) {
    bounded(&format!("client state {state}"), async {
        while client.client_state() != state {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn listeners_hear_suspended_and_connected_and_lost() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let zk =
        Client::builder(format!("{}{}", proxy.addr(), unique_chroot("listeners"))).build().unwrap();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&heard);
    let id = zk.add_listener(move |state| sink.lock().unwrap().push(state));
    let mut changes = zk.state_changes();

    zk.start().await.unwrap();
    assert_eq!(
        bounded("connected", changes.next()).await.unwrap().client_state,
        ClientState::Connecting
    );
    assert_eq!(bounded("connected", changes.next()).await.unwrap().state, State::Connected);

    proxy.drop_connections();
    let change = bounded("suspended", changes.next()).await.unwrap();
    assert_eq!((change.state, change.client_state), (State::Suspended, ClientState::Connecting));
    let change = bounded("reconnected", changes.next()).await.unwrap();
    assert_eq!((change.state, change.client_state), (State::Connected, ClientState::Connected));

    zk.stop().await.unwrap();
    let change = bounded("stopped", changes.next()).await.unwrap();
    assert_eq!((change.state, change.client_state), (State::Lost, ClientState::Closed));
    bounded("listeners", async {
        while heard.lock().unwrap().len() < 4 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(
        *heard.lock().unwrap(),
        [State::Connected, State::Suspended, State::Connected, State::Lost]
    );

    assert!(zk.remove_listener(id));
    assert!(!zk.remove_listener(id));
}

#[tokio::test]
async fn a_listener_added_after_connecting_hears_the_current_state_at_once() {
    let zk = client("listener-late").await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&heard);
    zk.add_listener(move |state| sink.lock().unwrap().push(state));
    bounded("the current state", async {
        while heard.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    zk.stop().await.unwrap();
    bounded("the stop", async {
        while heard.lock().unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert_eq!(*heard.lock().unwrap(), [State::Connected, State::Lost], "told once each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_may_call_the_client() {
    let zk = client("listener-calls").await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = Mutex::new(Some(tx));
    // A listener holds a weak reference, so that it does not keep the
    // session alive.
    let weak = zk.downgrade();
    zk.add_listener(move |state| {
        let Some(inner) = weak.upgrade() else { return };
        // Waits for the client inside the listener (told `Connected` at
        // once): were listeners run by the driver, the answer never came.
        let exists = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(inner.exists("/"))
        });
        if let Some(tx) = tx.lock().unwrap().take() {
            let _ = tx.send((state, exists));
        }
    });
    let (state, exists) = bounded("the listener's call", rx).await.unwrap();
    assert_eq!(state, State::Connected);
    assert!(exists.unwrap().is_some(), "the chroot exists");
}

#[tokio::test]
async fn start_gives_up_cleanly_when_no_server_answers() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let zk = Client::builder(format!("127.0.0.1:{port}"))
        .connection_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let began = Instant::now();
    let err = zk.start().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(began.elapsed() < Duration::from_secs(3), "took {:?}", began.elapsed());
    assert_eq!(zk.client_state(), ClientState::Closed, "it stopped trying");
    let err = zk.exists("/").await.unwrap_err();
    assert!(err.is_closed(), "{err}");
}

#[tokio::test]
async fn stop_returns_promptly_while_reconnecting() {
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let zk = Client::connect(proxy.addr().to_string()).await.unwrap();
    proxy.refuse();
    proxy.drop_connections();
    wait_for_state(&zk, ClientState::Connecting).await;
    let began = Instant::now();
    bounded("stop", zk.stop()).await.unwrap();
    assert!(began.elapsed() < Duration::from_secs(1), "stop took {:?}", began.elapsed());
    assert_eq!(zk.state(), State::Lost);
}

#[tokio::test]
async fn stop_removes_ephemerals_at_once_and_restart_begins_a_new_session() {
    let zk = client("restart").await;
    zk.create("/e", "").ephemeral().await.unwrap();
    let first = zk.client_id().unwrap().0;
    zk.restart().await.unwrap();
    assert_ne!(zk.client_id().unwrap().0, first, "a new session");
    assert!(zk.exists("/e").await.unwrap().is_none(), "the old session's ephemeral is gone");
}
