//! kazoo's basic-usage walk-through, in Rust: connect, listen for state
//! changes, create/read/update/delete, retry, watch, and a transaction.
//!
//! ```text
//! ZOOKEEPER_HOSTS=127.0.0.1:2181 cargo run -p zookit --example walkthrough
//! cargo run -p zookit --example walkthrough     # starts a ZooKeeper itself
//! ```

use zookit::{Client, CreateMode, State};
use zookit_testing::Ensemble;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_server, hosts) = match std::env::var("ZOOKEEPER_HOSTS") {
        Ok(hosts) => (None, hosts),
        Err(_) => {
            println!("starting Apache ZooKeeper (set ZOOKEEPER_HOSTS to use a running one)");
            let server = Ensemble::standalone()?;
            let hosts = server.connect_string();
            (Some(server), hosts)
        }
    };
    let root = format!("/zookit-walkthrough-{}", std::process::id());

    // Connection handling.
    println!("connecting to {hosts}");
    let zk = Client::builder(format!("{hosts}{root}")).connect().await?;
    zk.add_listener(|state| match state {
        State::Lost => println!("listener: session lost"),
        State::Suspended => println!("listener: disconnected, reconnecting"),
        State::Connected => println!("listener: connected"),
    });
    let (session, _) = zk.client_id().ok_or("no session")?;
    println!(
        "session {session:#x}, timeout {:?}, server {:?}",
        zk.session_timeout(),
        zk.server_version().await?
    );

    // Creating nodes (the chroot itself is created by ensure_path("/")).
    zk.ensure_path("/my/favorite").await?;
    let path = zk.create("/my/favorite/node", "a value").await?;
    println!("created {path}");

    // Reading data.
    if let Some(stat) = zk.exists("/my/favorite").await? {
        println!("/my/favorite exists, version {}", stat.version);
    }
    let (data, stat) = zk.get("/my/favorite/node").await?;
    println!("version {}, data {:?}", stat.version, String::from_utf8_lossy(&data));
    let children = zk.get_children("/my/favorite").await?;
    println!("there are {} children with names {children:?}", children.len());

    // Watching: a one-shot watch, fired by the update below.
    let (_, _, watch) = zk.get_watch("/my/favorite/node").await?;

    // Updating data.
    let stat = zk.set("/my/favorite/node", "some data").await?;
    println!("set: version {}", stat.version);
    let event = watch.await;
    println!("watch fired: {:?} on {:?}", event.event_type, event.path);

    // Retrying.
    let (data, _) = zk.retry(|| zk.get("/my/favorite/node")).await?;
    println!("retried get: {:?}", String::from_utf8_lossy(&data));

    // A transaction.
    let results = zk
        .transaction()
        .check("/my/favorite/node", 1)
        .create("/my/favorite/seq-", "", CreateMode::PersistentSequential)
        .set_data("/my/favorite", "updated", -1)
        .commit()
        .await?;
    for result in &results {
        println!("transaction op: {result:?}");
    }

    // Deleting.
    zk.delete("/").recursive().await?;
    println!("deleted {root}");
    zk.stop().await?;
    Ok(())
}
