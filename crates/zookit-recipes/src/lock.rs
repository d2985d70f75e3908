//! Locks: kazoo's `Lock`, `ReadLock` and `WriteLock`, and the machinery
//! they share with the elections.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use zookit::Client;

use crate::acquirer::{Acquirer, Holder, acquirer_methods, conclude};
use crate::contenders::{self, Contest, EXCLUSIVE, Kind, Pending, READER, WRITER, contend};
use crate::error::{At, Result};
use crate::guard::LockGuard;
use crate::hold::Acquisition;
use crate::limits::Limits;
use crate::runtime::runtime;
use crate::state::{LockState, LockStates};

/// The lock machinery: one contender at a time, its holding, cancellation.
#[derive(Clone)]
pub(crate) struct Core {
    inner: Arc<CoreInner>,
}

struct CoreInner {
    client: Client,
    contest: Contest,
    identifier: String,
    holder: Holder,
}

impl fmt::Debug for Core {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("path", &self.path())
            .field("identifier", &self.identifier())
            .field("held", &self.inner.holder.held)
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
                holder: Holder::new(client),
            }),
        }
    }

    pub(crate) fn identifier(&self) -> &str {
        &self.inner.identifier
    }

    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The identifiers of the contenders, holders first.
    pub(crate) async fn contenders(&self) -> Result<Vec<String>> {
        let contest = &self.inner.contest;
        contenders::identifiers(&self.inner.client, &contest.path, contest.kind)
            .await
            .at(self.path())
    }
}

impl Acquirer for Core {
    fn path(&self) -> &str {
        &self.inner.contest.path
    }

    fn holder(&self) -> &Holder {
        &self.inner.holder
    }

    async fn acquire_within(
        &self,
        blocking: bool,
        mut limits: Limits,
    ) -> Result<Option<Arc<Acquisition>>> {
        let runtime = runtime()?;
        let (inner, held) = (&*self.inner, self.held());
        let _serial = limits.run(inner.holder.serial.lock()).await?;
        if held.is_holding() {
            // Not re-entrant (as kazoo's): wait for the holding to end.
            if !blocking {
                return Ok(None);
            }
            limits.run(held.wait_released()).await?;
        }
        let client = &inner.client;
        let mut pending = Pending::new(client, runtime.clone(), &inner.contest.path);
        let outcome = limits.run(contend(client, &inner.contest, blocking, &mut pending)).await;
        conclude(held, client, runtime, pending, outcome.and_then(|won| won)).await
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

        /// The identifiers of the contenders, holders first (kazoo's
        /// `contenders()`): the data of their nodes, in order.
        pub async fn contenders(&self) -> Result<Vec<String>> {
            self.0.contenders().await
        }

        fn acquirer(&self) -> &Core {
            &self.0
        }

        acquirer_methods!(lock, lock_timeout);
    };
}

/// kazoo's `Lock`: an exclusive lock. Cheap to clone; clones are the same
/// lock (one may [`cancel`](Self::cancel) another's acquisition).
///
/// Contenders create ephemeral sequential nodes
/// `{path}/{random prefix}__lock__{sequence}` holding their identifier;
/// the first holds the lock, and each of the others watches only the one
/// just before it. Not re-entrant (as kazoo's): while it is held, a
/// blocking `acquire` waits until it is released (or lost), a non-blocking
/// one returns `false`. See the [crate documentation](crate) for the state
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
