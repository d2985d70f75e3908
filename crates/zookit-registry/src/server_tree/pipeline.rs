//! Many reads in flight on one client: a bounded window of tasks, and whole
//! subtrees read with it.
//!
//! The client pipelines every request on its one connection, so reading a
//! tree of `n` nodes costs about `depth` round trips instead of `n`.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use zookit::{Client, Stat};

use crate::Result;
use zookit::join_path;

/// How many tasks (of one or two requests each) run at once at most.
pub(crate) const WINDOW: usize = 256;

type Task<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A bounded window of concurrent tasks, run by whoever awaits
/// [`next`](Pipeline::next) (no task is spawned); results come back as they
/// finish. Dropping it drops what is still running.
pub(crate) struct Pipeline<T> {
    running: FuturesUnordered<Task<T>>,
    waiting: VecDeque<Task<T>>,
}

impl<T: Send + 'static> Pipeline<T> {
    pub(crate) fn new() -> Self {
        Self { running: FuturesUnordered::new(), waiting: VecDeque::new() }
    }

    /// Runs `task` now, or as soon as the window has room.
    pub(crate) fn push(&mut self, task: impl Future<Output = T> + Send + 'static) {
        if self.running.len() < WINDOW {
            self.running.push(Box::pin(task));
        } else {
            self.waiting.push_back(Box::pin(task));
        }
    }

    /// The result of a finished task; `None` once every task has finished.
    pub(crate) async fn next(&mut self) -> Option<T> {
        let value = self.running.next().await?;
        if let Some(task) = self.waiting.pop_front() {
            self.running.push(task);
        }
        Some(value)
    }
}

/// A znode as read.
#[derive(Debug, Clone)]
pub(crate) struct Znode {
    pub(crate) stat: Stat,
    /// Its data, if it was asked for (else empty).
    pub(crate) data: Bytes,
    /// Its children's names, sorted (as Python sorts `str`s).
    pub(crate) children: Vec<String>,
}

impl Znode {
    pub(crate) fn is_ephemeral(&self) -> bool {
        self.stat.ephemeral_owner != 0
    }
}

/// What [`read_subtrees`] reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadOptions {
    /// Read the nodes' data too.
    pub(crate) data: bool,
    /// Keep ephemeral nodes (else they are left out, at every depth).
    pub(crate) ephemeral: bool,
    /// A missing root is an error (else it is left out).
    pub(crate) roots_must_exist: bool,
    /// Leave out the reserved `/zookeeper` when `/` is read.
    pub(crate) hide_reserved: bool,
}

/// Reads the subtrees at `roots`, many requests in flight, into a map from
/// path to node. Nodes that vanish while the tree is read are left out (with
/// their subtrees).
pub(crate) async fn read_subtrees(
    client: &Client,
    roots: &[String],
    options: ReadOptions,
) -> Result<HashMap<String, Znode>> {
    let mut nodes = HashMap::new();
    let mut pipeline = Pipeline::new();
    for root in roots {
        pipeline.push(read_znode(client.clone(), root.clone(), options.data, true));
    }
    while let Some((path, is_root, read)) = pipeline.next().await {
        let mut znode = match read {
            Ok(znode) => znode,
            Err(e) if e.is_no_node() && !(is_root && options.roots_must_exist) => continue,
            Err(e) => return Err(e.into()),
        };
        if znode.is_ephemeral() && !options.ephemeral {
            continue;
        }
        if options.hide_reserved && path == "/" {
            znode.children.retain(|name| name != "zookeeper");
        }
        for name in &znode.children {
            pipeline.push(read_znode(client.clone(), join_path(&path, name), options.data, false));
        }
        nodes.insert(path, znode);
    }
    Ok(nodes)
}

/// Reads one znode: its stat, children and (if asked for) data.
async fn read_znode(
    client: Client,
    path: String,
    data: bool,
    is_root: bool,
) -> (String, bool, zookit::Result<Znode>) {
    let read = read_node(&client, &path, data).await;
    (path, is_root, read)
}

/// Reads a znode. With the data, the children are only asked for if the
/// stat says there are some.
async fn read_node(client: &Client, path: &str, data: bool) -> zookit::Result<Znode> {
    let (data, stat, mut children) = if data {
        let (data, stat) = client.get(path).await?;
        (data, stat, children_of(client, path, &stat).await?)
    } else {
        let (children, stat) = client.get_children_with_stat(path).await?;
        (Bytes::new(), stat, children)
    };
    children.sort_unstable();
    Ok(Znode { stat, data, children })
}

/// The children of the node at `path` whose stat is `stat`: none asked for
/// when it had none (most nodes of a tree are leaves).
pub(crate) async fn children_of(
    client: &Client,
    path: &str,
    stat: &Stat,
) -> zookit::Result<Vec<String>> {
    if stat.num_children == 0 { Ok(Vec::new()) } else { client.get_children(path).await }
}
