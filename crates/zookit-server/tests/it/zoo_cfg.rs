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
    // Its clientPort (2181) may be taken here, and its dataDir is the
    // package's: port 0 and a directory of the test's instead.
    let data = tempfile::tempdir().expect("a data directory");
    let server =
        cfg.apply(Server::builder()).unwrap().port(0).data_dir(data.path()).start().await.unwrap();
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

/// A zoo.cfg's dataDir, dataLogDir, snapCount and forceSync are applied:
/// the tree is there when a server starts again on the same file, with
/// its snapshots in dataDir and its logs in dataLogDir.
#[tokio::test]
async fn a_zoo_cfg_data_dir_keeps_the_tree() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (data, logs) = (dir.path().join("data"), dir.path().join("logs"));
    let path = dir.path().join("zoo.cfg");
    let text = format!(
        "clientPort=0\ndataDir={}\ndataLogDir={}\nsnapCount=5\nforceSync=no\n",
        data.display(),
        logs.display()
    );
    std::fs::write(&path, text).unwrap();
    let cfg = ZooCfg::read(&path).unwrap();
    assert_eq!(cfg.warning(), None, "every key is applied");
    let server = cfg.apply(Server::builder()).unwrap().start().await.unwrap();
    let zk = Client::builder(server.connect_string()).connect().await.unwrap();
    for n in 0..12 {
        zk.create(&format!("/n{n}"), format!("v{n}")).await.unwrap();
    }
    zk.close().await.unwrap();
    server.shutdown().await;
    let names = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert!(names(&data).iter().any(|n| n.starts_with("snapshot.")), "{:?}", names(&data));
    assert!(names(&data).iter().all(|n| !n.starts_with("log.")), "{:?}", names(&data));
    assert!(names(&logs).iter().any(|n| n.starts_with("log.")), "{:?}", names(&logs));

    let server = ZooCfg::read(&path).unwrap().apply(Server::builder()).unwrap().start().await;
    let server = server.unwrap();
    let zk = Client::builder(server.connect_string()).connect().await.unwrap();
    for n in 0..12 {
        let (value, _) = zk.get(&format!("/n{n}")).await.unwrap();
        assert_eq!(value, format!("v{n}").as_bytes());
    }
    zk.close().await.unwrap();
    server.shutdown().await;
}
