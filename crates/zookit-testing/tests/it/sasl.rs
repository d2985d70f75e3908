//! SASL (DIGEST-MD5) configuration: the server starts with it and serves.

use zookit_testing::{Ensemble, ServerTls, TestPki};

use crate::TestResult;

#[test]
fn sasl_enabled_server_starts_and_serves() -> TestResult {
    let zk = Ensemble::builder()
        .sasl_digest_users(&[("alice", "alice-secret"), ("bob-2", r#"quote " and \ backslash"#)])
        .start()?;
    assert_eq!(zk.four_letter(0, "ruok")?, "imok");
    assert_eq!(zk.mode(0).as_deref(), Some("standalone"));

    let jaas = std::fs::read_to_string(zk.root_dir().join("jaas.conf"))?;
    assert!(jaas.contains("Server {"), "{jaas}");
    assert!(jaas.contains("org.apache.zookeeper.server.auth.DigestLoginModule required"), "{jaas}");
    assert!(jaas.contains(r#"user_alice="alice-secret""#), "{jaas}");
    assert!(jaas.contains(r#"user_bob-2="quote \" and \\ backslash""#), "{jaas}");
    let cfg = std::fs::read_to_string(zk.member_dir(0).join("zoo.cfg"))?;
    assert!(
        cfg.contains(
            "\nauthProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider\n"
        ),
        "{cfg}"
    );
    // The server logged in with the `Server` section of the JAAS file.
    let log = zk.log_tail(0, 400);
    assert!(log.contains("successfully logged in"), "{log}");
    Ok(())
}

#[test]
fn sasl_and_tls_together() -> TestResult {
    let pki = TestPki::new("zookit-testing CA");
    let zk = Ensemble::builder()
        .tls(ServerTls::from_pki(&pki))
        .sasl_digest_users(&[("carol", "carol-secret")])
        .start()?;
    assert_eq!(zk.four_letter(0, "ruok")?, "imok");
    assert!(zk.root_dir().join("jaas.conf").exists());
    assert!(zk.root_dir().join("tls/keystore.pem").exists());
    Ok(())
}

#[test]
#[should_panic(expected = "SASL user name")]
fn invalid_sasl_user_names_panic() {
    let _ = Ensemble::builder().sasl_digest_users(&[("no spaces", "pw")]);
}
