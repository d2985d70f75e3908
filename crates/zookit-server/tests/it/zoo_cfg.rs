//! Real configuration files: Debian's `zoo.cfg`, and the `zoo.cfg` and
//! JAAS file zookit-testing writes for Apache ZooKeeper, read and served.

use std::time::Duration;

use zookit::{Acl, Client, Id, Perms, SaslCredentials, TlsOptions};
use zookit_server::{ClientAuth, Server, Tls, ZooCfg};
use zookit_testing::{Ensemble, ServerTls, TestPki};

/// The configuration Debian's `zookeeper` package installs.
const DEBIAN_ZOO_CFG: &str = "/etc/zookeeper/conf/zoo.cfg";

#[tokio::test]
async fn debians_zoo_cfg() {
    let cfg = ZooCfg::read(DEBIAN_ZOO_CFG).expect("Debian's zoo.cfg (package zookeeper)");
    let warning = cfg.warning().expect("quorum keys are not applied");
    assert!(
        warning.contains("initLimit (line") && warning.contains("syncLimit (line"),
        "{warning}"
    );
    assert!(!warning.contains("clientPort") && !warning.contains("tickTime"), "{warning}");
    assert!(cfg.data_dir().is_some());
    assert!(cfg.data_dir_note().unwrap().contains("accepted, applied when durability lands"));
    // Its clientPort (2181) may be taken here: port 0 instead.
    let server = cfg.apply(Server::builder()).unwrap().port(0).start().await.unwrap();
    let zk = Client::builder(server.connect_string())
        .session_timeout(Duration::from_secs(90))
        .connect()
        .await
        .unwrap();
    assert_eq!(zk.session_timeout(), Some(Duration::from_secs(40)), "20 ticks of 2000 ms");
    server.shutdown().await;
}

/// The zoo.cfg zookit-testing writes for an Apache member with TLS and
/// SASL (TLS material is passed to Java as system properties, so the
/// certificate comes from the builder here), and its JAAS file.
#[tokio::test(flavor = "multi_thread")]
async fn the_files_zookit_testing_writes_for_apache() {
    let pki = TestPki::new("zoo.cfg CA");
    let apache = tokio::task::spawn_blocking({
        let tls = ServerTls::from_pki(&pki).client_auth(ClientAuth::Need);
        move || {
            Ensemble::builder()
                .tls(tls)
                .sasl_digest_users(&[("alice", "alice-secret")])
                .start()
                .expect("Apache ZooKeeper")
        }
    })
    .await
    .unwrap();
    let cfg = ZooCfg::read(apache.member_dir(0).join("zoo.cfg")).unwrap();
    let warning = cfg.warning().unwrap();
    assert!(warning.ends_with("initLimit (line 3), syncLimit (line 4)"), "{warning}");
    let identity = pki.server(&["127.0.0.1"]);
    let server = cfg
        .apply(Server::builder())
        .unwrap()
        .port(0)
        .secure_port(0)
        .tls(
            Tls::from_pem(identity.cert_pem, identity.key_pem)
                .client_auth(ClientAuth::Need, pki.ca_pem()),
        )
        .sasl_jaas_file(apache.root_dir().join("jaas.conf"))
        .start()
        .await
        .unwrap();
    let secure = server.secure_addr().expect("a secure port").to_string();
    let client_id = pki.client("app");
    let tls = TlsOptions::new()
        .ca_pem(pki.ca_pem())
        .client_cert_pem(client_id.cert_pem, client_id.key_pem);
    let alice = Client::builder(secure)
        .tls(tls)
        .sasl(SaslCredentials::digest_md5("alice", "alice-secret"))
        .connect()
        .await
        .unwrap();
    let me = alice.who_am_i().await.unwrap();
    assert!(me.iter().any(|i| i.auth_scheme == "sasl" && i.user == "alice"), "{me:?}");
    assert!(me.iter().any(|i| i.auth_scheme == "x509" && i.user == "CN=app"), "{me:?}");
    let acl = vec![Acl::new(Perms::ALL, Id::new("sasl", "alice"))];
    alice.create("/alice", "").acl(acl).await.unwrap();
    let plain = Client::connect(server.connect_string()).await.unwrap();
    assert!(plain.get("/alice").await.unwrap_err().is_no_auth());
    // The four-letter whitelist (`*`) and reconfigEnabled were applied.
    assert_eq!(
        zookit_testing::four_letter_word(server.addr(), "isro", Duration::from_secs(5)).unwrap(),
        "rw"
    );
    server.shutdown().await;
    drop(apache);
}
