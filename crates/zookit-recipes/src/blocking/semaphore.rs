//! The blocking [`Semaphore`].

use std::fmt;
use std::time::Duration;

use zookit::blocking::Client;

use super::lock::{LockGuard, run, wait};
use crate::{LockError, LockState};

/// The blocking form of [`crate::Semaphore`] (kazoo's `Semaphore`).
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> Result<(), zookit_recipes::LockError> {
/// let semaphore = zookit_recipes::blocking::Semaphore::new(&zk, "/leasepath", "my-identifier", 2);
/// {
///     let _lease = semaphore.lease()?; // blocks until a lease is free
///     // do something with the semaphore
/// } // released
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Semaphore {
    client: Client,
    semaphore: crate::Semaphore,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.semaphore, f)
    }
}

impl Semaphore {
    /// A semaphore at `path` with `max_leases` leases; see
    /// [`crate::Semaphore::new`].
    pub fn new(
        client: &Client,
        path: impl Into<String>,
        identifier: impl Into<String>,
        max_leases: u32,
    ) -> Self {
        let semaphore = crate::Semaphore::new(client.async_client(), path, identifier, max_leases);
        Self { client: client.clone(), semaphore }
    }

    /// The async semaphore this one runs.
    pub fn as_async(&self) -> &crate::Semaphore {
        &self.semaphore
    }

    /// The semaphore's path.
    pub fn path(&self) -> &str {
        self.semaphore.path()
    }

    /// The number of leases.
    pub fn max_leases(&self) -> u32 {
        self.semaphore.max_leases()
    }

    /// Takes a lease, blocking; see [`crate::Semaphore::acquire`].
    pub fn acquire(&self, blocking: bool, timeout: Option<Duration>) -> Result<bool, LockError> {
        let semaphore = self.semaphore.clone();
        run(&self.client, async move { semaphore.acquire(blocking, timeout).await })
    }

    /// Takes a lease, blocking as long as it takes (or until
    /// [`cancel`](Self::cancel)); the guard releases it when dropped.
    pub fn lease(&self) -> Result<LockGuard, LockError> {
        let semaphore = self.semaphore.clone();
        let guard = run(&self.client, async move { semaphore.lease().await })?;
        Ok(LockGuard::new(&self.client, guard))
    }

    /// Releases the lease; `false` if none was held.
    pub fn release(&self) -> Result<bool, LockError> {
        let semaphore = self.semaphore.clone();
        run(&self.client, async move { semaphore.release().await })
    }

    /// Makes every acquisition in progress fail with
    /// [`LockError::Cancelled`]. Never blocks.
    pub fn cancel(&self) {
        self.semaphore.cancel()
    }

    /// The identifiers of the lease holders.
    pub fn lease_holders(&self) -> Result<Vec<String>, LockError> {
        let semaphore = self.semaphore.clone();
        run(&self.client, async move { semaphore.lease_holders().await })
    }

    /// The lease's state. Never blocks.
    pub fn state(&self) -> LockState {
        self.semaphore.state()
    }

    /// Whether a lease is held now. Never blocks.
    pub fn is_acquired(&self) -> bool {
        self.semaphore.is_acquired()
    }

    /// Blocks until no lease is held, at most `timeout`: `None` if one
    /// still is then.
    pub fn wait_lost(&self, timeout: Option<Duration>) -> Result<Option<LockState>, LockError> {
        let semaphore = self.semaphore.clone();
        wait(&self.client, timeout, async move { semaphore.lost().await })
    }
}
