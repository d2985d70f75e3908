//! `zookit serve`: the embedded server, run as the binary, answering the
//! other commands.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::common::{Background, ZOOKIT, write_file, zookit};

/// Starts `zookit serve` with `args` and returns it with the address it
/// announced.
fn serve(args: &[&str]) -> (Background, String) {
    let mut command = std::process::Command::new(ZOOKIT);
    command.arg("serve").args(args);
    let server = Background::start(command);
    let line = server.line();
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    addr.parse::<SocketAddr>().unwrap_or_else(|_| panic!("not an address: {addr:?}"));
    (server, addr)
}

#[test]
fn serve_answers_the_other_commands_until_interrupted() {
    let (server, addr) =
        serve(&["--port", "0", "--tick-time", "500", "--max-session-timeout", "30000"]);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    zookit(&addr, &["create", "/app", "hello"]).ok();
    zookit(&addr, &["create", "-e", "/app/eph"]).ok();
    assert_eq!(zookit(&addr, &["get", "/app"]).ok(), "hello\n");
    assert_eq!(zookit(&addr, &["ls", "/app"]).ok(), "", "the ephemeral went with its session");
    assert_eq!(zookit(&addr, &["four-letter", "ruok"]).ok(), "imok\n");
    let conf = zookit(&addr, &["four-letter", "conf"]);
    assert!(
        conf.ok().contains("tickTime=500\n") && conf.ok().contains("maxSessionTimeout=30000\n"),
        "{conf:?}"
    );
    assert_eq!(zookit(&addr, &["get", "/nope"]).code, 1);
    assert_eq!(server.interrupt(), 0);
    assert!(
        TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(2)).is_err(),
        "stopped listening"
    );
}

#[test]
fn serve_prints_one_line_and_stops_on_sigterm() {
    let mut command = std::process::Command::new(ZOOKIT);
    command.args(["--json", "serve", "--port", "0"]);
    let server = Background::start(command);
    let announced: serde_json::Value = serde_json::from_str(&server.line()).expect("JSON");
    let addr = announced["listening"].as_str().expect("an address");
    assert_eq!(zookit(addr, &["four-letter", "ruok"]).ok(), "imok\n");
    assert_eq!(server.terminate(), 0);

    let mut command = std::process::Command::new(ZOOKIT);
    command.args(["serve", "--port", "0", "--host", "localhost"]);
    let server = Background::start(command);
    let line = server.line();
    assert!(
        line.starts_with("listening on 127.0.0.1:") || line.starts_with("listening on [::1]:"),
        "{line}"
    );
    assert_eq!(server.terminate(), 0);
}

#[test]
fn serve_refuses_bad_settings_and_busy_ports() {
    let run = crate::common::run(
        {
            let mut command = std::process::Command::new(ZOOKIT);
            command.args([
                "serve",
                "--port",
                "0",
                "--min-session-timeout",
                "9000",
                "--max-session-timeout",
                "1000",
            ]);
            command
        },
        None,
    );
    assert!(run.fails(2).contains("session timeouts"), "{run:?}");
    let (server, addr) = serve(&["--port", "0"]);
    let port = addr.rsplit(':').next().unwrap();
    let mut command = std::process::Command::new(ZOOKIT);
    command.args(["serve", "--port", port]);
    let busy = crate::common::run(command, None);
    assert!(busy.fails(1).contains("cannot listen on 127.0.0.1:"), "{busy:?}");
    assert_eq!(server.interrupt(), 0);
}

#[test]
fn serve_keeps_its_data_dir_across_kill_9() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let data = data.to_str().expect("a UTF-8 path");
    let (server, addr) = serve(&["--port", "0", "--data-dir", data]);
    zookit(&addr, &["create", "/app", "hello"]).ok();
    zookit(&addr, &["set", "/app", "world"]).ok();
    zookit(&addr, &["create", "/app/child", "c"]).ok();
    server.kill();

    let (server, addr) = serve(&["--port", "0", "--data-dir", data, "--fsync", "never"]);
    assert_eq!(zookit(&addr, &["get", "/app"]).ok(), "world\n");
    assert_eq!(zookit(&addr, &["ls", "/app"]).ok(), "child\n");
    let conf = zookit(&addr, &["four-letter", "conf"]);
    assert!(conf.ok().contains(&format!("dataDir={data}\n")), "{conf:?}");
    assert_eq!(server.interrupt(), 0);

    // A damaged log stops the start, naming the file and the offset.
    let log = std::fs::read_dir(data)
        .expect("the data directory")
        .map(|e| e.expect("an entry").path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("log.")))
        .expect("a log");
    let mut bytes = std::fs::read(&log).expect("the log");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x08;
    std::fs::write(&log, &bytes).expect("damage");
    let mut command = std::process::Command::new(ZOOKIT);
    command.args(["serve", "--port", "0", "--data-dir", data]);
    let refused = crate::common::run(command, None);
    let error = refused.fails(1);
    assert!(
        error.contains(&log.display().to_string()) && error.contains("corrupt at byte offset"),
        "{refused:?}"
    );

    // The options of the data directory need one.
    let mut command = std::process::Command::new(ZOOKIT);
    command.args(["serve", "--port", "0", "--fsync", "never"]);
    let run = crate::common::run(command, None);
    assert!(run.fails(2).contains("--data-dir"), "{run:?}");
}

/// Starts `zookit serve` with `args`, returning it with its stdout lines
/// (one per client port) and its first stderr line.
fn serve_lines(args: &[&str], lines: usize) -> (Background, Vec<String>) {
    let mut command = std::process::Command::new(ZOOKIT);
    command.arg("serve").args(args);
    let server = Background::start(command);
    let announced = (0..lines).map(|_| server.line()).collect();
    (server, announced)
}

#[test]
fn serve_reads_a_zoo_cfg_and_options_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().expect("a UTF-8 path");
    let cfg = write_file(
        dir.path(),
        "zoo.cfg",
        &format!(
            "# a project's test server\ntickTime=500\ninitLimit=10\nsyncLimit=5\n\
             dataDir={data}\nclientPort=1\nmaxSessionTimeout=30000\n\
             4lw.commands.whitelist=ruok, conf, gtmk\nforceSync=no\n"
        ),
    );
    let (server, lines) = serve_lines(&["--config", &cfg, "--port", "0"], 1);
    let warning = server.error_line();
    assert_eq!(
        warning,
        format!(
            "zookit serve: {cfg}: not applied by this server: initLimit (line 3), \
             syncLimit (line 4), 4lw.commands.whitelist's gtmk (line 8)"
        )
    );
    let note = server.error_line();
    assert_eq!(note, "serving on the data directory until interrupted (Ctrl-C)");
    let addr = lines[0].strip_prefix("listening on ").expect("the address").to_owned();
    let conf = zookit(&addr, &["four-letter", "conf"]);
    assert!(
        conf.ok().contains("tickTime=500\n")
            && conf.ok().contains("maxSessionTimeout=30000\n")
            && conf.ok().contains(&format!("dataDir={data}\n")),
        "{conf:?}"
    );
    let stat = zookit(&addr, &["four-letter", "stat"]);
    assert!(stat.ok().contains("not in the whitelist"), "{stat:?}");
    assert_eq!(server.interrupt(), 0);
}

// Reads the zoo.cfg zookit-testing writes for Apache ZooKeeper's JVM.
mod apache_only {
    use super::*;

    #[test]
    fn serve_takes_the_zoo_cfg_zookit_testing_writes_for_apache() {
        let cfg = zookit_testing::shared_apache().member_dir(0).join("zoo.cfg");
        let cfg = cfg.to_str().unwrap();
        // Apache ZooKeeper holds its clientPort and its dataDir: --port 0
        // and a --data-dir of the test's override them.
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().expect("a UTF-8 path");
        let (server, lines) = serve_lines(&["--config", cfg, "--port", "0", "--data-dir", data], 1);
        let warning = server.error_line();
        assert!(
            warning.contains("initLimit (line") && warning.contains("syncLimit (line"),
            "{warning}"
        );
        assert!(!warning.contains("clientPort") && !warning.contains("4lw"), "{warning}");
        let addr = lines[0].strip_prefix("listening on ").unwrap().to_owned();
        zookit(&addr, &["create", "/from-zoo-cfg"]).ok();
        assert!(zookit(&addr, &["four-letter", "conf"]).ok().contains("maxSessionTimeout=60000\n"));
        assert_eq!(server.interrupt(), 0);
    }
}

#[test]
fn serve_refuses_a_malformed_zoo_cfg_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_file(dir.path(), "zoo.cfg", "tickTime=500\nclientPort=21x81\n");
    let mut command = std::process::Command::new(ZOOKIT);
    command.args(["serve", "--config", &cfg]);
    let run = crate::common::run(command, None);
    assert_eq!(
        run.fails(2),
        format!("zookit: {cfg}:2: not a port number: clientPort=21x81\n"),
        "{run:?}"
    );
    let mut command = std::process::Command::new(ZOOKIT);
    command.args(["serve", "--config", "/no/such/zoo.cfg"]);
    assert!(crate::common::run(command, None).fails(2).contains("cannot read /no/such/zoo.cfg"));
}

#[test]
fn serve_with_tls_and_sasl() {
    let pki = zookit_testing::TestPki::new("serve CA");
    let dir = tempfile::tempdir().unwrap();
    let server_id = pki.server(zookit_testing::tls::SERVER_HOSTS);
    let cert = write_file(dir.path(), "server.pem", &server_id.cert_pem);
    let key = write_file(dir.path(), "server-key.pem", &server_id.key_pem);
    let ca = write_file(dir.path(), "ca.pem", &pki.ca_pem());
    let alice = pki.client("alice");
    let alice_cert = write_file(dir.path(), "alice.pem", &alice.cert_pem);
    let alice_key = write_file(dir.path(), "alice-key.pem", &alice.key_pem);
    let jaas = write_file(
        dir.path(),
        "jaas.conf",
        "Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  \
         user_bob=\"bob-secret\";\n};\n",
    );
    let args = [
        "--port",
        "0",
        "--secure-port",
        "0",
        "--server-cert",
        &cert,
        "--server-key",
        &key,
        "--client-ca",
        &ca,
        "--jaas",
        &jaas,
    ];
    let (server, lines) = serve_lines(&args, 2);
    let plain = lines[0].strip_prefix("listening on ").expect("plain").to_owned();
    let secure = lines[1].strip_prefix("listening with TLS on ").expect("secure").to_owned();

    let tls = ["--tls-ca", &ca, "--tls-cert", &alice_cert, "--tls-key", &alice_key];
    let with_tls = |more: &[&'static str]| -> Vec<String> {
        tls.iter().chain(more).map(|s| s.to_string()).collect()
    };
    let args = with_tls(&["create", "/tls", "over TLS"]);
    zookit(&secure, &args.iter().map(String::as_str).collect::<Vec<_>>()).ok();
    let args = with_tls(&["get", "/tls"]);
    let got = zookit(&secure, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(got.ok(), "over TLS\n");
    // A certificate is needed (--client-auth defaults to need).
    let run = zookit(&secure, &["--timeout", "3", "--tls-ca", &ca, "ls"]);
    assert_eq!(run.code, 1, "{run:?}");

    // SASL with the JAAS file's user: bob's identity in an ACL.
    crate::common::block_on(async {
        use zookit::{Acl, Client, Id, Perms, SaslCredentials};
        let bob = Client::builder(plain.as_str())
            .sasl(SaslCredentials::digest_md5("bob", "bob-secret"))
            .connect()
            .await
            .unwrap();
        let acl = vec![Acl::new(Perms::ALL, Id::new("sasl", "bob"))];
        bob.create("/bob", "mine").acl(acl).await.unwrap();
        assert_eq!(&bob.get("/bob").await.unwrap().0[..], b"mine");
        let wrong = Client::builder(plain.as_str())
            .sasl(SaslCredentials::digest_md5("bob", "wrong"))
            .connect()
            .await;
        assert!(wrong.unwrap_err().is_auth_failed());
    });
    assert!(zookit(&plain, &["get", "/bob"]).fails(1).contains("NoAuth"));
    assert_eq!(server.interrupt(), 0);

    // Bad TLS material is bad usage.
    let mut command = std::process::Command::new(ZOOKIT);
    command.args([
        "serve",
        "--port",
        "0",
        "--secure-port",
        "0",
        "--server-cert",
        &ca,
        "--server-key",
        &ca,
    ]);
    assert!(crate::common::run(command, None).fails(2).contains("server key"));
}
