//! Locks: kazoo's `Lock`, `ReadLock` and `WriteLock`; the error and the
//! states every lock-like recipe of this crate shares.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::runtime::Handle;
use tokio::sync::{Mutex, mpsc, watch};
use tokio::time::Instant;
use zookit::Client;

use crate::contenders::{self, Contest, EXCLUSIVE, Kind, Pending, READER, WRITER, contend};
use crate::hold::{Acquisition, Held};

/// Why a lock, semaphore or election did not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Not acquired within the timeout (kazoo's `LockTimeout`).
    #[error("could not acquire {path} within {timeout:?}")]
    Timeout {
        /// The lock's (semaphore's, election's) path.
        path: String,
        /// The timeout given.
        timeout: Duration,
    },
    /// The acquisition was cancelled with `cancel()` (kazoo's
    /// `CancelledError`).
    #[error("acquiring {path} was cancelled")]
    Cancelled {
        /// The lock's (semaphore's, election's) path.
        path: String,
    },
    /// The semaphore node stores another number of leases than this
    /// semaphore was given (kazoo's "Inconsistent max leases").
    #[error(
        "inconsistent max leases at {path}: the node stores {stored}, this semaphore has {expected}"
    )]
    MaxLeasesMismatch {
        /// The semaphore's path.
        path: String,
        /// The number stored in the node.
        stored: u64,
        /// The number this semaphore was created with.
        expected: u32,
    },
    /// The leader latch was not started, or is closed.
    #[error("the leader latch at {path} is not running (not started, or closed)")]
    NotRunning {
        /// The latch's path.
        path: String,
    },
    /// The client's error: the client is stopped or was never started
    /// ([`is_closed`](zookit::Error::is_closed)), the session expired,
    /// a permission is missing, ...
    #[error(transparent)]
    Client(#[from] zookit::Error),
}

impl LockError {
    /// Whether the acquisition timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// Whether the acquisition was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled { .. })
    }

    /// The client's error, if it is one.
    pub fn client_error(&self) -> Option<&zookit::Error> {
        match self {
            Self::Client(err) => Some(err),
            _ => None,
        }
    }

    /// Whether the client was stopped, closed or never started.
    pub fn is_closed(&self) -> bool {
        self.client_error().is_some_and(zookit::Error::is_closed)
    }
}

/// Where a lock (a semaphore lease, a leadership) stands.
///
/// Only [`Acquired`](Self::Acquired) means it is held: `Suspended` means the
/// connection is down and the session may be lost, so the holder must act
/// as if it were not held (Curator's advice). It comes back to `Acquired`
/// if the session survives; after `Lost` the lock must be acquired anew.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockState {
    /// Not held: never acquired, or released.
    Released,
    /// Held: the session is connected and the lock node is the holder's.
    Acquired,
    /// Possibly lost: the connection is down; the session, and so the
    /// lock, may have ended. Treat it as lost; it comes back to `Acquired`
    /// if the session reconnects in time and the node is still there.
    Suspended,
    /// Lost: the session ended (or was given up after the session timeout),
    /// or the node was deleted. Acquire again for a new holding.
    Lost,
}

impl LockState {
    /// Whether this is [`LockState::Acquired`].
    pub fn is_acquired(self) -> bool {
        self == Self::Acquired
    }
}

impl fmt::Display for LockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Released => "RELEASED",
            Self::Acquired => "ACQUIRED",
            Self::Suspended => "SUSPENDED",
            Self::Lost => "LOST",
        })
    }
}

/// Every change of a lock's state, in order, from `states()`.
#[derive(Debug)]
pub struct LockStates {
    receiver: mpsc::UnboundedReceiver<LockState>,
}

impl LockStates {
    pub(crate) fn new(receiver: mpsc::UnboundedReceiver<LockState>) -> Self {
        Self { receiver }
    }

    /// The next state; `None` once the lock is dropped.
    pub async fn next(&mut self) -> Option<LockState> {
        self.receiver.recv().await
    }

    /// The next state if one is waiting.
    pub fn try_next(&mut self) -> Option<LockState> {
        self.receiver.try_recv().ok()
    }
}

/// Holds an acquisition; releases it when dropped. From `lock()` (of a
/// [`Lock`], [`ReadLock`] or [`WriteLock`]) or
/// [`Semaphore::lease`](crate::Semaphore::lease).
///
/// Dropping a guard cannot wait: the node is then deleted by a task
/// spawned on the runtime the lock was acquired on (the client's, for the
/// blocking client), at once if connected, else once the session is
/// connected again. [`release`](Self::release) deletes it before it
/// returns (when connected). Either way the lock is `Released` at once.
#[must_use = "the lock is released when the guard is dropped"]
#[derive(Debug)]
pub struct LockGuard {
    held: Arc<Held>,
    acquisition: Arc<Acquisition>,
    path: String,
    armed: bool,
}

impl LockGuard {
    pub(crate) fn new(held: Arc<Held>, acquisition: Arc<Acquisition>, path: &str) -> Self {
        Self { held, acquisition, path: path.to_owned(), armed: true }
    }

    /// The lock's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn clone_acquisition(&self) -> Arc<Acquisition> {
        Arc::clone(&self.acquisition)
    }

    /// The state of this acquisition (`Released` or `Lost` once it ended,
    /// even if the lock was acquired again since).
    pub fn state(&self) -> LockState {
        self.acquisition.state()
    }

    /// Whether this acquisition holds the lock now.
    pub fn is_acquired(&self) -> bool {
        self.state().is_acquired()
    }

    /// Resolves as soon as this acquisition no longer holds the lock (at
    /// once if it does not): `Suspended` (possibly lost: stop relying on
    /// it), `Lost` or `Released`.
    pub async fn lost(&self) -> LockState {
        self.acquisition.lost().await
    }

    /// Releases the lock: its node is deleted before this returns when the
    /// connection allows, else once it is back. `false` if this acquisition
    /// had already ended.
    pub async fn release(mut self) -> Result<bool, LockError> {
        self.armed = false;
        Ok(self.held.release(Some(&self.acquisition)).await?)
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if self.armed {
            self.held.release_in_background(Some(&self.acquisition));
        }
    }
}

/// Makes pending acquisitions give up: see `cancel()`.
#[derive(Clone, Debug)]
pub(crate) struct Cancel(watch::Receiver<u64>);

impl Cancel {
    pub(crate) fn new(receiver: watch::Receiver<u64>) -> Self {
        Self(receiver)
    }

    /// Resolves at the first `cancel()` after this token was taken.
    pub(crate) async fn cancelled(&mut self) {
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Sleeps until `deadline`, for ever without one.
pub(crate) async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The runtime to spawn the recipe's tasks on: the caller's.
pub(crate) fn runtime() -> Result<Handle, LockError> {
    Handle::try_current().map_err(|_| {
        zookit::__transitional::invalid_argument(
            "zookit recipes must be used within a Tokio runtime (or through their blocking forms)",
        )
        .into()
    })
}

/// The lock machinery every lock-like recipe shares: one contender at a
/// time, its holding, cancellation.
#[derive(Clone)]
pub(crate) struct Core {
    inner: Arc<CoreInner>,
}

struct CoreInner {
    client: Client,
    contest: Contest,
    identifier: String,
    held: Arc<Held>,
    /// One acquisition at a time.
    serial: Mutex<()>,
    cancel: watch::Sender<u64>,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("path", &self.path())
            .field("identifier", &self.identifier())
            .field("held", &self.inner.held)
            .finish()
    }
}

impl Core {
    pub(crate) fn new(client: &Client, path: String, identifier: String, kind: Kind) -> Self {
        let contest = Contest { path, kind, data: Bytes::from(identifier.clone().into_bytes()) };
        Self {
            inner: Arc::new(CoreInner {
                client: client.clone(),
                contest,
                identifier,
                held: Held::new(client),
                serial: Mutex::new(()),
                cancel: watch::channel(0).0,
            }),
        }
    }

    pub(crate) fn path(&self) -> &str {
        &self.inner.contest.path
    }

    pub(crate) fn identifier(&self) -> &str {
        &self.inner.identifier
    }

    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    pub(crate) fn held(&self) -> &Arc<Held> {
        &self.inner.held
    }

    /// A token that resolves on the next `cancel()`.
    pub(crate) fn cancel_token(&self) -> Cancel {
        Cancel(self.inner.cancel.subscribe())
    }

    pub(crate) fn cancel(&self) {
        self.inner.cancel.send_modify(|epoch| *epoch = epoch.wrapping_add(1));
    }

    /// kazoo's `acquire(blocking, timeout)`.
    pub(crate) async fn acquire(
        &self,
        blocking: bool,
        timeout: Option<Duration>,
    ) -> Result<Option<Arc<Acquisition>>, LockError> {
        let deadline = timeout.map(|t| Instant::now() + t);
        self.acquire_until(blocking, deadline, timeout, self.cancel_token(), self.path()).await
    }

    /// Acquires unless `deadline` passes (then `Timeout` naming `path` and
    /// `timeout`) or `cancel` resolves first. `None`: not acquired, and
    /// `blocking` is false.
    pub(crate) async fn acquire_until(
        &self,
        blocking: bool,
        deadline: Option<Instant>,
        timeout: Option<Duration>,
        mut cancel: Cancel,
        path: &str,
    ) -> Result<Option<Arc<Acquisition>>, LockError> {
        let runtime = runtime()?;
        let gave_up = |timed_out: bool| {
            if timed_out {
                LockError::Timeout { path: path.to_owned(), timeout: timeout.unwrap_or_default() }
            } else {
                LockError::Cancelled { path: path.to_owned() }
            }
        };
        let inner = &*self.inner;
        let _serial = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(gave_up(false)),
            () = sleep_until(deadline) => return Err(gave_up(true)),
            serial = inner.serial.lock() => serial,
        };
        if inner.held.is_holding() {
            // Not re-entrant (as kazoo's): wait for the holding to end.
            if !blocking {
                return Ok(None);
            }
            tokio::select! {
                biased;
                () = cancel.cancelled() => return Err(gave_up(false)),
                () = sleep_until(deadline) => return Err(gave_up(true)),
                () = inner.held.wait_released() => {}
            }
        }
        let client = &inner.client;
        let mut pending = Pending::new(client, runtime.clone(), &inner.contest.path);
        let outcome = tokio::select! {
            biased;
            () = cancel.cancelled() => Err(gave_up(false)),
            () = sleep_until(deadline) => Err(gave_up(true)),
            outcome = contend(client, &inner.contest, blocking, &mut pending) => outcome,
        };
        match outcome {
            Ok(Some(won)) => {
                pending.keep();
                Ok(Some(inner.held.begin(client, won, runtime)))
            }
            Ok(None) => {
                pending.clean_up().await?;
                Ok(None)
            }
            Err(err) => {
                if let Err(cleanup) = pending.clean_up().await {
                    tracing::warn!(err = %cleanup, path, "cannot delete a contender node");
                }
                Err(err)
            }
        }
    }

    pub(crate) async fn release(&self) -> Result<bool, LockError> {
        Ok(self.inner.held.release(None).await?)
    }

    pub(crate) async fn contenders(&self) -> Result<Vec<String>, LockError> {
        let contest = &self.inner.contest;
        contenders::identifiers(&self.inner.client, &contest.path, contest.kind).await
    }

    /// A guard of `acquisition`.
    pub(crate) fn guard(&self, acquisition: Arc<Acquisition>) -> LockGuard {
        LockGuard::new(Arc::clone(&self.inner.held), acquisition, self.path())
    }
}

/// The methods every lock type has, delegating to its [`Core`].
macro_rules! lock_methods {
    ($kind:expr) => {
        /// A lock at `path` for `client`; `identifier` is stored in its
        /// contender node (see [`contenders`](Self::contenders)). Nothing
        /// is sent until it is acquired.
        pub fn new(
            client: &Client,
            path: impl Into<String>,
            identifier: impl Into<String>,
        ) -> Self {
            Self(Core::new(client, path.into(), identifier.into(), $kind))
        }

        /// The lock's path.
        pub fn path(&self) -> &str {
            self.0.path()
        }

        /// The identifier stored in this contender's node.
        pub fn identifier(&self) -> &str {
            self.0.identifier()
        }

        /// Acquires the lock (kazoo's `acquire(blocking, timeout)`): `true`
        /// once acquired. Without `blocking`, `false` if it cannot be
        /// acquired at once. Fails with [`LockError::Timeout`] if
        /// `timeout` passes first, [`LockError::Cancelled`] on
        /// [`cancel`](Self::cancel), and at once with the client's error
        /// if the client is stopped, not started, or its session expired.
        /// Connection losses meanwhile are ridden out. The contender node
        /// is deleted whenever the lock is not acquired.
        ///
        /// Not re-entrant: while this lock is held, a blocking `acquire`
        /// waits until it is released (or lost), a non-blocking one
        /// returns `false`.
        pub async fn acquire(
            &self,
            blocking: bool,
            timeout: Option<Duration>,
        ) -> Result<bool, LockError> {
            Ok(self.0.acquire(blocking, timeout).await?.is_some())
        }

        /// Acquires the lock, waiting as long as it takes (or until
        /// [`cancel`](Self::cancel)), and returns a guard that releases it
        /// when dropped.
        pub async fn lock(&self) -> Result<LockGuard, LockError> {
            self.lock_until(None).await
        }

        /// Like [`lock`](Self::lock), failing with [`LockError::Timeout`]
        /// after `timeout`.
        pub async fn lock_timeout(&self, timeout: Duration) -> Result<LockGuard, LockError> {
            self.lock_until(Some(timeout)).await
        }

        async fn lock_until(&self, timeout: Option<Duration>) -> Result<LockGuard, LockError> {
            match self.0.acquire(true, timeout).await? {
                Some(acquisition) => Ok(self.0.guard(acquisition)),
                None => Err(LockError::Cancelled { path: self.path().to_owned() }),
            }
        }

        /// Releases the lock: `Released` at once, then its node is deleted
        /// (before this returns when the connection allows, else once it is
        /// back). `false` if it was not held.
        pub async fn release(&self) -> Result<bool, LockError> {
            self.0.release().await
        }

        /// Makes every acquisition of this lock in progress (in any task)
        /// fail with [`LockError::Cancelled`], deleting its node. Later
        /// acquisitions are not affected.
        pub fn cancel(&self) {
            self.0.cancel()
        }

        /// The identifiers of the contenders, holders first (kazoo's
        /// `contenders()`): the data of their nodes, in order.
        pub async fn contenders(&self) -> Result<Vec<String>, LockError> {
            self.0.contenders().await
        }

        /// The lock's state: only [`LockState::Acquired`] means it is held.
        pub fn state(&self) -> LockState {
            self.0.held().state()
        }

        /// Whether the lock is held now: acquired, and the session connected.
        pub fn is_acquired(&self) -> bool {
            self.state().is_acquired()
        }

        /// Every change of the lock's state from now on.
        pub fn states(&self) -> LockStates {
            LockStates::new(self.0.held().subscribe())
        }

        /// Resolves as soon as the lock is not held (at once if it is
        /// not): with `Suspended` (possibly lost: stop relying on it),
        /// `Lost` or `Released`. A suspension is reported however briefly
        /// it lasted.
        pub async fn lost(&self) -> LockState {
            self.0.held().lost().await
        }

        /// The path of this contender's node while it holds the lock.
        pub fn node(&self) -> Option<String> {
            self.0.held().node()
        }
    };
}

/// kazoo's `Lock`: an exclusive lock. Cheap to clone; clones are the same
/// lock (one may [`cancel`](Self::cancel) another's acquisition).
///
/// Contenders create ephemeral sequential nodes
/// `{path}/{random prefix}__lock__{sequence}` holding their identifier;
/// the first holds the lock, and each of the others watches only the one
/// just before it. See the [crate documentation](crate) for the state
/// rules and an example.
#[derive(Clone, Debug)]
#[doc(alias("InterProcessMutex"))]
pub struct Lock(pub(crate) Core);

impl Lock {
    lock_methods!(EXCLUSIVE);
}

/// kazoo's `ReadLock`: the shared side of a read/write lock. Readers hold
/// it together; a reader waits only for the writers before it. Nodes are
/// named `__rlock__`; use the same path as the [`WriteLock`]s.
#[derive(Clone, Debug)]
#[doc(alias("InterProcessReadWriteLock"))]
pub struct ReadLock(pub(crate) Core);

impl ReadLock {
    lock_methods!(READER);
}

/// kazoo's `WriteLock`: the exclusive side of a read/write lock. A writer
/// waits for every contender before it, readers and writers. Nodes are
/// named `__lock__`, so a `WriteLock` also excludes (and is excluded by) a
/// [`Lock`] on the same path.
#[derive(Clone, Debug)]
#[doc(alias("InterProcessReadWriteLock"))]
pub struct WriteLock(pub(crate) Core);

impl WriteLock {
    lock_methods!(WRITER);
}
