//! kazoo's `Semaphore`: at most `max_leases` holders at a time.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use zookit::{Client, CreateMode, join_path};

use crate::acquirer::{Acquirer, Holder, acquirer_methods, conclude};
use crate::connection::{is_retryable_error, session_of, wait_writable, with_retries};
use crate::contenders::{EXCLUSIVE, LOCK_NAME, Pending, Won};
use crate::error::{At, Error, Result};
use crate::guard::LockGuard;
use crate::hold::Acquisition;
use crate::limits::Limits;
use crate::lock::Core;
use crate::runtime::runtime;
use crate::state::{LockState, LockStates};
use crate::transaction::first_failure;

/// kazoo's `Semaphore`: up to `max_leases` holders at a time, each holding
/// a lease. Cheap to clone; clones are the same semaphore.
///
/// As kazoo's: the lease pool is the node at `path`, whose data is
/// `max_leases` (every semaphore on the path must agree, or
/// [`is_max_leases_mismatch`](Error::is_max_leases_mismatch)); each lease is an ephemeral child
/// holding its holder's identifier; a lock at `{path}-__lock__` lets one
/// contender at a time take a free lease, so that only that one watches
/// the pool. A lease is created only while that lock's node exists (one
/// transaction checks it), so no more than `max_leases` leases ever exist,
/// whatever the faults.
///
/// A lease's state follows the session as a lock's does ([`LockState`]):
/// only `Acquired` means it is held. While this semaphore holds a lease,
/// `acquire` returns `true` at once (kazoo: "Do we already have a lease?").
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
    holder: Holder,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("path", &self.inner.path)
            .field("identifier", &self.inner.identifier)
            .field("max_leases", &self.inner.max_leases)
            .field("held", &self.inner.holder.held)
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
    Failed(Error),
}

impl<E: Into<Error>> From<E> for Short {
    fn from(err: E) -> Self {
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
        let mutex = Core::new(client, format!("{path}-{LOCK_NAME}"), identifier.clone(), EXCLUSIVE);
        Self {
            inner: Arc::new(Inner {
                client: client.clone(),
                path,
                identifier,
                max_leases,
                mutex,
                holder: Holder::new(client),
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

    /// [`ensure_pool`](Self::ensure_pool), waiting for the connection
    /// after a loss (the caller bounds it).
    async fn ensure_pool_riding_out_losses(&self) -> Result<()> {
        let weak = self.inner.client.downgrade();
        loop {
            match self.ensure_pool().await {
                Err(err) if is_retryable_error(&err) => wait_writable(&weak).await?,
                other => return other,
            }
        }
    }

    /// Creates the pool with `max_leases`, or checks the number it stores
    /// (non-numeric data is left alone, as kazoo does; empty data is set).
    async fn ensure_pool(&self) -> Result<()> {
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
                    Some(stored) if stored != u64::from(max) => {
                        Err(Error::max_leases_mismatch(stored, max))
                    }
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
                Err(Short::Failed(err)) if is_retryable_error(&err) => {
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
                    _ => first_failure(results)?,
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

    /// The identifiers of the lease holders, in the order they took their
    /// leases (kazoo's `lease_holders()`); empty if the pool does not exist.
    pub async fn lease_holders(&self) -> Result<Vec<String>> {
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
        .at(path)
    }

    fn acquirer(&self) -> &Self {
        self
    }

    acquirer_methods!(lease, lease_timeout);
}

impl Acquirer for Semaphore {
    fn path(&self) -> &str {
        &self.inner.path
    }

    fn holder(&self) -> &Holder {
        &self.inner.holder
    }

    async fn acquire_within(
        &self,
        blocking: bool,
        mut limits: Limits,
    ) -> Result<Option<Arc<Acquisition>>> {
        let inner = &*self.inner;
        let runtime = runtime()?;
        let held = self.held();
        let _serial = limits.run(inner.holder.serial.lock()).await?;
        if let Some(acquisition) = held.acquisition() {
            // kazoo: "Do we already have a lease?"
            return Ok(Some(acquisition));
        }
        if inner.max_leases == 0 {
            return Err(Error::invalid_argument("a semaphore needs at least one lease"));
        }
        limits.run(self.ensure_pool_riding_out_losses()).await??;
        let mut pending = Pending::new(&inner.client, runtime.clone(), &inner.path);
        let outcome = loop {
            // The pool lock first (its own limits clean it up).
            let mutex = match inner.mutex.acquire_within(blocking, limits.clone()).await {
                Ok(Some(mutex)) => mutex,
                Ok(None) => break Ok(None),
                Err(err) => break Err(err),
            };
            let outcome = limits
                .run(self.take_lease(blocking, &mutex, &mut pending))
                .await
                .unwrap_or_else(|gave_up| Err(Short::Failed(gave_up)));
            if let Err(err) = inner.mutex.held().release(None).await {
                tracing::warn!(%err, "cannot release the semaphore's lock");
            }
            match outcome {
                Ok(won) => break Ok(won),
                Err(Short::MutexLost | Short::Again) => {}
                Err(Short::Failed(err)) => break Err(err),
            }
        };
        conclude(held, &inner.client, runtime, pending, outcome).await
    }
}
