//! What a fresh server holds (the root and ZooKeeper's own znodes, their
//! stats and ACLs), and the four-letter words: against an Apache server of
//! its own, so that nothing else has happened on it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use zookit_proto::{CreateMode, GetAllChildrenNumberRequest, Request};

use super::*;
use crate::support::raw::IO_TIMEOUT;
use crate::support::scenario::{Scenario, differential_at};

/// Sends a four-letter word and reads the answer to the end.
fn four_letter(addr: SocketAddr, word: &str) -> String {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    stream.write_all(word.as_bytes()).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("an answer");
    String::from_utf8(answer).expect("text")
}

/// The parts of an answer that must agree: values where they are facts of
/// the scenario, only the keys where they are counters or versions.
fn shape(s: &mut Scenario, word: &str, text: &str) -> String {
    let keys = |text: &str, separator: char| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.split_once(separator).map(|(k, _)| k.trim().to_owned()))
            .collect()
    };
    match word {
        "ruok" | "isro" | "crst" | "srst" | "wchs" => text.to_owned(),
        "wchc" | "wchp" => {
            // Maps, in no particular order: sort each entry's lines, then
            // the entries.
            let named = s.sessions_in_text(text);
            let mut entries: Vec<Vec<&str>> = Vec::new();
            for line in named.lines().filter(|l| !l.is_empty()) {
                match (line.starts_with('\t'), entries.last_mut()) {
                    (true, Some(entry)) => entry.push(line),
                    _ => entries.push(vec![line]),
                }
            }
            for entry in &mut entries {
                entry[1..].sort_unstable();
            }
            entries.sort();
            format!("{entries:?}")
        }
        "srvr" => text
            .lines()
            .map(|line| match line.split_once(": ") {
                Some((key @ ("Zxid" | "Mode" | "Node count"), value)) => format!("{key}: {value}"),
                Some((key, _)) => key.to_owned(),
                None => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("|"),
        // Connections closing (earlier words') may still be listed: the
        // kinds of lines, not their number.
        "stat" => {
            let mut keys = keys(text, ':');
            keys.dedup();
            format!("{keys:?}")
        }
        "cons" => {
            // A set: in no particular order.
            let mut lines: Vec<String> = text
                .lines()
                .map(|l| {
                    let fields = l.split_once('(').map_or("", |(_, f)| f);
                    let names: Vec<&str> = fields
                        .split(',')
                        .filter_map(|f| f.split_once('=').map(|(k, _)| k))
                        .collect();
                    format!("{}[{}]", l.starts_with(" /"), names.join(","))
                })
                .collect();
            lines.sort();
            lines.dedup();
            lines.join("|")
        }
        "conf" => format!("{:?}", keys(text, '=')),
        "dirs" => format!("{:?}", keys(text, ':')),
        "envi" => {
            let keys = keys(text, '=');
            let wanted = [
                "zookeeper.version",
                "host.name",
                "os.name",
                "os.arch",
                "user.name",
                "user.home",
                "user.dir",
            ];
            format!(
                "{:?} {:?}",
                text.lines().next(),
                wanted.map(|k| keys.iter().any(|key| key == k))
            )
        }
        "mntr" => {
            let exact = [
                "zk_server_state",
                "zk_znode_count",
                "zk_ephemerals_count",
                "zk_watch_count",
                "zk_approximate_data_size",
                "zk_global_sessions",
                "zk_outstanding_requests",
            ];
            let counted = [
                "zk_version",
                "zk_num_alive_connections",
                "zk_avg_latency",
                "zk_packets_sent",
                "zk_packets_received",
                "zk_min_latency",
                "zk_max_latency",
                "zk_uptime",
                "zk_local_sessions",
            ];
            let rows: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('\t')).collect();
            let value = |k: &str| rows.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
            let exact: Vec<String> = exact.iter().map(|k| format!("{k}={:?}", value(k))).collect();
            let present: Vec<bool> = counted.iter().map(|k| value(k).is_some()).collect();
            format!("{exact:?} {present:?}")
        }
        "dump" => s
            .sessions_in_text(text)
            .lines()
            .filter(|l| {
                !l.starts_with('\t') && !l.contains(" expire at ") && !l.ends_with("connections:")
            })
            .map(|l| l.split_once(" (").map_or(l, |(k, _)| k).to_owned())
            .collect::<Vec<_>>()
            .join("|"),
        _ => text.to_owned(),
    }
}

#[test]
fn a_fresh_servers_tree_and_four_letter_words() {
    let apache = zookit_testing::Ensemble::standalone().expect("an Apache server of its own");
    differential_at("fresh", Some(apache.member_address(0)), |s| {
        s.connect("a");
        for path in ["/", "", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
            s.call("a", get(path, false));
            s.call("a", children2(path, false));
            s.call("a", get_acl(path));
            s.call(
                "a",
                Request::GetAllChildrenNumber(GetAllChildrenNumberRequest {
                    path: path.to_owned(),
                }),
            );
        }
        s.call("a", Request::get_config(true));
        let words = [
            "ruok", "isro", "srvr", "stat", "conf", "envi", "dirs", "cons", "mntr", "wchs", "wchc",
            "wchp", "dump",
        ];
        for word in words {
            let text = four_letter(s.addr(), word);
            let shown = shape(s, word, &text);
            s.note(format!("{word}: {shown}"));
        }
        // With watches, ephemerals and another session.
        let root = s.p("");
        s.call("a", create(&root, CreateMode::Persistent));
        s.connect("b");
        s.call("b", create(&s.p("/e"), CreateMode::Ephemeral));
        s.call("a", get(&root, true));
        s.call("a", exists(&s.p("/e"), true));
        s.call("b", exists(&s.p("/e"), true));
        s.call("b", children(&root, true));
        for word in ["wchs", "wchc", "wchp", "srvr", "mntr", "dump", "crst", "srst"] {
            let text = four_letter(s.addr(), word);
            let shown = shape(s, word, &text);
            s.note(format!("{word}: {shown}"));
        }
        // ZooKeeper's own znodes take what other znodes take, or not.
        s.call("a", create("/zookeeper/zd-extra", CreateMode::Ephemeral));
        s.call("a", create("/zookeeper/quota/zd-extra", CreateMode::Persistent));
        s.call("a", children2("/zookeeper", false));
        s.call("a", set("/zookeeper", b"zk data", -1));
        s.call("a", get("/zookeeper", false));
        s.call("a", delete("/zookeeper/quota/zd-extra", -1));
        s.call("a", delete("/zookeeper/zd-extra", -1));
        s.call("a", set("/zookeeper/config", b"x", -1));
        s.call(
            "a",
            Request::Auth(zookit_proto::AuthPacket {
                auth_type: 0,
                scheme: "digest".into(),
                auth: zookit_testing::SUPER_AUTH.as_bytes().to_vec().into(),
            }),
        );
        s.call("a", set("/zookeeper/config", b"x", -1));
        s.call("a", set_acl("/zookeeper/config", open(), -1));
        s.call("a", Request::get_config(false));
        s.call("a", get_acl("/zookeeper/config"));
        s.call("a", get("/", false));
        s.call(
            "a",
            Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: "/".to_owned() }),
        );
        std::thread::sleep(Duration::from_millis(1));
    });
}

#[test]
fn words_not_whitelisted_are_refused() {
    let server = zookit_server::Server::builder()
        .port(0)
        .four_letter_words(["ruok"])
        .start_blocking()
        .expect("starts");
    assert_eq!(four_letter(server.addr(), "ruok"), "imok");
    assert!(four_letter(server.addr(), "srvr").contains("Mode: standalone"), "srvr is always on");
    assert_eq!(
        four_letter(server.addr(), "mntr"),
        "mntr is not executed because it is not in the whitelist.\n"
    );
}
