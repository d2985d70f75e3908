//! The blocking [`Semaphore`].

use std::time::Duration;

use zookit::blocking::Client;

use super::lock::{LockGuard, acquirer_methods};
use super::run::OnClient;
use crate::{LockState, Result};

/// The blocking form of [`crate::Semaphore`] (kazoo's `Semaphore`).
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
/// let semaphore = zookit_recipes::blocking::Semaphore::new(&zk, "/leasepath", "my-identifier", 2);
/// {
///     let _lease = semaphore.lease()?; // blocks until a lease is free
///     // do something with the semaphore
/// } // released
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Semaphore(OnClient<crate::Semaphore>);

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
        Self(OnClient::new(client, semaphore))
    }

    /// The async semaphore this one runs.
    pub fn as_async(&self) -> &crate::Semaphore {
        self.0.recipe()
    }

    /// The semaphore's path.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// The number of leases.
    pub fn max_leases(&self) -> u32 {
        self.0.recipe().max_leases()
    }

    /// The identifiers of the lease holders.
    pub fn lease_holders(&self) -> Result<Vec<String>> {
        self.0.run(|semaphore| async move { semaphore.lease_holders().await })
    }

    acquirer_methods!(lease, lease_timeout);
}
