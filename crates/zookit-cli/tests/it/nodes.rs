//! The zkCli-style commands: ls, get, stat, set, create, delete, sync, with
//! their JSON output and exit codes.

use serde_json::json;

use crate::common::{chroot, zookit, zookit_stdin};

#[test]
fn create_get_set_stat_delete() {
    let zk = chroot("nodes");
    assert_eq!(zookit(&zk, &["create", "/app", "hello"]).ok(), "/app\n");
    assert_eq!(zookit(&zk, &["get", "/app"]).ok(), "hello\n");
    assert_eq!(zookit(&zk, &["set", "/app", "v2"]).ok(), "");
    let stat = zookit(&zk, &["stat", "/app"]);
    assert!(stat.ok().contains("dataVersion = 1\n"), "{stat:?}");
    assert!(stat.ok().contains("dataLength = 2\n"), "{stat:?}");
    assert!(stat.ok().contains("ephemeralOwner = 0x0\n"), "{stat:?}");

    // Versions: a wrong one is a ZooKeeper error (exit 1) naming the path.
    let stderr = zookit(&zk, &["set", "-v", "0", "/app", "v3"]).fails(1).to_owned();
    assert!(stderr.contains("/app") && stderr.contains("BadVersion"), "{stderr}");
    zookit(&zk, &["set", "--version", "1", "/app", "v3"]).ok();
    assert_eq!(zookit(&zk, &["delete", "-v", "0", "/app"]).code, 1);
    zookit(&zk, &["delete", "-v", "2", "/app"]).ok();
    let stderr = zookit(&zk, &["get", "/app"]).fails(1).to_owned();
    assert_eq!(stderr, "zookit: getData /app: NoNode (node does not exist)\n");
    assert!(zookit(&zk, &["stat", "/app"]).fails(1).contains("NoNode"));

    // Data from a file or standard input.
    zookit(&zk, &["create", "/f"]).ok();
    zookit_stdin(&zk, &["set", "--file", "-", "/f"], "from stdin").ok();
    assert_eq!(zookit(&zk, &["get", "/f"]).ok(), "from stdin\n");
    zookit(&zk, &["sync", "/f"]).ok();
    assert_eq!(
        zookit(&zk, &["--json", "sync", "/f"]).json(),
        json!({"path": "/f", "synced": true})
    );
}

#[test]
fn create_modes() {
    let zk = chroot("create-modes");
    assert!(zookit(&zk, &["create", "/a/b/c"]).fails(1).contains("NoNode"));
    assert_eq!(zookit(&zk, &["create", "-p", "/a/b/c", "x"]).ok(), "/a/b/c\n");
    assert!(zookit(&zk, &["create", "/a/b/c"]).fails(1).contains("NodeExists"));
    let seq = zookit(&zk, &["create", "-s", "/a/s-"]).ok().trim().to_owned();
    assert!(seq.starts_with("/a/s-") && seq.len() == "/a/s-".len() + 10, "{seq}");
    // An ephemeral node lives as long as the command's session.
    let eph = zookit(&zk, &["create", "-e", "-s", "/a/e-"]).ok().trim().to_owned();
    assert!(eph.starts_with("/a/e-"), "{eph}");
    assert_eq!(zookit(&zk, &["get", &eph]).code, 1);
    zookit(&zk, &["create", "--container", "/a/box"]).ok();
    zookit(&zk, &["create", "--ttl", "60000", "/a/ttl"]).ok();
    assert_eq!(zookit(&zk, &["ls", "/a"]).ok().lines().count(), 4);
    // Bad combinations and paths are usage errors.
    assert_eq!(zookit(&zk, &["create", "--container", "-e", "/a/x"]).code, 2);
    assert!(zookit(&zk, &["create", "a"]).fails(2).contains("invalid path"));
    assert_eq!(zookit(&zk, &["create", "/a/x/"]).code, 2);
}

#[test]
fn listing() {
    let zk = chroot("ls");
    for path in ["/b", "/a", "/a/x", "/a/y", "/a/x/deep"] {
        zookit(&zk, &["create", path, "data"]).ok();
    }
    assert_eq!(zookit(&zk, &["ls"]).ok(), "a\nb\n");
    assert_eq!(zookit(&zk, &["ls", "/a"]).ok(), "x\ny\n");
    assert_eq!(zookit(&zk, &["--json", "ls", "/a"]).json(), json!(["x", "y"]));
    assert_eq!(zookit(&zk, &["ls", "-R", "/a"]).ok(), "/a\n/a/x\n/a/x/deep\n/a/y\n");
    assert_eq!(
        zookit(&zk, &["ls", "-R", "--json", "/"]).json(),
        json!(["/", "/a", "/a/x", "/a/x/deep", "/a/y", "/b"])
    );

    let long = zookit(&zk, &["ls", "-l", "/a"]);
    let lines: Vec<&str> = long.ok().lines().collect();
    assert_eq!(lines.len(), 3, "{long:?}");
    assert!(lines[0].starts_with("KIND") && lines[0].ends_with("NAME"), "{long:?}");
    let x: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!((x[0], x[1], x[2], x[3], x[5]), ("persistent", "0", "1", "4", "x"), "{long:?}");
    let json = zookit(&zk, &["ls", "-l", "--json", "/a"]).json();
    assert_eq!(json[0]["name"], "x");
    assert_eq!(json[0]["path"], "/a/x");
    assert_eq!(json[0]["stat"]["numChildren"], 1);
    assert_eq!(json[1]["stat"]["dataLength"], 4);
    let json = zookit(&zk, &["ls", "-lR", "--json", "/a/x"]).json();
    assert_eq!(json.as_array().map(Vec::len), Some(2));
    assert_eq!(json[1]["path"], "/a/x/deep");
    assert_eq!(zookit(&zk, &["ls", "-lR", "/a/x"]).ok().lines().count(), 3);
    assert!(zookit(&zk, &["ls", "/nope"]).fails(1).contains("/nope"));
    assert_eq!(zookit(&zk, &["ls", "-R", "/nope"]).code, 1);
}

#[test]
fn get_formats() {
    let zk = chroot("get");
    zookit(&zk, &["create", "/json", r#"{"b": [1, 2], "a": "x"}"#]).ok();
    assert_eq!(
        zookit(&zk, &["get", "/json"]).ok(),
        "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": \"x\"\n}\n"
    );
    assert_eq!(zookit(&zk, &["get", "--raw", "/json"]).ok(), r#"{"b": [1, 2], "a": "x"}"#);
    let json = zookit(&zk, &["get", "--json", "/json"]).json();
    assert_eq!(json["json"], json!({"b": [1, 2], "a": "x"}));
    assert_eq!(json["data"], r#"{"b": [1, 2], "a": "x"}"#);
    assert_eq!(json["stat"]["version"], 0);
    assert_eq!(json["stat"]["kind"], "persistent");

    zookit(&zk, &["create", "/text", "two\nlines\n"]).ok();
    assert_eq!(zookit(&zk, &["get", "/text"]).ok(), "two\nlines\n");
    assert_eq!(
        zookit(&zk, &["get", "--hex", "/text"]).ok(),
        "00000000  74 77 6f 0a 6c 69 6e 65  73 0a                    |two.lines.|\n0000000a\n"
    );
    zookit(&zk, &["create", "/empty"]).ok();
    assert_eq!(zookit(&zk, &["get", "/empty"]).ok(), "");
    let json = zookit(&zk, &["--json", "get", "/empty"]).json();
    assert_eq!((json["data"].as_str(), json["dataBase64"].as_str()), (Some(""), Some("")));
}

#[test]
fn binary_data_is_shown_as_hex() {
    let zk = chroot("binary");
    let client_hosts = zk.clone();
    crate::common::block_on(async move {
        let client = zookit::Client::connect(client_hosts).await.unwrap();
        client.create("/bin", [0xff_u8, 0x00, 0x41]).await.unwrap();
        client.stop().await.unwrap();
    });
    assert_eq!(
        zookit(&zk, &["get", "/bin"]).ok(),
        "00000000  ff 00 41                                          |..A|\n00000003\n"
    );
    let json = zookit(&zk, &["get", "--json", "/bin"]).json();
    assert_eq!(json["data"], json!(null));
    assert_eq!(json["dataBase64"], "/wBB");
}

#[test]
fn recursive_delete_of_a_large_tree() {
    let zk = chroot("delete-r");
    // 1,200 nodes: three transactions' worth.
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!("/n{i:02}\n"));
        for j in 0..29 {
            text.push_str(&format!("  /c{j:02}\n"));
        }
    }
    zookit_stdin(&zk, &["import", "-", "/"], &text).ok();
    zookit(&zk, &["create", "/keep"]).ok();
    zookit(&zk, &["create", "-p", "/tree/n00/x"]).ok();
    zookit_stdin(&zk, &["import", "-", "/tree"], &text).ok();
    assert_eq!(zookit(&zk, &["ls", "-R", "/tree"]).ok().lines().count(), 1 + 1200 + 1);
    assert!(zookit(&zk, &["delete", "/tree"]).fails(1).contains("NotEmpty"));
    assert_eq!(
        zookit(&zk, &["--json", "delete", "-r", "/tree"]).json(),
        json!({"path": "/tree", "deleted": 1202})
    );
    assert_eq!(zookit(&zk, &["ls", "/tree"]).code, 1);
    // Under a chroot, `/` is the chroot's node: everything goes.
    zookit(&zk, &["delete", "-r", "-q", "/n00"]).ok();
    assert_eq!(zookit(&zk, &["ls"]).ok().lines().count(), 40);
    assert!(zookit(&zk, &["delete", "-r", "/nope"]).fails(1).contains("NoNode"));
}
