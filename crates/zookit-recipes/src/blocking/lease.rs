//! Blocking leases: [`NonBlockingLease`] and [`MultiNonBlockingLease`].

use std::time::{Duration, SystemTime};

use zookit::blocking::Client;

use super::run::{OnClient, run_for, waiting};
use crate::lease::multi_lease_methods;
use crate::{LeaseOptions, Result};

/// How long obtaining one lease may block: the lock timeout, and the
/// requests before and after it.
fn obtain_bound(client: &Client, options: &LeaseOptions) -> Duration {
    options.lock_timeout.saturating_add(client.command_timeout().saturating_mul(2))
}

/// A blocking [`crate::NonBlockingLease`].
///
/// ```no_run
/// # fn example(zk: zookit::blocking::Client) -> zookit_recipes::Result<()> {
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
pub struct NonBlockingLease(OnClient<crate::NonBlockingLease>);

impl NonBlockingLease {
    /// Tries to obtain the lease at `path`; see
    /// [`crate::NonBlockingLease::obtain`].
    pub fn obtain(
        client: &Client,
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
    ) -> Result<Self> {
        Self::obtain_with(client, path, duration, identifier, &LeaseOptions::default())
    }

    /// Like [`obtain`](Self::obtain), with options.
    pub fn obtain_with(
        client: &Client,
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
        options: &LeaseOptions,
    ) -> Result<Self> {
        let (zk, path, identifier, options) =
            (client.async_client().clone(), path.into(), identifier.into(), options.clone());
        let bound = waiting(client, Some(obtain_bound(client, &options)));
        let obtaining = {
            let path = path.clone();
            async move {
                crate::NonBlockingLease::obtain_with(&zk, path, duration, identifier, &options)
                    .await
            }
        };
        let lease = run_for(client, &path, bound, obtaining)?;
        Ok(Self(OnClient::new(client, lease)))
    }

    /// The async lease this one holds.
    pub fn as_async(&self) -> &crate::NonBlockingLease {
        self.0.recipe()
    }

    /// Whether the lease was obtained.
    pub fn obtained(&self) -> bool {
        self.0.recipe().obtained()
    }

    /// When the obtained lease ends.
    pub fn end(&self) -> Option<SystemTime> {
        self.0.recipe().end()
    }

    /// The lease's path.
    pub fn path(&self) -> &str {
        self.0.recipe().path()
    }

    /// The identifier it was asked for.
    pub fn identifier(&self) -> &str {
        self.0.recipe().identifier()
    }

    /// Gives the lease up before its end; see
    /// [`crate::NonBlockingLease::release`].
    pub fn release(&self) -> Result<bool> {
        self.0.run(|lease| async move { lease.release().await })
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
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
    ) -> Result<Self> {
        Self::obtain_with(client, count, path, duration, identifier, &LeaseOptions::default())
    }

    /// Like [`obtain`](Self::obtain), with options.
    pub fn obtain_with(
        client: &Client,
        count: usize,
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
        options: &LeaseOptions,
    ) -> Result<Self> {
        let (zk, path, identifier, options) =
            (client.async_client().clone(), path.into(), identifier.into(), options.clone());
        let each = obtain_bound(client, &options);
        let bound = each.saturating_mul(u32::try_from(count).unwrap_or(u32::MAX));
        let obtaining = {
            let path = path.clone();
            async move {
                crate::MultiNonBlockingLease::obtain_with(
                    &zk, count, path, duration, identifier, &options,
                )
                .await
            }
        };
        let multi = run_for(client, &path, waiting(client, Some(bound)), obtaining)?;
        let lease =
            multi.lease().map(|lease| NonBlockingLease(OnClient::new(client, lease.clone())));
        Ok(Self { lease, index: multi.index() })
    }

    multi_lease_methods!(NonBlockingLease);
}
