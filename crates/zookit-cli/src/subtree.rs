//! Reading a whole subtree's shape quickly: children and stat of every node,
//! with many requests in flight on the one session.

use std::collections::{HashMap, VecDeque};
use zookit::join_path;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use zookit::{Client, Stat};

use crate::error::Result;
use crate::progress::Progress;

/// How many reads are in flight at once.
const IN_FLIGHT: usize = 256;

/// A node of a subtree read.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The names of its children that were read, sorted.
    pub(crate) children: Vec<String>,
    /// Its stat.
    pub(crate) stat: Stat,
}

/// A subtree's nodes by path.
#[derive(Debug)]
pub(crate) struct Subtree {
    root: String,
    nodes: HashMap<String, Entry>,
}

impl Subtree {
    /// Reads the subtree at `root`: a missing root is a `NoNode` error,
    /// nodes deleted meanwhile are left out. Without a chroot, the reserved
    /// `/zookeeper` is left out of a subtree of `/` when `skip_reserved`.
    pub(crate) async fn read(
        client: &Client,
        root: &str,
        skip_reserved: bool,
        progress: &Progress,
    ) -> Result<Self> {
        let skip_reserved = skip_reserved && client.chroot().is_none();
        let mut nodes = HashMap::new();
        let mut queue = VecDeque::from([root.to_owned()]);
        let mut pending = FuturesUnordered::new();
        loop {
            while pending.len() < IN_FLIGHT {
                let Some(path) = queue.pop_front() else { break };
                pending.push(read_node(client.clone(), path));
            }
            let Some((path, read)) = pending.next().await else { break };
            match read {
                Ok((mut children, stat)) => {
                    children.sort_unstable();
                    if skip_reserved && path == "/" {
                        children.retain(|name| name != "zookeeper");
                    }
                    queue.extend(children.iter().map(|name| join_path(&path, name)));
                    nodes.insert(path, Entry { children, stat });
                    progress.inc(1);
                }
                Err(e) if e.is_no_node() && path != root => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Self { root: root.to_owned(), nodes })
    }

    /// The nodes depth first, each before its children (sorted).
    pub(crate) fn pre_order(&self) -> Vec<(String, &Entry)> {
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut stack = vec![self.root.clone()];
        while let Some(path) = stack.pop() {
            let Some(entry) = self.nodes.get(&path) else { continue };
            stack.extend(entry.children.iter().rev().map(|name| join_path(&path, name)));
            order.push((path, entry));
        }
        order
    }

    /// The paths depth first, each after its children (the order to
    /// delete in).
    pub(crate) fn post_order(&self) -> Vec<String> {
        let mut order: Vec<String> = self.pre_order().into_iter().map(|(path, _)| path).collect();
        // Reversed pre-order (children visited in reverse) puts every node
        // after its descendants.
        order.reverse();
        order
    }
}

async fn read_node(client: Client, path: String) -> (String, zookit::Result<(Vec<String>, Stat)>) {
    let read = client.get_children_with_stat(&path).await;
    (path, read)
}
