//! Leases that do not block (kazoo's `NonBlockingLease` and
//! `MultiNonBlockingLease`): a holder and an end time in a node, decided
//! under a [`Lock`], in kazoo's data format so that kazoo clients share
//! them.

mod stored;
mod time;

use std::future::IntoFuture;
use std::time::{Duration, SystemTime};

use zookit::{Client, join_path};

use crate::error::{At, Error, Result};
use crate::lock::Lock;
use stored::{FORMAT_VERSION, Stored};
use time::{at, seconds};

/// The node under the lease's path that holds the holder and the end.
const HOLDER: &str = "lease_holder";

/// How long obtaining a lease waits at most for the lock under which it
/// is decided, unless [`LeaseOptions::lock_timeout`] says otherwise.
pub const DEFAULT_LEASE_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of [`NonBlockingLease::obtain_with`] and
/// [`MultiNonBlockingLease::obtain_with`].
#[derive(Clone, Debug)]
pub struct LeaseOptions {
    /// The time to decide by, instead of the system clock (kazoo's
    /// `utcnow`, for tests). The lease stores times of the clients'
    /// clocks, so they must be roughly synchronized.
    pub now: Option<SystemTime>,
    /// How long to wait at most for the lock under which the lease is
    /// decided; past it the lease is not obtained.
    pub lock_timeout: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        Self { now: None, lock_timeout: DEFAULT_LEASE_LOCK_TIMEOUT }
    }
}

/// An exclusive lease that does not block (kazoo's `NonBlockingLease`):
/// obtaining it either gets it at once or not. Only one identifier holds
/// it at a time, until its end; the holder renews it by obtaining it again
/// with the same identifier.
///
/// The lease is decided under a [`Lock`] on its path and stored in
/// `{path}/lease_holder` as kazoo stores it (JSON with the holder and the
/// end, in UTC, to the second).
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::NonBlockingLease;
///
/// // Hold the lease over an hour, to keep the job on the same machine
/// // with failover if it dies.
/// let lease = NonBlockingLease::obtain(
///     &zk,
///     "/db_leases/hourly_cleanup",
///     Duration::from_secs(70 * 60),
///     "DB hourly cleanup on host-1",
/// )
/// .await?;
/// if lease.obtained() {
///     // do_hourly_database_cleanup()
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct NonBlockingLease {
    client: Client,
    path: String,
    identifier: String,
    end: Option<SystemTime>,
}

impl NonBlockingLease {
    /// Tries to obtain the lease at `path` for `duration` as `identifier`
    /// (reuse the identifier to renew it).
    pub async fn obtain(
        client: &Client,
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
    ) -> Result<Self> {
        Self::obtain_with(client, path, duration, identifier, &LeaseOptions::default()).await
    }

    /// Like [`obtain`](Self::obtain), with options (a clock, the lock
    /// timeout).
    pub async fn obtain_with(
        client: &Client,
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
        options: &LeaseOptions,
    ) -> Result<Self> {
        let (path, identifier) = (path.into(), identifier.into());
        let end = attempt(client, &path, duration, &identifier, options).await.at(&path)?;
        Ok(Self { client: client.clone(), path, identifier, end })
    }

    /// Whether the lease was obtained (kazoo's `bool(lease)`).
    pub fn obtained(&self) -> bool {
        self.end.is_some()
    }

    /// When the obtained lease ends (to the second); `None` if it was not
    /// obtained.
    pub fn end(&self) -> Option<SystemTime> {
        self.end
    }

    /// The lease's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The identifier it was asked for.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Gives the lease up before its end (not in kazoo): deletes the holder
    /// node if this identifier still holds the lease. `true` if it did.
    pub async fn release(&self) -> Result<bool> {
        if !self.obtained() {
            return Ok(false);
        }
        self.delete_holder().await.at(&self.path)
    }

    async fn delete_holder(&self) -> zookit::Result<bool> {
        let client = &self.client;
        let holder = join_path(&self.path, HOLDER);
        let (raw, stat) = match client.retry(|| client.get(&holder)).await {
            Ok(read) => read,
            Err(e) if e.is_no_node() => return Ok(false),
            Err(e) => return Err(e),
        };
        match Stored::decode(&raw) {
            Some(stored) if stored.holder == self.identifier => {}
            _ => return Ok(false),
        }
        match client.retry(|| client.delete(&holder).version(stat.version).into_future()).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_no_node() || e.is_bad_version() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The methods of a multi lease (async or blocking): which of its leases
/// was obtained, if any.
macro_rules! multi_lease_methods {
    ($lease:ty) => {
        /// Whether one of the leases was obtained.
        pub fn obtained(&self) -> bool {
            self.lease.is_some()
        }

        /// Which of the leases was obtained (0 to `count - 1`).
        pub fn index(&self) -> Option<usize> {
            self.index
        }

        /// The lease obtained.
        pub fn lease(&self) -> Option<&$lease> {
            self.lease.as_ref()
        }
    };
}

pub(crate) use multi_lease_methods;

/// A lease that up to `count` holders share (kazoo's
/// `MultiNonBlockingLease`): obtaining it tries the leases `{path}/0`,
/// `{path}/1`, ... up to `count - 1` and takes the first that can be had.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit_recipes::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::MultiNonBlockingLease;
///
/// // At most 3 hosts run the job.
/// let lease = MultiNonBlockingLease::obtain(&zk, 3, "/leases/job", Duration::from_secs(600), "host-1").await?;
/// if lease.obtained() {
///     // run the job
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct MultiNonBlockingLease {
    lease: Option<NonBlockingLease>,
    index: Option<usize>,
}

impl MultiNonBlockingLease {
    /// Tries to obtain one of `count` leases under `path` for `duration`
    /// as `identifier`.
    pub async fn obtain(
        client: &Client,
        count: usize,
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
    ) -> Result<Self> {
        Self::obtain_with(client, count, path, duration, identifier, &LeaseOptions::default()).await
    }

    /// Like [`obtain`](Self::obtain), with options.
    pub async fn obtain_with(
        client: &Client,
        count: usize,
        path: impl Into<String>,
        duration: Duration,
        identifier: impl Into<String>,
        options: &LeaseOptions,
    ) -> Result<Self> {
        let (path, identifier) = (path.into(), identifier.into());
        for index in 0..count {
            let lease_path = join_path(&path, &index.to_string());
            let lease =
                NonBlockingLease::obtain_with(client, lease_path, duration, &identifier, options)
                    .await?;
            if lease.obtained() {
                return Ok(Self { lease: Some(lease), index: Some(index) });
            }
        }
        Ok(Self { lease: None, index: None })
    }

    multi_lease_methods!(NonBlockingLease);
}

/// kazoo's `_attempt_obtaining`: under the lock, takes the lease if it is
/// free, expired or this identifier's. Returns the new end if obtained.
async fn attempt(
    client: &Client,
    path: &str,
    duration: Duration,
    identifier: &str,
    options: &LeaseOptions,
) -> Result<Option<SystemTime>> {
    client.retry(|| client.ensure_path(path)).await?;
    let lock = Lock::new(client, path, identifier);
    let guard = match lock.lock_timeout(options.lock_timeout).await {
        Ok(guard) => guard,
        // Someone else is deciding it now and does not let go: not ours.
        Err(e) if e.is_timeout() || e.is_cancelled() => return Ok(None),
        Err(e) => return Err(e),
    };
    let decided = decide(client, path, duration, identifier, options).await;
    // The lock goes either way; its node goes with the session at worst.
    if let Err(e) = guard.release().await {
        tracing::debug!(error = %e, "lease: the lock could not be released at once");
    }
    decided
}

/// Takes the lease if it is free, expired or `identifier`'s (the lock on
/// the lease is held). Returns the new end if obtained.
async fn decide(
    client: &Client,
    path: &str,
    duration: Duration,
    identifier: &str,
    options: &LeaseOptions,
) -> Result<Option<SystemTime>> {
    let now = options.now.unwrap_or_else(SystemTime::now);
    let holder = join_path(path, HOLDER);
    let current = match client.retry(|| client.get(&holder)).await {
        Ok((raw, stat)) => {
            let stored = Stored::decode(&raw).ok_or_else(|| {
                Error::corrupt(format!(
                    "{holder} holds {:?}, not a lease in kazoo's format",
                    String::from_utf8_lossy(&raw)
                ))
            })?;
            if stored.version != FORMAT_VERSION {
                return Ok(None);
            }
            if stored.holder != identifier && now < at(stored.end) {
                return Ok(None);
            }
            Some(stat.version)
        }
        Err(e) if e.is_no_node() => None,
        Err(e) => return Err(e.into()),
    };
    let end = seconds(now.checked_add(duration).unwrap_or(now));
    let data = Stored { version: FORMAT_VERSION, holder: identifier.to_owned(), end }.encode();
    let written = match current {
        Some(version) => client
            .retry(|| client.set(&holder, &data).version(version).into_future())
            .await
            .map(drop),
        None => client.retry(|| client.create(&holder, &data).into_future()).await.map(drop),
    };
    match written {
        Ok(()) => Ok(Some(at(end))),
        // Changed by a client that does not take the lock (or a write of
        // ours whose answer was lost): read it again to see who holds it.
        Err(e) if e.is_bad_version() || e.is_node_exists() => {
            let (raw, _) = client.retry(|| client.get(&holder)).await?;
            let ours = Stored::decode(&raw).is_some_and(|s| s.holder == identifier && s.end == end);
            Ok(ours.then(|| at(end)))
        }
        Err(e) => Err(e.into()),
    }
}
