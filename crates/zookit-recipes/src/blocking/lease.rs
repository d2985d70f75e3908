//! Blocking leases: [`NonBlockingLease`] and [`MultiNonBlockingLease`].

use std::time::{Duration, SystemTime};

use zookit::Result;
use zookit::blocking::Client;

use super::run_bounded::{run, run_for, waiting};
use crate::LeaseOptions;

/// A blocking [`crate::NonBlockingLease`].
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::blocking::NonBlockingLease;
///
/// let lease = NonBlockingLease::obtain(&zk, "/db_leases/hourly_cleanup", Duration::from_secs(70 * 60), "host-1")?;
/// if lease.obtained() {
///     // do_hourly_database_cleanup()
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct NonBlockingLease {
    client: Client,
    lease: crate::NonBlockingLease,
}

impl NonBlockingLease {
    /// Tries to obtain the lease at `path`; see
    /// [`crate::NonBlockingLease::obtain`].
    pub fn obtain(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<Self> {
        Self::obtain_with(client, path, duration, identifier, &LeaseOptions::default())
    }

    /// Like [`obtain`](Self::obtain), with options.
    pub fn obtain_with(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<Self> {
        let (zk, path, identifier, options) = (
            client.async_client().clone(),
            path.to_owned(),
            identifier.to_owned(),
            options.clone(),
        );
        let bound = waiting(client, options.lock_timeout.saturating_add(client.command_timeout()));
        let lease = run_for(client, "lease obtain", bound, async move {
            crate::NonBlockingLease::obtain_with(&zk, &path, duration, &identifier, &options).await
        })?;
        Ok(Self { client: client.clone(), lease })
    }

    /// Whether the lease was obtained.
    pub fn obtained(&self) -> bool {
        self.lease.obtained()
    }

    /// When the obtained lease ends.
    pub fn end(&self) -> Option<SystemTime> {
        self.lease.end()
    }

    /// The lease's path.
    pub fn path(&self) -> &str {
        self.lease.path()
    }

    /// The identifier it was asked for.
    pub fn identifier(&self) -> &str {
        self.lease.identifier()
    }

    /// Gives the lease up before its end; see
    /// [`crate::NonBlockingLease::release`].
    pub fn release(&self) -> Result<bool> {
        let lease = self.lease.clone();
        run(&self.client, "lease release", async move { lease.release().await })
    }
}

/// A blocking [`crate::MultiNonBlockingLease`].
#[derive(Clone, Debug)]
pub struct MultiNonBlockingLease {
    lease: Option<NonBlockingLease>,
    index: Option<usize>,
}

impl MultiNonBlockingLease {
    /// Tries to obtain one of `count` leases under `path`; see
    /// [`crate::MultiNonBlockingLease::obtain`].
    pub fn obtain(
        client: &Client,
        count: usize,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<Self> {
        Self::obtain_with(client, count, path, duration, identifier, &LeaseOptions::default())
    }

    /// Like [`obtain`](Self::obtain), with options.
    pub fn obtain_with(
        client: &Client,
        count: usize,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<Self> {
        for index in 0..count {
            let lease_path = zookit::join_path(path, &index.to_string());
            let lease =
                NonBlockingLease::obtain_with(client, &lease_path, duration, identifier, options)?;
            if lease.obtained() {
                return Ok(Self { lease: Some(lease), index: Some(index) });
            }
        }
        Ok(Self { lease: None, index: None })
    }

    /// Whether one of the leases was obtained.
    pub fn obtained(&self) -> bool {
        self.lease.is_some()
    }

    /// Which of the leases was obtained.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// The lease obtained.
    pub fn lease(&self) -> Option<&NonBlockingLease> {
        self.lease.as_ref()
    }
}
