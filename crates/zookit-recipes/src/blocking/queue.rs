//! Blocking queues: [`Queue`] and [`LockingQueue`].

use std::time::Duration;

use bytes::Bytes;
use zookit::blocking::Client;

use super::run::OnClient;
use crate::Result;

/// A blocking [`crate::Queue`]: a distributed queue with priorities.
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
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
pub struct Queue(OnClient<crate::Queue>);

impl Queue {
    /// A queue at `path`.
    pub fn new(client: &Client, path: impl Into<String>) -> Self {
        Self(OnClient::new(client, crate::Queue::new(client.async_client(), path)))
    }

    /// The queue's node.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// Adds `value` with `priority`; see [`crate::Queue::put`].
    pub fn put(&self, value: impl AsRef<[u8]>, priority: u16) -> Result<()> {
        let value = Bytes::copy_from_slice(value.as_ref());
        self.0.run(|queue| async move { queue.put(value, priority).await })
    }

    /// Takes the first entry; `None` if the queue is empty.
    pub fn get(&self) -> Result<Option<Bytes>> {
        self.0.run(|queue| async move { queue.get().await })
    }

    /// The number of entries.
    pub fn len(&self) -> Result<usize> {
        self.0.run(|queue| async move { queue.len().await })
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
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
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
pub struct LockingQueue(OnClient<crate::LockingQueue>);

impl LockingQueue {
    /// A consumer (and producer) of the locking queue at `path`.
    pub fn new(client: &Client, path: impl Into<String>) -> Self {
        Self(OnClient::new(client, crate::LockingQueue::new(client.async_client(), path)))
    }

    /// The queue's node.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// Adds `value` with `priority`; see [`crate::LockingQueue::put`].
    pub fn put(&self, value: impl AsRef<[u8]>, priority: u16) -> Result<()> {
        let value = Bytes::copy_from_slice(value.as_ref());
        self.0.run(|queue| async move { queue.put(value, priority).await })
    }

    /// Adds all `values` with `priority` in one transaction.
    pub fn put_all<I>(&self, values: I, priority: u16) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let values: Vec<Bytes> =
            values.into_iter().map(|v| Bytes::copy_from_slice(v.as_ref())).collect();
        self.0.run(|queue| async move { queue.put_all(values, priority).await })
    }

    /// Locks the first free entry and returns its value, blocking at most
    /// `timeout`; see [`crate::LockingQueue::get`].
    pub fn get(&self, timeout: Duration) -> Result<Option<Bytes>> {
        self.0.wait(Some(timeout), |queue| async move { queue.get(timeout).await })
    }

    /// Whether this consumer still holds the entry it got.
    pub fn holds_lock(&self) -> Result<bool> {
        self.0.run(|queue| async move { queue.holds_lock().await })
    }

    /// The value of the entry this consumer holds, if any.
    pub fn holding(&self) -> Option<Bytes> {
        self.0.recipe().holding()
    }

    /// Removes the entry this consumer holds; see
    /// [`crate::LockingQueue::consume`].
    pub fn consume(&self) -> Result<bool> {
        self.0.run(|queue| async move { queue.consume().await })
    }

    /// Unlocks the entry this consumer holds for others; see
    /// [`crate::LockingQueue::release`].
    pub fn release(&self) -> Result<bool> {
        self.0.run(|queue| async move { queue.release().await })
    }

    /// The number of entries, locked ones included.
    pub fn len(&self) -> Result<usize> {
        self.0.run(|queue| async move { queue.len().await })
    }

    /// Whether the queue has no entries.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}
