//! `zookit serve`: the embedded server, run as the binary, answering the
//! other commands.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use crate::common::{Background, ZOOKIT, zookit};

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
