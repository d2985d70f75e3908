//! kazoo's `Semaphore`: at most `max_leases` holders at a time.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use zookit::join_path;

use tokio::sync::{Mutex, watch};
use tokio::time::Instant;
use zookit::{Client, CreateMode};

use crate::contenders::{
    EXCLUSIVE, Pending, Won, is_retryable, session_of, wait_writable, with_retries,
};
use crate::hold::{Acquisition, Held};
use crate::lock::{
    Cancel, Core, LockError, LockGuard, LockState, LockStates, runtime, sleep_until,
};

/// kazoo's `Semaphore`: up to `max_leases` holders at a time, each holding
/// a lease. Cheap to clone; clones are the same semaphore.
///
/// As kazoo's: the lease pool is the node at `path`, whose data is
/// `max_leases` (every semaphore on the path must agree, or
/// [`LockError::MaxLeasesMismatch`]); each lease is an ephemeral child
/// holding its holder's identifier; a lock at `{path}-__lock__` lets one
/// contender at a time take a free lease, so that only that one watches
/// the pool. A lease is created only while that lock's node exists (one
/// transaction checks it), so no more than `max_leases` leases ever exist,
/// whatever the faults.
///
/// A lease's state follows the session as a lock's does ([`LockState`]):
/// only `Acquired` means it is held.
#[derive(Clone)]
#[doc(alias("InterProcessSemaphoreV2"))]
pub struct Semaphore {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    path: String,
    identifier: String,
    max_leases: u32,
    /// Taken to take a lease.
    mutex: Core,
    held: Arc<Held>,
    serial: Mutex<()>,
    cancel: watch::Sender<u64>,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("path", &self.inner.path)
            .field("identifier", &self.inner.identifier)
            .field("max_leases", &self.inner.max_leases)
            .field("held", &self.inner.held)
            .finish()
    }
}

/// Why taking a lease stopped short.
enum Short {
    /// The pool lock was lost: take it again.
    MutexLost,
    /// The pool lock is not `Acquired` now: check it again.
    Again,
    /// Gave up, or failed.
    Failed(LockError),
}

impl From<LockError> for Short {
    fn from(err: LockError) -> Self {
        Self::Failed(err)
    }
}

impl From<zookit::Error> for Short {
    fn from(err: zookit::Error) -> Self {
        Self::Failed(err.into())
    }
}

impl Semaphore {
    /// A semaphore at `path` with `max_leases` leases; `identifier` is
    /// stored in the lease (see [`lease_holders`](Self::lease_holders)).
    /// Nothing is sent until it is acquired.
    pub fn new(
        client: &Client,
        path: impl Into<String>,
        identifier: impl Into<String>,
        max_leases: u32,
    ) -> Self {
        let path = path.into();
        let identifier = identifier.into();
        let mutex = Core::new(
            client,
            format!("{path}-{}", crate::contenders::LOCK_NAME),
            identifier.clone(),
            EXCLUSIVE,
        );
        Self {
            inner: Arc::new(Inner {
                client: client.clone(),
                path,
                identifier,
                max_leases,
                mutex,
                held: Held::new(client),
                serial: Mutex::new(()),
                cancel: watch::channel(0).0,
            }),
        }
    }

    /// The semaphore's path (the lease pool).
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The identifier stored in this holder's lease.
    pub fn identifier(&self) -> &str {
        &self.inner.identifier
    }

    /// The number of leases.
    pub fn max_leases(&self) -> u32 {
        self.inner.max_leases
    }

    /// Takes a lease (kazoo's `acquire(blocking, timeout)`): `true` once
    /// held (at once if this semaphore holds one already). Without
    /// `blocking`, `false` if no lease is free now. Fails with
    /// [`LockError::Timeout`] if `timeout` passes first,
    /// [`LockError::Cancelled`] on [`cancel`](Self::cancel),
    /// [`LockError::MaxLeasesMismatch`] if the pool stores another number
    /// of leases, and at once with the client's error if the client is
    /// stopped, not started, or its session expired.
    pub async fn acquire(
        &self,
        blocking: bool,
        timeout: Option<Duration>,
    ) -> Result<bool, LockError> {
        Ok(self.acquire_lease(blocking, timeout).await?.is_some())
    }

    /// Takes a lease, waiting as long as it takes (or until
    /// [`cancel`](Self::cancel)), and returns a guard that releases it when
    /// dropped.
    pub async fn lease(&self) -> Result<LockGuard, LockError> {
        match self.acquire_lease(true, None).await? {
            Some(acquisition) => {
                Ok(LockGuard::new(Arc::clone(&self.inner.held), acquisition, &self.inner.path))
            }
            None => Err(LockError::Cancelled { path: self.inner.path.clone() }),
        }
    }

    async fn acquire_lease(
        &self,
        blocking: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<Arc<Acquisition>>, LockError> {
        let inner = &*self.inner;
        let path = inner.path.as_str();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut cancel = Cancel::new(inner.cancel.subscribe());
        let gave_up = |timed_out: bool| {
            if timed_out {
                LockError::Timeout { path: path.to_owned(), timeout: timeout.unwrap_or_default() }
            } else {
                LockError::Cancelled { path: path.to_owned() }
            }
        };
        let runtime = runtime()?;
        let _serial = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(gave_up(false)),
            () = sleep_until(deadline) => return Err(gave_up(true)),
            serial = inner.serial.lock() => serial,
        };
        if let Some(acquisition) = inner.held.acquisition() {
            // kazoo: "Do we already have a lease?"
            return Ok(Some(acquisition));
        }
        if inner.max_leases == 0 {
            return Err(zookit::__transitional::invalid_argument(format!(
                "a semaphore needs at least one lease ({path})"
            ))
            .into());
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(gave_up(false)),
            () = sleep_until(deadline) => return Err(gave_up(true)),
            checked = self.ensure_pool_riding_out_losses() => checked?,
        }
        let mut pending = Pending::new(&inner.client, runtime.clone(), path);
        let outcome = loop {
            // The pool lock first (its own timeout and cancel clean it up).
            let mutex = match inner
                .mutex
                .acquire_until(blocking, deadline, timeout, cancel.clone(), path)
                .await
            {
                Ok(Some(mutex)) => mutex,
                Ok(None) => break Ok(None),
                Err(err) => break Err(err),
            };
            let outcome = tokio::select! {
                biased;
                () = cancel.cancelled() => Err(Short::Failed(gave_up(false))),
                () = sleep_until(deadline) => Err(Short::Failed(gave_up(true))),
                outcome = self.take_lease(blocking, &mutex, &mut pending) => outcome,
            };
            if let Err(err) = inner.mutex.release().await {
                tracing::warn!(%err, path, "cannot release the semaphore's lock");
            }
            match outcome {
                Ok(won) => break Ok(won),
                Err(Short::MutexLost | Short::Again) => {}
                Err(Short::Failed(err)) => break Err(err),
            }
        };
        match outcome {
            Ok(Some(won)) => {
                pending.keep();
                Ok(Some(inner.held.begin(&inner.client, won, runtime)))
            }
            Ok(None) => {
                pending.clean_up().await?;
                Ok(None)
            }
            Err(err) => {
                if let Err(cleanup) = pending.clean_up().await {
                    tracing::warn!(err = %cleanup, path, "cannot delete a lease");
                }
                Err(err)
            }
        }
    }

    /// [`ensure_pool`](Self::ensure_pool), waiting for the connection
    /// after a loss (the caller bounds it).
    async fn ensure_pool_riding_out_losses(&self) -> Result<(), LockError> {
        let weak = self.inner.client.downgrade();
        loop {
            match self.ensure_pool().await {
                Err(LockError::Client(err)) if is_retryable(&err) => wait_writable(&weak).await?,
                other => return other,
            }
        }
    }

    /// Creates the pool with `max_leases`, or checks the number it stores
    /// (non-numeric data is left alone, as kazoo does; empty data is set).
    async fn ensure_pool(&self) -> Result<(), LockError> {
        let inner = &*self.inner;
        let (client, path, max) = (&inner.client, inner.path.as_str(), inner.max_leases);
        with_retries(client, || async {
            loop {
                match client.create(path, max.to_string()).makepath().await {
                    Ok(_) => return Ok(()),
                    Err(e) if e.is_node_exists() => {}
                    Err(e) => return Err(e.into()),
                }
                let (data, stat) = match client.get(path).await {
                    Err(e) if e.is_no_node() => continue,
                    other => other?,
                };
                if data.is_empty() {
                    match client.set(path, max.to_string()).version(stat.version).await {
                        Err(e) if e.is_bad_version() || e.is_no_node() => continue,
                        other => {
                            other?;
                            return Ok(());
                        }
                    }
                }
                let stored =
                    std::str::from_utf8(&data).ok().and_then(|s| s.trim().parse::<u64>().ok());
                return match stored {
                    Some(stored) if stored != u64::from(max) => Err(LockError::MaxLeasesMismatch {
                        path: path.to_owned(),
                        stored,
                        expected: max,
                    }),
                    _ => Ok(()),
                };
            }
        })
        .await
    }

    /// With the pool lock held: takes a free lease, or waits for one.
    async fn take_lease(
        &self,
        blocking: bool,
        mutex: &Acquisition,
        pending: &mut Pending,
    ) -> Result<Option<Won>, Short> {
        let inner = &*self.inner;
        let client = &inner.client;
        let weak = client.downgrade();
        let lease = join_path(&inner.path, pending.prefix());
        loop {
            match mutex.state() {
                LockState::Acquired => {}
                LockState::Suspended => {
                    // Held again if the session survives.
                    mutex.wait_while(LockState::Suspended).await;
                    continue;
                }
                LockState::Lost | LockState::Released => return Err(Short::MutexLost),
            }
            let Some(mutex_node) = inner.mutex.held().node() else { return Err(Short::MutexLost) };
            match self.try_lease(blocking, mutex, &mutex_node, &lease, pending).await {
                Err(Short::Failed(LockError::Client(err))) if is_retryable(&err) => {
                    wait_writable(&weak).await?;
                }
                Err(Short::Again) => {}
                other => return other,
            }
        }
    }

    /// One try of [`take_lease`](Self::take_lease).
    async fn try_lease(
        &self,
        blocking: bool,
        mutex: &Acquisition,
        mutex_node: &str,
        lease: &str,
        pending: &mut Pending,
    ) -> Result<Option<Won>, Short> {
        let inner = &*self.inner;
        let client = &inner.client;
        loop {
            let (children, _, watch) = client.get_children_watch(&inner.path).await?;
            let ours = children.iter().any(|child| child == pending.prefix());
            if !ours && children.len() < inner.max_leases as usize {
                // Only while the pool lock is ours: then nobody else
                // creates a lease meanwhile, even if our session is gone
                // and another holds the pool lock now.
                pending.sending(session_of(client));
                let results = client
                    .transaction()
                    .check(mutex_node, -1)
                    .create(lease, inner.identifier.as_bytes(), CreateMode::Ephemeral)
                    .commit()
                    .await?;
                match &results[..] {
                    [Err(e), ..] if e.is_no_node() => return Err(Short::MutexLost),
                    // Created by a try whose reply was lost.
                    [_, Err(e)] if e.is_node_exists() => {}
                    [Ok(_), Ok(_)] => {}
                    _ => {
                        // The op that failed, not those rolled back.
                        let err = results
                            .into_iter()
                            .filter_map(Result::err)
                            .find(|e| !e.is_rolled_back());
                        let err = err.unwrap_or_else(|| {
                            zookit::__transitional::invalid_argument("unexpected result")
                        });
                        return Err(err.into());
                    }
                }
            } else if !ours {
                if !blocking {
                    return Ok(None);
                }
                tokio::select! {
                    _ = watch => {}
                    // Checked again by the caller.
                    _ = mutex.lost() => return Err(Short::Again),
                }
                continue;
            }
            let (stat, watch) = client.exists_watch(lease).await?;
            if let Some(stat) = stat {
                return Ok(Some(Won {
                    node: lease.to_owned(),
                    session: stat.ephemeral_owner,
                    watch,
                }));
            }
        }
    }

    /// Releases the lease: `Released` at once, then its node is deleted
    /// (before this returns when the connection allows, else once it is
    /// back). `false` if none was held.
    pub async fn release(&self) -> Result<bool, LockError> {
        Ok(self.inner.held.release(None).await?)
    }

    /// Makes every acquisition in progress fail with
    /// [`LockError::Cancelled`].
    pub fn cancel(&self) {
        self.inner.cancel.send_modify(|epoch| *epoch = epoch.wrapping_add(1));
    }

    /// The identifiers of the lease holders, in the order they took their
    /// leases (kazoo's `lease_holders()`); empty if the pool does not exist.
    pub async fn lease_holders(&self) -> Result<Vec<String>, LockError> {
        let (client, path) = (&self.inner.client, self.inner.path.as_str());
        with_retries(client, || async {
            let children = match client.get_children(path).await {
                Err(e) if e.is_no_node() => return Ok(Vec::new()),
                other => other?,
            };
            let mut holders = Vec::new();
            for child in children {
                match client.get(&join_path(path, &child)).await {
                    Ok((data, stat)) => {
                        holders.push((stat.czxid, String::from_utf8_lossy(&data).into_owned()));
                    }
                    Err(e) if e.is_no_node() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            holders.sort();
            Ok(holders.into_iter().map(|(_, holder)| holder).collect())
        })
        .await
    }

    /// The lease's state: only [`LockState::Acquired`] means it is held.
    pub fn state(&self) -> LockState {
        self.inner.held.state()
    }

    /// Whether a lease is held now.
    pub fn is_acquired(&self) -> bool {
        self.state().is_acquired()
    }

    /// Every change of the lease's state from now on.
    pub fn states(&self) -> LockStates {
        LockStates::new(self.inner.held.subscribe())
    }

    /// Resolves as soon as no lease is held (at once if none is): with
    /// `Suspended` (possibly lost: stop relying on it), `Lost` or
    /// `Released`.
    pub async fn lost(&self) -> LockState {
        self.inner.held.lost().await
    }

    /// The path of the lease node while one is held.
    pub fn node(&self) -> Option<String> {
        self.inner.held.node()
    }
}
