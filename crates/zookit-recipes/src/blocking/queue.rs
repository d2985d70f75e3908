//! Blocking queues: [`Queue`] and [`LockingQueue`].

use std::time::Duration;

use bytes::Bytes;
use zookit::Result;
use zookit::blocking::Client;

use super::run_bounded::{run, run_for, waiting};

/// A blocking [`crate::Queue`]: a distributed queue with priorities.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit::Result<()> {
/// use zookit_recipes::DEFAULT_PRIORITY;
/// use zookit_recipes::blocking::Queue;
///
/// let queue = Queue::new(&zk, "/app/queue");
/// queue.put("later", DEFAULT_PRIORITY)?;
/// queue.put("first", 1)?;
/// assert_eq!(queue.get()?.as_deref(), Some(&b"first"[..]));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Queue {
    client: Client,
    queue: crate::Queue,
}

impl Queue {
    /// A queue at `path`.
    pub fn new(client: &Client, path: &str) -> Self {
        Self { client: client.clone(), queue: crate::Queue::new(client.async_client(), path) }
    }

    /// The queue's node.
    pub fn path(&self) -> &str {
        self.queue.path()
    }

    /// Adds `value` with `priority`; see [`crate::Queue::put`].
    pub fn put(&self, value: impl AsRef<[u8]>, priority: u16) -> Result<()> {
        let queue = self.queue.clone();
        let value = Bytes::copy_from_slice(value.as_ref());
        run(&self.client, "queue put", async move { queue.put(value, priority).await })
    }

    /// Takes the first entry; `None` if the queue is empty.
    pub fn get(&self) -> Result<Option<Bytes>> {
        let queue = self.queue.clone();
        run(&self.client, "queue get", async move { queue.get().await })
    }

    /// The number of entries.
    pub fn len(&self) -> Result<usize> {
        let queue = self.queue.clone();
        run(&self.client, "queue len", async move { queue.len().await })
    }

    /// Whether the queue has no entries.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// A blocking [`crate::LockingQueue`]: entries are locked by `get` and
/// removed by `consume`, so that each is processed exactly once.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::DEFAULT_PRIORITY;
/// use zookit_recipes::blocking::LockingQueue;
///
/// let queue = LockingQueue::new(&zk, "/app/jobs");
/// queue.put("job-1", DEFAULT_PRIORITY)?;
/// if let Some(job) = queue.get(Duration::from_secs(5))? {
///     println!("processing {job:?}");
///     queue.consume()?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct LockingQueue {
    client: Client,
    queue: crate::LockingQueue,
}

impl LockingQueue {
    /// A consumer (and producer) of the locking queue at `path`.
    pub fn new(client: &Client, path: &str) -> Self {
        Self {
            client: client.clone(),
            queue: crate::LockingQueue::new(client.async_client(), path),
        }
    }

    /// The queue's node.
    pub fn path(&self) -> &str {
        self.queue.path()
    }

    /// Adds `value` with `priority`; see [`crate::LockingQueue::put`].
    pub fn put(&self, value: impl AsRef<[u8]>, priority: u16) -> Result<()> {
        let queue = self.queue.clone();
        let value = Bytes::copy_from_slice(value.as_ref());
        run(&self.client, "locking queue put", async move { queue.put(value, priority).await })
    }

    /// Adds all `values` with `priority` in one transaction.
    pub fn put_all<I>(&self, values: I, priority: u16) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let queue = self.queue.clone();
        let values: Vec<Bytes> =
            values.into_iter().map(|v| Bytes::copy_from_slice(v.as_ref())).collect();
        run(
            &self.client,
            "locking queue put_all",
            async move { queue.put_all(values, priority).await },
        )
    }

    /// Locks the first free entry and returns its value, blocking at most
    /// `timeout`; see [`crate::LockingQueue::get`].
    pub fn get(&self, timeout: Duration) -> Result<Option<Bytes>> {
        let queue = self.queue.clone();
        let bound = waiting(&self.client, timeout);
        run_for(&self.client, "locking queue get", bound, async move { queue.get(timeout).await })
    }

    /// Whether this consumer still holds the entry it got.
    pub fn holds_lock(&self) -> Result<bool> {
        let queue = self.queue.clone();
        run(&self.client, "locking queue holds_lock", async move { queue.holds_lock().await })
    }

    /// The value of the entry this consumer holds, if any.
    pub fn holding(&self) -> Option<Bytes> {
        self.queue.holding()
    }

    /// Removes the entry this consumer holds; see
    /// [`crate::LockingQueue::consume`].
    pub fn consume(&self) -> Result<bool> {
        let queue = self.queue.clone();
        run(&self.client, "locking queue consume", async move { queue.consume().await })
    }

    /// Unlocks the entry this consumer holds for others; see
    /// [`crate::LockingQueue::release`].
    pub fn release(&self) -> Result<bool> {
        let queue = self.queue.clone();
        run(&self.client, "locking queue release", async move { queue.release().await })
    }

    /// The number of entries, locked ones included.
    pub fn len(&self) -> Result<usize> {
        let queue = self.queue.clone();
        run(&self.client, "locking queue len", async move { queue.len().await })
    }

    /// Whether the queue has no entries.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}
