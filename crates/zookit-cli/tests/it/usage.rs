//! Help, completions, usage errors, unreachable servers, four-letter words
//! and a closed standard output.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use zookit_testing::shared;

use crate::common::{ZOOKIT, chroot, run, zookit, zookit_stdin};

/// Every subcommand.
const COMMANDS: [&str; 23] = [
    "ls",
    "get",
    "stat",
    "set",
    "create",
    "delete",
    "get-acl",
    "set-acl",
    "sync",
    "watch",
    "export",
    "import",
    "validate",
    "tree",
    "set-property",
    "properties",
    "resolve",
    "ln",
    "walk",
    "register",
    "graph",
    "four-letter",
    "completions",
];

#[test]
fn help_for_every_command_has_an_example() {
    let help = zookit("127.0.0.1:1", &["--help"]).ok().to_owned();
    for command in COMMANDS {
        assert!(help.contains(&format!("\n  {command} ")), "{command} missing from {help}");
        let text = zookit("127.0.0.1:1", &[command, "--help"]).ok().to_owned();
        assert!(text.contains("Example"), "no example for {command}: {text}");
        assert!(text.contains(&format!("zookit {command}")), "{text}");
    }
    assert!(zookit("127.0.0.1:1", &["--version"]).ok().starts_with("zookit "));
}

#[test]
fn completions_for_the_shells() {
    for (shell, marker) in
        [("bash", "_zookit()"), ("zsh", "#compdef zookit"), ("fish", "complete -c zookit")]
    {
        let script = zookit("127.0.0.1:1", &["completions", shell]).ok().to_owned();
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("set-property"), "{shell}");
    }
    assert_eq!(zookit("127.0.0.1:1", &["completions", "tcsh"]).code, 2);
}

#[test]
fn bad_usage_exits_with_2() {
    let nowhere = "127.0.0.1:1";
    for args in [
        &["frobnicate"][..],
        &[],
        &["get"],
        &["ls", "--no-such-option"],
        &["set", "/a"],
        &["set", "-v", "x", "/a", "d"],
        &["--timeout", "forever", "ls"],
        &["watch", "-R", "--children", "/a"],
        &["four-letter", "toolong"],
    ] {
        let run = zookit(nowhere, args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty() && run.stdout.is_empty(), "{args:?}: {run:?}");
    }
    let run = zookit("bad host:x", &["ls"]);
    assert_eq!(
        run.fails(2),
        "zookit: bad connection string \"bad host:x\": invalid connection string: server 1 \"bad host:x\": unexpected ' ' in host\n"
    );
}

#[test]
fn an_unreachable_server_is_one_line_and_exit_1_within_the_timeout() {
    // Nothing listens: connections are refused.
    let run = zookit("127.0.0.1:1", &["--timeout", "1", "ls", "/"]);
    assert_eq!(
        run.fails(1),
        "zookit: can't connect to ZooKeeper at 127.0.0.1:1: timed out: no session within 1s\n"
    );
    assert!(run.elapsed < Duration::from_secs(5), "{run:?}");

    // A server that accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let hosts = silent.local_addr().unwrap().to_string();
    let run = zookit(&hosts, &["--timeout", "1500ms", "--json", "get", "/x"]);
    let error: Value = serde_json::from_str(run.fails(1)).unwrap();
    assert_eq!(error["error"]["exit"], 1);
    assert!(error["error"]["message"].as_str().unwrap().contains(&hosts));
    assert!(run.elapsed < Duration::from_secs(6), "{run:?}");

    // The default connection string comes from ZC_ZK_CONNECTION_STRING.
    let mut command = Command::new(ZOOKIT);
    command.env("ZC_ZK_CONNECTION_STRING", "127.0.0.1:1").args(["--timeout", "500ms", "ls"]);
    assert!(run_command(command).fails(1).contains("at 127.0.0.1:1:"));
    let mut command = Command::new(ZOOKIT);
    command.env("ZC_ZK_CONNECTION_STRING", shared().connect_string()).args(["ls", "/zookeeper"]);
    assert!(run_command(command).ok().contains("quota"));
}

fn run_command(command: Command) -> crate::common::Run {
    run(command, None)
}

#[test]
fn four_letter_words() {
    let server = shared().connect_string();
    assert_eq!(zookit(&server, &["four-letter", "ruok"]).ok(), "imok\n");
    assert!(zookit(&server, &["4lw", "SRVR"]).ok().contains("Mode: standalone"));
    let json = zookit(&server, &["--json", "four-letter", "mntr"]).json();
    assert_eq!(json[0]["server"], server);
    assert!(json[0]["fields"]["zk_znode_count"].is_i64(), "{json}");
    // Several servers: a header each; one silent server fails the command.
    let both = format!("{server},127.0.0.1:1");
    let run = zookit(&both, &["--timeout", "1", "four-letter", "ruok"]);
    assert_eq!(run.stdout, format!("== {server} ==\nimok\n== 127.0.0.1:1 ==\n"));
    assert!(run.fails(1).contains("1 of 2 servers did not answer"));
    assert_eq!(zookit("127.0.0.1:1", &["--timeout", "1", "four-letter", "ruok"]).code, 1);
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let zk = chroot("pipe");
    // More than a pipe holds: the listing is still being written when the
    // reader goes away.
    let text: String = (0..8000).map(|i| format!("/a-node-with-a-longer-name-{i}\n")).collect();
    zookit_stdin(&zk, &["import"], &text).ok();
    let mut child = crate::common::command(&zk, &["ls", "-R", "/"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "/\n");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}
