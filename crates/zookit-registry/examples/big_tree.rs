//! Times importing, exporting, re-importing and deleting a 10,000-node tree.
//!
//! ```text
//! cargo run --release -p zookit-registry --example big_tree
//! ZOOKEEPER_HOSTS=127.0.0.1:2181 cargo run --release -p zookit-registry --example big_tree
//! ```
//!
//! Without `ZOOKEEPER_HOSTS`, a standalone server is started with
//! `zookit_testing` (it needs Java and Debian's `zookeeper` package). The
//! tree goes below a fresh chroot, removed at the end.

use std::time::Instant;

use zookit::Client;
use zookit_registry::{Result, ZooKeeper};

/// 10 services of 1,000 nodes: 111 nodes of 8 leaves each, with
/// properties, a link and a property link; written canonically.
fn tree_text() -> String {
    let mut text = String::new();
    for i in 0..10 {
        text += &format!("/svc{i:04} : z4m svc\n  name = 'svc {i}'\n  threads = {i}\n");
        for j in 0..111 {
            text += &format!(
                "  /n{j:04}\n    weight = {j}\n    home -> /svc{i:04}\n    threads => /svc{i:04}\n"
            );
            for k in 0..8 {
                text += &format!("    /leaf{k}\n      x = {k}.5\n");
            }
        }
    }
    text
}

#[tokio::main]
async fn main() -> Result<()> {
    let _server;
    let hosts = match std::env::var("ZOOKEEPER_HOSTS") {
        Ok(hosts) => hosts,
        Err(_) => {
            println!("starting a ZooKeeper server...");
            let server = zookit_testing::Ensemble::standalone().expect("a ZooKeeper server");
            let hosts = server.connect_string();
            _server = server;
            hosts
        }
    };
    let chroot = format!("/zookit-big-tree-{}", std::process::id());
    let client = Client::connect(hosts.clone()).await?;
    client.ensure_path(&chroot).await?;
    let zk = ZooKeeper::connect(Some(&format!("{hosts}{chroot}"))).await?;

    let text = tree_text();
    let nodes = text.lines().filter(|line| line.trim_start().starts_with('/')).count();
    println!("tree: {nodes} nodes, {} bytes of text", text.len());

    let start = Instant::now();
    let report = zk.import_tree(&text, "/", None, None, false).await?;
    println!(
        "import (create):  {:>8.3} s  ({} created)",
        start.elapsed().as_secs_f64(),
        report.created
    );

    let start = Instant::now();
    let exported = zk.export_tree("/", false, None).await?;
    println!(
        "export:           {:>8.3} s  ({} bytes)",
        start.elapsed().as_secs_f64(),
        exported.len()
    );
    assert_eq!(exported, text, "the export gives back the imported text");

    let start = Instant::now();
    let dry = zk.import_tree(&text, "/", Some(true), None, true).await?;
    println!(
        "import (dry run): {:>8.3} s  ({} messages)",
        start.elapsed().as_secs_f64(),
        dry.messages.len()
    );

    let start = Instant::now();
    let report = zk.import_tree(&text, "/", Some(true), None, false).await?;
    println!(
        "import (update):  {:>8.3} s  ({} updated)",
        start.elapsed().as_secs_f64(),
        report.updated
    );

    let start = Instant::now();
    let paths = zk.walk("/", true, false).paths().await?;
    println!(
        "walk:             {:>8.3} s  ({} paths, one read at a time)",
        start.elapsed().as_secs_f64(),
        paths.len()
    );

    let start = Instant::now();
    for i in 0..10 {
        zk.delete_recursive(&format!("/svc{i:04}"), false, false, false).await?;
    }
    println!("delete_recursive: {:>8.3} s", start.elapsed().as_secs_f64());

    zk.close().await?;
    client.delete(&chroot).await?;
    client.stop().await?;
    Ok(())
}
