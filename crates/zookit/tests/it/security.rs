//! TLS, SASL and secrets, against servers configured for them
//! (certificates generated at test time): each test body runs against
//! Apache ZooKeeper and against the embedded server.

use std::time::{Duration, Instant};

use zookit::{
    Acl, Client, ClientState, ErrorKind, EventType, Id, Perms, SaslCredentials, TlsOptions,
};
use zookit_testing::{ClientAuth, ServerKind, ServerTls, TestEnsemble, TestPki, on_both_servers};

use crate::common::{bounded, init_logging};
use crate::states::wait_for_state;

/// A standalone server of `kind` with a secure port, and its PKI.
fn tls_server(kind: ServerKind, client_auth: ClientAuth) -> (TestEnsemble, TestPki) {
    init_logging();
    let pki = TestPki::new("zookit test CA");
    let server =
        kind.builder().tls(ServerTls::from_pki(&pki).client_auth(client_auth)).start().unwrap();
    (server, pki)
}

fn trusting(pki: &TestPki) -> TlsOptions {
    TlsOptions::new().ca_pem(pki.ca_pem())
}

on_both_servers!(async crud_and_watches_over_tls);
async fn crud_and_watches_over_tls(kind: ServerKind) {
    let (server, pki) = tls_server(kind, ClientAuth::None);
    let zk = Client::builder(format!("{}/tls", server.secure_connect_string()))
        .tls(trusting(&pki))
        .connect()
        .await
        .unwrap();
    zk.ensure_path("/").await.unwrap();
    zk.create("/n", "secret data").await.unwrap();
    let (data, _, watch) = zk.get_watch("/n").await.unwrap();
    assert_eq!(&data[..], b"secret data");
    zk.set("/n", "changed").await.unwrap();
    assert_eq!(bounded("the watch over TLS", watch).await.event_type, EventType::NodeDataChanged);
    let children = zk.get_children("/").await.unwrap();
    assert_eq!(children, ["n"]);
    // A large value crosses many TLS records.
    let big = vec![7u8; 900_000];
    zk.set("/n", &big).await.unwrap();
    assert_eq!(zk.get("/n").await.unwrap().0.len(), big.len());
    // Many requests in flight (paced reads) over TLS, tiny answers included.
    let answers = bounded("300 requests over TLS", async {
        let zk = &zk;
        let exists = (0..300).map(|i| async move { zk.exists(&format!("/missing{i}")).await });
        futures_util::future::join_all(exists).await
    })
    .await;
    assert!(answers.into_iter().all(|answer| answer.unwrap().is_none()));
}

on_both_servers!(async a_client_certificate_with_an_encrypted_key);
async fn a_client_certificate_with_an_encrypted_key(kind: ServerKind) {
    let (server, pki) = tls_server(kind, ClientAuth::Need);
    let identity = pki.client("app");
    let tls = trusting(&pki)
        .client_cert_pem(identity.cert_pem.clone(), identity.encrypted_key_pem("k3y"))
        .key_password("k3y");
    let zk = Client::builder(server.secure_connect_string()).tls(tls).connect().await.unwrap();
    let me = zk.who_am_i().await.unwrap();
    assert!(me.iter().any(|info| info.auth_scheme == "x509" && info.user == "CN=app"), "{me:?}");
    // The subject is an identity for ACLs.
    let x509 = Acl::new(Perms::ALL, Id::new("x509", "CN=app"));
    zk.create("/app-only", "mine").acl(vec![x509]).await.unwrap();
    assert_eq!(&zk.get("/app-only").await.unwrap().0[..], b"mine");
    let other = pki.client("other");
    let tls = trusting(&pki).client_cert_pem(other.cert_pem, other.key_pem);
    let stranger =
        Client::builder(server.secure_connect_string()).tls(tls).connect().await.unwrap();
    assert!(stranger.get("/app-only").await.unwrap_err().is_no_auth());

    // No certificate: the server refuses; a clear error, not a retry storm.
    let began = Instant::now();
    let err = Client::builder(server.secure_connect_string())
        .tls(trusting(&pki))
        .connect()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(err.to_string().contains("127.0.0.1"), "names the host: {err}");
    assert!(began.elapsed() < Duration::from_secs(10), "took {:?}", began.elapsed());

    // A wrong key password is a clear error when the client is built.
    let tls = trusting(&pki)
        .client_cert_pem(identity.cert_pem.clone(), identity.encrypted_key_pem("k3y"))
        .key_password("nope");
    let err = Client::builder(server.secure_connect_string()).tls(tls).build().unwrap_err();
    assert!(err.to_string().contains("wrong password"), "{err}");
}

on_both_servers!(async an_unknown_ca_and_a_wrong_hostname_fail_clearly);
async fn an_unknown_ca_and_a_wrong_hostname_fail_clearly(kind: ServerKind) {
    let (server, _pki) = tls_server(kind, ClientAuth::None);
    let other = TestPki::new("another CA");
    let began = Instant::now();
    let zk = Client::builder(server.secure_connect_string()).tls(trusting(&other)).build().unwrap();
    let err = zk.start().await.unwrap_err();
    assert_tls(&err, "UnknownIssuer");
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
    assert!(began.elapsed() < Duration::from_secs(5), "no retry storm: {:?}", began.elapsed());
    assert_eq!(zk.client_state(), ClientState::AuthFailed);
    assert_eq!(zk.exists("/").await.unwrap_err().kind(), ErrorKind::Tls);
    // Without verification it connects (for tests only).
    Client::builder(server.secure_connect_string())
        .tls(TlsOptions::new().verify_certs(false))
        .connect()
        .await
        .unwrap();

    // A certificate for another name.
    let pki = TestPki::new("named CA");
    let named = kind
        .builder()
        .tls(ServerTls::new(pki.server(&["elsewhere.example"]), pki.ca_pem()))
        .start()
        .unwrap();
    let err = Client::builder(named.secure_connect_string())
        .tls(trusting(&pki))
        .connect()
        .await
        .unwrap_err();
    assert_tls(&err, "not valid for name");
    Client::builder(named.secure_connect_string())
        .tls(trusting(&pki).check_hostname(false))
        .connect()
        .await
        .unwrap();

    // An expired certificate.
    let expired = kind
        .builder()
        .tls(ServerTls::new(pki.expired_server(&["127.0.0.1"]), pki.ca_pem()))
        .start()
        .unwrap();
    let err = Client::builder(expired.secure_connect_string())
        .tls(trusting(&pki))
        .connect()
        .await
        .unwrap_err();
    assert_tls(&err, "expired");
}

/// A TLS error whose message says `cause`, with rustls's error as its source.
fn assert_tls(err: &zookit::Error, cause: &str) {
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(err.to_string().to_lowercase().contains(&cause.to_lowercase()), "{err}");
    let source = std::error::Error::source(err).expect("the cause");
    assert!(source.is::<rustls::Error>(), "{source:?}");
}

on_both_servers!(async tls_fails_over_between_members_keeping_the_session);
async fn tls_fails_over_between_members_keeping_the_session(kind: ServerKind) {
    init_logging();
    let pki = TestPki::new("ensemble CA");
    let ensemble = kind.builder().members(3).tls(ServerTls::from_pki(&pki)).start().unwrap();
    let zk = Client::builder(ensemble.secure_connect_string())
        .tls(trusting(&pki))
        .connect()
        .await
        .unwrap();
    zk.create("/eph", "").ephemeral().await.unwrap();
    let session = zk.client_id().unwrap().0;
    let server = zk.server().unwrap();
    let member = (0..3).find(|&i| ensemble.secure_address(i).to_string() == server).unwrap();
    let mut changes = zk.state_changes();
    ensemble.kill(member).unwrap();
    bounded("suspended", async {
        while changes.next().await.unwrap().client_state != ClientState::Connecting {}
    })
    .await;
    wait_for_state(&zk, ClientState::Connected).await;
    assert_ne!(zk.server().unwrap(), server, "another member");
    assert_eq!(zk.client_id().unwrap().0, session);
    assert!(bounded("exists", zk.exists("/eph")).await.unwrap().is_some());
}

/// A SASL-enabled standalone server of `kind` with users alice and bob.
fn sasl_server(kind: ServerKind) -> TestEnsemble {
    init_logging();
    kind.builder()
        .sasl_digest_users(&[("alice", "alice-secret"), ("bob", "bob-secret")])
        .start()
        .unwrap()
}

on_both_servers!(async sasl_authenticates_and_acls_follow);
async fn sasl_authenticates_and_acls_follow(kind: ServerKind) {
    let server = sasl_server(kind);
    let alice = Client::builder(server.connect_string())
        .sasl(SaslCredentials::new("DIGEST-MD5", "alice", "alice-secret").unwrap())
        .connect()
        .await
        .unwrap();
    let me = alice.who_am_i().await.unwrap();
    assert!(me.iter().any(|i| i.auth_scheme == "sasl" && i.user == "alice"), "{me:?}");
    alice
        .create("/alice-only", "mine")
        .acl(vec![Acl::new(Perms::ALL, Id::new("sasl", "alice"))])
        .await
        .unwrap();
    // `auth` stands for the session's SASL identity; a bad name is refused.
    alice
        .create("/alice-auth", "")
        .acl(vec![Acl::new(Perms::READ, Id::new("auth", ""))])
        .await
        .unwrap();
    let (acl, _) = alice.get_acls("/alice-auth").await.unwrap();
    assert_eq!(acl, vec![Acl::new(Perms::READ, Id::new("sasl", "alice"))]);
    let bad =
        alice.create("/bad", "").acl(vec![Acl::new(Perms::ALL, Id::new("sasl", "a@b@c"))]).await;
    assert_eq!(bad.unwrap_err().code(), Some(zookit::ErrorCode::InvalidAcl), "an invalid sasl id");

    // Another session may not read it; bob may, after add_auth("sasl"), not.
    let other = Client::connect(server.connect_string()).await.unwrap();
    assert!(other.get("/alice-only").await.unwrap_err().is_no_auth());
    other.add_auth("sasl", "bob:bob-secret").await.unwrap();
    assert!(other.who_am_i().await.unwrap().iter().any(|i| i.user == "bob"));
    assert!(other.get("/alice-only").await.unwrap_err().is_no_auth());

    // The super user sees everything.
    let root = Client::builder(server.connect_string())
        .auth("digest", zookit_testing::SUPER_AUTH)
        .connect()
        .await
        .unwrap();
    assert_eq!(&root.get("/alice-only").await.unwrap().0[..], b"mine");

    // SASL survives a server restart: re-authenticated on the new connection.
    let mut changes = alice.state_changes();
    server.restart(0).unwrap();
    bounded("reconnected", async {
        while changes.next().await.unwrap().client_state != ClientState::Connecting {}
        while changes.next().await.unwrap().client_state != ClientState::Connected {}
    })
    .await;
    assert_eq!(
        &bounded("read after restart", alice.get("/alice-only")).await.unwrap().0[..],
        b"mine"
    );
}

on_both_servers!(async a_wrong_sasl_password_fails_without_retrying);
async fn a_wrong_sasl_password_fails_without_retrying(kind: ServerKind) {
    let server = sasl_server(kind);
    let began = Instant::now();
    let zk = Client::builder(server.connect_string())
        .sasl(SaslCredentials::digest_md5("alice", "wrong"))
        .build()
        .unwrap();
    let err = zk.start().await.unwrap_err();
    assert!(err.is_auth_failed(), "{err}");
    assert!(began.elapsed() < Duration::from_secs(5), "{:?}", began.elapsed());
    assert_eq!(zk.client_state(), ClientState::AuthFailed);
    let err = Client::connect(server.connect_string())
        .await
        .unwrap()
        .add_auth("sasl", "bob:wrong")
        .await
        .unwrap_err();
    assert!(err.is_auth_failed(), "{err}");
    let err = SaslCredentials::new("GSSAPI", "a", "b").unwrap_err();
    assert!(err.to_string().contains("GSSAPI"), "the refusal names the mechanism: {err}");
}

// kazoo's `auth_data=[("sasl", "user:password")]`: the builder's `auth`
// with the `sasl` scheme runs the SASL exchange, on every connection.
on_both_servers!(async sasl_in_the_auth_list_is_a_sasl_exchange);
async fn sasl_in_the_auth_list_is_a_sasl_exchange(kind: ServerKind) {
    let server = sasl_server(kind);
    let bob = Client::builder(server.connect_string())
        .auth("sasl", "bob:bob-secret")
        .connect()
        .await
        .unwrap();
    let me = bob.who_am_i().await.unwrap();
    assert!(me.iter().any(|i| i.auth_scheme == "sasl" && i.user == "bob"), "{me:?}");
    let zk = Client::builder(server.connect_string()).auth("sasl", "bob:wrong").build().unwrap();
    let err = bounded("a refused exchange", zk.start()).await.unwrap_err();
    assert!(err.is_auth_failed(), "{err}");
    let err = Client::builder(server.connect_string()).auth("sasl", "no-colon").build();
    assert_eq!(err.unwrap_err().kind(), zookit::ErrorKind::InvalidArgument);
}

#[test]
fn debug_output_shows_no_secret() {
    let pki = TestPki::new("debug CA");
    let identity = pki.client("c");
    let builder = Client::builder("127.0.0.1:2181")
        .auth("digest", "user:p4ssw0rd-digest")
        .sasl(SaslCredentials::digest_md5("user", "p4ssw0rd-sasl"))
        .session(0x1234, b"p4ssw0rd-session")
        .tls(
            trusting(&pki)
                .client_cert_pem(
                    identity.cert_pem.clone(),
                    identity.encrypted_key_pem("p4ssw0rd-key"),
                )
                .key_password("p4ssw0rd-key"),
        );
    let shown = format!("{builder:?}");
    assert!(!shown.contains("p4ssw0rd"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

on_both_servers!(the_blocking_client_speaks_tls_and_sasl);
/// The blocking client takes the same TLS and SASL options: a client
/// certificate with an encrypted key, and SASL, on one server.
fn the_blocking_client_speaks_tls_and_sasl(kind: ServerKind) {
    init_logging();
    let pki = TestPki::new("zookit blocking CA");
    let server = kind
        .builder()
        .tls(ServerTls::from_pki(&pki).client_auth(ClientAuth::Need))
        .sasl_digest_users(&[("carol", "carol-secret")])
        .start()
        .unwrap();
    let identity = pki.client("blocking");
    let tls = trusting(&pki)
        .client_cert_pem(identity.cert_pem.clone(), identity.encrypted_key_pem("k3y"))
        .key_password("k3y");
    let zk = zookit::blocking::Client::builder(server.secure_connect_string())
        .tls(tls.clone())
        .sasl(SaslCredentials::digest_md5("carol", "carol-secret"))
        .connect()
        .unwrap();
    let me = zk.who_am_i().unwrap();
    assert!(me.iter().any(|i| i.auth_scheme == "x509"), "{me:?}");
    assert!(me.iter().any(|i| i.auth_scheme == "sasl" && i.user == "carol"), "{me:?}");
    zk.create_with("/carol", "mine")
        .acl(vec![Acl::new(Perms::ALL, Id::new("sasl", "carol"))])
        .send()
        .unwrap();
    assert_eq!(&zk.get("/carol").unwrap().0[..], b"mine");

    // The same builder from the async options, with a wrong password:
    // refused, clearly, without retrying.
    let began = Instant::now();
    let err = Client::builder(server.secure_connect_string())
        .tls(tls)
        .sasl(SaslCredentials::digest_md5("carol", "wrong"))
        .blocking()
        .connect()
        .unwrap_err();
    assert!(err.is_auth_failed(), "{err}");
    assert!(began.elapsed() < Duration::from_secs(10), "{:?}", began.elapsed());

    // Without TLS options, the secure port cannot be spoken to.
    let err = zookit::blocking::Client::builder(server.secure_connect_string())
        .connection_timeout(Duration::from_secs(2))
        .connect()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}
