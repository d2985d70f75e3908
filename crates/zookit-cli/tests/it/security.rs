//! ACLs, credentials (`--auth`) and TLS (`--tls-*`).

use serde_json::json;
use zookit::acl::make_digest_acl_credential;
use zookit_testing::{ClientAuth, ServerTls, TestPki};

use crate::common::{chroot, write_file, zookit};

#[test]
fn acls_and_digest_credentials() {
    let zk = chroot("acl");
    zookit(&zk, &["create", "/open"]).ok();
    assert_eq!(zookit(&zk, &["get-acl", "/open"]).ok(), "world:anyone:cdrwa\n");
    let json = zookit(&zk, &["--json", "get-acl", "/open"]).json();
    assert_eq!(
        json["acl"],
        json!([{"scheme": "world", "id": "anyone", "perms": "cdrwa", "permsBits": 31}])
    );

    let bob = make_digest_acl_credential("bob", "secret");
    let bob_acl = format!("digest:{bob}:cdrwa");
    zookit(&zk, &["set-acl", "/open", "world:anyone:r", &bob_acl]).ok();
    // The server shows digests only to sessions with the right to see them.
    assert_eq!(zookit(&zk, &["get-acl", "/open"]).ok(), "world:anyone:r\ndigest:bob:x:cdrwa\n");
    let get_acl = zookit(&zk, &["--auth", "digest:bob:secret", "get-acl", "/open"]);
    assert_eq!(get_acl.ok(), format!("world:anyone:r\n{bob_acl}\n"));
    assert!(zookit(&zk, &["set", "/open", "x"]).fails(1).contains("NoAuth"));
    zookit(&zk, &["--auth", "digest:bob:secret", "set", "/open", "x"]).ok();
    assert_eq!(zookit(&zk, &["get", "/open"]).ok(), "x\n");

    // Versions of the ACL; bad entries are usage errors.
    assert!(
        zookit(
            &zk,
            &["--auth", "digest:bob:secret", "set-acl", "-v", "0", "/open", "world:anyone:cdrwa"]
        )
        .fails(1)
        .contains("BadVersion")
    );
    let json = zookit(
        &zk,
        &["--auth", "digest:bob:secret", "--json", "set-acl", "-v", "1", "/open", "auth::cdrwa"],
    )
    .json();
    assert_eq!(json["stat"]["aversion"], 2);
    assert!(zookit(&zk, &["set-acl", "/open", "world:anyone"]).fails(2).contains("world:anyone"));
    assert_eq!(zookit(&zk, &["--auth", "nocolon", "ls"]).code, 2);
}

#[test]
fn tls_options() {
    let pki = TestPki::new("zookit-cli test CA");
    let server = zookit_testing::builder()
        .tls(ServerTls::from_pki(&pki).client_auth(ClientAuth::Need))
        .start()
        .expect("a TLS server");
    let secure = server.secure_connect_string();
    let dir = tempfile::tempdir().unwrap();
    let ca = write_file(dir.path(), "ca.pem", &pki.ca_pem());
    let alice = pki.client("alice");
    let cert = write_file(dir.path(), "alice.pem", &alice.cert_pem);
    let key = write_file(dir.path(), "alice-key.pem", &alice.key_pem);
    let encrypted = write_file(dir.path(), "alice-enc.pem", &alice.encrypted_key_pem("pw"));

    let tls = ["--tls-ca", &ca, "--tls-cert", &cert, "--tls-key", &key];
    let mut args = tls.to_vec();
    args.extend(["create", "/tls", "over TLS"]);
    zookit(&secure, &args).ok();
    let mut args = tls.to_vec();
    args.extend(["get", "/tls"]);
    assert_eq!(zookit(&secure, &args).ok(), "over TLS\n");

    // An encrypted key with its password; no verification.
    let args = [
        "--tls-ca",
        &ca,
        "--tls-cert",
        &cert,
        "--tls-key",
        &encrypted,
        "--tls-key-password",
        "pw",
        "ls",
    ];
    assert!(zookit(&secure, &args).ok().contains("tls\n"));
    let args = ["--tls-no-verify", "--tls-cert", &cert, "--tls-key", &key, "get", "/tls"];
    assert_eq!(zookit(&secure, &args).ok(), "over TLS\n");

    // Failures are one line, exit 1, within the timeout.
    let args = ["--timeout", "3", "--tls-ca", &ca, "ls"];
    let run = zookit(&secure, &args);
    let stderr = run.fails(1);
    assert!(stderr.starts_with("zookit: can't connect to ZooKeeper at "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let wrong = TestPki::new("another CA");
    let wrong_ca = write_file(dir.path(), "wrong.pem", &wrong.ca_pem());
    let args =
        ["--timeout", "3", "--tls-ca", &wrong_ca, "--tls-cert", &cert, "--tls-key", &key, "ls"];
    assert!(zookit(&secure, &args).fails(1).contains("TLS"));
    let args = ["--tls-ca", &ca, "--tls-cert", &cert, "--tls-key", &encrypted, "ls"];
    assert!(zookit(&secure, &args).fails(1).contains("encrypted"));
    // A certificate without its key is bad usage.
    assert_eq!(zookit(&secure, &["--tls-ca", &ca, "--tls-cert", &cert, "ls"]).code, 2);
}

#[test]
fn sasl_credentials() {
    let server = zookit_testing::builder()
        .sasl_digest_users(&[("alice", "alice-secret")])
        .start()
        .expect("a server with SASL users");
    let zk = server.connect_string();
    let alice = ["--auth", "sasl:alice:alice-secret"];
    zookit(&zk, &["create", "/alice", "hers"]).ok();
    // `auth` stands for the SASL identity the exchange established.
    zookit(&zk, &[&alice[..], &["set-acl", "/alice", "auth::cdrwa"]].concat()).ok();
    assert_eq!(
        zookit(&zk, &[&alice[..], &["get-acl", "/alice"]].concat()).ok(),
        "sasl:alice:cdrwa\n"
    );
    assert_eq!(zookit(&zk, &[&alice[..], &["get", "/alice"]].concat()).ok(), "hers\n");
    assert!(zookit(&zk, &["get", "/alice"]).fails(1).contains("NoAuth"));
    let wrong = ["--timeout", "5", "--auth", "sasl:alice:wrong", "get", "/alice"];
    assert!(zookit(&zk, &wrong).fails(1).to_lowercase().contains("auth"));
}
