//! Barriers: [`Barrier`], which holds processes up while its node exists,
//! and [`DoubleBarrier`], which synchronizes the start and the end of a
//! task among a number of participants (kazoo's `Barrier` and
//! `DoubleBarrier`).

use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use zookit::join_path;

use tokio::time::Instant;
use zookit::{Client, CreateMode, Error, ErrorCode, EventType, KeeperState, Result};
use zookit::{Watch, WatchedEvent};

use crate::party::unique_id;

/// The error a wait gets when the session ends under it: the terminal
/// event of a watch says how (expired, closed, refused credentials).
pub(crate) fn session_ended(event: &WatchedEvent) -> Error {
    match event.state {
        KeeperState::Expired => zookit::Error::from(ErrorCode::SessionExpired),
        KeeperState::AuthFailed => zookit::Error::from(ErrorCode::AuthFailed),
        _ => zookit::__transitional::closed(),
    }
}

/// Runs `future` until `deadline`; `None` if the deadline came first.
pub(crate) async fn until<T>(deadline: Instant, future: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout_at(deadline, future).await.ok()
}

/// The instant `timeout` from now (far in the future if it overflows).
pub(crate) fn deadline_in(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

/// Waits for a watch until `deadline`: `Ok(Some(event))` when it fired,
/// `Ok(None)` at the deadline, an error if the session ended.
pub(crate) async fn wait_watch(watch: Watch, deadline: Instant) -> Result<Option<WatchedEvent>> {
    match until(deadline, watch).await {
        None => Ok(None),
        Some(event) if event.is_terminal() => Err(session_ended(&event)),
        Some(event) => Ok(Some(event)),
    }
}

/// Deletes `path`; a node that is already gone is fine.
pub(crate) async fn delete_if_exists(client: &Client, path: &str) -> Result<()> {
    match client.retry(|| client.delete(path).into_future()).await {
        Err(e) if e.is_no_node() => Ok(()),
        other => other,
    }
}

/// A barrier (kazoo's `Barrier`): processes [`wait`](Barrier::wait) while
/// its node exists, and go on once it is removed.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::Barrier;
///
/// let barrier = Barrier::new(&zk, "/app/barriers/deploy");
/// barrier.create().await?; // up
/// // elsewhere: returns true once the barrier is removed
/// let cleared = barrier.wait(Duration::from_secs(30)).await?;
/// barrier.remove().await?; // down: every waiter goes on
/// # let _ = cleared;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[doc(alias("DistributedBarrier"))]
pub struct Barrier {
    client: Client,
    path: String,
}

impl Barrier {
    /// A barrier at `path` (nothing is created yet).
    pub fn new(client: &Client, path: &str) -> Self {
        Self { client: client.clone(), path: path.to_owned() }
    }

    /// The barrier's node.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Puts the barrier up: creates its node (and missing parents) unless
    /// it exists.
    pub async fn create(&self) -> Result<()> {
        self.client.retry(|| self.client.ensure_path(&self.path)).await
    }

    /// Removes the barrier; `false` if it was not up.
    pub async fn remove(&self) -> Result<bool> {
        match self.client.retry(|| self.client.delete(&self.path).into_future()).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_no_node() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Waits until the barrier is removed, at most `timeout`: `true` once
    /// it is gone (at once if it is not up), `false` at the timeout. The
    /// wait survives reconnects; it fails if the session ends.
    pub async fn wait(&self, timeout: Duration) -> Result<bool> {
        let deadline = deadline_in(timeout);
        loop {
            let Some(read) =
                until(deadline, self.client.retry(|| self.client.exists_watch(&self.path))).await
            else {
                return Ok(false);
            };
            let (stat, watch) = read?;
            if stat.is_none() {
                return Ok(true);
            }
            match wait_watch(watch, deadline).await? {
                None => return Ok(false),
                Some(event) if event.event_type == EventType::NodeDeleted => return Ok(true),
                Some(_) => {}
            }
        }
    }
}

/// The name of the node that tells participants of a double barrier that
/// all have entered.
const READY: &str = "ready";

/// A double barrier (kazoo's `DoubleBarrier`): [`enter`](Self::enter)
/// returns once `num_clients` participants have entered, and
/// [`leave`](Self::leave) once all of them have left.
///
/// Each participant is an ephemeral node under the barrier's path, named
/// by a random id and holding the identifier; a `ready` node tells that
/// all have entered. Clones are the same participant.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::DoubleBarrier;
///
/// let barrier = DoubleBarrier::new(&zk, "/app/barriers/batch", 3, "worker-1");
/// if barrier.enter(Duration::from_secs(60)).await? {
///     // all three are in: do the work
///     barrier.leave(Duration::from_secs(60)).await?; // waits for the others to finish
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[doc(alias("DistributedDoubleBarrier"))]
pub struct DoubleBarrier {
    client: Client,
    path: String,
    num_clients: usize,
    identifier: String,
    node: String,
    participating: Arc<AtomicBool>,
}

impl DoubleBarrier {
    /// A participant of the double barrier at `path` for `num_clients`
    /// participants; `identifier` is stored in its node
    /// ([`default_identifier`](crate::default_identifier) is kazoo's
    /// default, the host name and process id).
    pub fn new(client: &Client, path: &str, num_clients: usize, identifier: &str) -> Self {
        let node = unique_id();
        Self {
            client: client.clone(),
            path: path.to_owned(),
            num_clients,
            identifier: identifier.to_owned(),
            node,
            participating: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The barrier's node.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// This participant's identifier.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Whether this participant has entered and not left.
    pub fn participating(&self) -> bool {
        self.participating.load(Ordering::SeqCst)
    }

    fn own_path(&self) -> String {
        join_path(&self.path, &self.node)
    }

    /// Enters the barrier and waits until `num_clients` participants have
    /// entered, at most `timeout`: `true` once they have; `false` at the
    /// timeout, and then this participant has left again (its node is
    /// deleted). On an error this participant's node is deleted too, if
    /// the session allows.
    pub async fn enter(&self, timeout: Duration) -> Result<bool> {
        let deadline = deadline_in(timeout);
        match until(deadline, self.enter_inner()).await {
            Some(Ok(())) => {
                self.participating.store(true, Ordering::SeqCst);
                Ok(true)
            }
            Some(Err(e)) => {
                self.give_up().await;
                Err(e)
            }
            None => {
                self.give_up().await;
                Ok(false)
            }
        }
    }

    async fn enter_inner(&self) -> Result<()> {
        let client = &self.client;
        client.retry(|| client.ensure_path(&self.path)).await?;
        let own = self.own_path();
        let created = client
            .retry(|| {
                client
                    .create(&own, self.identifier.as_bytes())
                    .mode(CreateMode::Ephemeral)
                    .into_future()
            })
            .await;
        match created {
            // Created by an attempt whose answer was lost.
            Err(e) if e.is_node_exists() => {}
            other => drop(other?),
        }
        let ready = join_path(&self.path, READY);
        loop {
            let (stat, watch) = client.retry(|| client.exists_watch(&ready)).await?;
            if stat.is_some() {
                return Ok(());
            }
            let children = client.retry(|| client.get_children(&self.path)).await?;
            if children.iter().filter(|c| *c != READY).count() >= self.num_clients {
                client.retry(|| client.ensure_path(&ready)).await?;
                return Ok(());
            }
            let event = watch.await;
            if event.is_terminal() {
                return Err(session_ended(&event));
            }
            if event.event_type == EventType::NodeCreated {
                return Ok(());
            }
        }
    }

    /// Leaves the barrier and waits until every participant has left, at
    /// most `timeout`: `true` once all have; `false` at the timeout (this
    /// participant has left all the same: its node is deleted).
    pub async fn leave(&self, timeout: Duration) -> Result<bool> {
        let deadline = deadline_in(timeout);
        let outcome = until(deadline, self.leave_inner()).await;
        let result = match outcome {
            Some(Ok(())) => Ok(true),
            Some(Err(e)) => Err(e),
            None => Ok(false),
        };
        if !matches!(result, Ok(true)) {
            self.give_up().await;
        }
        self.participating.store(false, Ordering::SeqCst);
        result
    }

    async fn leave_inner(&self) -> Result<()> {
        let client = &self.client;
        delete_if_exists(client, &join_path(&self.path, READY)).await?;
        let own = self.own_path();
        loop {
            let children = match client.retry(|| client.get_children(&self.path)).await {
                Err(e) if e.is_no_node() => return Ok(()),
                other => other?,
            };
            let mut children: Vec<String> = children.into_iter().filter(|c| c != READY).collect();
            children.sort_unstable();
            let ours = children.contains(&self.node);
            let (Some(lowest), Some(highest)) = (children.first(), children.last()) else {
                return Ok(());
            };
            if ours && children.len() == 1 {
                delete_if_exists(client, &own).await?;
                return Ok(());
            }
            // The lowest leaves last: it waits for the highest; everyone
            // else leaves and waits for the lowest.
            let awaited = if ours && *lowest == self.node {
                highest.clone()
            } else {
                if ours {
                    delete_if_exists(client, &own).await?;
                }
                lowest.clone()
            };
            let awaited = join_path(&self.path, &awaited);
            let (stat, watch) = client.retry(|| client.exists_watch(&awaited)).await?;
            if stat.is_some() {
                let event = watch.await;
                if event.is_terminal() {
                    return Err(session_ended(&event));
                }
            }
        }
    }

    /// Deletes this participant's node, as far as the session allows.
    async fn give_up(&self) {
        self.participating.store(false, Ordering::SeqCst);
        if let Err(e) = delete_if_exists(&self.client, &self.own_path()).await {
            tracing::debug!(path = %self.own_path(), error = %e, "double barrier: could not delete the node");
        }
    }
}
