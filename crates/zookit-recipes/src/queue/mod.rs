//! Distributed queues (kazoo's `Queue` and `LockingQueue`): entries are
//! sequential nodes named by priority, so that the lowest priority number
//! comes out first, and within a priority the oldest.

mod locking;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use zookit::{Client, join_path};

pub use locking::LockingQueue;

use crate::error::{At, Error, Result};
use crate::sync::locked;

/// The priority of kazoo's `put` when none is given.
pub const DEFAULT_PRIORITY: u16 = 100;

/// The highest (least urgent) priority: priorities have three digits.
pub const MAX_PRIORITY: u16 = 999;

/// The path prefix of the entries of `priority` under `parent`: entries
/// are sequential nodes `entry-<priority>-<sequence>`.
fn entry_prefix(parent: &str, priority: u16) -> Result<String> {
    if priority > MAX_PRIORITY {
        return Err(Error::invalid_argument(format!(
            "a queue priority is from 0 to {MAX_PRIORITY}, not {priority}"
        )));
    }
    Ok(join_path(parent, &format!("entry-{priority:03}-")))
}

/// The number of children of `path`, 0 if it does not exist.
async fn children_count(client: &Client, path: &str) -> zookit::Result<usize> {
    match client.retry(|| client.exists(path)).await? {
        Some(stat) => Ok(usize::try_from(stat.num_children).unwrap_or(0)),
        None => Ok(0),
    }
}

/// A distributed queue with priorities (kazoo's `Queue`).
///
/// [`put`](Queue::put) adds a persistent sequential node
/// `entry-<priority>-<sequence>`; [`get`](Queue::get) takes the first in
/// name order (lowest priority number, then oldest) by deleting it. The
/// consumption is not reliable, as kazoo's: an entry is removed before it
/// is processed; and if the connection is lost while the entry is being
/// deleted, the error says so and the entry may be gone. Use
/// [`LockingQueue`] for entries that must be processed.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
/// use zookit_recipes::{DEFAULT_PRIORITY, Queue};
///
/// let queue = Queue::new(&zk, "/app/queue");
/// queue.put("later", DEFAULT_PRIORITY).await?;
/// queue.put("first", 1).await?;
/// assert_eq!(queue.len().await?, 2);
/// assert_eq!(queue.get().await?.as_deref(), Some(&b"first"[..]));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[doc(alias("DistributedQueue"))]
pub struct Queue {
    client: Client,
    path: String,
    /// Entry names read but not taken yet, in order.
    children: Arc<Mutex<VecDeque<String>>>,
}

impl Queue {
    /// A queue at `path` (created on first `put`).
    pub fn new(client: &Client, path: impl Into<String>) -> Self {
        Self { client: client.clone(), path: path.into(), children: Arc::default() }
    }

    /// The queue's node.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Adds `value` with `priority` (0 to 999, lower first;
    /// [`DEFAULT_PRIORITY`] is kazoo's default). Not retried after a
    /// connection loss, which would add it twice: the error says the entry
    /// may or may not have been added.
    pub async fn put(&self, value: impl AsRef<[u8]>, priority: u16) -> Result<()> {
        let entry = entry_prefix(&self.path, priority).at(&self.path)?;
        self.client.create(&entry, value).sequential().makepath().await.at(&self.path)?;
        Ok(())
    }

    /// Takes the first entry and returns its value; `None` if the queue is
    /// empty.
    pub async fn get(&self) -> Result<Option<Bytes>> {
        self.take_first().await.at(&self.path)
    }

    async fn take_first(&self) -> zookit::Result<Option<Bytes>> {
        loop {
            let next = locked(&self.children).front().cloned();
            let name = match next {
                Some(name) => name,
                None => {
                    let mut children =
                        match self.client.retry(|| self.client.get_children(&self.path)).await {
                            Err(e) if e.is_no_node() => Vec::new(),
                            other => other?,
                        };
                    children.sort_unstable();
                    let mut cached = locked(&self.children);
                    *cached = children.into();
                    match cached.front() {
                        Some(name) => name.clone(),
                        None => return Ok(None),
                    }
                }
            };
            let path = join_path(&self.path, &name);
            let taken = match self.client.retry(|| self.client.get(&path)).await {
                // Whoever deletes it has it.
                Ok((data, _)) => self.client.delete(&path).await.map(|()| data),
                Err(e) => Err(e),
            };
            match taken {
                Ok(data) => {
                    locked(&self.children).retain(|c| *c != name);
                    return Ok(Some(data));
                }
                // Taken by another consumer: read the entries again.
                Err(e) if e.is_no_node() => locked(&self.children).clear(),
                Err(e) => return Err(e),
            }
        }
    }

    /// The number of entries.
    pub async fn len(&self) -> Result<usize> {
        children_count(&self.client, &self.path).await.at(&self.path)
    }

    /// Whether the queue has no entries.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }
}
