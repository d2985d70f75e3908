//! Distributed queues (kazoo's `Queue` and `LockingQueue`): entries are
//! sequential nodes named by priority, so that the lowest priority number
//! comes out first, and within a priority the oldest.

use std::collections::{HashSet, VecDeque};
use std::future::IntoFuture;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use zookit::join_path;

use bytes::Bytes;
use zookit::{Client, CreateMode, Result, TransactionResults};

use crate::barrier::{deadline_in, session_ended, until};
use crate::party::unique_id;

/// The priority of kazoo's `put` when none is given.
pub const DEFAULT_PRIORITY: u16 = 100;

/// The highest (least urgent) priority: priorities have three digits.
pub const MAX_PRIORITY: u16 = 999;

fn check_priority(priority: u16) -> Result<()> {
    if priority > MAX_PRIORITY {
        return Err(zookit::__transitional::invalid_argument(format!(
            "a queue priority is from 0 to {MAX_PRIORITY}, not {priority}"
        )));
    }
    Ok(())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The number of children of `path`, 0 if it does not exist.
async fn children_count(client: &Client, path: &str) -> Result<usize> {
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
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
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
    pub fn new(client: &Client, path: &str) -> Self {
        Self { client: client.clone(), path: path.to_owned(), children: Arc::default() }
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
        check_priority(priority)?;
        let entry = format!("{}entry-{priority:03}-", join_path(&self.path, ""));
        self.client.create(&entry, value).sequential().makepath().await?;
        Ok(())
    }

    /// Takes the first entry and returns its value; `None` if the queue is
    /// empty.
    pub async fn get(&self) -> Result<Option<Bytes>> {
        loop {
            let next = lock(&self.children).front().cloned();
            let name = match next {
                Some(name) => name,
                None => {
                    let mut children =
                        match self.client.retry(|| self.client.get_children(&self.path)).await {
                            Err(e) if e.is_no_node() => Vec::new(),
                            other => other?,
                        };
                    children.sort_unstable();
                    let mut cached = lock(&self.children);
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
                    lock(&self.children).retain(|c| *c != name);
                    return Ok(Some(data));
                }
                // Taken by another consumer: read the entries again.
                Err(e) if e.is_no_node() => lock(&self.children).clear(),
                Err(e) => return Err(e),
            }
        }
    }

    /// The number of entries.
    pub async fn len(&self) -> Result<usize> {
        children_count(&self.client, &self.path).await
    }

    /// Whether the queue has no entries.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }
}

/// What a [`LockingQueue`] consumer holds: an entry it locked.
#[derive(Clone, Debug)]
struct Held {
    /// The entry's node name (also its lock's).
    name: String,
    value: Bytes,
}

#[derive(Debug)]
struct Consumer {
    client: Client,
    path: String,
    entries: String,
    locks: String,
    /// This consumer's id, the data of its locks.
    id: String,
    held: Mutex<Option<Held>>,
    /// Whether `entries` and `taken` were made (once per consumer, as kazoo).
    ensured: AtomicBool,
}

/// A distributed queue with priorities whose entries are processed
/// reliably (kazoo's `LockingQueue`).
///
/// [`get`](LockingQueue::get) locks the first free entry with an ephemeral
/// node under `taken/` and returns it without removing it; the consumer
/// then either [`consume`](LockingQueue::consume)s it (entry and lock are
/// deleted in one transaction) or [`release`](LockingQueue::release)s it
/// for others. If the consumer's session ends first, its lock vanishes and
/// the entry is available again: each entry is consumed exactly once.
/// Entries live under `entries/`, as kazoo's, so kazoo consumers can share
/// the queue.
///
/// A consumer holds at most one entry; clones are the same consumer.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::{DEFAULT_PRIORITY, LockingQueue};
///
/// let queue = LockingQueue::new(&zk, "/app/jobs");
/// queue.put_all(["job-1", "job-2"], DEFAULT_PRIORITY).await?;
/// while let Some(job) = queue.get(Duration::from_secs(5)).await? {
///     println!("processing {job:?}");
///     queue.consume().await?; // done: gone for everyone
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[doc(alias("DistributedQueue"))]
pub struct LockingQueue {
    consumer: Arc<Consumer>,
}

impl LockingQueue {
    /// A consumer (and producer) of the locking queue at `path`.
    pub fn new(client: &Client, path: &str) -> Self {
        Self {
            consumer: Arc::new(Consumer {
                client: client.clone(),
                path: path.to_owned(),
                entries: join_path(path, "entries"),
                locks: join_path(path, "taken"),
                id: unique_id(),
                held: Mutex::new(None),
                ensured: AtomicBool::new(false),
            }),
        }
    }

    /// The queue's node.
    pub fn path(&self) -> &str {
        &self.consumer.path
    }

    async fn ensure_paths(&self) -> Result<()> {
        let consumer = &self.consumer;
        if consumer.ensured.load(Ordering::Relaxed) {
            return Ok(());
        }
        let client = &consumer.client;
        client.retry(|| client.ensure_path(&consumer.locks)).await?;
        client.retry(|| client.ensure_path(&consumer.entries)).await?;
        consumer.ensured.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn entry_prefix(&self, priority: u16) -> Result<String> {
        check_priority(priority)?;
        Ok(format!("{}/entry-{priority:03}-", self.consumer.entries))
    }

    /// Adds `value` with `priority` (0 to 999, lower first). Not retried
    /// after a connection loss (it may or may not have been added).
    pub async fn put(&self, value: impl AsRef<[u8]>, priority: u16) -> Result<()> {
        let prefix = self.entry_prefix(priority)?;
        self.ensure_paths().await?;
        self.consumer.client.create(&prefix, value).sequential().await?;
        Ok(())
    }

    /// Adds all `values` with `priority`, in one transaction: all or none.
    pub async fn put_all<I>(&self, values: I, priority: u16) -> Result<()>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let prefix = self.entry_prefix(priority)?;
        let mut transaction = self.consumer.client.transaction();
        let mut any = false;
        for value in values {
            transaction = transaction.create(&prefix, value, CreateMode::PersistentSequential);
            any = true;
        }
        if !any {
            return Ok(());
        }
        self.ensure_paths().await?;
        first_failure(transaction.commit().await?)
    }

    /// Locks the first free entry and returns its value, waiting at most
    /// `timeout` for one; `None` at the timeout. While this consumer holds
    /// an entry (got and neither consumed nor released), returns that one
    /// again, as long as its lock is still this consumer's.
    ///
    /// An entry locked just as the timeout passes is kept: the next `get`
    /// returns it.
    pub async fn get(&self, timeout: Duration) -> Result<Option<Bytes>> {
        let deadline = deadline_in(timeout);
        let held = lock(&self.consumer.held).clone();
        if let Some(held) = held {
            if self.consumer.holds(&held).await? {
                return Ok(Some(held.value));
            }
            // The lock went with an earlier session: the entry is free for
            // others (or consumed by them) now.
            self.consumer.forget(&held);
        }
        self.ensure_paths().await?;
        match until(deadline, self.get_inner()).await {
            Some(result) => result.map(Some),
            None => Ok(lock(&self.consumer.held).as_ref().map(|held| held.value.clone())),
        }
    }

    async fn get_inner(&self) -> Result<Bytes> {
        let consumer = &self.consumer;
        let client = &consumer.client;
        loop {
            let (entries, _, entries_changed) =
                client.retry(|| client.get_children_watch(&consumer.entries)).await?;
            let (taken, _, locks_changed) =
                client.retry(|| client.get_children_watch(&consumer.locks)).await?;
            let taken: HashSet<String> = taken.into_iter().collect();
            let mut free: Vec<String> =
                entries.into_iter().filter(|e| !taken.contains(e)).collect();
            free.sort_unstable();
            for name in free {
                // The take runs on its own task: if this call is cancelled
                // (its timeout) meanwhile, the entry is kept all the same.
                let taking = Arc::clone(consumer);
                let take = tokio::spawn(async move { taking.take(name).await });
                match take.await {
                    Ok(Ok(Some(value))) => return Ok(value),
                    Ok(Ok(None)) => {}
                    Ok(Err(e)) => return Err(e),
                    Err(_) => return Err(zookit::__transitional::closed()),
                }
            }
            let event = tokio::select! {
                event = entries_changed => event,
                event = locks_changed => event,
            };
            if event.is_terminal() {
                return Err(session_ended(&event));
            }
        }
    }

    /// Whether this consumer still holds the entry it got: its lock exists
    /// and is this consumer's, in the current session (after a `sync`).
    pub async fn holds_lock(&self) -> Result<bool> {
        let held = lock(&self.consumer.held).clone();
        match held {
            Some(held) => self.consumer.holds(&held).await,
            None => Ok(false),
        }
    }

    /// The value of the entry this consumer holds, if any (as last got;
    /// see [`holds_lock`](Self::holds_lock)).
    pub fn holding(&self) -> Option<Bytes> {
        lock(&self.consumer.held).as_ref().map(|held| held.value.clone())
    }

    /// Removes the entry this consumer holds from the queue (entry and lock
    /// in one transaction): `true` if it did; `false` if this consumer
    /// holds none, or its lock was lost (then the entry is someone
    /// else's, and no longer held).
    pub async fn consume(&self) -> Result<bool> {
        self.finish(true).await
    }

    /// Unlocks the entry this consumer holds without consuming it, for
    /// others to get: `true` if it did; `false` as for
    /// [`consume`](Self::consume).
    pub async fn release(&self) -> Result<bool> {
        self.finish(false).await
    }

    async fn finish(&self, consume: bool) -> Result<bool> {
        let consumer = &self.consumer;
        let Some(held) = lock(&consumer.held).clone() else { return Ok(false) };
        if !consumer.holds(&held).await? {
            consumer.forget(&held);
            return Ok(false);
        }
        let entry = join_path(&consumer.entries, &held.name);
        let lock_path = join_path(&consumer.locks, &held.name);
        let client = &consumer.client;
        loop {
            let mut transaction = client.transaction();
            if consume {
                transaction = transaction.delete(&entry, -1);
            }
            let committed = transaction.delete(&lock_path, -1).commit().await;
            match committed {
                Ok(results) => {
                    consumer.forget(&held);
                    return match first_failure(results) {
                        Ok(()) => Ok(true),
                        Err(e) if e.is_no_node() => Ok(false),
                        Err(e) => Err(e),
                    };
                }
                Err(e) if e.is_retryable() => {
                    // Lost with the connection: done if the lock is gone.
                    if client.retry(|| client.exists(&lock_path)).await?.is_none() {
                        consumer.forget(&held);
                        return Ok(true);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The number of entries, locked ones included.
    pub async fn len(&self) -> Result<usize> {
        children_count(&self.consumer.client, &self.consumer.entries).await
    }

    /// Whether the queue has no entries.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }
}

impl Consumer {
    /// Locks the entry `name` if it is still there and free, and reads it.
    async fn take(&self, name: String) -> Result<Option<Bytes>> {
        let client = &self.client;
        let entry = join_path(&self.entries, &name);
        let lock_path = join_path(&self.locks, &name);
        let committed = client
            .transaction()
            .check(&entry, -1)
            .create(&lock_path, self.id.as_bytes(), CreateMode::Ephemeral)
            .commit()
            .await;
        match committed {
            Ok(results) => match first_failure(results) {
                Ok(()) => {}
                // Consumed, or locked by another consumer.
                Err(e) if e.is_no_node() || e.is_node_exists() => return Ok(None),
                Err(e) => return Err(e),
            },
            Err(e) if e.is_retryable() => {
                // Lost with the connection: ours if our lock is there.
                let probe = Held { name: name.clone(), value: Bytes::new() };
                if !self.holds(&probe).await? {
                    return Ok(None);
                }
            }
            Err(e) => return Err(e),
        }
        let value = match client.retry(|| client.get(&entry)).await {
            Ok((value, _)) => value,
            Err(e) => {
                // Removed under the lock (by hand): let the lock go.
                let _ = client.retry(|| client.delete(&lock_path).into_future()).await;
                return if e.is_no_node() { Ok(None) } else { Err(e) };
            }
        };
        let already = {
            let mut held = lock(&self.held);
            match held.as_ref() {
                Some(already) => Some(already.value.clone()),
                None => {
                    *held = Some(Held { name, value: value.clone() });
                    None
                }
            }
        };
        if let Some(already) = already {
            // A concurrent get of the same consumer was first: one entry
            // at a time, so this one goes back.
            let _ = client.retry(|| client.delete(&lock_path).into_future()).await;
            return Ok(Some(already));
        }
        Ok(Some(value))
    }

    /// Whether the lock of `held` exists and is this consumer's, in the
    /// current session.
    async fn holds(&self, held: &Held) -> Result<bool> {
        let client = &self.client;
        let lock_path = join_path(&self.locks, &held.name);
        client.retry(|| client.sync(&lock_path)).await?;
        let session = client.client_id().map(|(id, _)| id);
        match client.retry(|| client.get(&lock_path)).await {
            Ok((data, stat)) => {
                Ok(data.as_ref() == self.id.as_bytes() && Some(stat.ephemeral_owner) == session)
            }
            Err(e) if e.is_no_node() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// No longer holds `held` (if it is still the one held).
    fn forget(&self, held: &Held) {
        let mut current = lock(&self.held);
        if current.as_ref().is_some_and(|h| h.name == held.name) {
            *current = None;
        }
    }
}

/// The error of the op that failed a transaction, if one did.
fn first_failure(results: TransactionResults) -> Result<()> {
    let mut rolled_back = None;
    for result in results {
        match result {
            Ok(_) => {}
            Err(e) if e.is_rolled_back() => {
                rolled_back.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    rolled_back.map_or(Ok(()), Err)
}
