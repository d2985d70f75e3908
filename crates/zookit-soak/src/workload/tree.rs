//! A TreeCache over a subtree this worker changes; at the end (changes
//! stopped, faults healed) the cache must equal the server's tree.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use zookit::TreeCache;

use super::recorder::{definite, nothing, other};
use super::{Conn, Ctx, OP_BOUND};

/// How long the cache may take to catch up at the end.
const SETTLE: Duration = Duration::from_secs(30);

fn root(ctx: &Ctx) -> String {
    ctx.path(&format!("tree/{}", ctx.name))
}

/// Creates the subtree and starts the cache on `watcher`'s client.
pub(crate) async fn start(
    ctx: Arc<Ctx>,
    watcher: Arc<Conn>,
    writer: Arc<Conn>,
) -> Option<TreeCache> {
    let root = root(&ctx);
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let made = writer.zk.ensure_path(&root).await;
        if made.is_ok() {
            if let Ok(cache) = TreeCache::start(&watcher.zk, &root).await {
                return Some(cache);
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    ctx.rec.watch_check("tree_cache", &root, false, "the cache never started".into());
    None
}

/// Random creates, sets and deletes in the subtree.
pub(crate) async fn mutate(ctx: Arc<Ctx>, conn: Arc<Conn>, task: u64) {
    let mut rng = ctx.rng(task);
    let root = root(&ctx);
    let zk = &conn.zk;
    while ctx.running() {
        let child = format!("{root}/c{}", rng.random_range(0..5));
        let path = if rng.random_bool(0.3) {
            format!("{child}/g{}", rng.random_range(0..2))
        } else {
            child
        };
        let value = ctx.unique("t");
        let result = match rng.random_range(0..3) {
            0 => {
                let create = zk.create(&path, &value).makepath();
                ctx.rec
                    .op(other("tree_create"), OP_BOUND, create.into_future(), definite, nothing)
                    .await
                    .map(|r| r.map(drop))
            }
            1 => ctx
                .rec
                .op(
                    other("tree_set"),
                    OP_BOUND,
                    zk.set(&path, &value).into_future(),
                    definite,
                    nothing,
                )
                .await
                .map(|r| r.map(drop)),
            _ => {
                let delete = zk.delete(&path).recursive();
                ctx.rec
                    .op(other("tree_delete"), OP_BOUND, delete.into_future(), definite, nothing)
                    .await
            }
        };
        if matches!(&result, None | Some(Err(_))) && !matches!(&result, Some(Err(e)) if definite(e))
        {
            conn.recover().await;
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..100))).await;
    }
}

/// The subtree on the server: path -> (data, version).
async fn server_tree(
    zk: &zookit::Client,
    root: &str,
) -> zookit::Result<BTreeMap<String, (Vec<u8>, i32)>> {
    let mut tree = BTreeMap::new();
    let mut pending = vec![root.to_string()];
    while let Some(path) = pending.pop() {
        let (data, stat) = zk.get(&path).await?;
        tree.insert(path.clone(), (data.to_vec(), stat.version));
        for child in zk.get_children(&path).await? {
            pending.push(zookit::join_path(&path, &child));
        }
    }
    Ok(tree)
}

fn cache_tree(cache: &TreeCache) -> BTreeMap<String, (Vec<u8>, i32)> {
    let mut tree = BTreeMap::new();
    for path in cache.paths() {
        if let Ok(Some((data, stat))) = cache.get_data(&path) {
            tree.insert(path, (data.to_vec(), stat.version));
        }
    }
    tree
}

/// Waits (bounded) until the cache equals the server's tree.
pub(crate) async fn compare_at_end(ctx: &Ctx, cache: &TreeCache, conn: &Conn) {
    let root = root(ctx);
    let deadline = Instant::now() + SETTLE;
    let mut last = String::new();
    while Instant::now() < deadline {
        match tokio::time::timeout(OP_BOUND, server_tree(&conn.zk, &root)).await {
            Ok(Ok(server)) => {
                let cached = cache_tree(cache);
                if cached == server {
                    ctx.rec.watch_check(
                        "tree_cache",
                        &root,
                        true,
                        format!("{} nodes", server.len()),
                    );
                    cache.close().await;
                    return;
                }
                let server_paths: Vec<_> = server.keys().collect();
                let cached_paths: Vec<_> = cached.keys().collect();
                last = format!("server {server_paths:?}, cache {cached_paths:?}");
            }
            Ok(Err(e)) => {
                last = format!("reading the server: {e}");
                conn.recover().await;
            }
            Err(_) => last = "reading the server timed out".into(),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    ctx.rec.watch_check("tree_cache", &root, false, format!("differs after {SETTLE:?}: {last}"));
    cache.close().await;
}
