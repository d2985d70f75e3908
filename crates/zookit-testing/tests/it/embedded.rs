//! The embedded server in process and the simulated ensemble, driven by
//! zookit's client: failover keeping the session, members that stop and
//! come back on their ports, dropped and stalled connections, a session
//! expired by id.

use std::future::Future;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::Duration;

use zookit::{Client, ClientState};
use zookit_testing::{ClientAuth, EmbeddedEnsemble, Error, ServerTls, TestPki};

/// Every wait here is bounded by this.
const LIMIT: Duration = Duration::from_secs(20);

async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {LIMIT:?}"))
}

async fn wait_for(client: &Client, state: ClientState) {
    bounded(&format!("client state {state}"), async {
        while client.client_state() != state {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// The member a client is connected to.
fn member_of(zk: &EmbeddedEnsemble, client: &Client) -> usize {
    let server = client.server().expect("connected");
    (0..zk.len()).find(|&i| zk.member_address(i).to_string() == server).expect("a member")
}

#[tokio::test]
async fn a_client_fails_over_between_members_keeping_its_session_and_ephemerals() {
    let zk = EmbeddedEnsemble::start(3).unwrap();
    assert!(!zk.is_standalone());
    let client = Client::connect(zk.connect_string()).await.unwrap();
    client.create("/eph", "mine").ephemeral().await.unwrap();
    let (session, _) = client.client_id().unwrap();
    let first = member_of(&zk, &client);

    let mut changes = client.state_changes();
    zk.kill(first).unwrap();
    assert!(!zk.is_running(first));
    bounded("the client notices", async {
        while changes.next().await.unwrap().client_state != ClientState::Connecting {}
    })
    .await;
    wait_for(&client, ClientState::Connected).await;
    let second = member_of(&zk, &client);
    assert_ne!(second, first, "failed over to another member");
    assert_eq!(client.client_id().unwrap().0, session, "the same session");
    assert_eq!(&bounded("get", client.get("/eph")).await.unwrap().0[..], b"mine");

    // Every member serves the one tree, the restarted one included.
    zk.restart(first).unwrap();
    let through_first = Client::connect(zk.member_address(first).to_string()).await.unwrap();
    let (_, stat) = through_first.get("/eph").await.unwrap();
    assert_eq!(stat.ephemeral_owner, session);
    through_first.create("/written", "").await.unwrap();
    assert!(client.exists("/written").await.unwrap().is_some());
}

#[test]
fn a_stopped_member_refuses_connections_and_restarts_on_its_port() {
    let zk = EmbeddedEnsemble::start(2).unwrap();
    let addr = zk.member_address(1);
    zk.stop(1).unwrap();
    zk.stop(1).unwrap(); // stopping a stopped member does nothing
    let refused = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");
    assert_eq!(zk.four_letter(0, "ruok").unwrap(), "imok", "the other member serves");
    zk.start_member_no_wait(1).unwrap();
    assert!(matches!(zk.start_member_no_wait(1), Err(Error::AlreadyRunning { member: 1 })));
    assert_eq!(zk.member_address(1), addr, "the same port");
    assert_eq!(zk.four_letter(1, "ruok").unwrap(), "imok");
    assert!(zk.four_letter(1, "srvr").unwrap().contains("Mode: standalone"));
}

#[tokio::test]
async fn a_session_expired_by_id_ends_its_client_with_expired() {
    let zk = EmbeddedEnsemble::standalone().unwrap();
    let client = Client::connect(zk.connect_string()).await.unwrap();
    client.create("/eph", "").ephemeral().await.unwrap();
    let (session, _) = client.client_id().unwrap();
    let watcher = Client::connect(zk.connect_string()).await.unwrap();
    let (_, watch) = watcher.exists_watch("/eph").await.unwrap();

    assert!(zk.expire_session(session));
    wait_for(&client, ClientState::Expired).await;
    assert!(client.get("/").await.unwrap_err().is_session_expired());
    let event = bounded("the ephemeral's watch", watch).await;
    assert_eq!(event.event_type, zookit::EventType::NodeDeleted);
    assert!(watcher.exists("/eph").await.unwrap().is_none());
    assert!(!zk.expire_session(session), "already gone");
    assert!(!zk.expire_session(0x1234), "never was");
}

#[tokio::test]
async fn dropped_and_stalled_connections() {
    let zk = EmbeddedEnsemble::standalone().unwrap();
    let client = Client::builder(zk.connect_string())
        .session_timeout(Duration::from_secs(3))
        .connect()
        .await
        .unwrap();
    let (session, _) = client.client_id().unwrap();

    // Dropped: the client reconnects to the same member, same session.
    let mut changes = client.state_changes();
    zk.drop_connections(0);
    bounded("dropped", async {
        while changes.next().await.unwrap().client_state != ClientState::Connecting {}
    })
    .await;
    wait_for(&client, ClientState::Connected).await;
    assert_eq!(client.client_id().unwrap().0, session);

    // Stalled: pings go unanswered, so the client gives up on the
    // connection; once traffic flows again it resumes the session.
    zk.stall(0);
    wait_for(&client, ClientState::Connecting).await;
    zk.pass(0);
    wait_for(&client, ClientState::Connected).await;
    assert_eq!(client.client_id().unwrap().0, session);
    assert!(bounded("exists", client.exists("/")).await.unwrap().is_some());

    // Stalled past the session timeout: the session expires meanwhile.
    zk.stall(0);
    wait_for(&client, ClientState::Connecting).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    zk.pass(0);
    wait_for(&client, ClientState::Expired).await;
}

#[tokio::test]
async fn members_with_tls_ports() {
    let pki = TestPki::new("embedded CA");
    let zk = EmbeddedEnsemble::builder()
        .members(2)
        .tls(ServerTls::from_pki(&pki).client_auth(ClientAuth::Need))
        .start()
        .unwrap();
    assert!(zk.has_tls());
    let identity = pki.client("member-test");
    let tls = zookit::TlsOptions::new()
        .ca_pem(pki.ca_pem())
        .client_cert_pem(identity.cert_pem, identity.key_pem);
    let client = Client::builder(zk.secure_connect_string()).tls(tls).connect().await.unwrap();
    let me = client.who_am_i().await.unwrap();
    assert!(me.iter().any(|i| i.auth_scheme == "x509" && i.user == "CN=member-test"), "{me:?}");
    let first =
        (0..2).find(|&i| Some(zk.secure_address(i).to_string()) == client.server()).unwrap();
    let mut changes = client.state_changes();
    zk.kill(first).unwrap();
    bounded("the client notices", async {
        while changes.next().await.unwrap().client_state != ClientState::Connecting {}
    })
    .await;
    assert!(
        TcpStream::connect_timeout(&zk.secure_address(first), Duration::from_secs(2)).is_err(),
        "the secure port closes with its member"
    );
    wait_for(&client, ClientState::Connected).await;
    assert!(bounded("exists over TLS", client.exists("/")).await.unwrap().is_some());
    zk.restart(first).unwrap();
    TcpStream::connect_timeout(&zk.secure_address(first), Duration::from_secs(2))
        .expect("the secure port is back");
}
